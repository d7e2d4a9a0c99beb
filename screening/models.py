"""Screening runs, flags and review cases.

A ``ScreeningRun`` is one evaluation of one intake by one ruleset version (unique), holding the
whole result as the API shows it. ``Flag`` rows are the run's flags (and, before any run, the
``suicide_risk`` flag written synchronously at submission). A ``Case`` is the review work item
opened for every screened intake (issue 19: every intake has an owner), at once for an urgent
submission; an intake without a moderate or higher flag is a *routine* case, below the flagged
ones in the queue. A patient has at most one open case: a later intake of the same (linked)
patient joins it (``CaseIntake``) instead of opening a second.

A ``SafetyEvent`` is a risk answer acted on before (or without) a submitted intake: PHQ-9 item
9 or the C-SSRS screen saved in a wizard draft, or the valid risk blocks of an API/FHIR
submission rejected with a 400. It opens an urgent ``Case`` of its own (``Case.intake`` is
empty until the draft is submitted, or a corrected retry for the same patient arrives; the
intake then joins that case).
"""

import json
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from encrypted_fields.fields import EncryptedTextField

from intake.crypto import EncryptedNoteField
from intake.models import Intake, IntakeDraft
from ops.text import short_id

LEVELS = ("urgent", "high", "moderate", "info")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}  # 0 is the most pressing
#: A case's level (``Case.priority`` ranks it): its highest flag level, or ``routine`` for an
#: intake without flags, ranked below every flagged one so the queue keeps flagged cases first.
CASE_LEVELS = (*LEVELS, "routine")
CASE_LEVEL_RANK = {level: rank for rank, level in enumerate(CASE_LEVELS)}
ROUTINE_PRIORITY = CASE_LEVEL_RANK["routine"]


class RunStatus(models.TextChoices):
    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"


class ScreeningRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="screening_runs")
    ruleset_version = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)  # exception type only, never data
    result = models.JSONField(default=dict, blank=True)  # scores, trd (API shape)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "ruleset_version"], name="one_run_per_intake_and_ruleset"
            )
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        return f"Screening {short_id(self.intake_id)} ({self.ruleset_version}, {self.status})"


class Flag(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="flags")
    run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    code = models.CharField(max_length=32)
    level = models.CharField(max_length=10, choices=[(x, x) for x in LEVELS])
    summary = models.CharField(max_length=300)
    evidence = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intake", "code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "code"], name="one_flag_per_run_and_code"),
            models.UniqueConstraint(
                fields=["intake", "code"],
                condition=Q(run__isnull=True),
                name="one_submission_flag_per_code",
            ),
        ]
        indexes = [models.Index(fields=["code", "intake"])]

    def __str__(self):
        return f"{self.code} ({self.level})"

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "level": self.level,
            "summary": self.summary,
            "evidence": self.evidence,
        }


class SafetyEventSource(models.TextChoices):
    DRAFT = "draft", "Unfinished web intake"
    API = "api", "Rejected API submission"
    FHIR = "fhir", "Rejected FHIR import"


