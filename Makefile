# Two commands for a fresh clone (Debian, Python 3.11):
#   make demo   — system packages, virtual environment, SQLite database, demo province, server and job worker on :8000
#   make test   — lint, types, the suite on SQLite and PostgreSQL, browser tests, API fuzzing
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export CHIBO_DATA_DIR ?= $(CURDIR)/var
PG_URL ?= postgres://postgres:postgres@127.0.0.1:5432/chibo

.PHONY: cluster demo serve test check lint types test-sqlite test-postgres test-e2e install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	scripts/ensure-pdf-tools
	CHIBO_DEMO=1 $(PY) -m chibo demo

cluster: $(STAMP)
	scripts/cluster up

serve: $(STAMP)
	$(PY) -m chibo serve

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench drills

types: $(STAMP)
	$(VENV)/bin/mypy src

test-sqlite: $(STAMP)
	scripts/ensure-pdf-tools
	scripts/ensure-redis
	CHIBO_DATA_DIR=$(CURDIR)/build/test-sqlite $(VENV)/bin/pytest -q -m "not e2e" -n 2 --dist loadgroup

test-postgres: $(STAMP)
	scripts/ensure-postgres
	scripts/ensure-pdf-tools
	scripts/ensure-redis
	scripts/ensure-pgbouncer
	scripts/ensure-nginx
	CHIBO_DATA_DIR=$(CURDIR)/build/test-pg DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e" -n 2 --dist loadgroup

test-e2e: $(STAMP)
	scripts/ensure-chromium
	CHIBO_DATA_DIR=$(CURDIR)/build/test-e2e $(VENV)/bin/pytest -q -m e2e

check: lint types test-sqlite

test: lint types test-sqlite test-postgres test-e2e

clean:
	rm -rf build var .pytest_cache .mypy_cache .ruff_cache
