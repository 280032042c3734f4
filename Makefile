# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
# Workers for pytest-xdist: one per CPU; each has its own database, mail server and Redis (see tests/conftest.py).
TEST_WORKERS ?= auto
export FLASK_APP := eventmgr
export TEST_POSTGRES_URL

# apt-get needs root; use sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := chromium gettext poppler-utils fonts-dejavu-core fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 redis-server libreoffice-writer-nogui

.PHONY: install run test test-sqlite test-postgresql system-deps node-deps bench lint clean messages

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Serve the app with the demo data on http://127.0.0.1:$(PORT); a worker beside it sends mail and renders badges
# Links made outside a request (the worker's invites, reminders) point at the port being served.
run: export PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load-if-empty
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Install what the tests need, lint (the imports' one-way contracts too), then run the suite on SQLite and on PostgreSQL
test: install system-deps node-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

test-sqlite: install node-deps
	EVENTMGR_TEST_DB=sqlite $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --durations=20 $(PYTEST_ARGS)

# Under CI PostgreSQL is required (the suite fails if it is unreachable); elsewhere it runs when reachable.
test-postgresql: install node-deps
	@if case "$$CI" in true|1|yes) true;; *) false;; esac || $(PY) -c "import sys, psycopg; from sqlalchemy.engine import make_url; \
	    u = make_url('$(TEST_POSTGRES_URL)'); \
	    psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, connect_timeout=3).close()" \
	    >/dev/null 2>&1; then \
	  EVENTMGR_TEST_DB=postgresql $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --durations=20 $(PYTEST_ARGS); \
	else \
	  echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL): the PostgreSQL pass was not run."; \
	fi

# Chromium for the browser tests, poppler-utils to read PDFs, fonts for rendering, LibreOffice (without its GUI,
# some 260 MB) to open the Word export as its readers do; installed only when missing.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The npm packages the tests use (package.json, pinned by package-lock.json): axe-core, which the browser tests load
# into pages to check them against WCAG 2.1 AA, and ical.js, Thunderbird's calendar parser, which reads the .ics
# files. npm ci when node_modules lacks them or the lockfile changed. Node.js and npm come with the machine, else
# Debian's (not in SYSTEM_PACKAGES: Debian's npm would clash with a Node.js that brings its own).
node-deps: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing system packages: nodejs npm"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund
	@touch $@  # npm keeps the package's own dates: without this the rule would run every time

## Benchmarks (see README, "Benchmarks"): the app under gunicorn.conf.py against a bare Flask endpoint, with wrk
bench: install
	@$(MAKE) --no-print-directory system-deps EXTRA_PACKAGES=wrk
	$(PY) -m bench.pages $(BENCH_ARGS)
	@if $(PY) -c "import psycopg; psycopg.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=3).close()" \
	    >/dev/null 2>&1; then $(PY) -m bench.pages --postgresql $(TEST_POSTGRES_URL) $(BENCH_ARGS); \
	else echo "PostgreSQL is not reachable: the PostgreSQL benchmark is left out."; fi
	$(PY) -m bench.calendar_ics $(BENCH_ARGS)
	$(PY) -m bench.documents $(BENCH_ARGS)

# ruff, then import-linter's contracts (.importlinter): features import one way, core imports no feature.
lint: install
	$(VENV)/bin/ruff check eventmgr tests bench
	$(VENV)/bin/ruff format --check eventmgr tests bench
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-artifacts node_modules

## Extract UI strings into eventmgr/translations/messages.pot, update each language's catalogue, compile it
# --ignore-dirs: Babel skips folders whose names start with "_" unless told otherwise, and templates/_macros holds
# strings every form shows. A new language: `pybabel init -i eventmgr/translations/messages.pot -d eventmgr/translations -l kk` (README).
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k _lp:1c,2 --ignore-dirs ".* __pycache__" --project eventmgr --add-location=file --sort-by-file -w 120 -o eventmgr/translations/messages.pot .
	$(VENV)/bin/pybabel update -i eventmgr/translations/messages.pot -d eventmgr/translations -w 120 --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d eventmgr/translations --statistics
