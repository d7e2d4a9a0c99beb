from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from ops.models import Heartbeat


@shared_task(name="ops.tasks.confirm_heartbeat", ignore_result=True)
def confirm_heartbeat(heartbeat_id: int) -> None:
    """Mark a heartbeat as seen by a worker. Idempotent; a missing row is ignored."""
    Heartbeat.objects.filter(pk=heartbeat_id, worker_seen_at__isnull=True).update(
        worker_seen_at=timezone.now()
    )


@shared_task(name="ops.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat() -> None:
    """Sent by beat every minute: the scheduler and a worker are alive."""
    Heartbeat.objects.create(source="beat", worker_seen_at=timezone.now())


def record_worker_start() -> None:
    """Called by a worker as it becomes ready (config/celery.py)."""
    Heartbeat.objects.create(source="worker", worker_seen_at=timezone.now())
    from django.db import connection

    connection.close()  # the worker's main process runs no tasks: keep no connection open


@shared_task(name="ops.tasks.purge_heartbeats", ignore_result=True)
def purge_heartbeats(days: int = 7) -> None:
    Heartbeat.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
