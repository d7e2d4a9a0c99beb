"""Issue 20 item 7 (part): the "verify dose" note above a label maximum, an ongoing course
under 4 weeks is "too early" rather than pseudo-resistance, and the label-dose count
(R-LABEL) beside the MGH-ATRQ count. Both sides of each boundary."""

from dataclasses import replace

import pytest

from clinical.medications import (
    LABEL_MAXIMA,
    LABEL_MINIMA,
    MEDICATIONS,
    label_maximum_mg,
    label_minimum_mg,
)
from clinical.rules.engine import evaluate
from clinical.rules.trd import assess_trd
from clinical.rules.types import MedicationTrial
from tests.clinical.rules.builders import screening_input


def course(key, dose, weeks=8, outcome="no_response", *, ongoing=False, adherence="all"):
    """A course built from the real catalogue entry, label doses included."""
    med = MEDICATIONS[key]
    return MedicationTrial(
        index=0,
        agent=med.agent,
        name=med.name,
        drug_class=med.drug_class,
        role=med.role,
        min_adequate_daily_dose_mg=med.min_adequate_daily_dose_mg,
        max_daily_dose_mg=float(dose),
        weeks_at_max_dose=float(weeks),
        adherence=adherence,
        outcome=outcome,
        label_min_daily_dose_mg=label_minimum_mg(key),
        label_max_daily_dose_mg=label_maximum_mg(key),
        ongoing=ongoing,
    )


def trd_of(*courses):
    return assess_trd(screening_input(*courses), phq9_total=15)


def flags_of(*courses):
    return {f.code: f for f in evaluate(screening_input(*courses)).flags}


# --- catalogue ---------------------------------------------------------------------------------


def test_label_maxima_have_a_source_and_sit_at_or_above_the_minimum():
    assert len(LABEL_MAXIMA) >= 30
    for key, entry in LABEL_MAXIMA.items():
        assert entry.source
        minimum = MEDICATIONS[key].min_adequate_daily_dose_mg
        assert minimum is None or entry.daily_dose_mg >= minimum


def test_label_minima_differ_from_mgh_atrq_only_for_venlafaxine_and_vilazodone():
    assert {k: v.daily_dose_mg for k, v in LABEL_MINIMA.items()} == {
        "venlafaxine": 75,
        "vilazodone": 20,
    }
    assert label_minimum_mg("sertraline") == 50
    assert label_minimum_mg("aripiprazole") is None
    catalogue = MEDICATIONS["vilazodone"].to_dict()
    assert (catalogue["label_min_daily_dose_mg"], catalogue["label_max_daily_dose_mg"]) == (20, 40)


# --- verify dose --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "dose", "noted"),
    [
        ("mirtazapine", 45, False),
        ("mirtazapine", 60, True),
        ("citalopram", 40, False),
        ("citalopram", 60, True),
        ("aripiprazole", 15, False),
        ("aripiprazole", 20, True),
    ],
)
def test_a_dose_above_the_label_maximum_gets_a_verify_dose_note(key, dose, noted):
    (review,) = trd_of(course(key, dose)).trials
    verify = [n for n in review.notes if n.startswith("verify dose")]
    assert bool(verify) is noted
    if noted:
        maximum = f"{LABEL_MAXIMA[key].daily_dose_mg:g}"
        assert verify == [
            f"verify dose: {dose} mg/day is above the label maximum of {maximum} mg/day"
        ]


def test_the_verify_dose_note_changes_no_count():
    trd = trd_of(course("mirtazapine", 60), replace(course("sertraline", 100), index=1))
    assert trd.adequate_failed_trials == 2 and trd.trials[0].status == "failed"


def test_a_drug_without_a_label_maximum_gets_no_note():
    (review,) = trd_of(course("desvenlafaxine", 400)).trials
    assert review.notes == ()


# --- too early -----------------------------------------------------------------------------------


@pytest.mark.parametrize("weeks", [0, 3, 3.9])
def test_an_ongoing_course_under_4_weeks_without_response_is_too_early(weeks):
    trial = course("sertraline", 100, weeks, ongoing=True)
    trd = trd_of(trial)
    assert trd.trials[0].status == "too_early_to_tell"
    assert trd.inadequate_trials == () and trd.adequate_failed_trials == 0
    assert trd.trials[0].notes[0].startswith("too early: still being taken")
    assert "pseudo_resistance" not in flags_of(trial)


def test_partial_response_so_far_is_too_early_too():
    trd = trd_of(course("sertraline", 100, 3, "partial_response", ongoing=True))
    assert trd.trials[0].status == "too_early_to_tell" and trd.inadequate_trials == ()


def test_from_4_weeks_an_ongoing_course_is_judged_as_before():
    trial = course("sertraline", 100, 4, ongoing=True)
    trd = trd_of(trial)
    assert trd.trials[0].status == "inadequate"
    assert [t.index for t in trd.inadequate_trials] == [0]
    assert "pseudo_resistance" in flags_of(trial)
    assert trd.four_week_rule == 1


def test_an_ongoing_adequate_course_still_fails():
    trd = trd_of(course("sertraline", 100, 8, ongoing=True))
    assert trd.trials[0].status == "failed" and trd.adequate_failed_trials == 1


def test_a_stopped_3_week_course_is_still_pseudo_resistance():
    trial = course("sertraline", 100, 3, ongoing=False)
    assert [t.index for t in trd_of(trial).inadequate_trials] == [0]
    assert "pseudo_resistance" in flags_of(trial)


def test_an_ongoing_short_course_that_helped_is_a_response():
    (review,) = trd_of(course("sertraline", 100, 3, "response", ongoing=True)).trials
    assert review.status == "responded" and review.notes == ()


# --- R-LABEL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "dose", "mgh_atrq", "label"),
    [
        ("venlafaxine", 74, 1, 1),
        ("venlafaxine", 75, 1, 2),
        ("venlafaxine", 149, 1, 2),
        ("venlafaxine", 150, 2, 2),
        ("vilazodone", 19, 1, 1),
        ("vilazodone", 20, 1, 2),
        ("vilazodone", 39, 1, 2),
        ("vilazodone", 40, 2, 2),
        ("bupropion", 150, 1, 1),  # the label minimum is taken as MGH-ATRQ's elsewhere
    ],
)
def test_the_label_dose_count_differs_only_in_the_published_gaps(key, dose, mgh_atrq, label):
    trd = trd_of(course(key, dose), replace(course("sertraline", 100), index=1))
    assert (trd.adequate_failed_trials, trd.label_dose_rule) == (mgh_atrq, label)
    assert trd.to_dict()["alternative_counts"]["label_dose"] == label


def test_the_dose_reason_says_when_the_label_dose_was_reached():
    trd = trd_of(course("venlafaxine", 75))
    assert trd.trials[0].reasons == ("dose_below_minimum",)
    flag = flags_of(course("venlafaxine", 75))["pseudo_resistance"]
    assert any("adequate at the label dose of 75 mg/day, R-LABEL" in e for e in flag.evidence)


def test_the_trd_flag_notes_a_different_label_dose_count():
    trials = (
        course("venlafaxine", 75),
        replace(course("sertraline", 100), index=1),
        replace(course("fluoxetine", 40), index=2),
    )
    flag = flags_of(*trials)["possible_trd"]
    assert any(e.endswith(", 3 at label doses (R-LABEL)") for e in flag.evidence)
    same = flags_of(replace(course("sertraline", 100)), replace(course("fluoxetine", 40), index=1))
    assert not any("R-LABEL" in e for e in same["possible_trd"].evidence)
