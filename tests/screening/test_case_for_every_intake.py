"""Issue 19: every screened intake has an owner (a routine case when it raised no flag), and a
patient has one open case: a later intake of the same linked patient joins it.

Intakes come from real submissions (intake_submit; screening on commit, eager Celery). The
partner ``cora`` submits, so the same external id and birth date link to one patient
(intake.linking's strong key).
"""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from intake.models import Intake
from screening import bulk_review, review, services
from screening.models import (
    CASE_LEVEL_RANK,
    ROUTINE_PRIORITY,
    Case,
    CaseIntake,
    CaseStatus,
)
from screening.selectors import case_history, case_queue
from tests.conftest import submit
from tests.factories import intake_payload, urgent_payload
from tests.screening.conftest import patient_fields, quiet_payload


def flagged_payload(**patient):
    payload = intake_payload()  # possible_trd (high)
    payload["patient"].update(patient)
    return payload


def case_of(intake: Intake) -> Case:
    return Case.objects.get(memberships__intake=intake)


@pytest.mark.django_db
class TestRoutineCase:
    def test_an_unflagged_intake_gets_a_routine_case(self, cora):
        intake = submit(quiet_payload(**patient_fields()), by=cora)
        assert not intake.flags.exists()
        case = Case.objects.get(intake=intake)
        assert case.priority == ROUTINE_PRIORITY == CASE_LEVEL_RANK["routine"]
        assert case.level == "routine" and case.is_routine and not case.urgent
        assert case.status == CaseStatus.NEW
        assert list(case.intakes.all()) == [intake]

    def test_the_queue_keeps_flagged_cases_before_routine_ones(self, cora):
        routine = Case.objects.get(intake=submit(quiet_payload(**patient_fields()), by=cora))
        flagged = Case.objects.get(intake=submit(flagged_payload(**patient_fields()), by=cora))
        urgent = Case.objects.get(
            intake=submit(urgent_payload(item9=2, **patient_fields()), by=cora)
        )
        order = list(case_queue().order_by(*Case._meta.ordering).values_list("pk", flat=True))
        assert order == [urgent.pk, flagged.pk, routine.pk]
        assert flagged.level == "high" and not flagged.is_routine


@pytest.mark.django_db
class TestOneOpenCasePerPatient:
    def test_a_later_intake_joins_the_open_case(self, cora):
        me = patient_fields()
        first = submit(quiet_payload(**me), by=cora)
        second = submit(flagged_payload(**me), by=cora)
        assert first.patient_id == second.patient_id  # linked on the strong key
        [case] = Case.objects.all()
        assert case.intake_id == first.pk  # the intake that opened it
        assert set(case.intakes.all()) == {first, second}
        assert case.priority == CASE_LEVEL_RANK["high"]  # raised by the later flags

    def test_a_less_pressing_later_intake_never_lowers_the_level(self, cora):
        me = patient_fields()
        first = submit(flagged_payload(**me), by=cora)
        submit(quiet_payload(**me), by=cora)
        assert case_of(first).priority == CASE_LEVEL_RANK["high"]
        assert Case.objects.count() == 1

    def test_another_patient_gets_a_case_of_their_own(self, cora):
        submit(quiet_payload(**patient_fields()), by=cora)
        submit(quiet_payload(**patient_fields()), by=cora)
        assert Case.objects.count() == 2

    def test_a_closed_case_is_not_joined(self, cora, cleo):
        me = patient_fields()
        first = submit(quiet_payload(**me), by=cora)
        case = case_of(first)
        review.case_start_review(case=case, by=cleo)
        review.case_close(case=Case.objects.get(pk=case.pk), by=cleo, reason="Seen in clinic")
        second = submit(quiet_payload(**me), by=cora)
        assert case_of(second).pk != case.pk
        assert list(case_of(second).intakes.all()) == [second]

    def test_a_case_in_review_is_joined(self, cora, cleo):
        me = patient_fields()
        first = submit(quiet_payload(**me), by=cora)
        review.case_start_review(case=case_of(first), by=cleo)
        second = submit(quiet_payload(**me), by=cora)
        assert case_of(second).pk == case_of(first).pk
        assert case_of(second).status == CaseStatus.IN_REVIEW

    def test_screening_again_is_harmless(self, cora):
        me = patient_fields()
        first = submit(quiet_payload(**me), by=cora)
        second = submit(quiet_payload(**me), by=cora)
        found = services.case_for_intake(second, priority=ROUTINE_PRIORITY)
        assert found.how == "existing" and found.case.pk == case_of(first).pk
        assert CaseIntake.objects.count() == 2


