"""Writes of the intake app. Views, the API, the wizard and commands call these.

``intake_submit`` stores a whole validated intake in one transaction: the patient (found again
by the blind index of their external id, or of their email with the same birth date), the
intake with its synchronous safety decision, every answer and course. It then sends
``intake_submitted`` inside the same transaction, so the screening app's urgent flag and
case commit with it, and screening itself is enqueued only after commit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from intake.crypto import blind_index
from intake.models import (
    Amendment,
    InstrumentResponse,
    Intake,
    MedicationTrial,
    NeuromodulationCourse,
    Patient,
    PsychotherapyTrial,
)
from intake.safety_net import patient_match_key
from intake.signals import intake_submitted
from screening.rules.safety import assess_safety

CONTACT_FIELDS = ("given_name", "family_name", "email", "phone", "postal_code", "external_id")


@dataclass(frozen=True)
class SubmittedIntake:
    intake: Intake
    safety: dict


#: Candidates read for one identifier; more than a handful would be a data problem anyway.
MAX_CANDIDATES = 20


def _find_patient(p: dict) -> Patient | None:
    """The known patient a submission is about: the same external id (else the same email),
    and the same birth date. External ids are the partners' own record numbers, and two
    systems may well both have an ``MRN-00042``: on the identifier alone, one partner's
    submission would overwrite another's patient (name, contact details, insurance) and merge
    two people's score trends. A different birth date makes a new record instead (at worst
    one person in two records, which a clinician can see, never two people in one)."""
    if p.get("external_id"):
        candidates = Patient.objects.filter(
            external_id_index=blind_index("external_id", p["external_id"])
        )
    elif p.get("email"):
        candidates = Patient.objects.filter(email_index=blind_index("email", p["email"]))
    else:
        return None
    # Birth dates are encrypted at rest: compared here, not in SQL.
    for candidate in candidates.order_by()[:MAX_CANDIDATES]:
        if candidate.birth_date == p["birth_date"]:
            return candidate
    return None


def patient_upsert(p: dict) -> Patient:
    """The patient of a submission: an existing record (updated contact details) or a new one."""
    insurance = p.get("insurance") or {}
    values = {
        "birth_date": p["birth_date"],
        "sex_at_birth": p["sex_at_birth"],
        "state": p["state"],
        "preferred_languages": p.get("preferred_languages", []),
        "insurance_payer": insurance.get("payer", ""),
        "self_pay": insurance.get("self_pay", False),
        **{field: (p.get(field) or None) for field in CONTACT_FIELDS},
    }
    patient = _find_patient(p)
    if patient is None:
        return Patient.objects.create(**values)
    for field, value in values.items():
        if field in CONTACT_FIELDS and value is None:
            continue  # a later submission without a contact detail keeps the known one
        setattr(patient, field, value)
    patient.save()
    return patient


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
        patient = patient_upsert(data["patient"])
        intake = Intake.objects.create(
            patient=patient,
            source=source,
            submitted_by=submitted_by if getattr(submitted_by, "pk", None) else None,
            consent_screening=data["consent"]["screening"],
            privacy_notice_version=data["consent"]["privacy_notice_version"],
            age_years=patient.age_on(timezone.localdate()),
            sex_at_birth=patient.sex_at_birth,
            state=patient.state,
            urgent=safety.urgent,
            risk_level=safety.risk_level,
            safety=safety.to_dict(),
            current_episode_months=history.get("current_episode_months"),
            psychotic_features=history.get("psychotic_features", False),
            care_preferences=data.get("care_preferences") or {},
        )
        InstrumentResponse.objects.bulk_create(
            InstrumentResponse(intake=intake, position=i, instrument=key, answers=answers)
            for i, (key, answers) in enumerate(data["answers"].items())
        )
        MedicationTrial.objects.bulk_create(
            MedicationTrial(
                intake=intake,
                position=i,
                medication=t["medication"].key,
                max_daily_dose_mg=t["max_daily_dose_mg"],
                weeks_at_max_dose=t["weeks_at_max_dose"],
                adherence=t["adherence"],
                outcome=t["outcome"],
                current_episode=t.get("current_episode", True),
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
                current_episode=c.get("current_episode", True),
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
