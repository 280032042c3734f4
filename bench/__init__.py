"""Benchmarks: the app under gunicorn (gunicorn.conf.py), loaded with wrk, compared to a bare Flask endpoint."""
