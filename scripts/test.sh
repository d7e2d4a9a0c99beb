#!/usr/bin/env bash
# make test: the whole suite on PostgreSQL + Redis (real worker processes for the pipeline
# tests, a real browser for the e2e tests), then the fast tests once more on the embedded
# SQLite mode so it cannot rot. Starts throwaway PostgreSQL/Redis when none is running.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# PostgreSQL and Redis (devstack: the running ones, or throwaway ones it starts and stops):
# exports TEST_DATABASE_URL, TEST_REDIS_URL and DEVSTACK_SERVICES (what to stop at exit).
services_env=$(python -m devstack services-start)
eval "$services_env"
trap 'python -m devstack services-stop "$DEVSTACK_SERVICES"' EXIT
scripts/ensure-browser.sh

echo "== lint"
ruff check .
lint-imports --no-cache >/dev/null && echo "import contracts kept"

export CELERY_QUEUE="trd-test-$$"  # a queue of our own: no stale messages, no sharing

PG_REDIS=(env DATABASE_URL="$TEST_DATABASE_URL" CELERY_BROKER_URL="$TEST_REDIS_URL" REDIS_URL="$TEST_REDIS_URL")
# Two processes for the in-process tests; the pipeline (real worker processes) and browser
# tests run on their own afterwards, so their timing is not disturbed.
JOBS=${TEST_JOBS:-2}

echo "== suite on PostgreSQL + Redis"
"${PG_REDIS[@]}" python -m pytest -q -n "$JOBS" -m "not pipeline and not e2e and not smoke" "$@"

# The production smoke (tests/smoke): scripts/start-production.sh's web and worker with
# DJANGO_ENV=production on loopback, a browser journey and schemathesis against it.
echo "== pipeline (real Celery workers), browser tests and the production smoke on PostgreSQL + Redis"
"${PG_REDIS[@]}" python -m pytest -q -m "pipeline or e2e or smoke" "$@"

echo "== fast tests on embedded SQLite (no broker, in-process tasks)"
env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL \
  python -m pytest -q -n "$JOBS" -m "not pipeline and not e2e and not smoke" "$@"
