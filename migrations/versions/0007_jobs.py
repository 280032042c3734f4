"""jobs: work for the worker (badges), claimed one at a time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('result', sa.LargeBinary(), nullable=True),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_jobs_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state_id', ['state', 'id'], unique=False)
        batch_op.create_index('ix_jobs_event_id_kind_created_at', ['event_id', 'kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_event_id_kind_created_at')
        batch_op.drop_index('ix_jobs_state_id')
    op.drop_table('jobs')
