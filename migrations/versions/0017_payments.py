"""payments: instructions, invoices, reminders

Each event gets its payment settings (bank transfer details, deadline, reminder, the organiser's legal details
for invoices); invoices are kept as issued, numbered per event; a registration records when it was reminded
to pay.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('beneficiary', sa.String(length=200), nullable=True),
        sa.Column('bank_name', sa.String(length=300), nullable=True),
        sa.Column('account', sa.String(length=64), nullable=True),
        sa.Column('swift_bic', sa.String(length=11), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('deadline_at', eventmgr.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('days_to_pay', sa.Integer(), nullable=True),
        sa.Column('reminder_days', sa.Integer(), nullable=True),
        sa.Column('legal_name', sa.String(length=300), nullable=True),
        sa.Column('legal_address', sa.Text(), nullable=True),
        sa.Column('tax_number', sa.String(length=64), nullable=True),
        sa.Column('updated_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_payment_settings_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_settings')),
        sa.UniqueConstraint('event_id', name=op.f('uq_payment_settings_event_id')),
    )
    op.create_table(
        'invoices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('issued_at', eventmgr.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reference', sa.String(length=32), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_invoices_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_invoices_registration_id_registrations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
        sa.UniqueConstraint('event_id', 'number', name=op.f('uq_invoices_event_id_number')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_invoices_registration_id')),
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_reminder_sent_at', eventmgr.database.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('payment_reminder_sent_at')
    op.drop_table('invoices')
    op.drop_table('payment_settings')
