"""The Celery application. Settings come from Django's settings (``CELERY_*``).

Tasks take IDs only (never patient data), are idempotent, and are acknowledged late so that
a killed worker's task is redelivered. Without ``CELERY_BROKER_URL`` every task runs eagerly,
in-process (embedded mode).
"""

import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_ready

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


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(task=None, **kwargs):
    """Keep a worker's database connection between tasks, as Django keeps a web process's
    between requests: closed only when unusable (an error, PostgreSQL restarted: checked
    before its next use) or older than ``CONN_MAX_AGE``.

    Celery's Django fix-up closes every connection before and after every task unless
    ``CELERY_DB_REUSE_MAX`` is set (settings: it is, so the fix-up only recycles now and then):
    a new PostgreSQL backend for every screening, with cold caches. A 1,500-intake drain went
    from 44 to 119 screenings/s with this (docs/performance.md)."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # in-process (embedded mode): the web request owns the connection
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
def _record_worker_heartbeat(**kwargs):
    """A worker that starts says so at once (``/health/`` reads it), instead of the beat's next
    minute; afterwards beat's ``ops.tasks.record_heartbeat`` keeps it fresh."""
    from ops.tasks import record_worker_start

    try:
        record_worker_start()
    except Exception:  # the database not migrated yet: beat's next heartbeat will do
        import structlog

        structlog.get_logger(__name__).warning("worker_heartbeat_not_recorded")


try:  # carry the request id of the web request into the worker's log lines
    from django_structlog.celery.steps import DjangoStructLogInitStep

    app.steps["worker"].add(DjangoStructLogInitStep)
except ImportError:  # pragma: no cover - django-structlog is a pinned dependency
    pass
