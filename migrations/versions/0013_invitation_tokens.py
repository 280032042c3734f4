"""invitation tokens: an invited address registers through the secret link mailed to it

Registering for an invitation-only event needs the invitation's token, which fixes the address, so
that nobody can learn whether an address is invited or register it for someone else. Invitations made
before get a token here; organisers resend them so that their invitees get a link that carries it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:10:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=True))
    invitations = sa.table('invitations', sa.column('id', sa.Integer()), sa.column('token', sa.String(64)))
    connection = op.get_bind()
    for invitation_id in connection.execute(sa.select(invitations.c.id)).scalars().all():
        connection.execute(invitations.update().where(invitations.c.id == invitation_id)
                           .values(token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_invitations_token'), ['token'])


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_invitations_token'), type_='unique')
        batch_op.drop_column('token')
