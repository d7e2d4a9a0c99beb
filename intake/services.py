"""Writes of the intake app. Views, the API, the wizard and commands call these.

``intake_submit`` stores a whole validated intake in one transaction: its identity as
submitted, the patient record it is linked to (intake.linking: an existing one only on the
partner's strong key, else a new one, with possible matches for staff), the intake with its
synchronous safety decision, every answer and course. It then sends
``intake_submitted`` inside the same transaction, so the screening app's urgent flag and
case commit with it, and screening itself is enqueued only after commit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clinical.medications import UNLISTED
from clinical.rules.safety import assess_safety
from intake.linking import (
    organisation_of,
    partner_of,
    record_identity,
    resolve_patient,
    web_organisation,
)
from intake.models import (
    Amendment,
    InstrumentResponse,
    Intake,
    IntakeSource,
    MedicationTrial,
    NeuromodulationCourse,
    PsychotherapyTrial,
)
from intake.safety_net import patient_match_key
from intake.signals import intake_submitted


@dataclass(frozen=True)
class SubmittedIntake:
    intake: Intake
    safety: dict


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


def intake_amend(*, intake: Intake, by, reason: str, changes: dict) -> Amendment:
    """Record a correction beside a submitted intake (the intake itself never changes)."""
    if not reason.strip():
        raise ValueError("An amendment needs a reason.")
    return Amendment.objects.create(intake=intake, created_by=by, reason=reason, changes=changes)
