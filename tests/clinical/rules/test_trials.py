"""Adequacy, failure and counting of antidepressant courses (clinical.md §1.2, §1.4, §3, §8
"Counting details"), and the ten TRD histories."""

import pytest

from clinical.rules.trd import assess_trd
from clinical.rules.trials import (
    describe_trial,
    format_amount,
    inadequacy_reasons,
    is_adequate_trial,
    is_failed_trial,
)
from clinical.rules.types import InadequateTrial
from tests.clinical.rules.builders import course, ect, failed, screening_input


def trd_of(*courses, **kwargs):
    return assess_trd(screening_input(*courses, **kwargs), phq9_total=15)


class TestAdequacy:
    @pytest.mark.parametrize(
        ("trial", "reasons"),
        [
            (course("sertraline", 50, 6, "all"), ()),
            (course("sertraline", 49, 6, "all"), ("dose_below_minimum",)),
            (course("sertraline", 50, 5.9, "all"), ("duration_under_6_weeks",)),
            (course("sertraline", 50, 6, "most_days"), ()),
            (course("sertraline", 50, 6, "about_half"), ("inadequate_adherence",)),
            (course("sertraline", 50, 6, "rarely"), ("inadequate_adherence",)),
            (
                course("venlafaxine", 75, 4, "rarely"),
                ("dose_below_minimum", "duration_under_6_weeks", "inadequate_adherence"),
            ),
            (course("bupropion", 150), ("dose_below_minimum",)),
            (course("bupropion", 300), ()),
            (course("trazodone", 100), ("dose_below_minimum",)),
            (course("trazodone", 299), ("dose_below_minimum",)),
            (course("trazodone", 300), ()),
            (course("vilazodone", 20), ("dose_below_minimum",)),
            (course("selegiline_transdermal", 6), ()),
        ],
    )
    def test_reasons(self, trial, reasons):
        assert inadequacy_reasons(trial) == reasons
        assert is_adequate_trial(trial) is (not reasons)

    def test_augmentation_is_never_an_adequate_antidepressant_trial(self):
        aripiprazole = course("aripiprazole", 5)
        assert not is_adequate_trial(aripiprazole)
        assert not is_failed_trial(aripiprazole)

    @pytest.mark.parametrize(
        ("outcome", "fails"),
        [
            ("no_response", True),
            ("partial_response", True),
            ("response", False),
            ("remission", False),
            ("stopped_side_effects", False),
            ("too_early_to_tell", False),
        ],
    )
    def test_outcomes(self, outcome, fails):
        assert is_failed_trial(course("sertraline", 100, outcome=outcome)) is fails

    def test_earlier_episode_never_fails(self):
        assert not is_failed_trial(course("sertraline", 100, current=False))

    @pytest.mark.parametrize(
        ("trial", "text"),
        [
            (
                course("sertraline", 150, 8, "most_days"),
                "sertraline 150 mg/day for 8 weeks, taken most days: no response",
            ),
            (
                course("escitalopram", 20, 8, "all", "partial_response"),
                "escitalopram 20 mg/day for 8 weeks, taken every day: partial response",
            ),
            (
                course("venlafaxine", 187.5, 1, "about_half", "stopped_side_effects"),
                "venlafaxine 187.5 mg/day for 1 week, taken about half the days: "
                "stopped because of side effects",
            ),
        ],
    )
    def test_evidence_wording(self, trial, text):
        assert describe_trial(trial) == text

    @pytest.mark.parametrize(
        ("value", "text"), [(150.0, "150"), (12.5, "12.5"), (0.025, "0.025"), (6, "6")]
    )
    def test_amounts_have_no_trailing_zero(self, value, text):
        assert format_amount(value) == text


