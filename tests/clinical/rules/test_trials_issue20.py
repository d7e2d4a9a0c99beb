"""Issue 20 items 3, 4 and 6 in the pure rules, each on both sides of its boundary: weeks at
or above the minimum dose (the deprecated weeks-at-highest-dose still read), unlisted drugs,
unknown doses, olanzapine/fluoxetine as a fluoxetine course, and an unknown episode."""

import dataclasses

import pytest

from clinical.courses import medication_courses
from clinical.medications import MEDICATIONS, UNLISTED
from clinical.rules.engine import evaluate
from clinical.rules.trials import (
    adequate_failed_trial_count,
    inadequacy_reasons,
    is_failed_trial,
    is_possible_pseudo_resistance,
    review_trial,
    weeks_at_adequate_dose,
)
from clinical.rules.types import ScreeningInput


def courses(medication="sertraline", *, index=0, **fields):
    row = {
        "name": None,
        "max_daily_dose_mg": 150.0,
        "weeks_at_max_dose": None,
        "weeks_at_adequate_dose": 8.0,
        "adherence": "all",
        "outcome": "no_response",
        "current_episode": True,
    }
    row.update(fields)
    return medication_courses(index=index, medication=medication, **row)


def one(medication="sertraline", **fields):
    (course,) = courses(medication, **fields)
    return course


# --- item 3: weeks at or above the minimum adequate dose --------------------------------------


def test_the_issue_case_sertraline_100_for_10_weeks_then_150_for_2_is_adequate():
    course = one(max_daily_dose_mg=150, weeks_at_max_dose=2, weeks_at_adequate_dose=12)
    assert weeks_at_adequate_dose(course) == 12
    assert is_failed_trial(course)
    assert not is_possible_pseudo_resistance(course)


@pytest.mark.parametrize(("weeks", "failed"), [(5.9, False), (6, True)])
def test_six_weeks_at_an_adequate_dose_is_the_boundary(weeks, failed):
    course = one(weeks_at_adequate_dose=weeks)
    assert is_failed_trial(course) is failed
    assert ("duration_under_6_weeks" in inadequacy_reasons(course)) is not failed


@pytest.mark.parametrize(("weeks", "failed"), [(5, False), (6, True)])
def test_the_deprecated_weeks_at_max_dose_is_read_when_alone(weeks, failed):
    course = one(weeks_at_adequate_dose=None, weeks_at_max_dose=weeks)
    assert is_failed_trial(course) is failed


def test_weeks_at_the_adequate_dose_win_over_the_deprecated_field():
    assert not is_failed_trial(one(weeks_at_adequate_dose=4, weeks_at_max_dose=10))


def test_no_weeks_at_all_is_not_adequate():
    course = one(weeks_at_adequate_dose=None, weeks_at_max_dose=None)
    assert inadequacy_reasons(course) == ("duration_under_6_weeks",)


def test_description_gives_weeks_at_the_adequate_dose():
    course = one(weeks_at_adequate_dose=12, weeks_at_max_dose=2)
    assert review_trial(course).description.startswith("sertraline 150 mg/day for 12 weeks")


# --- item 4: unlisted drugs, unknown doses, combinations ----------------------------------------


def test_an_unlisted_drug_is_kept_shown_and_never_counted():
    course = one(UNLISTED, name="Zuranolone", weeks_at_adequate_dose=52)
    review = review_trial(course)
    assert (review.status, review.role, review.adequate) == ("unlisted", "unlisted", None)
    assert review.description.startswith("Zuranolone 150 mg/day")
    assert "verify this trial" in review.description
    assert not is_failed_trial(course) and not is_possible_pseudo_resistance(course)
    result = evaluate(
        ScreeningInput(
            sex_at_birth="female",
            answers={},
            medication_trials=(*courses(), course, *courses(UNLISTED, index=2, name="X")),
        )
    )
    assert result.trd.adequate_failed_trials == 1
    assert result.trd.augmentation_trials == ()
    assert result.trd.maudsley.components["augmentation"] == 0


def test_an_unknown_dose_is_never_adequate_and_says_so():
    unknown = one(max_daily_dose_mg=None, weeks_at_adequate_dose=12)
    assert inadequacy_reasons(unknown) == ("dose_unknown",)
    assert not is_failed_trial(unknown)
    assert is_possible_pseudo_resistance(unknown)  # a failure the clinician should verify
    assert "dose not known" in review_trial(unknown).description
    known = dataclasses.replace(unknown, max_daily_dose_mg=50.0)  # exactly the minimum
    assert is_failed_trial(known)


def test_olanzapine_fluoxetine_is_an_augmentation_and_a_fluoxetine_course():
    product, component = courses("olanzapine_fluoxetine", max_daily_dose_mg=6)
    assert (product.role, product.agent) == ("augmentation", "olanzapine_fluoxetine")
    assert (component.role, component.agent, component.index) == ("antidepressant", "fluoxetine", 0)
    assert component.max_daily_dose_mg == 25  # every strength holds ≥ 25 mg of fluoxetine
    assert (
        component.min_adequate_daily_dose_mg == MEDICATIONS["fluoxetine"].min_adequate_daily_dose_mg
    )
    assert (
        "fluoxetine (in olanzapine_fluoxetine) at least 25 mg/day"
        in review_trial(component).description
    )
    trials = (*courses(), *courses("olanzapine_fluoxetine", index=1, max_daily_dose_mg=6))
    result = evaluate(ScreeningInput(sex_at_birth="female", answers={}, medication_trials=trials))
    assert result.trd.adequate_failed_trials == 2 and result.trd.meets_trd_definition
    assert result.trd.augmentation_trials == (1,)
    # A separate fluoxetine course is the same agent: still two agents, not three.
    trials = (*trials, *courses("fluoxetine", index=2, max_daily_dose_mg=40))
    assert adequate_failed_trial_count(trials) == 2


def test_olanzapine_fluoxetine_at_an_unknown_dose_leaves_fluoxetine_unknown():
    _, component = courses("olanzapine_fluoxetine", max_daily_dose_mg=None)
    assert component.max_daily_dose_mg is None
    assert not is_failed_trial(component)


def test_olanzapine_alone_is_only_an_augmentation():
    (course,) = courses("olanzapine", max_daily_dose_mg=5)
    assert course.role == "augmentation"


# --- item 6: an unknown episode counts as not current -------------------------------------------


@pytest.mark.parametrize(
    ("current", "status", "failed"),
    [(True, "failed", True), (None, "episode_unknown", False), (False, "earlier_episode", False)],
)
def test_an_unknown_episode_is_not_counted(current, status, failed):
    course = one(current_episode=current)
    assert is_failed_trial(course) is failed
    review = review_trial(course)
    assert (review.status, review.current_episode) == (status, current)


def test_unknown_episode_courses_score_no_staging_points():
    trials = (
        *courses(current_episode=None),
        *courses("escitalopram", index=1, max_daily_dose_mg=20, current_episode=None),
        *courses("aripiprazole", index=2, max_daily_dose_mg=5, current_episode=None),
    )
    result = evaluate(ScreeningInput(sex_at_birth="female", answers={}, medication_trials=trials))
    assert result.trd.adequate_failed_trials == 0
    assert result.trd.mgh_s.total == 0
    assert result.trd.maudsley.components["augmentation"] == 0
