#!/usr/bin/env bash
# The production start, with or without Docker (the image runs this script too):
#
#   scripts/start-production.sh          web: check --deploy, migrate, collectstatic, gunicorn
#   scripts/start-production.sh worker   the Celery worker (its own process; niced below web)
#   scripts/start-production.sh beat     the Celery beat scheduler (exactly one per deployment)
#   scripts/start-production.sh scheduler  embedded mode only (no broker): the periodic jobs
#
# Needs DJANGO_ENV=production and the secrets (README "Production"). Demo data is never
# loaded here: that is a separate step (`manage.py load_demo`, refused in production).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then export PATH="$PWD/.venv/bin:$PATH"; fi

if [ "${DJANGO_ENV:-}" != production ]; then
  echo "start-production.sh: DJANGO_ENV=production is required (with SECRET_KEY," \
    "FIELD_ENCRYPTION_SALT, BLIND_INDEX_KEY, EMAIL_URL, ONCALL_EMAILS and ESCALATION_EMAILS;" \
    "README \"Production\")." >&2
  echo "For the demo on this machine: make run" >&2
  exit 2
fi
mkdir -p var

role=${1:-web}
case "$role" in
  web)
    python manage.py check --deploy --fail-level WARNING
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
    # Bind, workers and threads: gunicorn.conf.py (BIND, PORT, WEB_CONCURRENCY, GUNICORN_THREADS).
    exec gunicorn config.wsgi
    ;;
  worker)
    exec nice -n "${WORKER_NICE:-10}" celery -A config worker --loglevel INFO \
      --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A config beat --loglevel INFO --schedule "${BEAT_SCHEDULE:-var/celerybeat-schedule}"
    ;;
  scheduler)
    exec python manage.py run_scheduler
    ;;
  *)
    echo "usage: $0 [web|worker|beat|scheduler]" >&2
    exit 2
    ;;
esac
