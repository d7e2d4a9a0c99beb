"""intake.services.follow_up_submit: a follow-up intake measured against its baseline."""

import pytest
from django.db import transaction

from intake.models import Intake
from intake.serializers import IntakeSubmissionSerializer
from intake.services import FollowUpRejected, follow_up_submit, intake_submit
from screening.models import Case, Flag
from tests.factories import follow_up_phq9 as phq9
from tests.factories import intake_payload


def baseline_intake(user, **answers) -> Intake:
    payload = intake_payload()
    if answers:
        payload["answers"] = answers
    serializer = IntakeSubmissionSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    return intake_submit(data=serializer.validated_data, source="api", submitted_by=user).intake


@pytest.mark.django_db(transaction=True)
class TestFollowUpSubmit:
    def test_takes_patient_consent_and_identity_from_the_baseline(self, cora):
        baseline = baseline_intake(cora)
        done = follow_up_submit(
            baseline=baseline, answers={"phq9": phq9(9)}, source="api", submitted_by=cora
        )
        follow_up = Intake.objects.get(pk=done.intake.pk)
        assert follow_up.follow_up_of_id == baseline.pk
        assert follow_up.patient_id == baseline.patient_id
        assert follow_up.organisation_id == baseline.organisation_id
        assert follow_up.consent_screening is True
        assert follow_up.privacy_notice_version == baseline.privacy_notice_version
        assert (follow_up.sex_at_birth, follow_up.state) == (baseline.sex_at_birth, "NY")
        assert follow_up.identity.values == baseline.identity.values
        assert [r.instrument for r in follow_up.responses.all()] == ["phq9"]
        assert follow_up.medication_trials.count() == 0
        assert follow_up.urgent is False
        # Screening ran (eager Celery in tests) as for any intake.
        assert follow_up.screening_runs.filter(status="complete").count() == 1

    def test_a_follow_up_of_a_follow_up_is_measured_against_the_original(self, cora):
        baseline = baseline_intake(cora)
        first = follow_up_submit(baseline=baseline, answers={"phq9": phq9(12)}, source="api")
        second = follow_up_submit(baseline=first.intake, answers={"phq9": phq9(4)}, source="api")
        assert second.intake.follow_up_of_id == baseline.pk

    @pytest.mark.parametrize(
        ("answers", "errors"),
        [
            (
                {"gad7": {f"q{n}": 0 for n in range(1, 8)}},
                {"phq9": ["This questionnaire is required."]},
            ),
            ({"phq9": phq9(9), "mdq": {}}, {"mdq": None}),
            ({"phq9": {**phq9(9), "q3": 7}}, {"phq9": None}),
        ],
    )
    def test_rejects_other_instruments_missing_phq9_and_bad_items(self, cora, answers, errors):
        baseline = baseline_intake(cora)
        before = Intake.objects.count()
        with pytest.raises(FollowUpRejected) as raised:
            follow_up_submit(baseline=baseline, answers=answers, source="api")
        for key, expected in errors.items():
            assert key in raised.value.errors["answers"]
            if expected is not None:
                assert raised.value.errors["answers"][key] == expected
        assert Intake.objects.count() == before

    def test_item9_above_zero_is_urgent_with_flag_and_case_in_the_same_transaction(self, cora):
        baseline = baseline_intake(cora)
        with transaction.atomic():
            done = follow_up_submit(
                baseline=baseline, answers={"phq9": phq9(9, item9=1)}, source="web"
            )
            # Inside the submission's transaction, before commit: the decision is there.
            assert done.intake.urgent is True
            assert Flag.objects.filter(intake=done.intake, code="suicide_risk", run=None).exists()
            # The follow-up joined the baseline's open case (it carries the linked patient),
            # which is urgent now: one case for the patient, not a second.
            case = Case.objects.get(memberships__intake=done.intake)
            assert case == Case.objects.get(memberships__intake=baseline)
            assert case.urgent is True
            assert Case.objects.filter(intake__patient=baseline.patient).count() == 1
        assert done.safety["urgent"] is True
        assert any("988" in r["contact"] for r in done.safety["crisis_resources"])

    def test_item9_with_no_open_case_opens_an_urgent_one(self, cora, cleo):
        from screening import review

        baseline = baseline_intake(cora)
        case = Case.objects.get(memberships__intake=baseline)
        review.case_start_review(case=case, by=cleo)
        review.case_close(case=Case.objects.get(pk=case.pk), by=cleo, reason="Seen.")
        with transaction.atomic():
            done = follow_up_submit(
                baseline=baseline, answers={"phq9": phq9(9, item9=1)}, source="web"
            )
            opened = Case.objects.get(memberships__intake=done.intake)
            assert opened.urgent is True and opened.intake_id == done.intake.pk
            assert opened != case

    def test_a_failure_after_the_safety_decision_rolls_everything_back(self, cora):
        baseline = baseline_intake(cora)
        before = (Intake.objects.count(), Flag.objects.count(), Case.objects.count())
        with pytest.raises(RuntimeError), transaction.atomic():
            follow_up_submit(baseline=baseline, answers={"phq9": phq9(9, item9=2)}, source="web")
            raise RuntimeError("the caller's transaction fails")
        assert (Intake.objects.count(), Flag.objects.count(), Case.objects.count()) == before
