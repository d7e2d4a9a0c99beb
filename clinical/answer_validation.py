"""Field-level validation of questionnaire answers (pure Python, stdlib only).

The answers object of an intake (``docs/api.md`` "Intakes") maps instrument key → item key
→ answer. These functions return DRF-shaped error dictionaries — keys are item (or instrument)
keys, values are lists of messages — and an empty dict when the answers are valid, so a
serializer, a form and a management command can all use them without Django.

Rules (from the contract and ``docs/clinical-reference.md`` §4):

* ``choice`` items take one of their integer option values; ``yes_no`` items take ``true`` or
  ``false``; ``count`` items take a whole number in range. ``True``/``False`` are not integers
  here (although ``isinstance(True, int)`` in Python), ``1`` is not ``true``, and floats and
  strings are rejected.
* A visible required item must be answered; an optional one may be left out.
* An answer to an item hidden by skip logic is rejected ("Not asked: …"), except the answer the
  published skip implies (the condition's ``skipped_answer``: AUDIT-C items 2-3 = 0 after item 1
  = "Never", MDQ question 2 = No with fewer than two symptoms), which forms that ask every item
  send and which scores the same. A different answer contradicts the skip and is rejected.
* When the item controlling a condition is itself missing or invalid, whether the dependent
  items were asked cannot be known: only the controlling item is reported, and answers given to
  its dependents are checked for type but neither required nor rejected.
* ``null`` is not an answer: leave an unanswered item out.

Messages never repeat the submitted values; they name only the item and the allowed answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from clinical.questionnaires import (
    INSTRUMENTS,
    CountCondition,
    Instrument,
    Item,
    ItemCondition,
    UnknownInstrument,
    get_instrument,
)

__all__ = [
    "NON_FIELD_ERRORS",
    "REQUIRED_INSTRUMENTS",
    "UnknownInstrument",
    "validate_answers",
    "validate_instrument_answers",
]

#: Error key for problems with the object as a whole (DRF's convention).
NON_FIELD_ERRORS = "non_field_errors"
#: Instruments every intake must include (docs/api.md "Intakes": ``answers.phq9``).
REQUIRED_INSTRUMENTS: tuple[str, ...] = ("phq9",)

REQUIRED_MESSAGE = "This item is required."
UNKNOWN_ITEM_MESSAGE = "Unknown item."
YES_NO_MESSAGE = "Must be true or false."
WHOLE_NUMBER_MESSAGE = "Must be a whole number."
NOT_AN_OBJECT_MESSAGE = "Must be an object of answers keyed by item."
ANSWERS_NOT_AN_OBJECT_MESSAGE = "Must be an object of answers keyed by instrument."
UNKNOWN_INSTRUMENT_MESSAGE = "Unknown instrument."
INSTRUMENT_REQUIRED_MESSAGE = "This questionnaire is required."


class _Visibility(Enum):
    ASKED = "asked"
    NOT_ASKED = "not_asked"
    UNDETERMINED = "undetermined"  # the controlling item is missing or invalid


def validate_instrument_answers(
    key: str, answers: object, *, sex_at_birth: str | None
) -> dict[str, list[str]]:
    """Errors keyed by item key for one instrument's answers; an empty dict when valid.

    Raises :class:`UnknownInstrument` (a KeyError) when ``key`` is not a known instrument.
    """
    instrument = get_instrument(key)
    if not isinstance(answers, Mapping):
        return {NON_FIELD_ERRORS: [NOT_AN_OBJECT_MESSAGE]}

    errors: dict[str, list[str]] = {}
    known = set(instrument.item_keys)
    for answer_key in answers:
        if answer_key not in known:
            errors[str(answer_key)] = [UNKNOWN_ITEM_MESSAGE]

    visibility: dict[str, _Visibility] = {}
    valid: set[str] = set()
    for item in instrument.items:
        state = _visibility(item, instrument, answers, visibility, valid, sex_at_birth)
        visibility[item.key] = state
        if item.key not in answers:
            if state is _Visibility.ASKED and item.required:
                errors[item.key] = [REQUIRED_MESSAGE]
            continue
        if state is _Visibility.NOT_ASKED:
            if not _is_skipped_answer(item, answers[item.key]):
                errors[item.key] = [_not_asked_message(item)]
            continue
        problem = answer_problem(item, answers[item.key])
        if problem is None:
            valid.add(item.key)
        else:
            errors[item.key] = [problem]
    return errors


def validate_answers(answers: object, *, sex_at_birth: str | None) -> dict[str, object]:
    """Errors for a whole ``answers`` object, nested as the input is; an empty dict when valid.

    Unknown instrument keys get ``["Unknown instrument."]``; a missing required instrument
    (the PHQ-9) gets ``["This questionnaire is required."]``; a present instrument's item errors
    are nested under its key.
    """
    if not isinstance(answers, Mapping):
        return {NON_FIELD_ERRORS: [ANSWERS_NOT_AN_OBJECT_MESSAGE]}
    errors: dict[str, object] = {}
    for key in answers:
        if not isinstance(key, str) or key not in INSTRUMENTS:
            errors[str(key)] = [UNKNOWN_INSTRUMENT_MESSAGE]
    for key in REQUIRED_INSTRUMENTS:
        if key not in answers:
            errors[key] = [INSTRUMENT_REQUIRED_MESSAGE]
    for key in INSTRUMENTS:
        if key in answers:
            item_errors = validate_instrument_answers(key, answers[key], sex_at_birth=sex_at_birth)
            if item_errors:
                errors[key] = item_errors
    return errors


def answer_problem(item: Item, value: object) -> str | None:
    """Why ``value`` is not a valid answer to ``item``, or None when it is."""
    if item.kind == "yes_no":
        return None if type(value) is bool else YES_NO_MESSAGE
    if not isinstance(value, int) or isinstance(value, bool):
        if item.kind == "count":
            return WHOLE_NUMBER_MESSAGE
        return _one_of_message(item)
    if item.kind == "count":
        assert item.min_value is not None and item.max_value is not None
        if not item.min_value <= value <= item.max_value:
            return f"Must be between {item.min_value} and {item.max_value}."
        return None
    if value not in item.option_values:
        return _one_of_message(item)
    return None


def _visibility(
    item: Item,
    instrument: Instrument,
    answers: Mapping[object, object],
    visibility: Mapping[str, _Visibility],
    valid: set[str],
    sex_at_birth: str | None,
) -> _Visibility:
    condition = item.show_if
    if condition is None:
        return _Visibility.ASKED
    if isinstance(condition, CountCondition):
        return _count_visibility(condition, instrument, answers, visibility, valid)
    if not isinstance(condition, ItemCondition):
        return _Visibility.ASKED if condition.is_met_by(sex_at_birth) else _Visibility.NOT_ASKED
    controller = condition.item
    controller_state = visibility[controller]
    if controller_state is not _Visibility.ASKED:
        return controller_state
    if controller not in answers:
        # A required controller left out is reported on its own; an optional one left out
        # means its dependents were not asked.
        if instrument.item(controller).required:
            return _Visibility.UNDETERMINED
        return _Visibility.NOT_ASKED
    if controller not in valid:
        return _Visibility.UNDETERMINED
    return _Visibility.ASKED if condition.is_met_by(answers[controller]) else _Visibility.NOT_ASKED


def _count_visibility(
    condition: CountCondition,
    instrument: Instrument,
    answers: Mapping[object, object],
    visibility: Mapping[str, _Visibility],
    valid: set[str],
) -> _Visibility:
    """Asked once enough valid controlling answers meet the condition; undetermined while a
    required controlling item is missing or invalid and could still tip the count."""
    given = {key: answers[key] for key in condition.items if key in valid}
    if condition.is_met(given):
        return _Visibility.ASKED
    for key in condition.items:
        if visibility[key] is not _Visibility.ASKED:
            continue
        if key in answers and key not in valid:
            return _Visibility.UNDETERMINED
        if key not in answers and instrument.item(key).required:
            return _Visibility.UNDETERMINED
    return _Visibility.NOT_ASKED


def _is_skipped_answer(item: Item, value: object) -> bool:
    """The answer the published skip implies (scores as if the item were not asked)."""
    implied = getattr(item.show_if, "skipped_answer", None)
    return implied is not None and type(value) is type(implied) and value == implied


def _one_of_message(item: Item) -> str:
    return "Must be one of " + ", ".join(str(value) for value in item.option_values) + "."


def _not_asked_message(item: Item) -> str:
    assert item.show_if is not None
    implied = getattr(item.show_if, "skipped_answer", None)
    if implied is not None:
        answer = str(implied).lower()  # 0 -> "0", False -> "false" (the JSON spelling)
        return f"Not asked: {item.show_if.describe()}; leave it out or send {answer}."
    return f"Not asked: {item.show_if.describe()}."
