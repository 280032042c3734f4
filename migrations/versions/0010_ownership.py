"""ownership: who may create events, own organisations, join series, take roles and edit shared profiles

- users.can_organise: creating events is a capability an admin grants; accounts that already run an event
  keep it.
- organisation_owners: an organisation's entry is changed by its owners (and admins) only.
- series_requests: an event joins another organiser's series only when the series' owner agrees.
- event_role_invitations: a role is offered to an address and taken when its account accepts.
- people.profile_link_sent_at: when the person was last mailed a link to update their own profile.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:00:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_organise', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Whoever organises an event today, or created one, keeps being able to create events.
    op.execute(sa.text(
        "UPDATE users SET can_organise = :yes WHERE id IN (SELECT user_id FROM event_roles WHERE role = 'organiser') "
        "OR id IN (SELECT created_by_id FROM events WHERE created_by_id IS NOT NULL)").bindparams(yes=True))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'organisation_owners',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('granted_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_owners_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_owners_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id', 'user_id', name=op.f('pk_organisation_owners')),
    )
    with op.batch_alter_table('organisation_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_owners_user_id'), ['user_id'], unique=False)

    op.create_table(
        'series_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('edition', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_series_requests_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_series_requests_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_requests_series_id_series'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_series_requests')),
        sa.UniqueConstraint('event_id', name=op.f('uq_series_requests_event_id')),
    )
    with op.batch_alter_table('series_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_requests_series_id'), ['series_id'], unique=False)

    op.create_table(
        'event_role_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_role_invitations_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_event_role_invitations_invited_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_role_invitations')),
        sa.UniqueConstraint('event_id', 'email', 'role', name=op.f('uq_event_role_invitations_event_id_email_role')),
        sa.UniqueConstraint('token', name=op.f('uq_event_role_invitations_token')),
    )
    with op.batch_alter_table('event_role_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_role_invitations_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_link_sent_at', eventmgr.database.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('profile_link_sent_at')
    with op.batch_alter_table('event_role_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_role_invitations_event_id'))
    op.drop_table('event_role_invitations')
    with op.batch_alter_table('series_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_requests_series_id'))
    op.drop_table('series_requests')
    with op.batch_alter_table('organisation_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_owners_user_id'))
    op.drop_table('organisation_owners')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('created_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('can_organise')
