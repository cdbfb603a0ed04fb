# NewRetail: `make run` (platform with demo data) and `make test` (lint + whole suite).
# Needs only python3 (3.11+), git, make, node/npm on the machine; everything else is installed here.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV_BOOT := .tools/uv
UV := $(UV_BOOT)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))
export PYTHONDONTWRITEBYTECODE := 1

PG_URL ?= postgres://root@127.0.0.1:5432/newretail
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test setup deps assets messages migrate demo serve lint test-embedded test-scale bench clean

run: setup demo serve

test: setup lint test-embedded test-scale

setup: deps assets messages migrate

$(UV):
	$(PYTHON) -m venv $(UV_BOOT)
	$(UV_BOOT)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

deps: $(VENV)/.synced

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed
	@$(PY) scripts/vendor_assets.py

messages: deps
	@$(PY) scripts/compile_messages.py

migrate: deps
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_demo

serve:
	$(PY) manage.py serve

lint: deps
	$(VENV)/bin/ruff check src tests bench scripts

# The whole suite on the embedded profile (SQLite); PostgreSQL-only tests skip themselves here.
test-embedded: deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# The integration part again on the scale profile (PostgreSQL + Redis), plus the PostgreSQL
# concurrency tests. With CI=true the servers must answer; elsewhere a missing server skips this.
test-scale: deps
	@down=$$($(PY) scripts/services.py); \
	if [ -n "$$down" ]; then \
	  if [ "$$CI" = "true" ]; then echo "CI=true but not answering: $$down"; exit 1; fi; \
	  echo "SKIPPED scale-profile tests: $$down not answering on 127.0.0.1 (set CI=true to require them)"; \
	else \
	  DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest -n 2 --dist loadgroup -m "integration or postgres or redis"; \
	fi

# Benchmarks (never part of the test suite); figures go in docs/benchmarks.md.
bench: setup
	$(PY) bench/bench_search.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_memory.py
	$(PY) bench/bench_orders.py

clean:
	rm -rf $(VENV) $(UV_BOOT) node_modules var src/newretail/static/vendor
