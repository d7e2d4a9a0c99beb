"""What screening holds about a patient, for intake.privacy's export and erasure (registered in
screening.apps through intake.extensions.register_patient_data)."""

from django.utils import timezone

from intake.privacy import ERASED_TEXT
from screening.models import Case, CaseNote, SafetyEvent


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def safety_event_rows(patient) -> list[dict]:
    """The safety events joined to the intakes: the risk answers, the decision, and a rejected
    submission's body as sent (decrypted) while it is kept."""
    events = SafetyEvent.objects.filter(intake__patient=patient).order_by("created_at")
    cases = dict(Case.objects.filter(safety_event__in=events).values_list("safety_event_id", "pk"))
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


def erase_case_notes(intake_ids) -> int:
    """Staff free text about the patient on their cases."""
    return CaseNote.objects.filter(case__intake__in=intake_ids).update(text=ERASED_TEXT)


def erase_rejected_bodies(intake_ids) -> int:
    """A rejected submission's body (and its match keys) joined to one of the intakes."""
    return SafetyEvent.objects.filter(intake__in=intake_ids, rejected_body__isnull=False).update(
        rejected_body=None, patient_key="", body_key="", body_purged_at=timezone.now()
    )


def register() -> None:
    from intake.extensions import register_patient_data

    register_patient_data("safety_events", safety_event_rows)
    register_patient_data("case_notes_erased", erase_case_notes)
    register_patient_data("rejected_bodies_erased", erase_rejected_bodies)
