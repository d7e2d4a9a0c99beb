"""Every instrument's scoring, with both sides of every cut-off (clinical.md §4)."""

import pytest

from clinical.rules.ace import ace_score
from clinical.rules.alcohol import audit_c_cutoff, audit_c_score
from clinical.rules.drugs import drug_screen_score
from clinical.rules.gad7 import gad7_score, gad7_severity
from clinical.rules.mdq import mdq_score
from clinical.rules.ocd import ocd_screen_score
from clinical.rules.panic import panic_screen_score
from clinical.rules.phq9 import phq9_score, phq9_severity, phq9_syndrome
from clinical.rules.phq15 import phq15_score, phq15_severity
from clinical.rules.ptsd import pc_ptsd5_score
from clinical.rules.scoff import scoff_score
from tests.clinical.rules.builders import (
    gad7,
    mdq,
    panic,
    pc_ptsd5,
    phq9,
    phq15,
    q,
    yes_no,
)


class TestPhq9:
    @pytest.mark.parametrize(
        ("total", "severity"),
        [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ],
    )
    def test_severity_bands(self, total, severity):
        score = phq9_score(phq9(total))
        assert score.total == total
        assert score.severity == severity == phq9_severity(total)

    @pytest.mark.parametrize(("total", "positive"), [(9, False), (10, True)])
    def test_cutoff_10(self, total, positive):
        assert phq9_score(phq9(total)).positive is positive

    def test_item9_is_reported_and_counted_in_the_total(self):
        score = phq9_score(phq9(12, item9=2))
        assert score.total == 12
        assert score.to_dict()["item9"] == 2

    def test_difficulty_is_reported_but_not_added(self):
        score = phq9_score({**phq9(6), "difficulty": 3})
        assert score.total == 6
        assert score.extra["difficulty"] == 3

    def test_contract_shape(self):
        d = phq9_score(phq9(15)).to_dict()
        assert d["total"] == 15 and d["severity"] == "moderately_severe" and d["item9"] == 0

    @pytest.mark.parametrize(
        ("points", "syndrome"),
        [
            # 5 items at >= 2 including item 1: major
            ({"q1": 2, "q3": 2, "q4": 2, "q5": 2, "q6": 2}, "major_depressive_syndrome"),
            # item 9 counts at 1
            ({"q2": 3, "q3": 2, "q4": 2, "q5": 2, "q9": 1}, "major_depressive_syndrome"),
            # 4 counting items including item 2: other
            ({"q2": 3, "q3": 2, "q4": 2, "q5": 2}, "other_depressive_syndrome"),
            # 2 counting items including item 1: other
            ({"q1": 2, "q7": 3}, "other_depressive_syndrome"),
            # 1 counting item: none
            ({"q1": 3, "q3": 1, "q4": 1}, "none"),
            # 6 counting items, but neither item 1 nor 2 at >= 2: none, though total >= 10
            ({"q1": 1, "q3": 2, "q4": 2, "q5": 2, "q6": 2, "q7": 2, "q8": 2}, "none"),
        ],
    )
    def test_diagnostic_algorithm(self, points, syndrome):
        items = {**dict.fromkeys(q(1, 9), 0), **points}
        assert phq9_syndrome(items) == syndrome
        assert phq9_score(items).extra["syndrome"] == syndrome

    def test_missing_item_is_not_scored_but_item9_still_read(self):
        items = phq9(10, item9=1)
        del items["q3"]
        score = phq9_score(items)
        assert score.total is None and score.severity is None
        assert score.to_dict() == {
            "total": None,
            "item9": 1,
            "complete": False,
            "missing_items": ["q3"],
        }


class TestGad7:
    @pytest.mark.parametrize(
        ("total", "severity", "positive"),
        [
            (0, "minimal", False),
            (4, "minimal", False),
            (5, "mild", False),
            (9, "mild", False),
            (10, "moderate", True),
            (14, "moderate", True),
            (15, "severe", True),
            (21, "severe", True),
        ],
    )
    def test_bands_and_cutoff(self, total, severity, positive):
        score = gad7_score(gad7(total))
        assert (score.total, score.severity, score.positive) == (total, severity, positive)
        assert gad7_severity(total) == severity

    def test_contract_shape(self):
        d = gad7_score({"q1": 1, "q2": 1, "q3": 2, "q4": 1, "q5": 0, "q6": 1, "q7": 1}).to_dict()
        assert d["total"] == 7 and d["severity"] == "mild"


class TestPhq15:
    @pytest.mark.parametrize(
        ("total", "severity"),
        [
            (0, "minimal"),
            (4, "minimal"),
            (5, "low"),
            (9, "low"),
            (10, "medium"),
            (14, "medium"),
            (15, "high"),
            (30, "high"),
        ],
    )
    def test_bands(self, total, severity):
        score = phq15_score(phq15(total), sex_at_birth="female")
        assert (score.total, score.severity) == (total, severity)
        assert phq15_severity(total) == severity

    def test_male_skips_the_menstrual_item(self):
        items = phq15(28, sex="male")
        assert "q4" not in items
        score = phq15_score(items, sex_at_birth="male")
        assert score.complete and score.total == 28 and score.extra["max_total"] == 28

    def test_menstrual_item_is_never_scored_for_male(self):
        score = phq15_score({**phq15(10, sex="male"), "q4": 2}, sex_at_birth="male")
        assert score.total == 10

    @pytest.mark.parametrize("sex", ["female", "intersex", "unknown"])
    def test_menstrual_item_is_required_otherwise(self, sex):
        items = phq15(10)
        del items["q4"]
        assert phq15_score(items, sex_at_birth=sex).missing_items == ("q4",)


