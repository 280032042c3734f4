"""sessions end at logout (users.session_version); messages made when sent (mail_messages.made)

A message made when sent has no subject or body until its maker makes them.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made', sa.JSON(), nullable=True))
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=True)
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=True)


def downgrade():
    # Messages not made yet cannot be sent without their makers' column: they go.
    op.execute("DELETE FROM mail_messages WHERE body_text IS NULL")
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_column('made')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
