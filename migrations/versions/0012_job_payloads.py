"""jobs carry their input and report what they did; archival PDFs are made by the worker

A job may now carry a payload (an uploaded Word file, imported by the worker) and leave a report (what
it imported). Archival PDFs (PDF/A) are rendered by a job when a version is published, no longer on a
visitor's first download: every published version without one gets its job here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 20:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.sql import column, table

import eventmgr.database


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

#: The job kinds this revision's code runs (eventmgr/documents/imports.py and publishing.py).
ARCHIVE_JOB = 'document-archive'
IMPORT_JOB = 'document-import'


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=True))

    connection = op.get_bind()
    missing = connection.execute(sa.text(
        'SELECT document_versions.id, documents.event_id FROM document_versions '
        'JOIN documents ON documents.id = document_versions.document_id '
        'WHERE document_versions.archive_sha256 IS NULL ORDER BY document_versions.id'
    )).all()
    if missing:
        jobs = table('jobs', column('kind', sa.String), column('event_id', sa.Integer), column('params', sa.JSON),
                     column('state', sa.String), column('attempts', sa.Integer),
                     column('created_at', eventmgr.database.UTCDateTime(timezone=True)))
        now = eventmgr.database.utcnow()
        op.bulk_insert(jobs, [
            {'kind': ARCHIVE_JOB, 'event_id': event_id, 'params': {'version_id': version_id}, 'state': 'queued',
             'attempts': 0, 'created_at': now}
            for version_id, event_id in missing
        ])


def downgrade():
    # The code before this revision has no such jobs; archival PDFs already made stay with their versions.
    op.execute(sa.text(f"DELETE FROM jobs WHERE kind IN ('{ARCHIVE_JOB}', '{IMPORT_JOB}')"))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('report')
        batch_op.drop_column('payload')
