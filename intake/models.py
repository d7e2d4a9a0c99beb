"""Patients, intakes and everything an intake carries.

Identity: every intake keeps the identity it was submitted with (``IntakeIdentity``,
encrypted), and a submission never changes a stored ``Patient``. An intake is linked to an
existing patient automatically only on a strong key its partner owns (``PatientKey``: the same
partner and external id, and the same birth date); every weaker agreement is a
``PossibleMatch`` that a clinician confirms or rejects (intake.linking).

Protected health information that identifies a person (names, email, phone, external id,
birth date, postal code) is encrypted at rest; email and external id have HMAC blind indexes
for exact lookups (intake.crypto). An intake is immutable once submitted: its rows refuse
updates and deletes, and a correction is an ``Amendment`` row (audited).
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from encrypted_fields.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedJSONField,
)

from intake.crypto import (
    EncryptedJSONDocumentField,
    EncryptedNoteField,
    blind_index,
    demographic_index,
)
from ops.text import short_id


class ImmutableRecordError(Exception):
    """A submitted intake's record was about to be changed or deleted."""


class SexAtBirth(models.TextChoices):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class Organisation(models.Model):
    """A partner organisation (a clinic): its members are the staff users who submit and
    follow its intakes. Coordinators see their organisation's intakes (contact details, not
    answers or flags); one organisation may receive the web wizard's intakes."""

    name = models.CharField(max_length=120, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organisations", blank=True
    )
    receives_web_intakes = models.BooleanField(
        default=False, help_text="Intakes from the public web wizard are routed here."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["receives_web_intakes"],
                condition=models.Q(receives_web_intakes=True),
                name="one_web_intake_organisation",
            )
        ]

    def __str__(self):
        return self.name


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = EncryptedCharField(max_length=128, blank=True, null=True)
    # Blind indexes: NULL (not "") when there is no value, so no two absent values match.
    external_id_index = models.CharField(  # noqa: DJ001
        max_length=64, blank=True, null=True, db_index=True
    )
    given_name = EncryptedCharField(max_length=128, blank=True, null=True)
    family_name = EncryptedCharField(max_length=128, blank=True, null=True)
    birth_date = EncryptedDateField(null=True)  # NULL only after erasure
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    email = EncryptedEmailField(blank=True, null=True)
    email_index = models.CharField(max_length=64, blank=True, null=True, db_index=True)  # noqa: DJ001
    # Blind index of given name + family name + birth date + ZIP (a weak key: possible matches).
    demographic_index = models.CharField(  # noqa: DJ001
        max_length=64, blank=True, null=True, db_index=True
    )
    phone = EncryptedCharField(max_length=40, blank=True, null=True)
    state = models.CharField(max_length=2)
    postal_code = EncryptedCharField(max_length=10, blank=True, null=True)
    preferred_languages = models.JSONField(default=list, blank=True)
    insurance_payer = models.CharField(max_length=64, blank=True, default="")
    self_pay = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)  # personal data erased on request

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):  # never a name: __str__ ends up in logs and admin history
        return f"Patient {short_id(self.pk)}"

    def save(self, *args, **kwargs):
        self.external_id_index = blind_index("external_id", self.external_id)
        self.email_index = blind_index("email", self.email)
        self.demographic_index = demographic_index(
            self.given_name, self.family_name, self.birth_date, self.postal_code
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "external_id_index",
                "email_index",
                "demographic_index",
            }
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.given_name, self.family_name) if part)
        return name or f"Patient {short_id(self.pk)}"

    def age_on(self, day: date) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class IntakeStatus(models.TextChoices):
    RECEIVED = "received"  # submitted; screening pending
    SCREENED = "screened"  # a screening run completed
    SCREENING_FAILED = "screening_failed"


class IntakeSource(models.TextChoices):
    WEB = "web"
    API = "api"


class RiskLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed"
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class PsychoticFeaturesSource(models.TextChoices):
    """Who reported the current episode's psychotic features (blank: none reported)."""

    SELF_REPORT = "self_report", "Patient self-report"
    CLINICIAN = "clinician", "Clinician-confirmed"


