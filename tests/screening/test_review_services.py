"""The review services (screening.review): each move in one transaction with its audit row,
refused moves and races that change nothing, acknowledgement stopping escalation.

Cases come from real submissions (intake_submit, screening run on commit) through the helpers
of tests/screening/conftest.py.
"""

import threading
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from ops.audit import MASK, entries_for
from screening import review, services
from screening.models import Case, CaseNote, CaseStatus
from tests.screening.conftest import fresh, new_case, urgent_case


@pytest.mark.django_db
class TestMoves:
    def test_the_whole_way_new_to_referred(self, cleo):
        case = new_case()
        assert case.status == CaseStatus.NEW
        review.case_start_review(case=case, by=cleo)
        review.case_refer(case=case, by=cleo)
        case = fresh(case)
        assert case.status == CaseStatus.REFERRED
        assert case.assigned_to == cleo  # start_review took the unassigned case
        assert case.status_changed_by == cleo and case.status_changed_at is not None

    @pytest.mark.parametrize("move", ["close", "dismiss"])
    def test_close_and_dismiss_need_a_reason(self, cleo, move):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        service = getattr(review, f"case_{move}")
        with pytest.raises(review.ReasonRequired):
            service(case=case, by=cleo, reason="   ")
        assert fresh(case).status == CaseStatus.IN_REVIEW
        service(case=case, by=cleo, reason="Already under a psychiatrist's care")
        case = fresh(case)
        assert case.status == move.replace("close", "closed").replace("dismiss", "dismissed")
        assert case.closed_reason == "Already under a psychiatrist's care"

    @pytest.mark.parametrize(
        "move,kwargs",
        [
            ("refer", {}),
            ("close", {"reason": "x"}),
            ("dismiss", {"reason": "x"}),
        ],
    )
    def test_a_new_case_cannot_skip_the_review(self, cleo, move, kwargs):
        case = new_case()
        before = entries_for(case).count()
        with pytest.raises(review.MoveNotAllowed) as refused:
            getattr(review, f"case_{move}")(case=case, by=cleo, **kwargs)
        assert "Possible now: start review" in str(refused.value)
        assert "Nothing was changed" in str(refused.value)
        assert fresh(case).status == CaseStatus.NEW
        assert entries_for(case).count() == before

    def test_a_decided_case_does_not_move_again(self, cleo):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        review.case_refer(case=case, by=cleo)
        with pytest.raises(review.MoveNotAllowed, match="referred cannot be closed"):
            review.case_close(case=case, by=cleo, reason="changed my mind")
        assert fresh(case).status == CaseStatus.REFERRED

    def test_every_move_writes_one_audit_row_with_actor_and_diff(self, cleo):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        review.case_close(case=case, by=cleo, reason="Patient Ada Rivera moved abroad")
        rows = list(entries_for(case).filter(action=LogEntry.Action.UPDATE).order_by("pk"))
        assert [r.additional_data["event"] for r in rows] == ["start_review", "close"]
        assert all(r.actor == cleo for r in rows)
        assert rows[0].changes_dict["status"] == ["new", "in_review"]
        assert rows[1].changes_dict["closed_reason"] == [MASK, MASK]  # free text never logged
        assert "Rivera" not in str(rows[1].changes)

    def test_a_failed_audit_write_rolls_the_move_back(self, cleo, monkeypatch):
        case = new_case()

        def broken(**kwargs):
            raise RuntimeError("audit store down")

        monkeypatch.setattr(review, "record_change", broken)
        with pytest.raises(RuntimeError):
            review.case_start_review(case=case, by=cleo)
        assert fresh(case).status == CaseStatus.NEW

    @pytest.mark.parametrize("persona", ["cora", "dirk"])
    def test_only_clinicians_move_cases(self, request, persona):
        user = request.getfixturevalue(persona)
        case = new_case()
        with pytest.raises(PermissionDenied):
            review.case_start_review(case=case, by=user)
        with pytest.raises(PermissionDenied):
            review.case_add_note(case=case, by=user, text="hello")
        assert fresh(case).status == CaseStatus.NEW


