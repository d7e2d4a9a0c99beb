"""Celery tasks of the follow-ups app: ids in, the services do the work (idempotent)."""

from celery import shared_task

from followups import services


@shared_task(name="followups.tasks.plan_follow_up_sends", ignore_result=True)
def plan_follow_up_sends() -> None:
    """Beat, every minute: expire, create the due invitations and reminders, sweep lost sends."""
    services.plan_sends()


@shared_task(name="followups.tasks.deliver_send", ignore_result=True, acks_late=True)
def deliver_send(send_id: str) -> None:
    services.deliver(send_id)
