"""personal agenda items: whether a mailed invite put the session in the delegate's calendar

A delegate who drops such a session, or cancels their registration, is sent its cancellation so the
entry leaves their calendar (eventmgr/calendar/services.py withdraw_session_entries).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('personal_agenda_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_mailed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('personal_agenda_items', schema=None) as batch_op:
        batch_op.drop_column('calendar_mailed')
