"""gunicorn settings, shared by deployments and the benchmarks (bench/), so both measure the same server.

These can be overridden from the environment: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS,
GUNICORN_MAX_REQUESTS, GUNICORN_ACCESS_LOG (a path, or - for stderr) and GUNICORN_LOG_LEVEL.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# Workers are recycled now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
# The app is loaded once, before the workers fork: a recycled worker starts in milliseconds instead of
# importing everything again for a second or more while its share of the requests waits, and the
# workers share the loaded code's memory.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")


def when_ready(server):
    """Before the first fork: the preloaded app compiles its templates and serves its busiest public pages
    once, so every worker (recycled ones too) starts with them compiled (eventmgr/warmup.py)."""
    if server.cfg.preload_app:
        from eventmgr.warmup import warm_up

        app = server.app.wsgi()
        if getattr(app, "import_name", None) == "eventmgr":  # not the benchmarks' bare endpoints
            server.log.info("Warmed up with %s", ", ".join(warm_up(app)) or "templates only")


def pre_fork(server, worker):
    """Everything the master holds is moved out of the garbage collector's sight before a worker is forked.

    Otherwise a new worker's first full collection walks the whole inherited app, writing to every
    object's header, and so copies nearly all of the memory it shared with the master: a stall of
    a few hundred milliseconds for the requests it holds, every time a worker is recycled.
    """
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections: none made before the fork may be shared."""
    app = worker.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with app.app_context():
            sqlalchemy.engine.dispose(close=False)
