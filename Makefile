# Pulang — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install messages demo serve test lint typecheck checks pytest bench clean

help:
	@echo "make demo   install, migrate SQLite, load reference and demo data, serve on http://127.0.0.1:8000"
	@echo "make test   lint, type check, migration and OpenAPI checks, the suite (SQLite, and PostgreSQL when DATABASE_URL is set)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed

messages: install
	$(MANAGE) compiletranslations

demo: export PULANG_DEBUG := true
demo: export PULANG_DEMO := true
demo: install messages
	@mkdir -p var/static
	env -u DATABASE_URL $(MANAGE) migrate --no-input
	env -u DATABASE_URL $(MANAGE) load_instruments
	env -u DATABASE_URL $(MANAGE) demo_setup
	env -u DATABASE_URL $(MANAGE) seed --persons 5000 --duplicates 0.15 --seed 1 --if-empty
	env -u DATABASE_URL $(MANAGE) demo_cases
	env -u DATABASE_URL $(MANAGE) demo_referrals
	@echo "Pulang is at http://127.0.0.1:8000 — sign in with a user name above. Ctrl-C stops it."
	@# The task worker (imports) runs beside the server and stops with it.
	env -u DATABASE_URL $(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	env -u DATABASE_URL $(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	PULANG_DEBUG=true $(VENV)/bin/mypy pulang config

checks: export PULANG_DEBUG := true
checks: install messages
	@mkdir -p var/static
	env -u DATABASE_URL $(MANAGE) makemigrations --check --dry-run
	env -u DATABASE_URL $(MANAGE) openapi --check

# The suite on the embedded SQLite database, then on PostgreSQL when DATABASE_URL is set.
pytest: install messages
	@mkdir -p var/static
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== the suite again on $${DATABASE_URL%%://*}"; \
		$(VENV)/bin/pytest $(PYTEST_ARGS); \
	fi

test: lint typecheck checks pytest

# Every benchmark at its default size, on the database DATABASE_URL names (SQLite unset).
bench: install
	@for b in bench/[a-z]*.py; do $(PY) -m bench.$$(basename $$b .py); done

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
