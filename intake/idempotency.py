"""``Idempotency-Key`` for every way an intake is submitted over the API (docs/api.md, "Submitting
again with the same Idempotency-Key"): ``POST /api/v1/intakes/`` and the FHIR import
``POST /api/v1/fhir/``.

A partner that timed out, or got a 503 while the database was unreachable, retries with the same
key and body and gets the first intake back (200), never a second intake and a second review
case. The key belongs to the caller; the same key with a different body is a 409. Keys are
stored as keyed digests (:func:`key_digest`): a partner may build them from its record numbers.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from intake.crypto import keyed_digest
from intake.models import IdempotencyKey, Intake
from ops.queries import any_match

IDEMPOTENCY_HEADER = "Idempotency-Key"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="1 to 255 characters, unique per submission for this caller. Replays with the "
    "same key and body return the first intake (200); the same key with a different body is a "
    "409. Keys are shared by POST /api/v1/intakes/ and POST /api/v1/fhir/.",
)


class IdempotencyConflict(exceptions.APIException):
    status_code = 409
    default_detail = "This Idempotency-Key was used with a different body."
    default_code = "idempotency_conflict"


def key_digest(key: str) -> str:
    """What is stored of an Idempotency-Key: its HMAC under the blind-index key, so equal keys
    still find each other and the column holds nothing a partner put in the header."""
    return keyed_digest("idempotency-key", key)


def body_digest(data) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def submit_once(request, submit: Callable[[], Intake]) -> tuple[Intake, bool]:
    """``(intake, created)``: ``submit()``'s new intake, or the one an earlier request with
    this caller's ``Idempotency-Key`` and the same body created (``created`` False).

    The key is stored in the transaction that writes the intake, so a crash between the two
    cannot leave one without the other; of two concurrent requests with one key, the loser
    rolls back and returns the winner's intake. Raises ``ValidationError`` for a malformed key
    and :class:`IdempotencyConflict` for a key reused with a different body."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return submit(), True
    if not 1 <= len(key) <= 255:
        raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["Use 1 to 255 characters."]})
    key, digest = key_digest(key), body_digest(request.data)
    if previous := _previous(request.user, key, digest):
        return previous, False
    try:
        with transaction.atomic():
            intake = submit()
            IdempotencyKey.objects.create(
                user=request.user, key=key, body_sha256=digest, intake=intake
            )
    except IntegrityError:
        if previous := _previous(request.user, key, digest):
            return previous, False  # a concurrent request with the same key won the race
        raise
    return intake, True


def _previous(user, key: str, digest: str) -> Intake | None:
    previous = any_match(IdempotencyKey.objects.filter(user=user, key=key).select_related("intake"))
    if previous is None:
        return None
    if previous.body_sha256 != digest:
        raise IdempotencyConflict
    return previous.intake
