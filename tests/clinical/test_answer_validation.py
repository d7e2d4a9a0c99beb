"""Answer validation: every bad-input class, skip logic, and a generated-answers property."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical.answer_validation import (
    NON_FIELD_ERRORS,
    UnknownInstrument,
    validate_answers,
    validate_instrument_answers,
)
from clinical.questionnaires import INSTRUMENT_KEYS, get_instrument, visible_items
from tests.clinical.conftest import answer_value

SEXES_AT_BIRTH = ["female", "male", "intersex", "unknown", None]

PHQ9_VALID = {f"q{n}": n % 4 for n in range(1, 10)}
CONTRACT_EXAMPLE = {
    "phq9": {
        "q1": 2,
        "q2": 3,
        "q3": 1,
        "q4": 3,
        "q5": 1,
        "q6": 2,
        "q7": 2,
        "q8": 1,
        "q9": 0,
        "difficulty": 2,
    },
    "gad7": {"q1": 1, "q2": 1, "q3": 2, "q4": 1, "q5": 0, "q6": 1, "q7": 1},
}


def check(key, answers, sex_at_birth="female"):
    return validate_instrument_answers(key, answers, sex_at_birth=sex_at_birth)


def with_(base, **changes):
    return {**base, **changes}


# ---------------------------------------------------------------------------------------------
# Valid input
# ---------------------------------------------------------------------------------------------


def test_contract_example_is_valid():
    assert validate_answers(CONTRACT_EXAMPLE, sex_at_birth="female") == {}


def test_optional_items_may_be_left_out():
    assert check("phq9", PHQ9_VALID) == {}
    mdq = {f"q1{letter}": False for letter in "abcdefghijklm"} | {"q2": False, "q3": 0}
    assert check("mdq", mdq) == {}
    assert check("mdq", mdq | {"q4": True, "q5": False}) == {}
    ocd = {f"q{n}": False for n in range(1, 6)}
    assert check("ocd_screen", ocd) == {}
    assert check("ocd_screen", ocd | {"q6": True}) == {}


def test_cssrs_with_and_without_follow_up_questions():
    assert check("cssrs_screen", {"q1": False, "q2": False, "q6": False}) == {}
    full = {"q1": True, "q2": True, "q3": False, "q4": False, "q5": False, "q6": True}
    assert check("cssrs_screen", full | {"q6a": False}) == {}


def test_drug_screen_count_bounds():
    assert check("drug_screen", {"q1": 0}) == {}
    assert check("drug_screen", {"q1": 10_000}) == {}


# ---------------------------------------------------------------------------------------------
# Each class of bad input
# ---------------------------------------------------------------------------------------------


def test_unknown_instrument_raises_a_key_error():
    with pytest.raises(UnknownInstrument) as caught:
        check("phq10", {})
    assert isinstance(caught.value, KeyError)


@pytest.mark.parametrize("answers", [None, [], ["q1"], "q1=2", 3, True])
def test_answers_that_are_not_an_object(answers):
    assert check("phq9", answers) == {
        NON_FIELD_ERRORS: ["Must be an object of answers keyed by item."]
    }


def test_unknown_item():
    assert check("phq9", with_(PHQ9_VALID, q10=1)) == {"q10": ["Unknown item."]}
    assert check("gad7", {**CONTRACT_EXAMPLE["gad7"], "Q1": 1}) == {"Q1": ["Unknown item."]}


@pytest.mark.parametrize("value", [True, False, 1.0, 2.5, "1", "", None, [1], {"value": 1}])
def test_choice_items_take_integers_only(value):
    assert check("phq9", with_(PHQ9_VALID, q3=value)) == {"q3": ["Must be one of 0, 1, 2, 3."]}


@pytest.mark.parametrize("value", [1, 0, 1.0, "yes", "true", None, []])
def test_yes_no_items_take_booleans_only(value):
    answers = {"q1": value, "q2": False, "q6": False}
    assert check("cssrs_screen", answers) == {"q1": ["Must be true or false."]}


@pytest.mark.parametrize(
    ("key", "item", "value", "message"),
    [
        ("phq9", "q1", 4, "Must be one of 0, 1, 2, 3."),
        ("phq9", "q1", -1, "Must be one of 0, 1, 2, 3."),
        ("phq9", "difficulty", 4, "Must be one of 0, 1, 2, 3."),
        ("audit_c", "q2", 5, "Must be one of 0, 1, 2, 3, 4."),
        ("phq15", "q1", 3, "Must be one of 0, 1, 2."),
        ("mdq", "q3", 4, "Must be one of 0, 1, 2, 3."),
    ],
)
def test_values_outside_the_options(key, item, value, message):
    answers = minimal_valid_answers(key)
    if key == "audit_c":  # a drinker, so that items 2-3 are asked (item 1 "Never" skips them)
        answers.update(q1=1, q2=0, q3=0)
    answers[item] = value
    assert check(key, answers) == {item: [message]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "Must be between 0 and 10000."),
        (10_001, "Must be between 0 and 10000."),
        (10**30, "Must be between 0 and 10000."),
        (2.0, "Must be a whole number."),
        (True, "Must be a whole number."),
        ("3", "Must be a whole number."),
        (None, "Must be a whole number."),
    ],
)
def test_count_out_of_range_or_wrong_type(value, message):
    assert check("drug_screen", {"q1": value}) == {"q1": [message]}


def test_missing_required_items():
    answers = dict(PHQ9_VALID)
    del answers["q9"]
    assert check("phq9", answers) == {"q9": ["This item is required."]}
    assert check("drug_screen", {}) == {"q1": ["This item is required."]}
    assert check("gad7", {}) == {f"q{n}": ["This item is required."] for n in range(1, 8)}


# ---------------------------------------------------------------------------------------------
# Skip logic
# ---------------------------------------------------------------------------------------------


def test_cssrs_q3_to_q5_required_after_q2_yes():
    errors = check("cssrs_screen", {"q1": True, "q2": True, "q6": False})
    assert errors == {key: ["This item is required."] for key in ("q3", "q4", "q5")}


def test_cssrs_q3_to_q5_rejected_after_q2_no():
    answers = {"q1": True, "q2": False, "q3": True, "q4": False, "q5": False, "q6": False}
    assert check("cssrs_screen", answers) == {
        key: ["Not asked: shown only when q2 is yes."] for key in ("q3", "q4", "q5")
    }


def test_cssrs_q6a_only_after_q6_yes():
    base = {"q1": False, "q2": False}
    assert check("cssrs_screen", base | {"q6": True}) == {"q6a": ["This item is required."]}
    assert check("cssrs_screen", base | {"q6": False, "q6a": True}) == {
        "q6a": ["Not asked: shown only when q6 is yes."]
    }


def test_pc_ptsd5_symptoms_follow_exposure():
    assert check("pc_ptsd5", {"exposure": False}) == {}
    assert check("pc_ptsd5", {"exposure": True}) == {
        f"q{n}": ["This item is required."] for n in range(1, 6)
    }
    assert check("pc_ptsd5", {"exposure": False, "q1": True}) == {
        "q1": ["Not asked: shown only when exposure is yes."]
    }


def test_panic_part_b_follows_the_gate():
    assert check("panic_screen", {"a1": False}) == {}
    assert check("panic_screen", {"a1": False, "b4": True}) == {
        "b4": ["Not asked: shown only when a1 is yes."]
    }
    gate_open = check("panic_screen", {"a1": True})
    assert set(gate_open) == {"a2", "a3", "a4", *(f"b{n}" for n in range(1, 12))}


PHQ15_WITHOUT_Q4 = {f"q{n}": 0 for n in range(1, 16) if n != 4}


def test_phq15_menstrual_item_for_male_is_not_asked():
    assert check("phq15", PHQ15_WITHOUT_Q4, sex_at_birth="male") == {}
    assert check("phq15", PHQ15_WITHOUT_Q4 | {"q4": 0}, sex_at_birth="male") == {
        "q4": ["Not asked: shown only when sex at birth is not male."]
    }


@pytest.mark.parametrize("sex_at_birth", ["female", "intersex", "unknown", None])
def test_phq15_menstrual_item_is_required_otherwise(sex_at_birth):
    assert check("phq15", PHQ15_WITHOUT_Q4, sex_at_birth=sex_at_birth) == {
        "q4": ["This item is required."]
    }
    assert check("phq15", PHQ15_WITHOUT_Q4 | {"q4": 2}, sex_at_birth=sex_at_birth) == {}


def test_a_bad_controlling_answer_is_reported_once():
    # q2 is invalid, so whether q3-q5 were asked is unknown: only q2 is reported.
    answers = {"q1": True, "q2": "yes", "q3": True, "q4": True, "q5": True, "q6": False}
    assert check("cssrs_screen", answers) == {"q2": ["Must be true or false."]}
    # ... and the same when it is missing; dependents' own types are still checked.
    answers = {"q1": True, "q3": True, "q4": 1, "q6": False}
    assert check("cssrs_screen", answers) == {
        "q2": ["This item is required."],
        "q4": ["Must be true or false."],
    }


def test_strict_condition_matching():
    # 1 is not "yes": q2 is invalid, and q3 is not treated as asked.
    assert check("cssrs_screen", {"q1": False, "q2": 1, "q6": False}) == {
        "q2": ["Must be true or false."]
    }


# ---------------------------------------------------------------------------------------------
# The whole answers object
# ---------------------------------------------------------------------------------------------


def test_validate_answers_requires_phq9():
    assert validate_answers({}, sex_at_birth="female") == {
        "phq9": ["This questionnaire is required."]
    }
    assert validate_answers({"gad7": CONTRACT_EXAMPLE["gad7"]}, sex_at_birth="male") == {
        "phq9": ["This questionnaire is required."]
    }


def test_validate_answers_unknown_instrument():
    answers = {"phq9": PHQ9_VALID, "dast10": {"q1": True}}
    assert validate_answers(answers, sex_at_birth="female") == {"dast10": ["Unknown instrument."]}


def test_validate_answers_nests_item_errors_under_the_instrument():
    answers = {"phq9": with_(PHQ9_VALID, q3=7), "gad7": {}}
    errors = validate_answers(answers, sex_at_birth="female")
    assert errors["phq9"] == {"q3": ["Must be one of 0, 1, 2, 3."]}
    assert set(errors["gad7"]) == {f"q{n}" for n in range(1, 8)}


@pytest.mark.parametrize("answers", [None, [], "phq9", 1])
def test_validate_answers_not_an_object(answers):
    assert validate_answers(answers, sex_at_birth="female") == {
        NON_FIELD_ERRORS: ["Must be an object of answers keyed by instrument."]
    }


def test_instrument_answers_not_an_object():
    assert validate_answers({"phq9": [1, 2, 3]}, sex_at_birth="female") == {
        "phq9": {NON_FIELD_ERRORS: ["Must be an object of answers keyed by item."]}
    }


def test_messages_never_echo_submitted_values():
    secret = "Jane Roe, 12 Elm St, MRN-123"
    answers = {
        "phq9": with_(PHQ9_VALID, q1=secret, difficulty=secret),
        "cssrs_screen": {"q1": secret, "q2": False, "q3": secret, "q6": False},
        "drug_screen": {"q1": secret},
    }
    errors = validate_answers(answers, sex_at_birth="female")
    assert set(errors) == {"phq9", "cssrs_screen", "drug_screen"}
    assert secret not in repr(errors)


# ---------------------------------------------------------------------------------------------
# Property: answers generated by walking the visible items validate; drop one required → one error
# ---------------------------------------------------------------------------------------------


def minimal_valid_answers(key, sex_at_birth="female"):
    """The first option (or minimum) for every visible required item, walking in order."""
    answers = {}
    instrument = get_instrument(key)
    for item in instrument.items:
        if not item.required:
            continue
        if item not in visible_items(instrument, answers, sex_at_birth=sex_at_birth):
            continue
        answers[item.key] = item.min_value if item.kind == "count" else item.options[0].value
    return answers


@st.composite
def generated_answer_sets(draw):
    key = draw(st.sampled_from(INSTRUMENT_KEYS))
    sex_at_birth = draw(st.sampled_from(SEXES_AT_BIRTH))
    instrument = get_instrument(key)
    answers = {}
    for item in instrument.items:
        if item not in visible_items(instrument, answers, sex_at_birth=sex_at_birth):
            continue
        if item.required or draw(st.booleans()):
            answers[item.key] = draw(answer_value(item))
    return key, sex_at_birth, answers


@settings(max_examples=300, deadline=None)
@given(generated_answer_sets(), st.data())
def test_generated_answers_validate_and_each_required_item_is_needed(generated, data):
    key, sex_at_birth, answers = generated
    assert validate_instrument_answers(key, answers, sex_at_birth=sex_at_birth) == {}
    whole = {"phq9": PHQ9_VALID} | {key: answers}
    assert validate_answers(whole, sex_at_birth=sex_at_birth) == {}

    instrument = get_instrument(key)
    required_shown = [
        item.key
        for item in visible_items(instrument, answers, sex_at_birth=sex_at_birth)
        if item.required
    ]
    assert required_shown  # every instrument opens with a required item
    removed = data.draw(st.sampled_from(required_shown), label="removed item")
    incomplete = {k: v for k, v in answers.items() if k != removed}
    assert validate_instrument_answers(key, incomplete, sex_at_birth=sex_at_birth) == {
        removed: ["This item is required."]
    }
