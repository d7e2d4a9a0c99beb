"""Follow-up plans (issue 21): re-screen a patient on a schedule after their baseline intake.

A :class:`FollowUpPlan` belongs to the baseline intake it was started from; its
:class:`Occurrence` rows are the due dates. Each invitation or reminder is a
:class:`SendRecord`, unique per occurrence, kind and channel, claimed in a transaction before
anything is sent (followups.services), so a restarted beat or worker never sends twice.

Nothing personal is stored here: the address a message goes to is read from the patient
record at send time; the plan keeps only a keyed digest of the phone number, so a STOP reply
from that number can find the plans it ends.
"""

import uuid

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"


class PlanStatus(models.TextChoices):
    ACTIVE = "active"
    STOPPED = "stopped"  # by a clinician (DELETE), an unsubscribe, or STOP on every channel
    FINISHED = "finished"  # every occurrence completed or expired


class OccurrenceState(models.TextChoices):
    SCHEDULED = "scheduled"
    SENT = "sent"
    REMINDED = "reminded"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # the plan stopped before it was due


class SendKind(models.TextChoices):
    INVITATION = "invitation"
    REMINDER_1 = "reminder_1"
    REMINDER_2 = "reminder_2"
    REMINDER_3 = "reminder_3"


class SendStatus(models.TextChoices):
    PENDING = "pending"  # created by the planner, task enqueued
    CLAIMED = "claimed"  # a worker took it (committed before sending): never sent again
    SENT = "sent"
    SKIPPED = "skipped"  # no longer wanted when claimed (opted out, completed, stopped)
    FAILED = "failed"  # the backend raised; not retried (at most once)


class FollowUpPlan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(
        "intake.Intake", on_delete=models.PROTECT, related_name="follow_up_plans"
    )
    instruments = models.JSONField(help_text='e.g. ["phq9"] or ["phq9", "gad7"]')
    every_days = models.PositiveSmallIntegerField()
    occurrences = models.PositiveSmallIntegerField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    channels = models.JSONField(help_text='What the patient may be contacted by: "email", "sms"')
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default="active")
    stop_reason = models.CharField(max_length=20, blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    sms_stopped_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake"],
                condition=models.Q(status="active"),
                name="one_active_follow_up_plan_per_intake",
            )
        ]

    def __str__(self):
        return f"Follow-up plan {str(self.pk)[:8]}"

    @property
    def active_channels(self) -> list[str]:
        if self.status != PlanStatus.ACTIVE:
            return []
        return [c for c in self.channels if not (c == Channel.SMS and self.sms_stopped_at)]


class Occurrence(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="occurrence_set")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=OccurrenceState.choices, default="scheduled")
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.OneToOneField(
        "intake.Intake",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_occurrence",
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_occurrence_per_number")
        ]

    def __str__(self):
        return f"Occurrence {self.number} of {self.plan}"


class SendRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="sends")
    kind = models.CharField(max_length=12, choices=SendKind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=SendStatus.choices, default="pending")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=80, blank=True, default="")  # why skipped/failed

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "kind", "channel"], name="one_send_per_occurrence_kind"
            )
        ]

    def __str__(self):
        return f"{self.kind} by {self.channel}"
