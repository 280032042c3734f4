"""check-in window: the desk checks delegates in from some hours before the start until the last day's end

Each event says how many hours before its start the desk opens (two unless the organisers change it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_in_opens_hours', sa.Integer(), server_default='2', nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('check_in_opens_hours')