class TestTenHistories:
    def test_same_drug_twice_counts_once(self):
        trd = trd_of(course("sertraline", 100), course("sertraline", 200))
        assert trd.failed_trials == (0, 1)
        assert trd.adequate_failed_trials == 1
        assert not trd.meets_trd_definition
        assert trd.thase_rush_stage == "I"

    @pytest.mark.parametrize(("agent", "dose"), [("bupropion", 150), ("trazodone", 100)])
    def test_subtherapeutic_dose_is_inadequate_not_failed(self, agent, dose):
        trd = trd_of(failed("sertraline"), course(agent, dose))
        assert trd.adequate_failed_trials == 1
        assert trd.failed_trials == (0,)
        assert trd.inadequate_trials == (InadequateTrial(1, ("dose_below_minimum",)),)

    @pytest.mark.parametrize(
        ("weeks", "default", "four_week", "inadequate"),
        [
            (3, 1, 1, True),
            (4, 1, 2, True),
            (5, 1, 2, True),
            (6, 2, 2, False),
        ],
    )
    def test_four_versus_six_weeks(self, weeks, default, four_week, inadequate):
        trd = trd_of(failed("sertraline"), course("venlafaxine", 150, weeks))
        assert trd.adequate_failed_trials == default
        assert trd.four_week_rule == four_week
        assert bool(trd.inadequate_trials) is inadequate

    @pytest.mark.parametrize(
        ("adherence", "counted"),
        [
            ("all", 2),
            ("most_days", 2),
            ("about_half", 1),
            ("rarely", 1),
        ],
    )
    def test_adherence(self, adherence, counted):
        trd = trd_of(failed("sertraline"), course("duloxetine", 60, adherence=adherence))
        assert trd.adequate_failed_trials == counted
        assert trd.four_week_rule == trd.under_25_percent_rule == counted
        if counted == 1:
            assert trd.inadequate_trials == (InadequateTrial(1, ("inadequate_adherence",)),)

    def test_augmentation_is_recorded_not_counted_and_scores_maudsley(self):
        trd = trd_of(failed("sertraline"), course("aripiprazole", 5, 6))
        assert trd.adequate_failed_trials == 1
        assert trd.augmentation_trials == (1,)
        assert trd.failed_trials == (0,)
        assert trd.maudsley.components["augmentation"] == 1
        assert trd.trials[1].status == "augmentation"

    def test_partial_response_fails_by_default_not_under_25_percent(self):
        trd = trd_of(failed("sertraline"), course("venlafaxine", 225, outcome="partial_response"))
        assert trd.adequate_failed_trials == 2 and trd.meets_trd_definition
        assert trd.under_25_percent_rule == 1
        assert trd.four_week_rule == 2

    def test_previous_episode_is_shown_not_counted(self):
        trd = trd_of(failed("sertraline"), course("fluoxetine", 40, current=False))
        assert trd.adequate_failed_trials == 1
        assert trd.failed_trials == (0,)
        assert trd.trials[1].status == "earlier_episode"
        assert trd.trials[1].description == (
            "fluoxetine 40 mg/day for 8 weeks, taken every day: no response"
        )

    def test_combination_second_antidepressant_counts(self):
        """Mirtazapine added to sertraline counts as its own course (§1.4), not augmentation."""
        trd = trd_of(failed("sertraline"), course("mirtazapine", 30, 6))
        assert trd.adequate_failed_trials == 2 and trd.meets_trd_definition
        assert trd.augmentation_trials == ()
        assert trd.maudsley.components["augmentation"] == 0
        assert trd.thase_rush_stage == "II"

    @pytest.mark.parametrize(
        ("neuromodulation", "stage"),
        [
            ((ect("bilateral"),), "V"),
            ((ect("right_unilateral"),), "IV"),
            ((ect("unknown"),), "IV"),
            ((ect("bilateral", outcome="response"),), "IV"),
            ((ect("bilateral", current=False),), "IV"),
            ((ect("right_unilateral"), ect("bilateral", "partial_response")), "V"),
            ((), "IV"),
        ],
    )
    def test_bilateral_versus_right_unilateral_ect(self, neuromodulation, stage):
        courses = [failed(a) for a in ("sertraline", "venlafaxine", "nortriptyline", "phenelzine")]
        trd = trd_of(*courses, neuromodulation=neuromodulation)
        assert trd.thase_rush_stage == stage

    def test_no_adequate_trial(self):
        trd = trd_of(course("bupropion", 150), course("sertraline", 100, 3))
        assert trd.adequate_failed_trials == 0
        assert trd.thase_rush_stage == trd.thase_rush_stage_chronological == "0"
        assert trd.maudsley.total is None and trd.maudsley.band == "not_applicable"
        assert trd.mgh_s.total == 0
        assert [t.index for t in trd.inadequate_trials] == [0, 1]


class TestCountingDetails:
    def test_intolerance_is_listed_separately(self):
        trd = trd_of(
            failed("sertraline"), course("venlafaxine", 75, 2, outcome="stopped_side_effects")
        )
        assert trd.intolerant_trials == (1,)
        assert trd.inadequate_trials == ()
        assert trd.adequate_failed_trials == 1

    @pytest.mark.parametrize("outcome", ["too_early_to_tell", "response", "remission"])
    def test_shown_not_counted(self, outcome):
        trd = trd_of(failed("sertraline"), course("duloxetine", 60, outcome=outcome))
        assert trd.adequate_failed_trials == 1
        assert trd.inadequate_trials == () and trd.intolerant_trials == ()
        assert trd.trials[1].status in {"too_early_to_tell", "responded"}

    def test_inadequate_course_that_worked_is_not_pseudo_resistance(self):
        trd = trd_of(course("bupropion", 150, outcome="response"))
        assert trd.inadequate_trials == ()
        assert trd.trials[0].adequate is False
        assert trd.trials[0].reasons == ("dose_below_minimum",)

    def test_contract_to_dict(self):
        trd = trd_of(
            course("sertraline", 150, 8, "most_days"),
            course("escitalopram", 20, 8, "all", "partial_response"),
            course("aripiprazole", 5, 6),
            neuromodulation=(ect("bilateral"),),
        ).to_dict()
        expected = {
            "adequate_failed_trials": 2,
            "meets_trd_definition": True,
            "alternative_counts": {
                "four_week_rule": 2,
                "under_25_percent_rule": 1,
                "label_dose": 2,
            },
            "failed_trials": [0, 1],
            "inadequate_trials": [],
            "intolerant_trials": [],
            "augmentation_trials": [2],
            "thase_rush_stage": "I",
        }
        assert {k: trd[k] for k in expected} == expected
        assert trd["maudsley"]["total"] == 8 and trd["maudsley"]["band"] == "moderate"
        assert trd["maudsley"]["components"] == {
            "duration": 2,
            "severity": 3,
            "antidepressant_failures": 1,
            "augmentation": 1,
            "ect": 1,
        }
        assert trd["thase_rush_stage_chronological"] == "I"

    def test_inadequate_trials_dict_shape(self):
        trd = trd_of(course("bupropion", 150, 4, "about_half")).to_dict()
        assert trd["inadequate_trials"] == [
            {
                "index": 0,
                "reasons": ["dose_below_minimum", "duration_under_6_weeks", "inadequate_adherence"],
            }
        ]
