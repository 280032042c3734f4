"""programme version and registration list indexes

The events' programme version (calendar files and caches key on it), and indexes that keep the desk's
newest-first list and the attendance count fast at 10,000 registrations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:50:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('programme_changed_at', eventmgr.database.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_event_id_created_at_id', ['event_id', 'created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_registrations_event_id_checked_in_at', ['event_id', 'checked_in_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_event_id_checked_in_at')
        batch_op.drop_index('ix_registrations_event_id_created_at_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('programme_changed_at')
        batch_op.drop_column('programme_version')
