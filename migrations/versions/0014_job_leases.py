"""job leases: a claimed job is leased until next_attempt_at, as a message being sent is

Jobs, mail and calendar updates are claimed by one helper (eventmgr/queue.py), which pushes a row's due
time on by a lease. Jobs had no such column: a running job was taken for abandoned JOB_TIMEOUT after its
start. Running jobs keep their worker's claim for the default JOB_TIMEOUT from now.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True))
    jobs = sa.table('jobs', sa.column('state', sa.String()),
                    sa.column('created_at', eventmgr.database.UTCDateTime(timezone=True)),
                    sa.column('next_attempt_at', eventmgr.database.UTCDateTime(timezone=True)))
    op.execute(jobs.update().values(next_attempt_at=jobs.c.created_at))
    op.execute(jobs.update().where(jobs.c.state == 'running')
               .values(next_attempt_at=eventmgr.database.utcnow() + timedelta(seconds=900)))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=eventmgr.database.UTCDateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
