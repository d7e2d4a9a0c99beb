"""The flag catalogue holds every flag the rules can raise, at the levels they raise it, and
the suicide-risk wording is one wording whichever path raised the flag."""

import ast
from pathlib import Path

import pytest

from clinical.rules import assess_safety, evaluate
from clinical.rules.flag_catalogue import FLAG_CATALOGUE, FLAG_CODES, suicide_risk_summary
from clinical.rules.flags import FLAG_RULES
from clinical.rules.types import FollowUpContext
from tests.clinical.rules.builders import (
    KITCHEN_SINK,
    course,
    cssrs,
    failed,
    phq9,
    phq15,
    q,
    screening_input,
)

FLAG_LEVELS = ("urgent", "high", "moderate", "info")


def _raised(answers) -> set[tuple[str, str]]:
    result = evaluate(
        screening_input(
            failed("sertraline"),
            failed("venlafaxine"),
            course("bupropion", 150),
            answers=answers,
            psychotic=True,
        )
    )
    return {(f.code, f.level) for f in result.flags}


@pytest.fixture(scope="module")
def raised() -> set[tuple[str, str]]:
    """Every (code, level) the rules raise over inputs that reach each flag at each of its
    levels: the kitchen sink, then the lower and upper levels it does not reach."""
    return (
        _raised(KITCHEN_SINK)
        | _raised({**KITCHEN_SINK, "ocd_screen": {**dict.fromkeys(q(1, 5), True), "q6": True}})
        | _raised({**KITCHEN_SINK, "phq15": phq15(12)})
        | {
            (f.code, f.level)
            for f in evaluate(
                screening_input(follow_up=FollowUpContext(16, 56, 8), answers={"phq9": phq9(15)})
            ).flags
        }
    )


def test_every_flag_the_rules_raise_is_catalogued_at_that_level(raised):
    for code, level in raised:
        assert code in FLAG_CATALOGUE, code
        assert level in FLAG_CATALOGUE[code].levels, (code, level)


def test_every_catalogued_flag_and_level_is_raised_by_some_rule(raised):
    assert {(info.code, level) for info in FLAG_CATALOGUE.values() for level in info.levels} == (
        raised
    )
    assert len(FLAG_RULES) == len(FLAG_CATALOGUE)


def test_the_rules_source_names_no_flag_code_outside_the_catalogue():
    """Introspection: every ``_flag("code", …)`` call in the rules names a catalogued code."""
    source = Path(__file__).parents[3] / "clinical" / "rules" / "flags.py"
    named = {
        node.args[0].value
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"_flag", "_summary", "Flag"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert named == set(FLAG_CODES)


def test_catalogue_entries_are_complete():
    for info in FLAG_CATALOGUE.values():
        assert info.label and info.display and info.summary, info.code
        assert info.levels and set(info.levels) <= set(FLAG_LEVELS), info.code
        assert list(info.levels) == sorted(info.levels, key=FLAG_LEVELS.index), info.code
        fit = info.provider_fit
        if fit is not None:
            assert fit.specialty and fit.reason, info.code
            assert bool(fit.best_provider_type) == bool(fit.partial_reason), info.code
            assert bool(fit.treatments) == ("{treatments}" in fit.treatments_reason), info.code


SCREENS = {
    "phq9_item9": {"phq9": phq9(9, item9=1)},
    "low": {"phq9": phq9(8), "cssrs_screen": cssrs(q1=True)},
    "moderate": {"phq9": phq9(8), "cssrs_screen": cssrs(q6=True, q6a=False)},
    "high": {"phq9": phq9(8), "cssrs_screen": cssrs(q2=True, q4=True)},
}


@pytest.mark.parametrize("screen", SCREENS)
def test_suicide_risk_is_worded_alike_at_submission_and_after_screening(screen):
    answers = SCREENS[screen]
    at_submission = suicide_risk_summary(assess_safety(answers).risk_level)
    after_screening = evaluate(screening_input(answers=answers)).flag("suicide_risk").summary
    assert at_submission == after_screening
    assert at_submission.startswith("Possible suicide risk (")
    assert ("911" in at_submission) is (screen == "high")
    assert ("PHQ-9 item 9" in at_submission) is (screen == "phq9_item9")
