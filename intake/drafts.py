"""Drafts of web intakes: save every completed wizard step, resume by a signed link, purge.

A patient's unfinished intake lives in an :class:`~intake.models.IntakeDraft` whose ``data``
(encrypted at rest) maps each completed wizard step to the values the patient entered there.
The browser session holds only the draft's id (:data:`SESSION_DRAFT_KEY`), so no answer is
ever written to the session table.

Resume links carry one thing: a token made by ``TimestampSigner(salt="intake.resume")`` over
the draft's id. The token proves the link came from us and says when it was made; it expires
after :data:`RESUME_MAX_AGE`, and a draft itself expires :data:`DRAFT_LIFETIME` after it was
started (``expires_at``), whichever comes first. Expired, unsubmitted drafts are deleted by
:func:`purge_expired_drafts` (daily, ``intake.tasks.purge_expired_drafts``).
"""

import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from intake.models import Intake, IntakeDraft

DRAFT_LIFETIME = timedelta(days=30)
RESUME_SALT = "intake.resume"
RESUME_MAX_AGE = timedelta(days=30)
SESSION_DRAFT_KEY = "intake_draft_id"


class DraftUnavailable(Exception):
    """A resume link that cannot be used."""


class ResumeTokenInvalid(DraftUnavailable):
    """Tampered, truncated or made up: not a token we signed."""


class DraftExpired(DraftUnavailable):
    """A genuine link whose token or draft has expired (or whose draft was purged)."""


class DraftAlreadySubmitted(DraftUnavailable):
    """A genuine link to a draft that has since been submitted."""


def _resume_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RESUME_SALT)


def active_drafts(*, now: datetime | None = None):
    """Drafts that can still be continued: not expired, not submitted."""
    return IntakeDraft.objects.filter(
        expires_at__gt=now or timezone.now(), submitted_intake__isnull=True
    )


def draft_start(*, now: datetime | None = None) -> IntakeDraft:
    """A new, empty draft that expires ``DRAFT_LIFETIME`` from now."""
    return IntakeDraft.objects.create(
        expires_at=(now or timezone.now()) + DRAFT_LIFETIME, current_step="", data={}
    )


def draft_save_steps(*, draft: IntakeDraft, steps: dict, current_step: str | None) -> bool:
    """Store completed steps (step name -> entered values) and the step now shown.

    The given steps are merged into what is stored, so a step saved meanwhile from another
    browser tab is kept. Returns False, saving nothing, when the draft has since been submitted,
    has expired or is gone.
    """
    with transaction.atomic():
        current = active_drafts().select_for_update().filter(pk=draft.pk).first()
        if current is None:
            return False
        current.data = {**(current.data or {}), **steps}
        current.current_step = current_step or ""
        current.save(update_fields=["data", "current_step", "updated_at"])
    draft.data, draft.current_step = current.data, current.current_step
    return True


def draft_mark_submitted(*, draft: IntakeDraft, intake: Intake) -> None:
    """Link the draft to its intake and drop its copy of the answers (the intake holds them)."""
    draft.submitted_intake = intake
    draft.data = {}
    draft.current_step = ""
    draft.save(update_fields=["submitted_intake", "data", "current_step", "updated_at"])


def resume_token(draft: IntakeDraft) -> str:
    """The signed, expiring token of a resume link; it holds the draft's id and nothing else."""
    return _resume_signer().sign(draft.pk.hex)


def draft_resume(token: str, *, now: datetime | None = None) -> IntakeDraft:
    """The draft a resume token points at, or a :class:`DraftUnavailable` saying why not."""
    try:
        value = _resume_signer().unsign(token, max_age=RESUME_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DraftExpired from exc
    except signing.BadSignature as exc:
        raise ResumeTokenInvalid from exc
    try:
        draft_id = uuid.UUID(hex=value)
    except ValueError as exc:
        raise ResumeTokenInvalid from exc
    draft = IntakeDraft.objects.filter(pk=draft_id).first()
    if draft is None:  # we signed it, so it existed: purged after expiry
        raise DraftExpired
    if draft.submitted_intake_id is not None:
        raise DraftAlreadySubmitted
    if draft.expires_at <= (now or timezone.now()):
        raise DraftExpired
    return draft


def draft_for_session(session) -> IntakeDraft | None:
    """The active draft this browser session is working on, if any."""
    raw = session.get(SESSION_DRAFT_KEY)
    if not raw:
        return None
    try:
        draft_id = uuid.UUID(str(raw))
    except ValueError:
        return None
    return active_drafts().filter(pk=draft_id).first()


def draft_attach_to_session(session, draft: IntakeDraft) -> None:
    session[SESSION_DRAFT_KEY] = str(draft.pk)


def draft_detach_from_session(session) -> None:
    session.pop(SESSION_DRAFT_KEY, None)


def draft_lock(draft: IntakeDraft) -> IntakeDraft | None:
    """The draft's row, locked until the end of the current transaction (None if gone)."""
    assert transaction.get_connection().in_atomic_block, "lock inside transaction.atomic()"
    return IntakeDraft.objects.select_for_update().filter(pk=draft.pk).first()


def purge_expired_drafts(*, now: datetime | None = None) -> int:
    """Delete expired drafts that were never submitted; the number deleted."""
    deleted, _ = IntakeDraft.objects.filter(
        expires_at__lte=now or timezone.now(), submitted_intake__isnull=True
    ).delete()
    return deleted
