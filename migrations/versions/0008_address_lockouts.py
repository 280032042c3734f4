"""address lockouts: failed logins with addresses that have no account, locked like an account's

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 12:45:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'address_lockouts',
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('failed_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', eventmgr.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('email', name=op.f('pk_address_lockouts')),
    )
    with op.batch_alter_table('address_lockouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_lockouts_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('address_lockouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_lockouts_failed_at'))
    op.drop_table('address_lockouts')
