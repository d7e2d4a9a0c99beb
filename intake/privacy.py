"""Right of access and right to erasure for a patient's data (HIPAA access; GDPR-style erasure).

Both are run by a named staff member and audited. Erasure removes everything that identifies
the person (name, contact details, external id, birth date, postal code, the identity each of
their intakes was submitted with, the old values kept by staff edits, their partners' keys,
the possible matches that involve them, drafts, free text staff wrote about them) and keeps
the non-identifying screening record (age at intake, sex at birth, state, answers, scores,
flags, stages), so service statistics stay whole.
"""

import copy

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.api import intake_detail
from intake.crypto import blind_index
from intake.identifiers import PATIENT_IDENTIFYING_FIELDS
from intake.linking import patient_values
from intake.models import IntakeIdentity, Patient, PatientKey, PatientRevision, PossibleMatch
from ops.audit import record_access, record_change, service_write

ERASED_TEXT = "[erased]"


class PatientNotFound(LookupError):
    pass


def find_patient(*, patient_id=None, external_id=None, email=None) -> Patient:
    """One patient by id, or by the blind index of an exact external id or email."""
    qs = Patient.objects.all()
    if patient_id:
        qs = qs.filter(pk=patient_id)
    elif external_id:
        qs = qs.filter(external_id_index=blind_index("external_id", external_id))
    elif email:
        qs = qs.filter(email_index=blind_index("email", email))
    else:
        raise PatientNotFound("Name the patient by id, external id or email.")
    matches = list(qs[:2])
    if len(matches) != 1:
        raise PatientNotFound(
            "No single patient matches."
            if not matches
            else "More than one patient matches; use the patient id."
        )
    return matches[0]


def patient_export(*, patient: Patient, by) -> dict:
    """Everything held about the patient, as the API shows it to a clinician (audited)."""
    intakes = patient.intakes.select_related("identity").order_by("submitted_at")
    record_access(patient, user=by, view="export_patient")
    matches = PossibleMatch.objects.filter(
        Q(patient=patient) | Q(intake__patient=patient)
    ).order_by("created_at")
    return {
        "patient_id": str(patient.pk),
        "exported_at": timezone.now().isoformat(),
        "erased_at": patient.erased_at.isoformat() if patient.erased_at else None,
        # The stored record; each intake's "patient" is the identity it was submitted with.
        "record": patient_values(patient),
        "intakes": [intake_detail(intake, by) for intake in intakes],
        "record_edits": [
            {
                "changed_at": r.changed_at.isoformat(),
                "changed_by": r.changed_by.get_username(),
                "old_values": r.old_values,
            }
            for r in patient.revisions.select_related("changed_by")
        ],
        # Risk answers acted on before the intake was complete (issue 16), joined to it.
        "safety_events": _safety_events(patient),
        # Ids and decisions only: the other side of a match may be another person.
        "possible_matches": [
            {
                "id": str(m.pk),
                "intake": str(m.intake_id),
                "patient": str(m.patient_id),
                "agreed_on": m.reasons,
                "status": m.status,
                "decided_at": m.decided_at.isoformat() if m.decided_at else None,
            }
            for m in matches
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _safety_events(patient) -> list[dict]:
    """The safety events joined to the intakes: the risk answers, the decision, and a rejected
    submission's body as sent (decrypted) while it is kept."""
    try:
        model = apps.get_model("screening", "SafetyEvent")
    except LookupError:
        return []
    events = model.objects.filter(intake__patient=patient).order_by("created_at")
    cases = dict(
        apps.get_model("screening", "Case")
        .objects.filter(safety_event__in=events)
        .values_list("safety_event_id", "pk")
    )
    return [
        {
            "id": str(event.pk),
            "source": event.source,
            "created_at": _iso(event.created_at),
            "intake": str(event.intake_id),
            "joined_at": _iso(event.joined_at),
            "case": str(cases[event.pk]) if event.pk in cases else None,
            "risk_level": event.risk_level,
            "answers": event.answers,
            "safety": event.safety,
            # {"sent", "patient", "errors"}: None for a wizard draft, or once purged/erased.
            "rejected_submission": event.rejected,
            "body_expires_at": _iso(event.body_expires_at),
            "body_purged_at": _iso(event.body_purged_at),
        }
        for event in events
    ]


def _blank_free_text(model_label: str, text_field: str, **filters) -> int:
    """Replace staff free text about the patient in another app's table, if it is installed."""
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return 0
    return model.objects.filter(**filters).update(**{text_field: ERASED_TEXT})


def _erase_rejected_bodies(intake_ids) -> int:
    try:
        model = apps.get_model("screening", "SafetyEvent")
    except LookupError:
        return 0
    return model.objects.filter(intake__in=intake_ids, rejected_body__isnull=False).update(
        rejected_body=None, patient_key="", body_key="", body_purged_at=timezone.now()
    )


def patient_erase(*, patient: Patient, by) -> dict:
    """Erase identifying data in one transaction with its audit row; idempotent."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        before = copy.copy(patient)
        for field in PATIENT_IDENTIFYING_FIELDS:
            setattr(patient, field, None)
        patient.erased_at = patient.erased_at or timezone.now()
        with service_write():
            patient.save()
        intake_ids = list(patient.intakes.values_list("pk", flat=True))
        matches = PossibleMatch.objects.filter(Q(patient=patient) | Q(intake__in=intake_ids))
        counts = {
            "intakes_kept": len(intake_ids),
            "identities_erased": IntakeIdentity.objects.filter(intake__in=intake_ids).update(
                values={}, erased_at=timezone.now()
            ),
            "record_edits_erased": PatientRevision.objects.filter(patient=patient).update(
                old_values={}
            ),
            "partner_keys_removed": PatientKey.objects.filter(patient=patient).delete()[0],
            "possible_matches_removed": matches.delete()[0],
            "drafts_erased": apps.get_model("intake", "IntakeDraft")
            .objects.filter(submitted_intake__in=intake_ids)
            .update(data={}),
            "amendments_erased": apps.get_model("intake", "Amendment")
            .objects.filter(intake__in=intake_ids)
            .update(reason=ERASED_TEXT, changes={"erased": True}),
            "case_notes_erased": _blank_free_text(
                "screening.CaseNote", "text", case__intake__in=intake_ids
            ),
            "referral_notes_erased": _blank_free_text(
                "referrals.Referral", "note", intake__in=intake_ids
            ),
            # A rejected submission's body (and its match keys) joined to one of the intakes.
            "rejected_bodies_erased": _erase_rejected_bodies(intake_ids),
        }
        record_change(before=before, after=patient, actor=by, event="erasure", **counts)
    return counts