class TestAuditC:
    @pytest.mark.parametrize(
        ("sex", "total", "positive"),
        [
            ("male", 3, False),
            ("male", 4, True),
            ("female", 2, False),
            ("female", 3, True),
            ("intersex", 2, False),
            ("intersex", 3, True),
            ("unknown", 2, False),
            ("unknown", 3, True),
        ],
    )
    def test_cutoff_by_sex_at_birth(self, sex, total, positive):
        items = {"q1": min(total, 4), "q2": max(total - 4, 0), "q3": 0}
        score = audit_c_score(items, sex_at_birth=sex)
        assert score.total == total and score.positive is positive
        assert score.extra["cutoff"] == audit_c_cutoff(sex) == (4 if sex == "male" else 3)

    @pytest.mark.parametrize(
        ("items", "from_q1"),
        [
            ({"q1": 4, "q2": 0, "q3": 0}, True),
            ({"q1": 3, "q2": 1, "q3": 0}, False),
            ({"q1": 2, "q2": 0, "q3": 1}, False),
            ({"q1": 0, "q2": 0, "q3": 0}, False),
        ],
    )
    def test_all_points_from_q1(self, items, from_q1):
        assert audit_c_score(items, sex_at_birth="male").extra["all_points_from_q1"] is from_q1


class TestMdq:
    @pytest.mark.parametrize(
        ("yes", "q2", "q3", "positive"),
        [
            (6, True, 2, False),  # one symptom short
            (7, True, 2, True),
            (13, True, 3, True),
            (7, False, 3, False),  # not at the same time
            (7, True, 1, False),  # minor problem
            (7, True, 0, False),  # no problem
            (7, True, 3, True),  # serious problem
        ],
    )
    def test_all_three_parts(self, yes, q2, q3, positive):
        score = mdq_score(mdq(yes, q2=q2, q3=q3))
        assert score.total == yes and score.positive is positive

    def test_unscored_items_are_recorded(self):
        score = mdq_score({**mdq(3), "q4": True, "q5": False})
        assert score.extra["family_history"] is True
        assert score.extra["previously_told"] is False
        assert score.total == 3


class TestScreens:
    @pytest.mark.parametrize(("yes", "positive"), [(0, False), (1, False), (2, True), (5, True)])
    def test_scoff(self, yes, positive):
        score = scoff_score(yes_no(q(1, 5), yes))
        assert score.total == yes and score.positive is positive

    @pytest.mark.parametrize(("times", "positive"), [(0, False), (1, True), (52, True)])
    def test_drug_screen(self, times, positive):
        score = drug_screen_score({"q1": times})
        assert score.total == times and score.positive is positive

    @pytest.mark.parametrize(("yes", "positive"), [(3, False), (4, True)])
    def test_ace(self, yes, positive):
        score = ace_score(yes_no(q(1, 10), yes))
        assert score.total == yes and score.positive is positive

    @pytest.mark.parametrize(
        ("items", "positive", "troubled"),
        [
            (yes_no(q(1, 5), 0), False, None),
            (yes_no(q(1, 5), 1), True, None),
            ({**yes_no(q(1, 5), 2), "q6": False}, True, False),
            ({**yes_no(q(1, 5), 2), "q6": True}, True, True),
        ],
    )
    def test_ocd_any_yes(self, items, positive, troubled):
        score = ocd_screen_score(items)
        assert score.positive is positive and score.extra["troubled"] is troubled


class TestPanic:
    @pytest.mark.parametrize(
        ("gate", "symptoms", "positive"),
        [
            (4, 3, False),  # one symptom short
            (4, 4, True),
            (4, 11, True),
            (3, 11, False),  # gate item a4 no
        ],
    )
    def test_gate_and_symptom_count(self, gate, symptoms, positive):
        score = panic_screen_score(panic(gate, symptoms))
        assert score.complete
        assert score.total == symptoms and score.positive is positive
        assert score.extra["gate_yes"] == gate

    def test_first_gate_no_skips_the_rest(self):
        score = panic_screen_score({"a1": False})
        assert score.complete and score.total == 0 and score.positive is False

    def test_first_gate_yes_needs_the_rest(self):
        assert panic_screen_score({"a1": True}).total is None


class TestPcPtsd5:
    @pytest.mark.parametrize(
        ("score", "positive", "efficient"),
        [(2, False, False), (3, True, False), (4, True, True), (5, True, True)],
    )
    def test_both_cutoffs(self, score, positive, efficient):
        result = pc_ptsd5_score(pc_ptsd5(score))
        assert result.total == score and result.positive is positive
        assert result.extra["positive_at_efficiency_cutoff"] is efficient
        assert (result.extra["cutoff"], result.extra["efficiency_cutoff"]) == (3, 4)

    def test_no_exposure_scores_zero(self):
        result = pc_ptsd5_score(pc_ptsd5(0, exposure=False))
        assert result.complete and result.total == 0 and result.positive is False