class Intake(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The patient record this intake is linked to: its own new record unless a strong key
    # linked it, or a clinician confirmed a possible match (intake.linking).
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.RECEIVED
    )
    source = models.CharField(max_length=3, choices=IntakeSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    consent_screening = models.BooleanField()
    privacy_notice_version = models.CharField(max_length=32)
    # Non-identifying context kept with the intake (it survives erasure of the patient).
    age_years = models.PositiveSmallIntegerField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    state = models.CharField(max_length=2)
    # Decided synchronously at submission (clinical.rules.safety).
    urgent = models.BooleanField(default=False)
    risk_level = models.CharField(
        max_length=12, choices=RiskLevel.choices, default=RiskLevel.NOT_ASSESSED
    )
    safety = models.JSONField(default=dict)
    # Treatment history scalars; the courses are rows below.
    current_episode_months = models.PositiveSmallIntegerField(null=True, blank=True)
    psychotic_features = models.BooleanField(default=False)
    # Who reported them; a clinician may confirm a self-report on the case page (audited, and
    # the case's screening is re-staged: Maudsley severity 5 needs confirmation).
    psychotic_features_source = models.CharField(
        max_length=12, choices=PsychoticFeaturesSource.choices, blank=True, default=""
    )
    psychotic_features_confirmed_at = models.DateTimeField(null=True, blank=True)
    psychotic_features_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    care_preferences = models.JSONField(default=dict, blank=True)
    # A follow-up intake (measurement-based care): the baseline intake it is measured against.
    # Always the original baseline, never another follow-up (intake.services.follow_up_submit).
    follow_up_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    # Status fields a screening run may update after submission; everything else is frozen.
    # ``patient`` changes only when a clinician confirms a possible match (audited); the
    # ``psychotic_features_*`` confirmation fields only when a clinician confirms (audited).
    MUTABLE_FIELDS = frozenset(
        {
            "status",
            "patient",
            "psychotic_features_source",
            "psychotic_features_confirmed_at",
            "psychotic_features_confirmed_by",
        }
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["-submitted_at"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["urgent", "-submitted_at"]),
        ]
        permissions = [("view_intake_answers", "Can view intake answers and treatment history")]

    def __str__(self):
        return f"Intake {short_id(self.pk)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise ImmutableRecordError("A submitted intake cannot change; add an amendment.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A submitted intake cannot be deleted.")


class IntakeIdentity(models.Model):
    """The identity an intake was submitted with, as sent (encrypted at rest): the only
    identity the intake's API detail shows. ``values`` holds exactly the patient fields the
    caller sent (birth date as ISO text). Never changed, except emptied by erasure."""

    intake = models.OneToOneField(
        Intake, primary_key=True, on_delete=models.CASCADE, related_name="identity"
    )
    values = EncryptedJSONDocumentField(default=dict)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Identity of intake {short_id(self.intake_id)}"


class PatientKey(models.Model):
    """A strong key: partner + the blind index of the partner's external id. An intake from
    the same partner with the same external id and the same birth date is linked to the
    patient without review. Unique per partner, so two simultaneous first submissions make
    one patient (the loser of the race retries and links)."""

    partner = models.CharField(max_length=40, help_text='"org:<id>" or "user:<id>"')
    external_id_index = models.CharField(max_length=64)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="keys")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_id_index"], name="one_patient_per_partner_key"
            )
        ]

    def __str__(self):
        return f"Key of patient {short_id(self.patient_id)}"


class MatchStatus(models.TextChoices):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded", "Superseded (the intake was linked elsewhere)"


class PossibleMatch(models.Model):
    """An intake that may be about an existing patient, on a weak agreement (email + birth
    date, name + birth date + ZIP, an external id from another partner, anything from the web
    wizard). A clinician confirms (the intake is linked to the patient) or rejects it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="possible_matches")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="possible_matches")
    reasons = models.JSONField(default=list, help_text="Which keys agreed (names, no values).")
    status = models.CharField(max_length=12, choices=MatchStatus.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "possible matches"
        constraints = [
            models.UniqueConstraint(fields=["intake", "patient"], name="one_match_per_pair")
        ]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return f"Possible match {short_id(self.pk)}"


class PatientRevision(models.Model):
    """A deliberate staff edit of a patient's stored details: who, when, and the values
    before the edit (encrypted; the audit log itself only says which fields changed)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="revisions")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    old_values = EncryptedJSONDocumentField(default=dict)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"Revision of patient {short_id(self.patient_id)}"


