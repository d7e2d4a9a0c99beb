#!/usr/bin/env bash
# make run: migrate, load demo data and serve in the foreground; Ctrl-C stops everything.
# Embedded (no CELERY_BROKER_URL): gunicorn + the in-process scheduler, SQLite by default.
# Configured (CELERY_BROKER_URL set): gunicorn + celery worker + celery beat.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p var
python manage.py migrate --noinput
python manage.py collectstatic --noinput --verbosity 0
python manage.py load_demo
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  procfile=Procfile
  echo "Configured mode: web, worker and beat (broker: Redis)."
else
  procfile=Procfile.embedded
  echo "Embedded mode: SQLite unless DATABASE_URL is set; tasks run in-process."
fi
echo "Serving http://127.0.0.1:${PORT:-8000}/  (Ctrl-C stops everything)"
export PORT=${PORT:-8000}
exec honcho start -f "$procfile" -p "$PORT"
