"""Issue 20 (items 1, 2 and part of 7): psychotic features by who reported them, bipolarity
caveats on possible_trd, an incomplete C-SSRS screen, IV ketamine in the staging models.

Each rule is tested on both sides of its boundary.
"""

import pytest

from clinical.rules import assess_safety, evaluate
from clinical.rules.cssrs import cssrs_risk_level
from clinical.rules.staging import maudsley_score, mgh_s_score
from tests.clinical.rules.builders import (
    course,
    cssrs,
    ect,
    failed,
    indexed,
    mdq,
    phq9,
    screening_input,
)

TWO_FAILED = (failed("sertraline"), failed("venlafaxine"))


def result_for(*courses, answers=None, **kwargs):
    answers = {"phq9": phq9(3), "mdq": mdq(2), **(answers or {})}
    return evaluate(screening_input(*courses, answers=answers, **kwargs))


# --- Item 1: psychotic features -----------------------------------------------------------------


class TestMaudsleySeverityNeedsConfirmation:
    def test_self_report_scores_from_the_phq9(self):
        trd = result_for(*TWO_FAILED, psychotic=True).trd
        assert trd.maudsley.components["severity"] == 1  # PHQ-9 = 3

    def test_clinician_confirmed_scores_five(self):
        trd = result_for(*TWO_FAILED, psychotic=True, confirmed=True).trd
        assert trd.maudsley.components["severity"] == 5

    def test_confirmed_flag_without_features_scores_from_the_phq9(self):
        trd = result_for(*TWO_FAILED, psychotic=False, confirmed=True).trd
        assert trd.maudsley.components["severity"] == 1


class TestPossiblePsychoticFeaturesFlag:
    def test_self_report_raises_a_high_review_flag(self):
        raised = result_for(psychotic=True).flag("possible_psychotic_features")
        assert raised is not None and raised.level == "high"
        assert raised.summary == (
            "Possible psychotic features (patient self-report): confirm or rule out at "
            "clinical review"
        )
        assert any("not yet confirmed by a clinician" in e for e in raised.evidence)

    def test_not_reported_raises_nothing(self):
        assert result_for(psychotic=False).flag("possible_psychotic_features") is None

    def test_confirmed_is_no_longer_possible(self):
        result = result_for(psychotic=True, confirmed=True)
        assert result.flag("possible_psychotic_features") is None


class TestPsychoticMonotherapyPseudoResistance:
    def test_every_failed_course_monotherapy_is_noted(self):
        raised = result_for(*TWO_FAILED, psychotic=True).flag("pseudo_resistance")
        assert raised is not None and raised.level == "moderate"
        assert raised.summary == (
            "Possible pseudo-resistance: 2 antidepressant courses without benefit fell short "
            "of an adequate trial — review antidepressant monotherapy in a psychotic episode"
        )
        assert any("psychotic features self-reported" in e for e in raised.evidence)
        assert any("not an adequate trial for psychotic depression" in e for e in raised.evidence)

    def test_confirmed_features_say_so(self):
        raised = result_for(*TWO_FAILED, psychotic=True, confirmed=True).flag("pseudo_resistance")
        assert any("psychotic features clinician-confirmed" in e for e in raised.evidence)

    def test_an_antipsychotic_this_episode_means_not_monotherapy(self):
        result = result_for(*TWO_FAILED, course("aripiprazole", 5), psychotic=True)
        assert result.flag("pseudo_resistance") is None

    def test_an_antipsychotic_in_an_earlier_episode_does_not_count(self):
        result = result_for(*TWO_FAILED, course("aripiprazole", 5, current=False), psychotic=True)
        assert result.flag("pseudo_resistance") is not None

    def test_without_psychotic_features_nothing(self):
        assert result_for(*TWO_FAILED).flag("pseudo_resistance") is None

    def test_inadequate_course_and_monotherapy_together(self):
        raised = result_for(failed("sertraline"), course("bupropion", 150), psychotic=True).flag(
            "pseudo_resistance"
        )
        assert raised.summary.endswith(
            "review dose, duration, adherence; antidepressant monotherapy in a psychotic episode"
        )
        assert raised.summary.startswith("Possible pseudo-resistance: 2 antidepressant courses")

    def test_the_courses_still_count_toward_trd(self):
        assert result_for(*TWO_FAILED, psychotic=True).trd.adequate_failed_trials == 2


# --- Item 2: bipolarity ---------------------------------------------------------------------


def trd_flag(answers):
    result = evaluate(screening_input(*TWO_FAILED, answers={"phq9": phq9(12), **answers}))
    raised = result.flag("possible_trd")
    assert raised is not None
    return raised


PLAIN = "Possible TRD pattern: 2 adequate antidepressant trials failed in the current episode"


