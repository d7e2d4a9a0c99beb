"""Demo data (``manage.py load_demo``): a patient with a follow-up plan and three follow-ups.

Baseline PHQ-9 18, 100 days ago; a plan every 28 days, four times; follow-ups on days 28
(PHQ-9 9: response), 56 (4: remission) and 84 (16: no response after 12 weeks, so the
``not_improving`` flag); the fourth is still to come. Each follow-up goes through intake's
``follow_up_submit`` (the same path as the check-in page), its date set back inside the
submission's transaction so that screening, run after commit, measures it at that date.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from followups import services
from followups.models import OccurrenceState
from intake.crypto import blind_index
from intake.models import Intake, IntakeSource, Patient
from intake.serializers import IntakeSubmissionSerializer
from intake.services import follow_up_submit, intake_submit

EXTERNAL_ID = "DEMO-FU-001"
BASELINE_DAYS_AGO = 100
FOLLOW_UPS = ((1, 9), (2, 4), (3, 16))  # (occurrence, PHQ-9 total): response, remission, none


def _phq9(total: int) -> dict:
    items, left = {}, total
    for n in range(1, 9):
        items[f"q{n}"] = min(3, left)
        left -= items[f"q{n}"]
    return {**items, "q9": 0, "difficulty": 2}


BASELINE = {
    "patient": {
        "external_id": EXTERNAL_ID,
        "given_name": "Robin",
        "family_name": "Adeyemi",
        "birth_date": "1979-05-14",
        "sex_at_birth": "male",
        "email": "robin.adeyemi@example.org",
        "phone": "+1 312 555 0142",
        "state": "IL",
        "postal_code": "60614",
        "preferred_languages": ["en"],
        "insurance": {"payer": "aetna", "self_pay": False},
    },
    "consent": {"screening": True, "privacy_notice_version": "2025-01"},
    "answers": {"phq9": _phq9(18)},
}


def _at(day, when):
    return when.replace(hour=10, minute=0) + timedelta(days=day)


def ensure_demo_follow_ups(*, partner_user=None) -> int:
    """Create the demo patient's plan and follow-ups unless they exist; how many follow-ups."""
    if Patient.objects.filter(external_id_index=blind_index("external_id", EXTERNAL_ID)).exists():
        return 0
    start = timezone.now() - timedelta(days=BASELINE_DAYS_AGO)
    body = {**BASELINE, "consent": {**BASELINE["consent"], **_consent_version()}}
    serializer = IntakeSubmissionSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    with transaction.atomic():
        baseline = intake_submit(
            data=serializer.validated_data, source=IntakeSource.API, submitted_by=partner_user
        ).intake
        Intake.objects.filter(pk=baseline.pk).update(submitted_at=start)
    baseline.refresh_from_db()
    plan = services.plan_start(
        intake=baseline,
        instruments=["phq9"],
        every_days=28,
        occurrences=4,
        channels=["email", "sms"],
        by=None,
        today=timezone.localdate(start),
    )
    for number, total in FOLLOW_UPS:
        occurrence = plan.occurrence_set.get(number=number)
        when = _at(0, start) + timedelta(days=(occurrence.due_on - start.date()).days)
        with transaction.atomic():
            done = follow_up_submit(
                baseline=baseline, answers={"phq9": _phq9(total)}, source=IntakeSource.WEB
            )
            Intake.objects.filter(pk=done.intake.pk).update(submitted_at=when)
            occurrence.state = OccurrenceState.COMPLETED
            occurrence.sent_at = when - timedelta(hours=2)
            occurrence.completed_at = when
            occurrence.follow_up = done.intake
            occurrence.save()
    return len(FOLLOW_UPS)


def _consent_version() -> dict:
    from intake import privacy_notice

    return {"privacy_notice_version": privacy_notice.PUBLISHED_VERSIONS[-1]}