class SafetyEvent(models.Model):
    """Risk answers acted on before a complete intake exists (screening.safety_events).

    ``answers`` holds only the risk blocks that were valid on their own (``phq9``,
    ``cssrs_screen``); ``safety`` the decision made from them (``assess_safety``'s dict). A
    rejected API/FHIR body is kept encrypted in ``rejected_body`` until ``body_expires_at``
    (30 days) for the clinician, then purged with the match keys; the event, its answers and
    its case stay (a clinical record).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=5, choices=SafetyEventSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A wizard draft (purged with its draft after expiry: the event stays, the link goes).
    draft = models.OneToOneField(
        IntakeDraft,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="safety_event",
    )
    # A rejected API/FHIR submission: who sent it, its body (encrypted) and how to match a
    # corrected retry (keyed digests, never the identifiers themselves).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # JSON text of {"sent": the body as sent, "patient": its patient block, "errors": the
    # 400's errors}: encrypted whole (EncryptedJSONField would give every number back as a
    # string), read through ``rejected``.
    rejected_body = EncryptedTextField(null=True, blank=True)
    body_expires_at = models.DateTimeField(null=True, blank=True)
    body_purged_at = models.DateTimeField(null=True, blank=True)
    patient_key = models.CharField(max_length=64, blank=True, default="", db_index=True)
    body_key = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # Blind indexes (intake.crypto.blind_index) of the email and external id given so far, so
    # the review queue's search by email or external id finds a case before its intake exists.
    # Cleared when the intake joins (its patient is found instead) and with the body or draft.
    email_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    external_id_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # The decision.
    answers = models.JSONField(default=dict)
    safety = models.JSONField(default=dict)
    risk_level = models.CharField(max_length=12, default="not_assessed")
    # The intake that joined the event's case (the submitted draft, the corrected retry).
    intake = models.OneToOneField(
        Intake, null=True, blank=True, on_delete=models.SET_NULL, related_name="safety_event"
    )
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["body_expires_at"],
                name="safety_event_body_expiry",
                condition=Q(body_purged_at__isnull=True, body_expires_at__isnull=False),
            )
        ]

    def __str__(self):  # never the body: __str__ ends up in logs and admin history
        return f"Safety event {short_id(self.pk)} ({self.source})"

    @property
    def rejected(self) -> dict | None:
        """The kept body (``sent``, ``patient``, ``errors``), None once purged or for a draft."""
        return json.loads(self.rejected_body) if self.rejected_body else None


class CaseStatus(models.TextChoices):
    NEW = "new"
    IN_REVIEW = "in_review", "In review"
    REFERRED = "referred"
    CLOSED = "closed"
    DISMISSED = "dismissed"


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_REVIEW)


class Case(ConcurrentTransitionMixin, models.Model):
    """A clinician's review of one intake (or, before one exists, of a safety event: an
    unfinished web intake or a rejected submission with risk answers). Urgent cases are
    notified and escalated.

    The review moves ``new → in_review → referred | closed | dismissed`` through the
    ``@transition`` methods below, called only by the services in ``screening.review`` (one
    transaction with the audit row each). ``ConcurrentTransitionMixin`` makes a save fail with
    ``ConcurrentTransition`` when another reviewer moved the case since it was read.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The intake that opened the case (or joined its safety event). Later intakes of the same
    # patient join through ``CaseIntake``; ``intakes`` is every one of them, this one included.
    intake = models.OneToOneField(
        Intake, null=True, blank=True, on_delete=models.CASCADE, related_name="case"
    )
    intakes = models.ManyToManyField(
        Intake, through="CaseIntake", related_name="review_cases", blank=True
    )
    safety_event = models.OneToOneField(
        SafetyEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    status = FSMField(default=CaseStatus.NEW, choices=CaseStatus.choices)
    urgent = models.BooleanField(default=False)
    priority = models.PositiveSmallIntegerField(
        default=ROUTINE_PRIORITY,
        help_text="Rank of the highest flag level: 0 urgent … 3 info, 4 routine (no flag)",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Why the case was closed or dismissed (required for both; free text, masked in the audit log).
    closed_reason = EncryptedNoteField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-urgent", "priority", "opened_at"]
        indexes = [
            models.Index(fields=["-urgent", "priority", "opened_at"], name="case_queue_order"),
            models.Index(
                fields=["status", "-urgent", "priority", "opened_at"], name="case_queue_by_status"
            ),
            models.Index(
                fields=["urgent", "acknowledged_at", "notified_at"], name="case_urgent_unacked"
            ),
            # The review queue's default view: open cases in queue order (id breaks ties, so
            # the admin's deterministic ordering is served by the index too).
            models.Index(
                fields=["-urgent", "priority", "opened_at", "id"],
                name="case_open_queue",
                condition=Q(status__in=["new", "in_review"]),
            ),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(intake__isnull=False) | Q(safety_event__isnull=False),
                name="case_has_intake_or_safety_event",
            )
        ]

    def __str__(self):
        return f"Case {short_id(self.pk)}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def level(self) -> str:
        """``urgent`` … ``info``, or ``routine`` (``CASE_LEVELS``)."""
        return CASE_LEVELS[min(self.priority, ROUTINE_PRIORITY)]

    @property
    def is_routine(self) -> bool:
        """A routine case: no flag at all, nothing urgent (the only kind closed in bulk)."""
        return self.priority == ROUTINE_PRIORITY and not self.urgent

    @property
    def unfinished(self) -> bool:
        """Opened for a safety event whose intake has not arrived (yet)."""
        return self.intake_id is None

    @property
    def needs_acknowledgement(self) -> bool:
        return self.urgent and self.acknowledged_at is None and self.is_open

    def _moved(self, by) -> None:
        self.status_changed_at = timezone.now()
        self.status_changed_by = by

    # --- Review transitions (call through screening.review, never directly) ------------------

    @transition(field=status, source=CaseStatus.NEW, target=CaseStatus.IN_REVIEW)
    def start_review(self, *, by) -> None:
        """Take the case into review; an unassigned case is assigned to the reviewer, and an
        unacknowledged urgent case counts as acknowledged (a clinician has it now)."""
        self._moved(by)
        if self.assigned_to_id is None:
            self.assigned_to = by
        if self.urgent and self.acknowledged_at is None:
            self.acknowledged_at = self.status_changed_at
            self.acknowledged_by = by

    @transition(field=status, source=CaseStatus.IN_REVIEW, target=CaseStatus.REFERRED)
    def refer(self, *, by) -> None:
        self._moved(by)

    @transition(field=status, source=CaseStatus.IN_REVIEW, target=CaseStatus.CLOSED)
    def close(self, *, by, reason: str) -> None:
        self._moved(by)
        self.closed_reason = reason

    @transition(field=status, source=CaseStatus.IN_REVIEW, target=CaseStatus.DISMISSED)
    def dismiss(self, *, by, reason: str) -> None:
        self._moved(by)
        self.closed_reason = reason


class CaseIntake(models.Model):
    """One intake reviewed in a case. Every intake of a case has a row, the one that opened it
    too; ``intake`` is unique, so an intake is in one case only. Written only by
    ``screening.services.case_for_intake`` (and the safety-event join)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    intake = models.OneToOneField(Intake, on_delete=models.CASCADE, related_name="case_membership")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["case", "joined_at"], name="case_intake_by_case")]

    def __str__(self):
        return f"Intake {short_id(self.intake_id)} in case {short_id(self.case_id)}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = EncryptedNoteField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):  # never the text: __str__ ends up in the audit log
        return f"Note {self.pk} on case {short_id(self.case_id)}"


class MeasurementSettings(models.Model):
    """Measurement-based care settings a clinical lead changes in the admin (one row).

    ``not_improving_after_weeks``: a follow-up submitted at least this many weeks after its
    baseline without a response or remission raises the ``not_improving`` review flag
    (clinical.rules.measurement). The value in force is recorded in the flag's evidence."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    not_improving_after_weeks = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(2), MaxValueValidator(52)],
        help_text="Weeks after the baseline intake without a response (PHQ-9 down 50% or "
        "more) or remission (PHQ-9 under 5) before a follow-up raises the Not improving "
        "review flag. Default 8 (STAR*D, APA guideline: 4-8 weeks at an adequate dose).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "measurement settings"
        verbose_name_plural = "measurement settings"

    def __str__(self):
        return "Measurement settings"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "MeasurementSettings":
        """The row (its defaults when nobody has saved it yet: nothing is written on read)."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls()
