"""Subscriptions to intake's signals."""

from intake.signals import intake_submitted
from ops.queueing import enqueue_on_commit


def on_intake_submitted(sender, intake, **kwargs):
    """Runs inside the submission's transaction."""
    from screening.services import record_urgent_submission
    from screening.tasks import screen_intake

    if intake.urgent:
        record_urgent_submission(intake)
    enqueue_on_commit(screen_intake, str(intake.pk))


def connect():
    intake_submitted.connect(on_intake_submitted, dispatch_uid="screening.on_intake_submitted")
