"""Writes of the intake app. Views, the API, the wizard and commands call these.

``intake_submit`` stores a whole validated intake in one transaction: its identity as
submitted, the patient record it is linked to (intake.linking: an existing one only on the
partner's strong key, else a new one, with possible matches for staff), the intake with its
synchronous safety decision, every answer and course. It then sends
``intake_submitted`` inside the same transaction, so the screening app's urgent flag and
case commit with it, and screening itself is enqueued only after commit.

``follow_up_submit`` stores a follow-up intake (measurement-based care, issue 21): only the
follow-up instruments' answers, measured against a baseline intake whose patient, consent and
identity it carries; the same safety decision, signal and screening as any submission.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clinical.answer_validation import INSTRUMENT_REQUIRED_MESSAGE, validate_answers
from clinical.medications import UNLISTED
from clinical.questionnaires import INSTRUMENTS
from clinical.rules.measurement import FOLLOW_UP_INSTRUMENTS, FOLLOW_UP_REQUIRED
from clinical.rules.safety import assess_safety
from intake.linking import (
    organisation_of,
    partner_of,
    record_identity,
    resolve_patient,
    web_organisation,
)
from intake.models import (
    InstrumentResponse,
    Intake,
    IntakeIdentity,
    IntakeSource,
    MedicationTrial,
    NeuromodulationCourse,
    PsychotherapyTrial,
    PsychoticFeaturesSource,
)
from intake.safety_net import patient_match_key
from intake.signals import intake_submitted


@dataclass(frozen=True)
class SubmittedIntake:
    intake: Intake
    safety: dict


def psychotic_features_source(history: dict) -> str:
    """Who reported the psychotic features: a self-report unless the caller says a clinician
    confirmed them; blank when none are reported."""
    if not history.get("psychotic_features", False):
        return ""
    return history.get("psychotic_features_source") or PsychoticFeaturesSource.SELF_REPORT


def intake_submit(*, data: dict, source: str, submitted_by=None, draft=None) -> SubmittedIntake:
    """Store a validated submission (IntakeSubmissionSerializer.validated_data).

    ``draft`` is the wizard draft being submitted: a safety event recorded for it earlier
    (intake.safety_net) is joined by the new intake, as is one recorded for a rejected
    submission of the same caller about the same patient."""
    safety = assess_safety(data["answers"])
    history = data.get("treatment_history") or {}
    # No savepoint when a caller's transaction encloses this one (the API's, the wizard's):
    # a failure here fails the whole submission anyway, and a savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        submitter = submitted_by if getattr(submitted_by, "pk", None) else None
        if submitter is not None:
            organisation = organisation_of(submitter)
        elif source == IntakeSource.WEB:
            organisation = web_organisation()
        else:
            organisation = None
        resolution = resolve_patient(data["patient"], partner=partner_of(submitter, organisation))
        patient = resolution.patient
        born = data["patient"]["birth_date"]
        today = timezone.localdate()
        intake = Intake.objects.create(
            patient=patient,
            organisation=organisation,
            source=source,
            submitted_by=submitter,
            consent_screening=data["consent"]["screening"],
            privacy_notice_version=data["consent"]["privacy_notice_version"],
            # The intake's own context, from what it sent (never from a linked record).
            age_years=today.year - born.year - ((today.month, today.day) < (born.month, born.day)),
            sex_at_birth=data["patient"]["sex_at_birth"],
            state=data["patient"]["state"],
            urgent=safety.urgent,
            risk_level=safety.risk_level,
            safety=safety.to_dict(),
            current_episode_months=history.get("current_episode_months"),
            psychotic_features=history.get("psychotic_features", False),
            psychotic_features_source=psychotic_features_source(history),
            care_preferences=data.get("care_preferences") or {},
        )
        record_identity(intake=intake, p=data["patient"], resolution=resolution)
        InstrumentResponse.objects.bulk_create(
            InstrumentResponse(intake=intake, position=i, instrument=key, answers=answers)
            for i, (key, answers) in enumerate(data["answers"].items())
        )
        MedicationTrial.objects.bulk_create(
            MedicationTrial(
                intake=intake,
                position=i,
                medication=t["medication"].key if t["medication"] else UNLISTED,
                medication_name="" if t["medication"] else t["medication_name"],
                max_daily_dose_mg=t.get("max_daily_dose_mg"),
                weeks_at_adequate_dose=t.get("weeks_at_adequate_dose"),
                weeks_at_max_dose=t.get("weeks_at_max_dose"),
                adherence=t["adherence"],
                outcome=t["outcome"],
                current_episode=t.get("current_episode"),
                ongoing=t.get("ongoing"),
            )
            for i, t in enumerate(history.get("medication_trials", []))
        )
        PsychotherapyTrial.objects.bulk_create(
            PsychotherapyTrial(
                intake=intake,
                position=i,
                type=t["type"],
                sessions=t.get("sessions"),
                outcome=t["outcome"],
            )
            for i, t in enumerate(history.get("psychotherapy_trials", []))
        )
        NeuromodulationCourse.objects.bulk_create(
            NeuromodulationCourse(
                intake=intake,
                position=i,
                type=c["type"],
                placement=c.get("placement", ""),
                sessions=c.get("sessions"),
                outcome=c["outcome"],
                current_episode=c.get("current_episode"),
            )
            for i, c in enumerate(history.get("neuromodulation", []))
        )
        intake_submitted.send(
            sender=Intake,
            intake=intake,
            draft=draft,
            patient_key=patient_match_key(submitted_by, data["patient"]),
        )
    return SubmittedIntake(intake=intake, safety=intake.safety)


class FollowUpRejected(ValueError):
    """A follow-up that cannot be stored. ``errors`` is keyed by field path as the API's 400
    body is (``{"answers": {"phq9": {"q3": [...]}}}``, ``{"follow_up_of": [...]}``)."""

    def __init__(self, errors: dict):
        super().__init__("The follow-up was rejected.")
        self.errors = errors


def follow_up_errors(baseline: Intake, answers: object) -> dict:
    """Field errors of a follow-up's answers against its baseline; empty when valid.

    Only ``FOLLOW_UP_INSTRUMENTS`` are accepted, the PHQ-9 is required, and every answer is
    validated as at submission (for the baseline's sex at birth)."""
    errors = {}
    if baseline.patient.erased_at is not None:
        return {"follow_up_of": ["This patient's personal data was erased; no follow-ups."]}
    item_errors = validate_answers(answers, sex_at_birth=baseline.sex_at_birth)
    if isinstance(answers, dict):
        for key in answers:
            if key not in FOLLOW_UP_INSTRUMENTS and key in INSTRUMENTS:
                item_errors[str(key)] = [
                    "Not a follow-up questionnaire. A follow-up carries only: "
                    + ", ".join(FOLLOW_UP_INSTRUMENTS)
                    + "."
                ]
        for key in FOLLOW_UP_REQUIRED:
            if key not in answers:
                item_errors[key] = [INSTRUMENT_REQUIRED_MESSAGE]
    if item_errors:
        errors["answers"] = item_errors
    return errors


def baseline_of(intake: Intake) -> Intake:
    """The original baseline: a follow-up's own baseline, else the intake itself."""
    return intake.follow_up_of if intake.follow_up_of_id else intake


def follow_up_submit(
    *, baseline: Intake, answers: dict, source: str, submitted_by=None, draft=None
) -> SubmittedIntake:
    """Store a follow-up intake of ``baseline`` (raises :class:`FollowUpRejected`).

    ``answers``: instrument key -> item key -> answer code, only the follow-up instruments
    (PHQ-9 required; GAD-7 and the C-SSRS screen optional). A follow-up of a follow-up is
    stored against the original baseline. The follow-up takes from the baseline: the linked
    patient (so it joins the patient's open case), the organisation, the consent and privacy
    notice version, sex at birth, state, and a copy of the identity it was submitted with; its
    age is the patient's age today (the baseline's if the birth date is gone). No treatment
    history and no care preferences (the baseline keeps them). The safety decision (PHQ-9 item
    9 above 0, any C-SSRS risk) is made here, and ``intake_submitted`` is sent inside the same
    transaction, so an urgent flag and case commit with the follow-up, and screening is
    enqueued after commit, as for any intake."""
    baseline = baseline_of(baseline)
    errors = follow_up_errors(baseline, answers)
    if errors:
        raise FollowUpRejected(errors)
    answers = {key: dict(answers[key]) for key in FOLLOW_UP_INSTRUMENTS if key in answers}
    safety = assess_safety(answers)
    with transaction.atomic(savepoint=False):
        submitter = submitted_by if getattr(submitted_by, "pk", None) else None
        patient = baseline.patient
        age = patient.age_on(timezone.localdate())
        intake = Intake.objects.create(
            patient=patient,
            organisation=baseline.organisation,
            source=source,
            submitted_by=submitter,
            follow_up_of=baseline,
            consent_screening=baseline.consent_screening,
            privacy_notice_version=baseline.privacy_notice_version,
            age_years=age if age is not None else baseline.age_years,
            sex_at_birth=baseline.sex_at_birth,
            state=baseline.state,
            urgent=safety.urgent,
            risk_level=safety.risk_level,
            safety=safety.to_dict(),
        )
        identity = IntakeIdentity.objects.filter(intake_id=baseline.pk).first()
        IntakeIdentity.objects.create(
            intake=intake, values=dict(identity.values) if identity is not None else {}
        )
        InstrumentResponse.objects.bulk_create(
            InstrumentResponse(intake=intake, position=i, instrument=key, answers=items)
            for i, (key, items) in enumerate(answers.items())
        )
        intake_submitted.send(sender=Intake, intake=intake, draft=draft, patient_key="")
    return SubmittedIntake(intake=intake, safety=intake.safety)
