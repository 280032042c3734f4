"""formats, attendance modes and delegations

An event's kind (conference, webinar, meeting, workshop) and its format (in person, online, hybrid) become
two columns: the old kind "hybrid" becomes a hybrid conference, a webinar an online webinar, a conference an
in-person one. Each registration gets an attendance mode (online for the delegates of online events), online
places get their own capacity and count (a webinar's capacity moves there), and delegations with their focal
points' invitations get their tables.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:40:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('access_token', sa.String(length=64), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('contact_name', sa.String(length=240), nullable=False),
        sa.Column('contact_email', sa.String(length=254), nullable=False),
        sa.Column('created_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_delegations_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_delegations_organisation_id_organisations'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
        sa.UniqueConstraint('access_token', name=op.f('uq_delegations_access_token')),
        sa.UniqueConstraint('event_id', 'country', name=op.f('uq_delegations_event_id_country')),
        sa.UniqueConstraint('event_id', 'organisation_id', name=op.f('uq_delegations_event_id_organisation_id')),
    )
    op.create_index(op.f('ix_delegations_event_id'), 'delegations', ['event_id'], unique=False)
    op.create_table(
        'delegation_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=240), nullable=True),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_delegation_invitations_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_delegation_invitations_invited_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_invitations')),
        sa.UniqueConstraint('event_id', 'email', name=op.f('uq_delegation_invitations_event_id_email')),
        sa.UniqueConstraint('token', name=op.f('uq_delegation_invitations_token')),
    )
    op.create_index(op.f('ix_delegation_invitations_event_id'), 'delegation_invitations', ['event_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=16), server_default='in_person', nullable=False))
        batch_op.add_column(sa.Column('online_capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('online_seats_taken', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('delegations_enabled', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('delegation_max_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delegation_deadline', eventmgr.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('delegation_countries', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('delegation_organisation_ids', sa.JSON(), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_head', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('attendance_mode', sa.String(length=16), server_default='in_person',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_registrations_delegation_id'), ['delegation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registrations_delegation_id_delegations'), 'delegations',
                                    ['delegation_id'], ['id'], ondelete='SET NULL')

    events = sa.table('events', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                      sa.column('format', sa.String()), sa.column('capacity', sa.Integer()),
                      sa.column('online_capacity', sa.Integer()), sa.column('seats_taken', sa.Integer()),
                      sa.column('online_seats_taken', sa.Integer()),
                      sa.column('delegation_countries', sa.JSON()),
                      sa.column('delegation_organisation_ids', sa.JSON()))
    registrations = sa.table('registrations', sa.column('event_id', sa.Integer()),
                             sa.column('attendance_mode', sa.String()))
    op.execute(events.update().values(delegation_countries=[], delegation_organisation_ids=[]))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('delegation_countries', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('delegation_organisation_ids', existing_type=sa.JSON(), nullable=False)
    op.execute(events.update().where(events.c.kind == 'hybrid').values(kind='conference', format='hybrid'))
    op.execute(events.update().where(events.c.kind == 'webinar')
               .values(format='online', online_capacity=events.c.capacity, capacity=None,
                       online_seats_taken=events.c.seats_taken))
    online_events = sa.select(events.c.id).where(events.c.format == 'online')
    op.execute(registrations.update().where(registrations.c.event_id.in_(online_events))
               .values(attendance_mode='online'))


def downgrade():
    events = sa.table('events', sa.column('kind', sa.String()), sa.column('format', sa.String()),
                      sa.column('capacity', sa.Integer()), sa.column('online_capacity', sa.Integer()))
    op.execute(events.update().where(events.c.format == 'hybrid').values(kind='hybrid'))
    op.execute(events.update().where(events.c.format == 'online')
               .values(kind='webinar', capacity=events.c.online_capacity))
    op.execute(events.update().where(events.c.kind.in_(('meeting', 'workshop'))).values(kind='conference'))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registrations_delegation_id_delegations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registrations_delegation_id'))
        batch_op.drop_column('attendance_mode')
        batch_op.drop_column('is_head')
        batch_op.drop_column('delegation_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        for column in ('delegation_organisation_ids', 'delegation_countries', 'delegation_deadline',
                       'delegation_max_size', 'delegations_enabled', 'online_seats_taken', 'online_capacity',
                       'format'):
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_delegation_invitations_event_id'), table_name='delegation_invitations')
    op.drop_table('delegation_invitations')
    op.drop_index(op.f('ix_delegations_event_id'), table_name='delegations')
    op.drop_table('delegations')
