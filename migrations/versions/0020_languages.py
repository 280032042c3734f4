"""languages: the reader's language on accounts and registrations, content in more than one language

Accounts may choose their interface language; a registration keeps the one the delegate registered in, so
their mail is written in it. Events, sessions and presenters keep their content's original language and
translations into others; a document may be a language version of another.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    for table in ('events', 'people', 'announcements'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('original_language', sa.String(length=8), server_default='en', nullable=False))
            batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_translation_of_id'), ['translation_of_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_documents_translation_of_id_documents'), 'documents', ['translation_of_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_translation_of_id_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_translation_of_id'))
        batch_op.drop_column('translation_of_id')
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('translations')
    for table in ('announcements', 'people', 'events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
            batch_op.drop_column('original_language')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
