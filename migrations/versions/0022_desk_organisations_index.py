"""desk organisations index: the organisations an event's delegates chose, read from an index

The desk's list offers a filter by each organisation of the directory that delegates of the event chose; the
index (event_id, organisation_id) gives them without reading each of the event's registrations.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_event_id_organisation_id', ['event_id', 'organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_event_id_organisation_id')
