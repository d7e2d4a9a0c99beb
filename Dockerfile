# The application image: web (gunicorn), worker and beat all run from it.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files collected as production serves them (WhiteNoise's manifest of hashed, compressed
# files). The keys on this line exist for this one command only; none is kept in the image.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-at-build-time-only-0123456789abcdef \
    FIELD_ENCRYPTION_SALT=collectstatic-at-build-time-only BLIND_INDEX_KEY=collectstatic-at-build-time-only \
    EMAIL_URL=consolemail:// ONCALL_EMAILS=build@example.org ESCALATION_EMAILS=build@example.org python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p var && chown -R app:app /app
USER app

ENV PORT=8000
EXPOSE 8000
# web (the default), `worker` or `beat`: scripts/start-production.sh (needs DJANGO_ENV=production
# and the secrets; docker-compose.yml passes them).
CMD ["scripts/start-production.sh", "web"]
