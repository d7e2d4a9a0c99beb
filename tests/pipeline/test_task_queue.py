"""A task enqueued on commit runs in a real worker; one enqueued in a rolled-back transaction
never runs."""

import pytest
from django.db import connection, transaction

from ops.models import Heartbeat
from ops.queueing import enqueue_on_commit
from ops.tasks import confirm_heartbeat
from tests.pipeline.conftest import wait_until

pytestmark = pytest.mark.pipeline


class Rollback(Exception):
    pass


def test_task_enqueued_on_commit_runs_in_the_worker_and_writes_its_row(worker):
    with transaction.atomic():
        beat = Heartbeat.objects.create(source="test")
        enqueue_on_commit(confirm_heartbeat, beat.pk)
        assert "confirm_heartbeat[" not in worker.log()  # nothing is sent before commit

    wait_until(
        lambda: Heartbeat.objects.get(pk=beat.pk).worker_seen_at is not None,
        message="the worker to confirm the heartbeat",
    )
    assert worker.log().count("ops.tasks.confirm_heartbeat[") >= 1


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(worker, broker, settings):
    with pytest.raises(Rollback), transaction.atomic():
        lost = Heartbeat.objects.create(source="rolled-back")
        enqueue_on_commit(confirm_heartbeat, lost.pk)
        raise Rollback

    # A committed marker sent afterwards: once it has run, anything sent before it has too
    # (one queue, one worker process, prefetch 1).
    with transaction.atomic():
        marker = Heartbeat.objects.create(source="marker")
        enqueue_on_commit(confirm_heartbeat, marker.pk)
    wait_until(
        lambda: Heartbeat.objects.get(pk=marker.pk).worker_seen_at is not None,
        message="the marker task",
    )

    received = [
        line
        for line in worker.log().splitlines()
        if "ops.tasks.confirm_heartbeat[" in line and "received" in line.lower()
    ]
    assert len(received) == 1, worker.log()
    assert not Heartbeat.objects.filter(source="rolled-back").exists()
    with broker.connection_for_write() as conn:  # the Redis list behind the queue is empty
        assert conn.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0


def _confirmed_heartbeat(source: str) -> None:
    with transaction.atomic():
        beat = Heartbeat.objects.create(source=source)
        enqueue_on_commit(confirm_heartbeat, beat.pk)
    wait_until(
        lambda: Heartbeat.objects.get(pk=beat.pk).worker_seen_at is not None,
        message="the worker to confirm the heartbeat",
    )


def _other_backends() -> set:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return set(cursor.fetchall())


def test_the_worker_keeps_its_database_connection_between_tasks(worker):
    """One PostgreSQL backend serves task after task (Celery's Django fix-up alone would open
    and close one around every task: config/celery.py). Backends that were there before the
    first task (another test's live server, say) are not the worker's."""
    before = _other_backends()
    _confirmed_heartbeat("first")
    workers = _other_backends() - before
    for n in range(4):
        _confirmed_heartbeat(f"next-{n}")
    assert len(workers) == 1, workers  # the worker's process, still connected after its task
    assert _other_backends() - before == workers
