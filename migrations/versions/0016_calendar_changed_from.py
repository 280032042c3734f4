"""what calendars showed before an owed update

Events and sessions keep, from the first change after the last update sent, what their calendar entries
showed before it ({field: value}), so that the update's mail says what changed: old and new time, place, title.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_changed_from', sa.JSON(), nullable=True))
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_changed_from', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_from')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_from')
