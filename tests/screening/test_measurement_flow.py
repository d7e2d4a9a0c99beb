"""Issue 21: a follow-up intake joins the patient's open case; not_improving reaches the queue
at the clinical lead's threshold (default 8 weeks); the case page's trend shows the outcome."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from intake.models import Intake
from intake.services import follow_up_submit
from screening.models import Case, Flag, MeasurementSettings
from screening.selectors import case_queue, cases_with_flag, queue_flags, symptom_trend
from tests.conftest import login, submit
from tests.factories import follow_up_phq9 as phq9
from tests.factories import intake_payload
from tests.screening.conftest import patient_fields


def baseline(total=18, days_ago=0) -> Intake:
    payload = intake_payload()  # possible_trd (high): a case opens
    payload["patient"].update(patient_fields())
    payload["answers"]["phq9"] = phq9(total)
    intake = submit(payload)
    if days_ago:
        Intake.objects.filter(pk=intake.pk).update(
            submitted_at=timezone.now() - timedelta(days=days_ago)
        )
        intake.refresh_from_db()
    return intake


def follow(base: Intake, total: int, item9=0) -> Intake:
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = follow_up_submit(baseline=base, answers={"phq9": phq9(total, item9)}, source="web")
    return done.intake


def codes(intake) -> set[str]:
    return set(Flag.objects.filter(intake=intake).values_list("code", flat=True))


@pytest.mark.django_db
class TestNotImproving:
    def test_eight_weeks_without_response_reaches_the_queue_in_the_patients_case(self):
        base = baseline(18, days_ago=56)
        case = Case.objects.get(memberships__intake=base)
        later = follow(base, 12)  # -33 %: partial response, at 8 weeks
        assert "not_improving" in codes(later)
        flag = Flag.objects.get(intake=later, code="not_improving")
        assert flag.level == "moderate" and flag.run is not None
        assert "threshold: 8 weeks" in flag.evidence[1]
        # The follow-up joined the patient's open case, and the queue shows its flag.
        assert Case.objects.get(memberships__intake=later) == case
        assert Case.objects.filter(intake__patient=base.patient).count() == 1
        queued = case_queue().get(pk=case.pk)
        assert "not_improving" in {f.code for f in queue_flags(queued)}
        assert "possible_trd" in {f.code for f in queue_flags(queued)}
        assert list(cases_with_flag(case_queue(), "not_improving")) == [case]

    def test_a_day_short_of_eight_weeks_raises_nothing(self):
        base = baseline(18, days_ago=55)
        assert "not_improving" not in codes(follow(base, 17))

    def test_a_response_at_eight_weeks_raises_nothing(self):
        base = baseline(18, days_ago=70)
        assert "not_improving" not in codes(follow(base, 9))

    def test_the_clinical_lead_sets_the_weeks(self):
        MeasurementSettings.objects.create(not_improving_after_weeks=4)
        assert MeasurementSettings.current().not_improving_after_weeks == 4
        base = baseline(18, days_ago=28)
        flag = Flag.objects.get(intake=follow(base, 17), code="not_improving")
        assert "threshold: 4 weeks" in flag.evidence[1]

    def test_the_default_is_8_weeks_with_no_row_written_on_read(self):
        assert MeasurementSettings.current().not_improving_after_weeks == 8
        assert not MeasurementSettings.objects.exists()


@pytest.mark.django_db
class TestUrgentFollowUp:
    def test_item9_on_a_follow_up_makes_the_patients_case_urgent(self):
        base = baseline(18)
        case = Case.objects.get(memberships__intake=base)
        assert not case.urgent
        later = follow(base, 9, item9=1)
        assert later.urgent
        case.refresh_from_db()
        assert case.urgent
        assert Case.objects.get(memberships__intake=later) == case
        assert Flag.objects.filter(intake=later, code="suicide_risk", run=None).exists()


@pytest.mark.django_db
class TestTrend:
    def test_outcomes_against_the_baseline_on_the_trend_and_case_page(self, client, cleo):
        base = baseline(18, days_ago=120)
        follow(base, 9)
        follow(base, 4)
        follow(base, 17)
        points = symptom_trend(base.patient_id)
        assert [p.phq9 for p in points] == [18, 9, 4, 17]
        assert [p.outcome for p in points] == ["", "response", "remission", "no_response"]
        assert [p.response for p in points] == [False, True, True, False]
        assert [p.remission for p in points] == [False, False, True, False]
        case = Case.objects.get(memberships__intake=base)
        login(client, cleo)
        page = client.get(f"/admin/screening/case/{case.pk}/change/").content.decode()
        assert 'data-outcome="no_response">No response</span>' in page
        assert "remission</span>" in page
