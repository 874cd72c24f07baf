# mitid-portal: `make run` sets everything up and starts the portal; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run serve-hosted test test-only setup migrate translations lint format lock chromium clean bench screenshots

## setup: virtual environment, Python and npm dependencies, translations, database
setup: $(VENV)/.installed node_modules/.installed translations migrate

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

translations: $(VENV)/.installed
	$(PY) manage.py compile_translations

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

## run: the portal on http://$(HOST):$(PORT)/ with the task worker; Ctrl-C stops both
run: setup
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  MitID Erhverv (simulator) kører på http://$(HOST):$(PORT)/"
	@echo "  Den simulerede omverden: http://$(HOST):$(PORT)/simulator/"
	@echo "  Stop med Ctrl-C."
	@echo ""
	@set -m; $(PY) manage.py task_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## serve-hosted: hosted training (README "Hosting (øvelser)"): production settings with sandboxes,
## on PostgreSQL ($$DATABASE_URL) and Redis ($$REDIS_URL), gunicorn on $(HOST):$(PORT) behind an
## HTTPS proxy, and one task worker (which also deletes expired exercises); Ctrl-C stops both
WEB_WORKERS ?= 4
HOSTED_NEEDS := DATABASE_URL REDIS_URL SECRET_KEY CPR_ENCRYPTION_KEYS PII_HASH_KEY OIDC_RSA_PRIVATE_KEY ALLOWED_HOSTS PORTAL_BASE_URL
serve-hosted: export MITID_ENV := production
serve-hosted: export SANDBOXES := on
serve-hosted: export TRUSTED_PROXY_COUNT ?= 1
serve-hosted: $(VENV)/.installed node_modules/.installed
	@for name in $(HOSTED_NEEDS); do \
	  test -n "$${!name}" || { echo "serve-hosted needs $$name in the environment (README, Hosting)"; exit 1; }; \
	done
	$(PY) manage.py compile_translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py check --deploy
	@echo ""
	@echo "  MitID Erhverv, øvelser (hosted), på http://$(HOST):$(PORT)/ bag proxyen: $$PORTAL_BASE_URL"
	@echo "  Stop med Ctrl-C."
	@echo ""
	@set -m; $(PY) manage.py task_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn mitid_portal.wsgi --workers $(WEB_WORKERS) --bind $(HOST):$(PORT)

## test: the same set-up, then the whole suite (browser tests need /usr/bin/chromium)
test: setup chromium test-only

test-only:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's Chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

## screenshots: Hjælp's pictures (static/help/<da|en>/) taken from the portal's real pages with the
## demo world, in Danish and English (docs/screenshots.py; needs /usr/bin/chromium)
screenshots: setup chromium
	$(PY) docs/screenshots.py

## bench: every benchmark in one table (bench/run.py; BENCH_ARGS=--quick for small sizes)
bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)

## lint: ruff, the layers' import contracts (pyproject.toml, docs/architecture.md) and mypy
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## lock: record the exact versions now installed
lock:
	(echo "# Exact versions tested; installed by 'make' (pip install -r requirements.lock). Regenerate with 'make lock'."; \
	 $(PIP) freeze --exclude-editable) > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles var/db.sqlite3*
