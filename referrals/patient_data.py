"""What the referrals app holds about a patient, for intake.privacy's erasure (registered in
referrals.apps through intake.extensions.register_patient_data)."""

from intake.privacy import ERASED_TEXT
from referrals.models import Referral


def erase_referral_notes(intake_ids) -> int:
    """Staff free text about the patient on their referrals."""
    return Referral.objects.filter(intake__in=intake_ids).update(note=ERASED_TEXT)


def register() -> None:
    from intake.extensions import register_patient_data

    register_patient_data("referral_notes_erased", erase_referral_notes)
