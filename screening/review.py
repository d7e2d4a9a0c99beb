"""Writes of the clinician review: every move of a case, each in one transaction with its
audit row (ops.audit). The admin calls these; nothing else changes a case's review state.

A move the case's state does not allow raises :class:`MoveNotAllowed`; one that another
reviewer already made (the case changed since the reviewer's page was drawn, or between our
read and our write: ``ConcurrentTransitionMixin``) raises :class:`AlreadyMoved`. Either way
nothing is written and ``str(error)`` is the message to show.
"""

import copy

import structlog
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from ops.audit import record_change, record_creation, service_write
from screening.models import Case, CaseNote, CaseStatus

log = structlog.get_logger(__name__)

REVIEW_PERMISSION = "screening.change_case"
NOTE_PERMISSION = "screening.add_casenote"
REASON_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 10_000

#: The case's transition method for each move, and the words the messages use.
MOVES = {
    "start_review": {"label": "Start review", "refused": "have its review started"},
    "refer": {"label": "Refer", "refused": "be referred"},
    "close": {"label": "Close", "refused": "be closed"},
    "dismiss": {"label": "Dismiss", "refused": "be dismissed"},
}
_UNSET = object()


class ReviewError(Exception):
    """A review action that changed nothing; ``str()`` is the message for the reviewer."""


class MoveNotAllowed(ReviewError):
    """The case's current state does not allow this move."""


class AlreadyMoved(ReviewError):
    """Another reviewer changed the case first."""


class ReasonRequired(ReviewError):
    """Closing or dismissing needs a reason."""


class NewIntakeArrived(AlreadyMoved):
    """A later intake of the patient joined the case (and raised it) since it was read."""


#: The fields each move writes (the rest of the row is left as it is in the database: a join,
#: a notification or an assignment made since the case was read is never written back over).
_MOVED = ("status", "status_changed_at", "status_changed_by", "updated_at")
MOVE_FIELDS = {
    "start_review": (*_MOVED, "assigned_to", "acknowledged_at", "acknowledged_by"),
    "refer": _MOVED,
    "close": (*_MOVED, "closed_reason"),
    "dismiss": (*_MOVED, "closed_reason"),
}


def status_label(status: str) -> str:
    return CaseStatus(status).label.lower()


def available_moves(case: Case) -> list[str]:
    """The moves the case's state allows now, in ``MOVES`` order."""
    return [name for name in MOVES if can_proceed(getattr(case, name))]


def _require(user, permission: str) -> None:
    if not (user and user.is_active and user.has_perm(permission)):
        raise PermissionDenied("Only clinicians review cases.")


def require_reviewer(user) -> None:
    """Only clinicians (the review permission) change a case or what it says."""
    _require(user, REVIEW_PERMISSION)


def _who(user) -> str:
    return user.get_username() if user else "Another reviewer"


def _moved_message(case: Case) -> str:
    when = (
        timezone.localtime(case.status_changed_at).strftime("%H:%M")
        if (case.status_changed_at)
        else None
    )
    who = _who(case.status_changed_by) if case.status_changed_by_id else "Another reviewer"
    at = f" at {when}" if when else ""
    return (
        f"{who} already moved this case{at}: it is now {status_label(case.status)}. "
        "Nothing was changed."
    )


def _not_allowed_message(case: Case, move: str) -> str:
    allowed = [MOVES[name]["label"].lower() for name in available_moves(case)]
    hint = f" Possible now: {', '.join(allowed)}." if allowed else ""
    return (
        f"A case that is {status_label(case.status)} cannot {MOVES[move]['refused']}."
        f"{hint} Nothing was changed."
    )


def _move(case: Case, move: str, *, by, expected_status: str | None, **kwargs) -> Case:
    _require(by, REVIEW_PERMISSION)
    if expected_status is not None and case.status != expected_status:
        raise AlreadyMoved(_moved_message(case))
    transition = getattr(case, move)
    if not can_proceed(transition):
        raise MoveNotAllowed(_not_allowed_message(case, move))
    before = copy.copy(case)
    try:
        with transaction.atomic(), service_write():
            if move != "start_review":
                _refuse_if_raised_meanwhile(case)
            transition(by=by, **kwargs)
            case.save(update_fields=MOVE_FIELDS[move])
            record_change(
                before=before,
                after=case,
                actor=by,
                event=move,
                from_status=before.status,
                to_status=case.status,
            )
    except ConcurrentTransition:
        case.refresh_from_db()
        raise AlreadyMoved(_moved_message(case)) from None
    log.info("case_moved", case_id=str(case.pk), move=move, to=case.status, by=by.pk)
    return case


