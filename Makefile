# Two commands on a fresh machine:  make run   (serve the demo)   make test   (the whole suite)
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv run serve-production test test-fast lint format clean bench

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make test   - the whole suite (starts PostgreSQL and Redis itself when needed)"
	@echo "make serve-production - the production web start (README \"Production\"; DJANGO_ENV=production)"
	@echo "make lint   - ruff and the import-linter contracts"
	@echo "make bench  - benchmarks on a private loopback stack (BENCH_QUICK=1: under 5 minutes)"

$(STAMP): requirements.txt .python-version
	@scripts/bootstrap-venv.sh $(VENV)
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@scripts/run.sh || [ $$? -eq 130 ]  # Ctrl-C (130) is how it is meant to stop

# Production (README "Production"): check --deploy, migrate, collectstatic, gunicorn. The worker
# and beat are their own processes: scripts/start-production.sh worker | beat.
serve-production: $(STAMP)
	@scripts/start-production.sh web

test: $(STAMP)
	@scripts/test.sh

test-fast: $(STAMP)
	$(PY) -m pytest -m "not pipeline and not e2e and not smoke" -q

# Benchmarks (docs/performance.md): starts and stops its own PostgreSQL, Redis, gunicorn and
# Celery worker on loopback; writes bench/results/latest.json (quick: latest-quick.json).
bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.triage  # issue 19: page loads and seconds per triaged case

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* var .pytest_cache
