"""mail headers and unsubscribing: a message's own headers, a delegate's stop to announcements and reminders

A message sent for an event's organiser names them in From and answers to their address (Reply-To); bulk and
automatic mail says so (Auto-Submitted) and carries a link that stops it (List-Unsubscribe). The registration
keeps when its delegate stopped the event's announcements and reminders.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribed_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('unsubscribed_at')
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_column('headers')
