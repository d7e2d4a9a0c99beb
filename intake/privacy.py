"""Right of access and right to erasure for a patient's data (HIPAA access; GDPR-style erasure).

Both are run by a named staff member and audited. Erasure removes everything that identifies
the person (name, contact details, external id, birth date, postal code, the identity each of
their intakes was submitted with, the old values kept by staff edits, their partners' keys,
the possible matches that involve them, drafts, free text staff wrote about them) and keeps
the non-identifying screening record (age at intake, sex at birth, state, answers, scores,
flags, stages), so service statistics stay whole.
"""

import copy

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.api import intake_detail
from intake.crypto import blind_index
from intake.extensions import PATIENT_DATA
from intake.identifiers import PATIENT_IDENTIFYING_FIELDS
from intake.linking import patient_values
from intake.models import (
    Amendment,
    IntakeDraft,
    IntakeIdentity,
    Patient,
    PatientKey,
    PatientRevision,
    PossibleMatch,
)
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
        "safety_events": _held_elsewhere("safety_events", patient, []),
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


def _held_elsewhere(key: str, argument, default):
    """Rows another app holds about the patient (intake.extensions.PATIENT_DATA)."""
    handler = PATIENT_DATA.get(key)
    return handler(argument) if handler is not None else default


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
            "drafts_erased": IntakeDraft.objects.filter(submitted_intake__in=intake_ids).update(
                data={}
            ),
            "amendments_erased": Amendment.objects.filter(intake__in=intake_ids).update(
                reason=ERASED_TEXT, changes={"erased": True}
            ),
            "case_notes_erased": _held_elsewhere("case_notes_erased", intake_ids, 0),
            "referral_notes_erased": _held_elsewhere("referral_notes_erased", intake_ids, 0),
            # A rejected submission's body (and its match keys) joined to one of the intakes.
            "rejected_bodies_erased": _held_elsewhere("rejected_bodies_erased", intake_ids, 0),
        }
        record_change(before=before, after=patient, actor=by, event="erasure", **counts)
    return counts
