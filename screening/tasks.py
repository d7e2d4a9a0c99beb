"""Celery tasks: IDs in, services do the work, retries are harmless (the services are
idempotent). A missing row is a quiet return."""

import structlog
from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from screening import safety_events, services

log = structlog.get_logger(__name__)

RETRYABLE = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


@shared_task(
    name="screening.tasks.screen_intake",
    bind=True,
    ignore_result=True,
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=10,
)
def screen_intake(self, intake_id: str) -> None:
    try:
        services.screening_run_execute(intake_id)
    except RETRYABLE:
        raise
    except DatabaseError:
        raise self.retry(countdown=5) from None
    except Exception as exc:  # a rules error: record it so a clinician sees the intake
        log.exception("screening_failed", intake_id=intake_id, error=type(exc).__name__)
        services.screening_run_failed(intake_id, exc)


@shared_task(
    name="screening.tasks.notify_urgent_case",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(*RETRYABLE, OSError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=10,
)
def notify_urgent_case(case_id: str) -> None:
    services.notify_urgent(case_id)


@shared_task(name="screening.tasks.sweep_unscreened", ignore_result=True)
def sweep_unscreened() -> None:
    services.sweep_unscreened()


@shared_task(name="screening.tasks.escalate_unacknowledged", ignore_result=True)
def escalate_unacknowledged() -> None:
    services.escalate_unacknowledged()


@shared_task(name="screening.tasks.purge_rejected_bodies", ignore_result=True)
def purge_rejected_bodies() -> int:
    """Daily: drop rejected submissions' bodies past their 30 days. Safe to repeat."""
    return safety_events.purge_rejected_bodies()
