"""Published skip patterns (issue 20 item 5): AUDIT-C items 2-3 after item 1 = "Never", and
MDQ question 2 when fewer than two question 1 symptoms are endorsed. Both sides of each
boundary, for the catalogue, the answer validation and the scores."""

import pytest

from clinical.answer_validation import validate_instrument_answers
from clinical.questionnaires import CountCondition, ItemCondition, get_instrument, visible_items
from clinical.rules.alcohol import audit_c_score
from clinical.rules.mdq import mdq_score

MDQ_SYMPTOMS = tuple(f"q1{letter}" for letter in "abcdefghijklm")


def check(key, answers):
    return validate_instrument_answers(key, answers, sex_at_birth="female")


def shown(key, answers):
    return [item.key for item in visible_items(key, answers, sex_at_birth="female")]


def mdq_with(yes_count, **more):
    answers = {key: index < yes_count for index, key in enumerate(MDQ_SYMPTOMS)}
    answers.update(more)
    return answers


# --- catalogue --------------------------------------------------------------------------------


def test_audit_c_show_if_is_published_in_the_catalogue_shape():
    audit = get_instrument("audit_c")
    assert audit.item("q1").to_dict()["show_if"] is None
    for key in ("q2", "q3"):
        assert audit.item(key).to_dict()["show_if"] == {
            "item": "q1",
            "not_equals": 0,
            "skipped_answer": 0,
        }


def test_mdq_q2_show_if_counts_the_symptom_items():
    mdq = get_instrument("mdq")
    assert mdq.item("q2").to_dict()["show_if"] == {
        "items": list(MDQ_SYMPTOMS),
        "equals": True,
        "at_least": 2,
        "skipped_answer": False,
    }
    assert mdq.item("q3").show_if is None  # question 3 is always asked


def test_existing_conditions_keep_the_v1_shape():
    assert get_instrument("cssrs_screen").item("q3").to_dict()["show_if"] == {
        "item": "q2",
        "equals": True,
    }


def test_a_condition_needs_exactly_one_of_equals_and_not_equals():
    with pytest.raises(ValueError):
        ItemCondition(item="q1")
    with pytest.raises(ValueError):
        ItemCondition(item="q1", equals=1, not_equals=0)


@pytest.mark.parametrize(("q1", "expected"), [(None, ["q1"]), (0, ["q1"]), (1, ["q1", "q2", "q3"])])
def test_audit_c_items_2_and_3_are_asked_only_of_drinkers(q1, expected):
    answers = {} if q1 is None else {"q1": q1}
    assert shown("audit_c", answers) == expected


def test_a_true_answer_to_audit_c_q1_is_not_read_as_a_frequency():
    condition = get_instrument("audit_c").item("q2").show_if
    assert condition.is_met_by(4) and not condition.is_met_by(0) and not condition.is_met_by(None)
    assert not ItemCondition(item="q1", not_equals=False).is_met_by(None)


@pytest.mark.parametrize(("yes_count", "asked"), [(0, False), (1, False), (2, True), (13, True)])
def test_mdq_q2_is_asked_from_two_symptoms(yes_count, asked):
    assert ("q2" in shown("mdq", mdq_with(yes_count))) is asked


def test_count_condition_counts_only_exact_answers():
    condition = CountCondition(items=("a", "b", "c"), equals=True, at_least=2)
    assert condition.count({"a": True, "b": 1, "c": "yes"}) == 1
    assert condition.is_met({"a": True, "c": True})


# --- validation (the API, the FHIR import and the wizard share it) ---------------------------


def test_a_non_drinker_answers_item_1_only():
    assert check("audit_c", {"q1": 0}) == {}


def test_a_drinker_must_answer_items_2_and_3():
    assert check("audit_c", {"q1": 1}) == {
        "q2": ["This item is required."],
        "q3": ["This item is required."],
    }


def test_the_implied_zero_after_never_is_accepted():
    # Forms that ask every item (and the old wizard) send 0 for the skipped items.
    assert check("audit_c", {"q1": 0, "q2": 0, "q3": 0}) == {}
    assert check("audit_c", {"q1": 0, "q3": 0}) == {}


@pytest.mark.parametrize(("item", "value"), [("q2", 1), ("q3", 4)])
def test_a_drinking_answer_after_never_contradicts_the_skip(item, value):
    assert check("audit_c", {"q1": 0, item: value}) == {
        item: ["Not asked: shown only when q1 is not 0; leave it out or send 0."]
    }


def test_a_missing_item_1_is_reported_alone():
    assert check("audit_c", {"q2": 1, "q3": 1}) == {"q1": ["This item is required."]}


@pytest.mark.parametrize("yes_count", [0, 1])
def test_mdq_q2_may_be_left_out_below_two_symptoms(yes_count):
    assert check("mdq", mdq_with(yes_count, q3=0)) == {}
    assert check("mdq", mdq_with(yes_count, q2=False, q3=0)) == {}


def test_mdq_q2_yes_with_one_symptom_contradicts_the_skip():
    assert check("mdq", mdq_with(1, q2=True, q3=2)) == {
        "q2": [
            "Not asked: shown only when at least 2 of q1a-q1m are yes; leave it out or send false."
        ]
    }


def test_mdq_q2_is_required_from_two_symptoms():
    assert check("mdq", mdq_with(2, q3=0)) == {"q2": ["This item is required."]}
    assert check("mdq", mdq_with(2, q2=True, q3=0)) == {}


def test_mdq_q2_is_undetermined_while_a_symptom_is_missing_or_invalid():
    missing = mdq_with(1, q3=0)
    del missing["q1m"]
    assert check("mdq", missing) == {"q1m": ["This item is required."]}
    invalid = mdq_with(1, q2=True, q3=0) | {"q1m": "yes"}
    assert check("mdq", invalid) == {"q1m": ["Must be true or false."]}


# --- scores ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sex", ["male", "female"])
def test_a_non_drinker_scores_zero_and_negative(sex):
    score = audit_c_score({"q1": 0}, sex_at_birth=sex)
    assert score.complete and score.total == 0 and score.positive is False


def test_a_drinker_without_items_2_and_3_is_not_scored():
    score = audit_c_score({"q1": 1}, sex_at_birth="female")
    assert score.total is None and score.missing_items == ("q2", "q3")


def test_mdq_below_two_symptoms_is_scored_not_positive_without_q2():
    score = mdq_score(mdq_with(1, q3=3))
    assert score.complete and score.total == 1 and score.positive is False
    assert score.to_dict()["co_occurrence"] is False


def test_mdq_from_two_symptoms_needs_q2():
    assert mdq_score(mdq_with(2, q3=3)).missing_items == ("q2",)
    assert mdq_score(mdq_with(2, q2=True, q3=3)).complete


def test_mdq_positive_is_unchanged_at_seven_symptoms():
    assert mdq_score(mdq_with(7, q2=True, q3=2)).positive is True
    assert mdq_score(mdq_with(6, q2=True, q3=2)).positive is False
