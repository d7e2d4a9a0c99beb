"""The Celery application. Settings come from Django's settings (``CELERY_*``).

Tasks take IDs only (never patient data), are idempotent, and are acknowledged late so that
a killed worker's task is redelivered. Without ``CELERY_BROKER_URL`` every task runs eagerly,
in-process (embedded mode).
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("trd_screening")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**kwargs):
    """Keep Celery from replacing our structlog configuration."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


try:  # carry the request id of the web request into the worker's log lines
    from django_structlog.celery.steps import DjangoStructLogInitStep

    app.steps["worker"].add(DjangoStructLogInitStep)
except ImportError:  # pragma: no cover - django-structlog is a pinned dependency
    pass
