"""The WSGI entry point: `gunicorn wsgi:app`."""

from eventmgr import create_app

app = create_app()
