"""presenter positions

The order an organiser gives the presenters of an event (everyone in its programme); without one, they are listed
by first appearance in the programme, the host of the welcoming remarks first.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'presenter_positions',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_presenter_positions_event_id_events'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_presenter_positions_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'person_id', name=op.f('pk_presenter_positions')),
    )
    with op.batch_alter_table('presenter_positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presenter_positions_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('presenter_positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presenter_positions_person_id'))
    op.drop_table('presenter_positions')
