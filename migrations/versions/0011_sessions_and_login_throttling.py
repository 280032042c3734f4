"""sessions end at logout; messages made when sent; failed logins throttled instead of locking accounts

users.session_version is raised at each logout and is part of every session and remember-me cookie.
A message made when sent (mail_messages.made) has no subject or body until its maker makes them.
login_failures keeps each failed login for the sliding window in which failures are counted; the
lockouts it replaces (users.failed_logins and locked_until, address_lockouts) go.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made', sa.JSON(), nullable=True))
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=True)
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=True)

    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('failed_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('owner_warned', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_email_failed_at', ['email', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
    with op.batch_alter_table('address_lockouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_lockouts_failed_at'))
    op.drop_table('address_lockouts')


def downgrade():
    # The counts start afresh: locks from before the upgrade are long over, failures since do not carry over.
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
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', eventmgr.database.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_failed_at'))
        batch_op.drop_index('ix_login_failures_email_failed_at')
    op.drop_table('login_failures')

    # Messages not made yet cannot be sent without their makers' column: they go.
    op.execute("DELETE FROM mail_messages WHERE body_text IS NULL")
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_column('made')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
