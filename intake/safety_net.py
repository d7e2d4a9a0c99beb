"""The safety net: a risk answer is acted on when it is given, not only at a complete submit.

The wizard's risk step (intake.wizard) and a rejected API or FHIR submission give risk answers
outside a valid submission. :func:`risk_answers` picks out the ``phq9`` and ``cssrs_screen``
blocks that are valid on their own; the screening app decides on them with the submission's own
rule (``clinical.rules.safety.assess_safety``) through ``intake.extensions.safety_recorder()``.
:func:`patient_match_key` (caller, external id or email, birth date: the contract's strong key)
and :func:`body_match_key` let a corrected retry join the rejected submission's case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from clinical.answer_validation import REQUIRED_MESSAGE, validate_instrument_answers
from intake.crypto import keyed_digest, normalise_email, normalise_external_id
from intake.idempotency import body_digest

#: Instruments whose answers carry the safety decision (clinical.md §4.1 item 9, §4.11).
CSSRS = "cssrs_screen"
RISK_INSTRUMENTS = ("phq9", CSSRS)


def risk_answers(answers: object) -> dict[str, dict]:
    """The risk instruments' answers that are valid by themselves, keyed by instrument.

    Neither block depends on the patient's sex at birth, so none is needed. A block that is
    present but invalid is left out (the other one still counts: a valid item 9 is never
    dropped because the C-SSRS block beside it had a mistake)."""
    if not isinstance(answers, Mapping):
        return {}
    valid = {}
    for key in RISK_INSTRUMENTS:
        block = answers.get(key)
        valid_alone = isinstance(block, Mapping) and block
        if valid_alone and _acted_on(
            key, validate_instrument_answers(key, block, sex_at_birth=None)
        ):
            valid[key] = dict(block)
    return valid


def _acted_on(key: str, errors: dict[str, list[str]]) -> bool:
    """Valid, or (the C-SSRS screen only) valid but for questions left unanswered: an
    incomplete screen is graded at least moderate (clinical.rules.cssrs), never ignored."""
    if not errors:
        return True
    return key == CSSRS and all(messages == [REQUIRED_MESSAGE] for messages in errors.values())


def _birth_date_text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else ""


def patient_match_key(caller, patient: object) -> str:
    """A keyed digest of (caller, external id else email, birth date), or "" when the
    submission does not carry them. Works on a raw body's ``patient`` as on validated data."""
    caller_id = getattr(caller, "pk", None)
    if caller_id is None or not isinstance(patient, Mapping):
        return ""
    external_id, email = patient.get("external_id"), patient.get("email")
    if isinstance(external_id, str) and external_id.strip():
        identity = "external_id:" + normalise_external_id(external_id)
    elif isinstance(email, str) and email.strip():
        identity = "email:" + normalise_email(email)
    else:
        return ""
    born = _birth_date_text(patient.get("birth_date"))
    if not born:
        return ""
    return keyed_digest("safety-match", f"{caller_id}|{identity}|{born}")


def body_match_key(caller, body: object) -> str:
    """A keyed digest of (caller, the body exactly): an automatic retry of the same body."""
    caller_id = getattr(caller, "pk", None)
    if caller_id is None:
        return ""
    return keyed_digest("safety-body", f"{caller_id}|{body_digest(body)}")
