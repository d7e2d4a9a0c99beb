"""Subscriptions to intake's signals."""

from intake.signals import intake_submitted
from ops.queueing import enqueue_on_commit


def on_intake_submitted(sender, intake, draft=None, patient_key="", **kwargs):
    """Runs inside the submission's transaction. An open case of an earlier safety event
    (the draft's, or a rejected submission's for the same patient) is joined first, so the
    urgent decision below finds it: no second urgent case, no second page."""
    from screening.safety_events import join_safety_event
    from screening.services import record_urgent_submission
    from screening.tasks import screen_intake

    join_safety_event(intake, draft=draft, patient_key=patient_key)
    if intake.urgent:
        record_urgent_submission(intake)
    enqueue_on_commit(screen_intake, str(intake.pk))


def connect():
    intake_submitted.connect(on_intake_submitted, dispatch_uid="screening.on_intake_submitted")
