"""The one-step "Take" (screening.review.case_take, issue 19): acknowledge if urgent, assign to
me, start the review, in one transaction with one audit row; refused for other roles, for a
decided case, and for a case someone else took since the reviewer looked."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from ops.audit import entries_for
from screening import review
from screening.models import CaseStatus
from tests.screening.conftest import fresh, new_case, urgent_case


@pytest.mark.django_db
class TestTake:
    def test_an_urgent_case_is_acknowledged_assigned_and_in_review(self, cleo):
        case = urgent_case()
        assert case.needs_acknowledgement
        review.case_take(case=case, by=cleo)
        case = fresh(case)
        assert case.status == CaseStatus.IN_REVIEW
        assert case.assigned_to == cleo
        assert case.acknowledged_by == cleo and case.acknowledged_at is not None
        assert case.status_changed_by == cleo
        row = entries_for(case).get(additional_data__event="take")
        assert row.actor == cleo
        assert row.additional_data["steps"] == ["acknowledge", "assign_to_me", "start_review"]
        assert row.additional_data["from_status"] == "new"
        assert row.additional_data["to_status"] == "in_review"

    def test_a_routine_case_is_not_acknowledged(self, cleo):
        case = new_case()
        assert not case.urgent
        review.case_take(case=case, by=cleo)
        case = fresh(case)
        assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
        assert case.acknowledged_at is None and case.acknowledged_by is None
        row = entries_for(case).get(additional_data__event="take")
        assert row.additional_data["steps"] == ["assign_to_me", "start_review"]

    def test_taking_a_case_i_already_have_changes_nothing(self, cleo):
        case = urgent_case()
        review.case_take(case=case, by=cleo)
        rows = entries_for(case).count()
        review.case_take(case=fresh(case), by=cleo)
        assert entries_for(case).count() == rows
        assert fresh(case).status == CaseStatus.IN_REVIEW

    def test_a_case_in_review_with_someone_else_is_taken_over_when_seen(self, cleo, cleo2):
        case = new_case()
        review.case_take(case=case, by=cleo)
        seen = fresh(case)  # cleo2's page shows cleo as the assignee
        review.case_take(case=seen, by=cleo2, expected_assignee_id=cleo.pk)
        case = fresh(case)
        assert case.assigned_to == cleo2 and case.status == CaseStatus.IN_REVIEW
        steps = [
            r.additional_data["steps"]
            for r in entries_for(case).filter(additional_data__event="take").order_by("pk")
        ]
        assert steps == [["assign_to_me", "start_review"], ["assign_to_me"]]

    def test_already_assigned_to_someone_else_since_i_looked_is_refused(self, cleo, cleo2):
        case = urgent_case()
        seen_by_cleo2 = fresh(case)  # unassigned when cleo2 looked
        review.case_take(case=fresh(case), by=cleo)
        rows = entries_for(case).count()
        with pytest.raises(review.AlreadyMoved, match="assigned to cleo and in review"):
            review.case_take(case=seen_by_cleo2, by=cleo2)
        case = fresh(case)
        assert case.assigned_to == cleo and case.acknowledged_by == cleo
        assert entries_for(case).count() == rows

    def test_a_decided_case_cannot_be_taken(self, cleo, cleo2):
        case = new_case()
        review.case_take(case=case, by=cleo)
        review.case_close(case=fresh(case), by=cleo, reason="Already in treatment")
        with pytest.raises(review.MoveNotAllowed, match="closed cannot be taken"):
            review.case_take(case=fresh(case), by=cleo2, expected_assignee_id=cleo.pk)
        case = fresh(case)
        assert case.status == CaseStatus.CLOSED and case.assigned_to == cleo

    @pytest.mark.parametrize("persona", ["cora", "dirk"])
    def test_only_clinicians_take_cases(self, request, persona):
        user = request.getfixturevalue(persona)
        case = urgent_case()
        with pytest.raises(PermissionDenied):
            review.case_take(case=case, by=user)
        case = fresh(case)
        assert case.status == CaseStatus.NEW
        assert case.assigned_to is None and case.acknowledged_at is None
        assert not entries_for(case).filter(additional_data__event="take").exists()

    def test_a_failed_audit_write_rolls_the_take_back(self, cleo, monkeypatch):
        case = urgent_case()

        def broken(**kwargs):
            raise RuntimeError("audit store down")

        monkeypatch.setattr(review, "record_change", broken)
        with pytest.raises(RuntimeError):
            review.case_take(case=case, by=cleo)
        case = fresh(case)
        assert case.status == CaseStatus.NEW
        assert case.assigned_to is None and case.acknowledged_at is None


@pytest.mark.django_db(transaction=True)
def test_two_clinicians_take_at_the_same_instant_on_postgresql(cleo, cleo2):
    """Two threads (two connections) read the new urgent case, wait for each other, then both
    take it: the row lock lets exactly one win; the other is told and changes nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")
    case = urgent_case()
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, str] = {}

    def clinician(user):
        try:
            mine = fresh(case)
            barrier.wait()
            review.case_take(case=mine, by=user)
            outcome[user.username] = "won"
        except review.AlreadyMoved:
            outcome[user.username] = "lost"
        finally:
            connection.close()

    threads = [threading.Thread(target=clinician, args=(u,)) for u in (cleo, cleo2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcome.values()) == ["lost", "won"]
    winner = next(name for name, result in outcome.items() if result == "won")
    case = fresh(case)
    assert case.assigned_to.username == winner and case.acknowledged_by.username == winner
    assert entries_for(case).filter(additional_data__event="take").count() == 1