class ImmutableChild(models.Model):
    """Rows of a submitted intake: written once, then never changed or deleted."""

    position = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True
        ordering = ["position"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{type(self).__name__} rows are immutable.")


class InstrumentResponse(ImmutableChild):
    """One instrument's answers, keyed by item (clinical.questionnaires)."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="responses")
    instrument = models.CharField(max_length=20)
    answers = models.JSONField()

    class Meta(ImmutableChild.Meta):
        constraints = [
            models.UniqueConstraint(fields=["intake", "instrument"], name="one_response_each")
        ]

    def __str__(self):
        return f"{self.instrument} answers"


class Adherence(models.TextChoices):
    ALL = "all"
    MOST_DAYS = "most_days"
    ABOUT_HALF = "about_half"
    RARELY = "rarely"


class TrialOutcome(models.TextChoices):
    NO_RESPONSE = "no_response", "No response (under 25% better)"
    PARTIAL_RESPONSE = "partial_response", "Partial response (25–49% better)"
    RESPONSE = "response", "Response (50% or more better)"
    REMISSION = "remission", "Remission"
    STOPPED_SIDE_EFFECTS = "stopped_side_effects", "Stopped because of side effects"
    TOO_EARLY_TO_TELL = "too_early_to_tell", "Too early to tell"


class MedicationTrial(ImmutableChild):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="medication_trials")
    # catalogue key (clinical.medications), or "unlisted" with the name in medication_name
    medication = models.CharField(max_length=40)
    medication_name = models.CharField(max_length=80, blank=True)  # unlisted drugs only
    # null: the dose is not known ("I don't remember")
    max_daily_dose_mg = models.DecimalField(max_digits=10, decimal_places=4, null=True)
    # weeks at or above the minimum adequate dose (issue 20); null when not given
    weeks_at_adequate_dose = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    # deprecated (weeks at the highest dose): kept for partners still sending it
    weeks_at_max_dose = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    adherence = models.CharField(max_length=12, choices=Adherence.choices)
    outcome = models.CharField(max_length=24, choices=TrialOutcome.choices)
    # null: not answered (counted as not current, shown as "episode unknown")
    current_episode = models.BooleanField(null=True, default=None)
    # Still being taken at intake; None when not said (read as not ongoing). A short ongoing
    # course without response yet is "too early", not pseudo-resistance (issue 20).
    ongoing = models.BooleanField(null=True, blank=True)

    def __str__(self):
        return f"trial {self.position}: {self.medication}"


class PsychotherapyType(models.TextChoices):
    CBT = "cbt"
    MBCT = "mbct"
    BEHAVIOURAL_ACTIVATION = "behavioural_activation"
    INTERPERSONAL = "interpersonal"
    PSYCHODYNAMIC = "psychodynamic"
    DBT = "dbt"
    OTHER = "other"


class PsychotherapyTrial(ImmutableChild):
    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="psychotherapy_trials"
    )
    type = models.CharField(max_length=24, choices=PsychotherapyType.choices)
    sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=TrialOutcome.choices)

    def __str__(self):
        return f"psychotherapy {self.position}: {self.type}"


class NeuromodulationType(models.TextChoices):
    ECT = "ect", "ECT"
    RTMS = "rtms", "rTMS"
    ESKETAMINE = "esketamine", "Esketamine"
    KETAMINE = "ketamine", "Ketamine"
    VNS = "vns", "VNS"
    OTHER = "other", "Other"


class EctPlacement(models.TextChoices):
    BILATERAL = "bilateral"
    RIGHT_UNILATERAL = "right_unilateral"
    UNKNOWN = "unknown"


class NeuromodulationCourse(ImmutableChild):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="neuromodulation")
    type = models.CharField(max_length=12, choices=NeuromodulationType.choices)
    placement = models.CharField(max_length=20, choices=EctPlacement.choices, blank=True)
    sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=TrialOutcome.choices)
    # null: not answered (counted as not current)
    current_episode = models.BooleanField(null=True, default=None)

    def __str__(self):
        return f"neuromodulation {self.position}: {self.type}"


class Amendment(models.Model):
    """A correction to a submitted intake, recorded beside it (the intake never changes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="amendments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reason = EncryptedNoteField()
    changes = EncryptedJSONField(help_text="Field path -> corrected value")

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Amendment {short_id(self.pk)}"


class IdempotencyKey(models.Model):
    """``Idempotency-Key`` of an API submission: same caller + key + body returns the intake.

    The key is stored as a keyed digest (intake.idempotency.key_digest), not as sent: a partner
    may build its keys from its own record numbers, and those identify a patient."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(
        max_length=255, help_text="HMAC-SHA256 of the Idempotency-Key header (hex), not the key"
    )
    body_sha256 = models.CharField(max_length=64)
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_key_per_caller")]

    def __str__(self):
        return "Idempotency key"


class IntakeDraft(models.Model):
    """A patient's unfinished web intake: every completed wizard step, encrypted at rest.

    The patient resumes it through a signed, expiring token (never the id alone); drafts
    expire ``DRAFT_LIFETIME`` after they were started and are purged by a periodic task.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)
    current_step = models.CharField(max_length=40, blank=True)
    data = EncryptedJSONField(default=dict, blank=True)  # step name -> cleaned form data
    submitted_intake = models.OneToOneField(
        Intake, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft"
    )

    def __str__(self):
        return f"Draft {short_id(self.pk)}"
