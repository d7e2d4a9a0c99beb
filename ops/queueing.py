"""Enqueue Celery tasks after the surrounding transaction commits, never failing the caller.

A task enqueued inside a transaction that rolls back never runs; one enqueued after commit
that cannot reach the broker (down, or hung: publishing is bounded by BROKER_TIMEOUT) is
logged by task name and ID and left to the periodic sweeps, so a broker fault never turns a
successful write into an error for the client.
"""

import structlog
from django.db import transaction

log = structlog.get_logger(__name__)


def publish(task, *ids) -> bool:
    """Send ``task`` with ID arguments now; ``False`` (logged, not raised) on a broker fault."""
    try:
        task.delay(*ids)
    except Exception as exc:  # kombu raises OperationalError, socket errors, timeouts, ...
        log.warning(
            "task_enqueue_failed",
            task=task.name,
            ids=[str(i) for i in ids],
            error=type(exc).__name__,
        )
        return False
    return True


def enqueue_on_commit(task, *ids, using=None) -> None:
    """Send ``task`` with ID arguments once the current transaction commits."""
    transaction.on_commit(lambda: publish(task, *ids), using=using)
