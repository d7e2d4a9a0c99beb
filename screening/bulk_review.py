"""Bulk review moves for the queue (issue 19): "assign to me" and "close routine cases with
one reason". Each case goes through the single-case services in ``screening.review`` (its own
transaction and audit rows); a case that may not be moved is left alone and reported, never
half-moved.

* :func:`cases_assign_to_me` assigns open cases that are unassigned (or already the
  reviewer's). A case someone else holds is refused: taking over a colleague's case is a
  deliberate, single-case decision on its page.
* :func:`cases_close_routine` closes routine cases only (no flag, not urgent:
  ``Case.is_routine``), new or in review by the reviewer or nobody, with one reason. A new case
  is taken into review and closed in one transaction, so it is never left half-way.
"""

from dataclasses import dataclass, field

import structlog
from django.db import transaction

from ops.text import short_id
from screening import review
from screening.models import Case, CaseStatus

log = structlog.get_logger(__name__)


@dataclass
class BulkResult:
    done: list[Case] = field(default_factory=list)
    #: (case, why) for each case left unchanged
    refused: list[tuple[Case, str]] = field(default_factory=list)

    def refused_message(self, what: str) -> str:
        """One sentence naming the refused cases and why ("" when none was refused)."""
        if not self.refused:
            return ""
        lines = "; ".join(f"case {short_id(case.pk)}: {why}" for case, why in self.refused)
        count = len(self.refused)
        return f"{count} case{'s' if count != 1 else ''} not {what} ({lines})."


def cases_assign_to_me(*, cases, by) -> BulkResult:
    """Assign each open, unassigned case to ``by`` (see the module's docstring)."""
    review._require(by, review.REVIEW_PERMISSION)
    result = BulkResult()
    for case in cases:
        if not case.is_open:
            result.refused.append((case, f"it is {review.status_label(case.status)}"))
        elif case.assigned_to_id not in (None, by.pk):
            result.refused.append((case, "assigned to someone else; take it over on its page"))
        elif case.assigned_to_id == by.pk:
            result.done.append(case)  # already yours: nothing to write
        else:
            try:
                review.case_assign_to_me(case=case, by=by, expected_assignee_id=None)
            except review.ReviewError as error:
                result.refused.append((case, "it changed meanwhile"))
                log.info("bulk_assign_refused", case_id=str(case.pk), error=type(error).__name__)
            else:
                result.done.append(case)
    return result


def close_refusal(case: Case, by) -> str:
    """Why this case may not be closed in bulk by ``by`` ("" when it may)."""
    if not case.is_routine:
        return "only routine cases (no flags, not urgent) are closed in bulk; open it to close it"
    if not case.is_open:
        return f"it is {review.status_label(case.status)}"
    if case.assigned_to_id not in (None, by.pk):
        return "assigned to someone else"
    return ""


def cases_close_routine(*, cases, by, reason: str) -> BulkResult:
    """Close each routine case with ``reason`` (see the module's docstring). A missing or
    too-long reason raises :class:`review.ReasonRequired` before anything is written."""
    review._require(by, review.REVIEW_PERMISSION)
    reason = review._reason(reason, "close")
    result = BulkResult()
    for case in cases:
        why = close_refusal(case, by)
        if why:
            result.refused.append((case, why))
            continue
        try:
            with transaction.atomic():
                if case.status == CaseStatus.NEW:
                    review.case_start_review(case=case, by=by, expected_status=CaseStatus.NEW)
                review.case_close(
                    case=case, by=by, reason=reason, expected_status=CaseStatus.IN_REVIEW
                )
        except review.ReviewError as error:
            case.refresh_from_db()
            result.refused.append((case, "it changed meanwhile"))
            log.info("bulk_close_refused", case_id=str(case.pk), error=type(error).__name__)
        else:
            result.done.append(case)
    log.info("bulk_close", closed=len(result.done), refused=len(result.refused), by=by.pk)
    return result
