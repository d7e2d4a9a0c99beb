"""The outcomes report's hand-computed patients (see tests/screening/test_outcomes_report.py's
table), shared by that module and the browser test of the report page."""

from datetime import UTC, datetime, timedelta

from django.test import TestCase

from intake.models import Intake
from intake.services import follow_up_submit
from screening import review
from screening.models import Case
from tests.conftest import submit
from tests.factories import follow_up_phq9 as phq9
from tests.factories import intake_payload
from tests.screening.conftest import patient_fields

REPORT = "/admin/screening/measurementsettings/outcomes/"


def at(day: str, plus_days: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC) + timedelta(days=plus_days)


def place(intake: Intake, when: datetime) -> Intake:
    Intake.objects.filter(pk=intake.pk).update(submitted_at=when)
    intake.refresh_from_db()
    return intake


def patient(index_day: str, total: int, later: list[tuple[int, int]]) -> Intake:
    payload = intake_payload()
    payload["patient"].update(patient_fields())
    payload["answers"]["phq9"] = phq9(total)
    base = place(submit(payload), at(index_day))
    for days, later_total in later:
        with TestCase.captureOnCommitCallbacks(execute=True):
            done = follow_up_submit(
                baseline=base, answers={"phq9": phq9(later_total)}, source="api"
            )
        place(done.intake, at(index_day, days))
    return base


def build(cleo):
    """The six hand-computed patients; P1's and P3's cases assigned to ``cleo``."""
    p1 = patient("2026-01-10", 18, [(60, 4), (150, 8)])
    patient("2026-01-20", 20, [(130, 12), (200, 4)])
    p3 = patient("2026-02-05", 15, [(100, 3), (250, 3)])
    patient("2026-02-14", 12, [(240, 7)])
    p5 = patient("2026-01-05", 8, [])
    with TestCase.captureOnCommitCallbacks(execute=True):
        later = follow_up_submit(baseline=p5, answers={"phq9": phq9(14)}, source="api").intake
    place(later, at("2026-03-01"))
    patient("2026-02-20", 16, [(119, 2)])
    for base in (p1, p3):
        review.case_assign_to_me(case=Case.objects.get(memberships__intake=base), by=cleo)
