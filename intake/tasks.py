"""Celery tasks of the intake app: thin wrappers around services (no patient data in or out)."""

from celery import shared_task

from intake import drafts


@shared_task(name="intake.tasks.purge_expired_drafts", ignore_result=True)
def purge_expired_drafts() -> int:
    """Daily: delete drafts that expired before they were submitted. Safe to repeat."""
    return drafts.purge_expired_drafts()
