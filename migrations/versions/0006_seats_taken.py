"""seats taken: each event's count of confirmed registrations

Registering reads this number under the event's lock instead of counting the event's confirmed
registrations (eventmgr/registration/seats.py keeps it); filled in here from the registrations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seats_taken', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE events SET seats_taken = (SELECT count(*) FROM registrations "
               "WHERE registrations.event_id = events.id AND registrations.status = 'confirmed')")


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('seats_taken')