@pytest.mark.django_db
class TestTwoReviewers:
    """Both reviewers read the case, both act: one wins, the other is told and nothing
    changes for them."""

    def test_second_start_review_from_a_stale_read_is_refused(self, cleo, cleo2):
        case = new_case()
        seen_by_cleo, seen_by_cleo2 = fresh(case), fresh(case)
        review.case_start_review(case=seen_by_cleo, by=cleo)
        with pytest.raises(review.AlreadyMoved, match="cleo already moved this case"):
            review.case_start_review(case=seen_by_cleo2, by=cleo2)
        case = fresh(case)
        assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
        assert entries_for(case).filter(additional_data__event="start_review").count() == 1

    def test_different_moves_from_the_same_state_race_too(self, cleo, cleo2):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        a, b = fresh(case), fresh(case)
        review.case_refer(case=a, by=cleo)
        with pytest.raises(review.AlreadyMoved):
            review.case_dismiss(case=b, by=cleo2, reason="duplicate")
        case = fresh(case)
        assert case.status == CaseStatus.REFERRED and case.closed_reason == ""

    def test_page_drawn_before_the_other_move_is_a_conflict_not_a_new_move(self, cleo, cleo2):
        case = new_case()
        review.case_start_review(case=fresh(case), by=cleo)
        review.case_refer(case=fresh(case), by=cleo)
        with pytest.raises(review.AlreadyMoved, match="it is now referred"):
            review.case_refer(case=fresh(case), by=cleo2, expected_status="in_review")

    def test_acknowledged_once(self, cleo, cleo2):
        case = urgent_case()
        a, b = fresh(case), fresh(case)
        review.case_acknowledge(case=a, by=cleo)
        with pytest.raises(review.AlreadyMoved, match="cleo already acknowledged"):
            review.case_acknowledge(case=b, by=cleo2)
        assert fresh(case).acknowledged_by == cleo

    def test_assignment_race(self, cleo, cleo2):
        case = new_case()
        a, b = fresh(case), fresh(case)
        review.case_assign_to_me(case=a, by=cleo)
        with pytest.raises(review.AlreadyMoved, match="assigned to cleo"):
            review.case_assign_to_me(case=b, by=cleo2)
        assert fresh(case).assigned_to == cleo
        # Seeing cleo as the assignee, cleo2 may take the case over.
        review.case_assign_to_me(case=fresh(case), by=cleo2, expected_assignee_id=cleo.pk)
        assert fresh(case).assigned_to == cleo2


@pytest.mark.django_db
class TestAcknowledgement:
    def test_acknowledging_stops_escalation(self, cleo, settings):
        settings.ONCALL_EMAILS = ["oncall@example.org"]
        acknowledged, ignored = urgent_case(), urgent_case()
        later = timezone.now() + timedelta(minutes=settings.URGENT_ACK_MINUTES + 5)
        Case.objects.update(notified_at=timezone.now())
        review.case_acknowledge(case=acknowledged, by=cleo)
        mail.outbox.clear()
        assert services.escalate_unacknowledged(now=later) == 1
        assert fresh(ignored).escalated_at is not None
        assert fresh(acknowledged).escalated_at is None
        row = entries_for(acknowledged).get(additional_data__event="acknowledge")
        assert row.actor == cleo

    def test_only_urgent_cases_are_acknowledged(self, cleo):
        with pytest.raises(review.MoveNotAllowed):
            review.case_acknowledge(case=new_case(), by=cleo)

    def test_starting_the_review_acknowledges_an_urgent_case(self, cleo):
        case = urgent_case()
        review.case_start_review(case=case, by=cleo)
        case = fresh(case)
        assert case.acknowledged_by == cleo and case.acknowledged_at is not None


@pytest.mark.django_db
class TestNotes:
    def test_a_note_and_its_audit_row(self, cleo):
        case = new_case()
        note = review.case_add_note(case=case, by=cleo, text="Called the patient; safe plan.")
        assert CaseNote.objects.get(case=case).text == "Called the patient; safe plan."
        row = entries_for(note).get()
        assert row.actor == cleo and row.additional_data["event"] == "note_added"
        assert row.changes_dict["text"] == [MASK, MASK]
        assert "safe plan" not in str(row.changes)

    def test_an_empty_note_is_refused(self, cleo):
        case = new_case()
        with pytest.raises(review.ReviewError):
            review.case_add_note(case=case, by=cleo, text="  ")
        assert not CaseNote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_instant_on_postgresql(cleo, cleo2):
    """Real concurrency: two threads (two connections) read the new case, wait for each other,
    then both start the review. The database's row lock plus the state check in the UPDATE
    (ConcurrentTransitionMixin) let exactly one win; the other changes nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")
    case = new_case()
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, str] = {}

    def reviewer(user):
        try:
            mine = fresh(case)
            barrier.wait()
            review.case_start_review(case=mine, by=user, expected_status="new")
            outcome[user.username] = "won"
        except review.AlreadyMoved:
            outcome[user.username] = "lost"
        finally:
            connection.close()

    threads = [threading.Thread(target=reviewer, args=(u,)) for u in (cleo, cleo2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcome.values()) == ["lost", "won"]
    winner = next(name for name, result in outcome.items() if result == "won")
    case = fresh(case)
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to.username == winner
    assert entries_for(case).filter(additional_data__event="start_review").count() == 1