@pytest.mark.django_db
class TestUrgentOnAJoinedCase:
    def test_an_urgent_later_intake_raises_the_case_and_pages_on_call(self, cora, cleo, settings):
        settings.ONCALL_EMAILS = ["oncall@example.org"]
        me = patient_fields()
        first = submit(flagged_payload(**me), by=cora)
        case = case_of(first)
        review.case_start_review(case=case, by=cleo)
        assert not case.urgent and mail.outbox == []

        second = submit(urgent_payload(item9=2, **me), by=cora)
        case.refresh_from_db()
        assert case_of(second).pk == case.pk and Case.objects.count() == 1
        assert case.urgent and case.priority == CASE_LEVEL_RANK["urgent"]
        assert case.needs_acknowledgement and case.notified_at is not None
        [message] = mail.outbox
        assert message.to == ["oncall@example.org"]
        assert str(case.pk) in message.body and "Urgent case" in message.subject
        assert second.flags.filter(code="suicide_risk", level="urgent").exists()
        # The case's history says so (an audit row written with the join).
        [joined] = [e for e in case_history(case) if e.what.startswith("A later intake")]
        assert joined.who == "system"
        assert "level: high → urgent" in joined.details and "urgent: False → True" in (
            joined.details
        )
        lines = [line for event in case_history(case) for line in event.details]
        assert not [line for line in lines if "acknowledgement cleared" in line]  # never acked

    def test_a_new_urgent_answer_needs_a_new_acknowledgement(self, cora, cleo, settings):
        """An acknowledged urgent case joined by another urgent intake: the new answer pages
        on-call again and must be acknowledged again, as a new urgent case would be."""
        settings.ONCALL_EMAILS = ["oncall@example.org"]
        me = patient_fields()
        first = submit(urgent_payload(item9=2, **me), by=cora)
        case = case_of(first)
        review.case_acknowledge(case=case, by=cleo)
        assert len(mail.outbox) == 1
        submit(urgent_payload(item9=3, **me), by=cora)
        case.refresh_from_db()
        assert case.acknowledged_at is None and case.needs_acknowledgement
        joined = [e for e in case_history(case) if e.what.startswith("A later intake")]
        assert [
            line for line in joined[0].details if line.startswith("acknowledgement cleared")
        ] == ["acknowledgement cleared: the new urgent answer needs acknowledging"]
        assert len(mail.outbox) == 2
        assert Case.objects.count() == 1 and case.intakes.count() == 2

    def test_a_case_raised_by_a_join_is_not_closed_from_a_stale_page(self, cora, cleo, settings):
        """The clinician read the case, then an urgent intake of the patient joined it: their
        close is refused (nothing written over the join), and the case stays urgent, open and
        notified."""
        settings.ONCALL_EMAILS = ["oncall@example.org"]
        me = patient_fields()
        case = case_of(submit(quiet_payload(**me), by=cora))
        review.case_start_review(case=case, by=cleo)
        stale = Case.objects.get(pk=case.pk)  # the page the clinician is looking at
        submit(urgent_payload(item9=2, **me), by=cora)
        with pytest.raises(review.NewIntakeArrived, match="read the case again"):
            review.case_close(case=stale, by=cleo, reason="Routine", expected_status="in_review")
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_REVIEW and case.urgent
        assert case.notified_at is not None and case.needs_acknowledgement
        assert len(mail.outbox) == 1
        # Read again, it can be decided.
        review.case_acknowledge(case=case, by=cleo)
        review.case_close(case=case, by=cleo, reason="Seen today; safety plan in place.")
        assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_two_intakes_of_one_patient_at_once_make_one_case_on_postgresql(cora):
    """Real concurrency: two connections place two intakes of one patient at the same time.
    The second waits on the patient's row lock while the first holds its transaction open,
    then joins the case the first opened: one case with both intakes."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")
    me = patient_fields()
    first = submit(quiet_payload(**me), by=cora)
    second = submit(quiet_payload(**me), by=cora)
    Case.objects.all().delete()  # as if neither had been placed yet
    held, release, second_done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def place_first():
        try:
            with transaction.atomic():
                outcome["first"] = services.case_for_intake(first, priority=ROUTINE_PRIORITY).how
                held.set()
                release.wait(timeout=10)
        finally:
            held.set()
            connection.close()

    def place_second():
        try:
            held.wait(timeout=10)
            with transaction.atomic():
                outcome["second"] = services.case_for_intake(
                    second, priority=CASE_LEVEL_RANK["moderate"]
                ).how
            second_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=place_first), threading.Thread(target=place_second)]
    for thread in threads:
        thread.start()
    assert held.wait(timeout=10)
    # The second is blocked on the patient's lock while the first's transaction is open.
    assert not second_done.wait(timeout=1.0)
    release.set()
    for thread in threads:
        thread.join(timeout=20)
    assert outcome == {"first": "opened", "second": "joined"}
    [case] = Case.objects.all()
    assert set(case.intakes.all()) == {first, second}
    assert case.priority == CASE_LEVEL_RANK["moderate"]


@pytest.mark.django_db
class TestBulkReview:
    """screening.bulk_review (the queue's bulk actions; the browser test clicks them)."""

    def test_assign_to_me_leaves_a_colleagues_case_and_a_closed_one(self, cora, cleo, cleo2):
        mine = case_of(submit(quiet_payload(**patient_fields()), by=cora))
        theirs = case_of(submit(quiet_payload(**patient_fields()), by=cora))
        review.case_assign_to_me(case=theirs, by=cleo2)
        done = case_of(submit(quiet_payload(**patient_fields()), by=cora))
        review.case_start_review(case=done, by=cleo)
        review.case_close(case=Case.objects.get(pk=done.pk), by=cleo, reason="Seen")
        cases = list(Case.objects.filter(pk__in=[mine.pk, theirs.pk, done.pk]))
        result = bulk_review.cases_assign_to_me(cases=cases, by=cleo)
        assert [c.pk for c in result.done] == [mine.pk]
        assert Case.objects.get(pk=mine.pk).assigned_to == cleo
        assert Case.objects.get(pk=theirs.pk).assigned_to == cleo2
        message = result.refused_message("assigned")
        assert message.startswith("2 cases not assigned") and "someone else" in message

    def test_close_needs_a_reason_and_closes_routine_cases_only(self, cora, cleo):
        routine = case_of(submit(quiet_payload(**patient_fields()), by=cora))
        flagged = case_of(submit(flagged_payload(**patient_fields()), by=cora))
        with pytest.raises(review.ReasonRequired):
            bulk_review.cases_close_routine(cases=[routine], by=cleo, reason="  ")
        assert Case.objects.get(pk=routine.pk).status == CaseStatus.NEW
        result = bulk_review.cases_close_routine(
            cases=[routine, flagged], by=cleo, reason="Routine; no concern."
        )
        assert [c.pk for c in result.done] == [routine.pk]
        closed = Case.objects.get(pk=routine.pk)
        assert closed.status == CaseStatus.CLOSED and closed.closed_reason == "Routine; no concern."
        assert Case.objects.get(pk=flagged.pk).status == CaseStatus.NEW
        assert "only routine cases" in result.refused_message("closed")

    def test_close_is_refused_without_the_review_permission(self, cora):
        from django.core.exceptions import PermissionDenied

        routine = case_of(submit(quiet_payload(**patient_fields()), by=cora))
        with pytest.raises(PermissionDenied):
            bulk_review.cases_close_routine(cases=[routine], by=cora, reason="x")
        assert Case.objects.get(pk=routine.pk).status == CaseStatus.NEW