def _refuse_if_raised_meanwhile(case: Case) -> None:
    """Lock the row; refuse a decision on a case a later intake has raised since it was read
    (more urgent, a higher level, or an acknowledgement cleared by a new urgent answer)."""
    fresh = (
        Case.objects.select_for_update()
        .filter(pk=case.pk)
        .values("urgent", "priority", "acknowledged_at")
        .first()
    )
    if fresh is None:
        return
    raised = (
        (fresh["urgent"] and not case.urgent)
        or fresh["priority"] < case.priority
        or (case.acknowledged_at is not None and fresh["acknowledged_at"] is None)
    )
    if raised:
        raise NewIntakeArrived(
            "A later intake of this patient joined the case while you looked at it and raised "
            "it: read the case again first. Nothing was changed."
        )


def _reason(reason: str | None, move: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            f"Give a reason to {MOVES[move]['label'].lower()} the case. Nothing was changed."
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ReasonRequired(f"Keep the reason under {REASON_MAX_LENGTH} characters.")
    return reason


def case_start_review(*, case: Case, by, expected_status: str | None = None) -> Case:
    """new → in review. Assigns an unassigned case to the reviewer and acknowledges an urgent
    one (a clinician has it now: escalation stops)."""
    return _move(case, "start_review", by=by, expected_status=expected_status)


def case_refer(*, case: Case, by, expected_status: str | None = None) -> Case:
    """in review → referred (the referral itself is made in the referrals app)."""
    return _move(case, "refer", by=by, expected_status=expected_status)


def case_close(*, case: Case, by, reason: str, expected_status: str | None = None) -> Case:
    """in review → closed, with the reason (e.g. "already in treatment with a psychiatrist")."""
    _require(by, REVIEW_PERMISSION)
    return _move(
        case, "close", by=by, expected_status=expected_status, reason=_reason(reason, "close")
    )


def case_dismiss(*, case: Case, by, reason: str, expected_status: str | None = None) -> Case:
    """in review → dismissed, with the reason (e.g. "duplicate submission")."""
    _require(by, REVIEW_PERMISSION)
    return _move(
        case, "dismiss", by=by, expected_status=expected_status, reason=_reason(reason, "dismiss")
    )


def case_acknowledge(*, case: Case, by) -> Case:
    """Acknowledge an urgent case: the escalation job (``escalate_unacknowledged``) stops
    for it. Only the first acknowledgement counts; a second one is :class:`AlreadyMoved`."""
    _require(by, REVIEW_PERMISSION)
    if not case.urgent:
        raise MoveNotAllowed("Only urgent cases are acknowledged. Nothing was changed.")
    if case.acknowledged_at is not None:
        raise AlreadyMoved(_acknowledged_message(case))
    if not case.is_open:
        raise MoveNotAllowed(
            f"A case that is {status_label(case.status)} cannot be "
            "acknowledged. Nothing was changed."
        )
    before = copy.copy(case)
    now = timezone.now()
    with transaction.atomic(), service_write():
        won = Case.objects.filter(
            pk=case.pk,
            acknowledged_at__isnull=True,
            status__in=[CaseStatus.NEW, CaseStatus.IN_REVIEW],
        ).update(acknowledged_at=now, acknowledged_by=by, updated_at=now)
        if won:
            case.acknowledged_at, case.acknowledged_by = now, by
            record_change(before=before, after=case, actor=by, event="acknowledge")
    if not won:
        case.refresh_from_db()
        raise AlreadyMoved(
            _acknowledged_message(case) if case.acknowledged_at else _moved_message(case)
        )
    log.info("case_acknowledged", case_id=str(case.pk), by=by.pk)
    return case


def _acknowledged_message(case: Case) -> str:
    who = _who(case.acknowledged_by) if case.acknowledged_by_id else "Another reviewer"
    when = timezone.localtime(case.acknowledged_at).strftime("%H:%M")
    return f"{who} already acknowledged this case at {when}. Nothing was changed."


def case_assign_to_me(*, case: Case, by, expected_assignee_id=_UNSET) -> Case:
    """Assign an open case to the reviewer (taking it over from whoever had it, if that is
    who the reviewer saw assigned: someone else's newer assignment is :class:`AlreadyMoved`)."""
    _require(by, REVIEW_PERMISSION)
    if not case.is_open:
        raise MoveNotAllowed(
            f"A case that is {status_label(case.status)} cannot be reassigned. Nothing was changed."
        )
    seen = case.assigned_to_id if expected_assignee_id is _UNSET else expected_assignee_id
    if case.assigned_to_id == by.pk:
        return case
    before = copy.copy(case)
    now = timezone.now()
    with transaction.atomic(), service_write():
        won = Case.objects.filter(
            pk=case.pk, assigned_to_id=seen, status__in=[CaseStatus.NEW, CaseStatus.IN_REVIEW]
        ).update(assigned_to=by, updated_at=now)
        if won:
            case.assigned_to = by
            record_change(before=before, after=case, actor=by, event="assign_to_me")
    if not won:
        case.refresh_from_db()
        holder = _who(case.assigned_to) if case.assigned_to_id else "nobody"
        raise AlreadyMoved(
            f"The case changed while you looked at it: it is now assigned to "
            f"{holder} and {status_label(case.status)}. Nothing was changed."
        )
    log.info("case_assigned", case_id=str(case.pk), to=by.pk)
    return case


def can_take(case: Case, *, user_id) -> bool:
    """Whether "Take" would change anything for ``user``: an open case that is new, urgent and
    unacknowledged, or not theirs."""
    if not case.is_open:
        return False
    return (
        case.status == CaseStatus.NEW
        or case.needs_acknowledgement
        or (case.assigned_to_id != user_id)
    )


def case_take(*, case: Case, by, expected_assignee_id=_UNSET) -> Case:
    """One step from the queue or the case page: acknowledge the case if it is urgent and
    unacknowledged, assign it to the reviewer, and start its review if it is new.

    One transaction, one audit row (``take``). The case's row is locked while we look at it,
    so two reviewers taking the same case at once cannot both win: the second one finds it
    assigned to the first and gets :class:`AlreadyMoved`. A case the reviewer saw assigned to
    someone else (``expected_assignee_id``) is taken over, as "Assign to me" does; a newer
    assignment they did not see is refused. Taking a case the reviewer already has, in
    review and acknowledged, changes nothing.
    """
    _require(by, REVIEW_PERMISSION)
    seen = case.assigned_to_id if expected_assignee_id is _UNSET else expected_assignee_id
    with transaction.atomic(), service_write():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("assigned_to", "status_changed_by", "acknowledged_by")
            .get(pk=case.pk)
        )
        if not locked.is_open:
            raise MoveNotAllowed(
                f"A case that is {status_label(locked.status)} cannot be taken. "
                "Nothing was changed."
            )
        if locked.assigned_to_id not in (seen, by.pk):
            raise AlreadyMoved(
                f"The case changed while you looked at it: it is now assigned to "
                f"{_who(locked.assigned_to)} and {status_label(locked.status)}. "
                "Nothing was changed."
            )
        before = copy.copy(locked)
        now = timezone.now()
        steps = []
        if locked.urgent and locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, by
            steps.append("acknowledge")
        if locked.assigned_to_id != by.pk:
            locked.assigned_to = by
            steps.append("assign_to_me")
        if locked.status == CaseStatus.NEW:
            locked.start_review(by=by)
            steps.append("start_review")
        if steps:
            locked.save()
            record_change(
                before=before,
                after=locked,
                actor=by,
                event="take",
                steps=steps,
                from_status=before.status,
                to_status=locked.status,
            )
    case.refresh_from_db()
    if steps:
        log.info("case_taken", case_id=str(case.pk), steps=steps, by=by.pk)
    return case


def case_add_note(*, case: Case, by, text: str) -> CaseNote:
    """A clinician's note on the case (any state: an addendum after closing is allowed)."""
    _require(by, NOTE_PERMISSION)
    text = (text or "").strip()
    if not text:
        raise ReviewError("A note cannot be empty. Nothing was saved.")
    if len(text) > NOTE_MAX_LENGTH:
        raise ReviewError(f"Keep a note under {NOTE_MAX_LENGTH} characters. Nothing was saved.")
    with transaction.atomic(), service_write():
        note = CaseNote.objects.create(case=case, author=by, text=text)
        record_creation(note, actor=by, event="note_added", case=str(case.pk))
    log.info("case_note_added", case_id=str(case.pk), note_id=note.pk, by=by.pk)
    return note