class TestBipolarityCaveats:
    def test_negative_mdq_without_a_reported_diagnosis_is_plain(self):
        raised = trd_flag({"mdq": {**mdq(3), "q5": False}})
        assert raised.summary == PLAIN
        assert not any("bipolar" in e for e in raised.evidence)

    def test_reported_bipolar_diagnosis_qualifies(self):
        raised = trd_flag({"mdq": {**mdq(3), "q5": True}})
        assert raised.summary == f"{PLAIN} — review: bipolar diagnosis reported"
        assert any("(MDQ Q5)" in e for e in raised.evidence)

    def test_reported_diagnosis_on_an_incomplete_mdq_still_qualifies(self):
        raised = trd_flag({"mdq": {"q5": True}})
        assert raised.summary == (
            f"{PLAIN} — review: bipolar diagnosis reported; bipolarity not screened"
        )

    def test_positive_mdq_caveat_reaches_the_summary(self):
        raised = trd_flag({"mdq": mdq(8)})
        assert raised.summary == f"{PLAIN} — review: possible bipolar disorder (MDQ positive)"
        assert raised.evidence[-1] == (
            "review: possible bipolar disorder — TRD definitions apply to unipolar depression"
        )

    def test_mdq_not_given(self):
        raised = trd_flag({})
        assert raised.summary == f"{PLAIN} — bipolarity not screened"
        assert any(e.startswith("bipolarity not screened") for e in raised.evidence)

    def test_incomplete_mdq_is_not_screened(self):
        incomplete = {k: v for k, v in mdq(3).items() if k != "q3"}
        assert trd_flag({"mdq": incomplete}).summary == f"{PLAIN} — bipolarity not screened"

    def test_summary_fits_the_stored_column(self):
        raised = trd_flag({"mdq": {**mdq(8), "q5": True}})
        assert len(raised.summary) <= 300


# --- Item 7: incomplete C-SSRS screen -----------------------------------------------------------


class TestIncompleteCssrs:
    def test_complete_all_no_is_none_and_marked_complete(self):
        safety = assess_safety({"cssrs_screen": cssrs()})
        assert safety.risk_level == "none" and not safety.urgent
        assert safety.to_dict()["cssrs_complete"] is True
        assert safety.to_dict()["cssrs_missing_items"] == []

    def test_missing_always_asked_item_is_moderate(self):
        safety = assess_safety({"cssrs_screen": {"q1": False, "q2": False}})
        assert safety.risk_level == "moderate" and safety.urgent
        body = safety.to_dict()
        assert body["cssrs_complete"] is False
        assert body["cssrs_missing_items"] == ["q6"]
        assert any("C-SSRS screen incomplete (unanswered: Q6)" in e for e in body["evidence"])

    def test_low_answers_with_a_gap_are_raised_to_moderate(self):
        assert cssrs_risk_level({"q1": True, "q2": False}) == "moderate"

    def test_missing_ideation_follow_ups_after_q2_yes(self):
        assert cssrs_risk_level({"q1": False, "q2": True, "q6": False}) == "moderate"

    def test_high_stays_high_when_incomplete(self):
        assert cssrs_risk_level({"q2": True, "q4": True}) == "high"

    def test_not_given_is_not_assessed_and_unmarked(self):
        body = assess_safety({}).to_dict()
        assert body["risk_level"] == "not_assessed"
        assert "cssrs_complete" not in body

    def test_screening_result_agrees(self):
        result = evaluate(screening_input(answers={"phq9": phq9(3), "cssrs_screen": {"q1": False}}))
        assert result.safety.risk_level == "moderate"
        assert result.scores["cssrs_screen"].extra["risk_level"] == "moderate"
        assert result.flag("suicide_risk").summary.startswith(
            "Possible suicide risk (C-SSRS moderate)"
        )


# --- Item 7: IV ketamine scores as esketamine ---------------------------------------------------


class TestIvKetamine:
    @pytest.mark.parametrize("kind", ["esketamine", "ketamine"])
    def test_msm_augmentation(self, kind):
        score = maudsley_score(
            trials=indexed(failed("sertraline")),
            neuromodulation=(ect(None, "response", kind=kind),),
            current_episode_months=6,
            phq9_total=12,
        )
        assert score.components["augmentation"] == 1

    @pytest.mark.parametrize("kind", ["rtms", "vns", "other"])
    def test_other_courses_are_not_augmentation(self, kind):
        score = maudsley_score(
            trials=indexed(failed("sertraline")),
            neuromodulation=(ect(None, "no_response", kind=kind),),
            current_episode_months=6,
            phq9_total=12,
        )
        assert score.components["augmentation"] == 0

    @pytest.mark.parametrize("kind", ["esketamine", "ketamine"])
    def test_mgh_s_failed_course_scores_half(self, kind):
        score = mgh_s_score(indexed(failed("sertraline")), (ect(None, kind=kind),))
        assert score.components["augmentation_combination"] == 0.5

    def test_mgh_s_ketamine_that_worked_scores_nothing(self):
        score = mgh_s_score(
            indexed(failed("sertraline")), (ect(None, "response", kind="ketamine"),)
        )
        assert score.components["augmentation_combination"] == 0

    def test_earlier_episode_ketamine_scores_nothing(self):
        score = mgh_s_score(
            indexed(failed("sertraline")), (ect(None, kind="ketamine", current=False),)
        )
        assert score.components["augmentation_combination"] == 0

    def test_ketamine_and_esketamine_are_distinct_agents(self):
        score = mgh_s_score(
            indexed(failed("sertraline")),
            (ect(None, kind="ketamine"), ect(None, kind="esketamine")),
        )
        assert score.components["augmentation_combination"] == 1.0
