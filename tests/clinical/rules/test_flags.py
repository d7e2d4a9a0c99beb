"""One worked example (at least) per §8 flag rule, plus ordering and wording."""

import json

import pytest

from clinical.rules import evaluate
from tests.clinical.rules.builders import (
    KITCHEN_SINK,
    course,
    cssrs,
    failed,
    gad7,
    mdq,
    panic,
    pc_ptsd5,
    phq9,
    phq15,
    q,
    screening_input,
    yes_no,
)


def flags_for(*courses, answers=None, sex="female", **kwargs):
    answers = {"phq9": phq9(8), **(answers or {})}
    return evaluate(screening_input(*courses, answers=answers, sex=sex, **kwargs))


def flag(result, code):
    found = result.flag(code)
    assert found is not None, f"{code} not raised: {[f.code for f in result.flags]}"
    return found


class TestSuicideRisk:
    def test_item9(self):
        result = evaluate(screening_input(answers={"phq9": phq9(9, item9=1)}))
        raised = flag(result, "suicide_risk")
        assert raised.level == "urgent"
        assert any("item 9" in e and ": 1 (several days)" in e for e in raised.evidence)

    @pytest.mark.parametrize("level", ["low", "moderate", "high"])
    def test_cssrs_levels(self, level):
        screen = {
            "low": cssrs(q1=True),
            "moderate": cssrs(q6=True, q6a=False),
            "high": cssrs(q2=True, q4=True),
        }[level]
        raised = flag(flags_for(answers={"cssrs_screen": screen}), "suicide_risk")
        assert f"C-SSRS screen risk level: {level}" in raised.evidence
        assert "PHQ-9 item 9 (better off dead or hurting yourself): 0 (not at all)" in (
            raised.evidence
        )
        assert ("911" in raised.summary) is (level == "high")

    def test_no_risk(self):
        assert flags_for(answers={"cssrs_screen": cssrs()}).flag("suicide_risk") is None


class TestPossibleTrd:
    def test_two_distinct_failed_agents(self):
        result = flags_for(
            course("sertraline", 150, 8, "most_days"),
            course("escitalopram", 20, 8, "all", "partial_response"),
        )
        raised = flag(result, "possible_trd")
        assert raised.level == "high"
        assert raised.summary == (
            "Possible TRD pattern: 2 adequate antidepressant trials failed in the current episode"
            " — bipolarity not screened"
        )
        assert raised.evidence[:2] == (
            "sertraline 150 mg/day for 8 weeks, taken most days: no response",
            "escitalopram 20 mg/day for 8 weeks, taken every day: partial response",
        )
        assert any("1 under the under-25 % rule" in e for e in raised.evidence)

    def test_one_agent_twice_is_not_enough(self):
        result = flags_for(course("sertraline", 100), course("sertraline", 200))
        assert result.flag("possible_trd") is None

    def test_repeated_agent_is_named_as_counted_once(self):
        result = flags_for(failed("sertraline"), course("sertraline", 200), failed("bupropion"))
        assert "sertraline: 2 failed courses, counted once" in flag(result, "possible_trd").evidence

    def test_positive_mdq_adds_the_bipolar_qualifier(self):
        result = flags_for(failed("sertraline"), failed("venlafaxine"), answers={"mdq": mdq(8)})
        assert flag(result, "possible_trd").evidence[-1] == (
            "review: possible bipolar disorder — TRD definitions apply to unipolar depression"
        )

    def test_negative_mdq_adds_nothing(self):
        result = flags_for(failed("sertraline"), failed("venlafaxine"), answers={"mdq": mdq(6)})
        assert not any("bipolar" in e for e in flag(result, "possible_trd").evidence)


class TestPseudoResistance:
    def test_dose_below_minimum(self):
        raised = flag(flags_for(course("bupropion", 150)), "pseudo_resistance")
        assert raised.level == "moderate"
        assert raised.summary == (
            "Possible pseudo-resistance: 1 antidepressant course without benefit fell short of "
            "an adequate trial — review dose, duration, adherence"
        )
        assert raised.evidence == (
            "bupropion 150 mg/day for 8 weeks, taken every day: no response — "
            "dose_below_minimum (MGH-ATRQ minimum 300 mg/day)",
        )

    def test_four_to_five_weeks_is_adequate_under_four_week_rules(self):
        raised = flag(flags_for(course("sertraline", 100, 5)), "pseudo_resistance")
        assert "duration_under_6_weeks (5 weeks: adequate under 4-week rules)" in raised.evidence[0]

    def test_three_weeks_is_not_adequate_under_any_rule(self):
        raised = flag(flags_for(course("sertraline", 100, 3)), "pseudo_resistance")
        assert "4-week" not in raised.evidence[0]

    def test_adherence(self):
        raised = flag(flags_for(course("sertraline", 100, 8, "rarely")), "pseudo_resistance")
        assert "inadequate_adherence (taken rarely)" in raised.evidence[0]

    @pytest.mark.parametrize(
        "outcome", ["response", "remission", "stopped_side_effects", "too_early_to_tell"]
    )
    def test_only_failing_outcomes(self, outcome):
        assert (
            flags_for(course("bupropion", 150, outcome=outcome)).flag("pseudo_resistance") is None
        )

    def test_earlier_episode_and_augmentation_are_not_pseudo_resistance(self):
        result = flags_for(course("bupropion", 150, current=False), course("lithium", 300, 2))
        assert result.flag("pseudo_resistance") is None


class TestComorbidityScreens:
    def test_possible_bipolar(self):
        raised = flag(flags_for(answers={"mdq": mdq(7, q3=3)}), "possible_bipolar")
        assert raised.level == "high"
        assert raised.evidence == (
            "MDQ Q1: 7 of 13 yes (cut-off ≥ 7)",
            "MDQ Q2 (several at the same time): yes",
            "MDQ Q3: serious problem",
        )

    @pytest.mark.parametrize(
        ("sex", "total", "raised"),
        [
            ("male", 3, False),
            ("male", 4, True),
            ("female", 2, False),
            ("female", 3, True),
            ("unknown", 3, True),
        ],
    )
    def test_substance_use_alcohol(self, sex, total, raised):
        items = {"q1": 2, "q2": total - 2, "q3": 0}
        result = flags_for(answers={"audit_c": items}, sex=sex)
        assert (result.flag("substance_use") is not None) is raised
        if raised:
            cutoff = 4 if sex == "male" else 3
            assert flag(result, "substance_use").evidence == (
                f"AUDIT-C total {total} (cut-off ≥ {cutoff} for sex at birth {sex})",
            )

    def test_substance_use_all_points_from_q1(self):
        result = flags_for(answers={"audit_c": {"q1": 4, "q2": 0, "q3": 0}}, sex="male")
        assert flag(result, "substance_use").evidence[-1] == (
            "AUDIT-C: all points from Q1 (drinking frequency) — probably within limits, review"
        )

    @pytest.mark.parametrize(("times", "raised"), [(0, False), (1, True)])
    def test_substance_use_drug_screen(self, times, raised):
        result = flags_for(answers={"drug_screen": {"q1": times}})
        assert (result.flag("substance_use") is not None) is raised
        if raised:
            assert flag(result, "substance_use").evidence == (
                "Drug screen: 1 time in the past year (cut-off ≥ 1)",
            )

    def test_eating_disorder(self):
        result = flags_for(answers={"scoff": yes_no(q(1, 5), 2)})
        raised = flag(result, "eating_disorder")
        assert raised.level == "moderate"
        assert raised.evidence == (
            "SCOFF 2 of 5 yes (cut-off ≥ 2)",
            "SCOFF Q1 yes: makes self sick when uncomfortably full",
            "SCOFF Q2 yes: worries about loss of control over eating",
        )
        assert flags_for(answers={"scoff": yes_no(q(1, 5), 1)}).flag("eating_disorder") is None

    @pytest.mark.parametrize(
        ("extra", "level"), [({}, "moderate"), ({"q6": True}, "moderate"), ({"q6": False}, "info")]
    )
    def test_possible_ocd(self, extra, level):
        items = {**dict.fromkeys(q(1, 5), False), "q2": True, **extra}
        raised = flag(flags_for(answers={"ocd_screen": items}), "possible_ocd")
        assert raised.level == level
        assert raised.evidence[0] == "ZF-OCS Q2 yes: checks things a lot"

    def test_no_ocd_flag_when_all_no(self):
        items = dict.fromkeys(q(1, 5), False)
        assert flags_for(answers={"ocd_screen": items}).flag("possible_ocd") is None

    @pytest.mark.parametrize(
        ("gate", "symptoms", "raised"), [(4, 4, True), (4, 3, False), (3, 11, False)]
    )
    def test_possible_panic(self, gate, symptoms, raised):
        result = flags_for(answers={"panic_screen": panic(gate, symptoms)})
        assert (result.flag("possible_panic") is not None) is raised
        if raised:
            assert flag(result, "possible_panic").evidence == (
                "panic gate items a1-a4: 4 of 4 yes",
                "panic symptoms b1-b11: 4 of 11 yes (cut-off ≥ 4)",
            )

    @pytest.mark.parametrize(("score", "met"), [(3, "not met"), (4, "met")])
    def test_possible_ptsd(self, score, met):
        raised = flag(flags_for(answers={"pc_ptsd5": pc_ptsd5(score)}), "possible_ptsd")
        assert raised.evidence == (
            f"PC-PTSD-5 score {score} of 5 (exposure yes; cut-off ≥ 3)",
            f"efficiency cut-off ≥ 4: {met}",
        )

    def test_no_ptsd_flag_at_2(self):
        assert flags_for(answers={"pc_ptsd5": pc_ptsd5(2)}).flag("possible_ptsd") is None

    @pytest.mark.parametrize(("yes", "raised"), [(3, False), (4, True)])
    def test_childhood_adversity(self, yes, raised):
        result = flags_for(answers={"ace": yes_no(q(1, 10), yes)})
        assert (result.flag("childhood_adversity") is not None) is raised
        if raised:
            found = flag(result, "childhood_adversity")
            assert found.level == "info"
            assert found.evidence[0] == "ACE score 4 of 10 (≥ 4)"
            assert "not an individual-level diagnostic cut-point" in found.evidence[1]

    @pytest.mark.parametrize(("total", "raised"), [(9, False), (10, True)])
    def test_anxiety(self, total, raised):
        result = flags_for(answers={"gad7": gad7(total)})
        assert (result.flag("anxiety") is not None) is raised
        if raised:
            assert flag(result, "anxiety").evidence == ("GAD-7 total 10 (moderate; cut-off ≥ 10)",)

    @pytest.mark.parametrize(
        ("total", "level"), [(9, None), (10, "info"), (14, "info"), (15, "moderate")]
    )
    def test_somatic_symptoms(self, total, level):
        found = flags_for(answers={"phq15": phq15(total)}).flag("somatic_symptoms")
        assert (found.level if found else None) == level

    def test_somatic_symptoms_names_the_skipped_item_for_male(self):
        result = flags_for(answers={"phq15": phq15(16, sex="male")}, sex="male")
        assert flag(result, "somatic_symptoms").evidence == (
            "PHQ-15 total 16 of 28 (high)",
            "menstrual item (Q4) not asked: sex at birth male",
        )

    def test_incomplete_instrument_raises_nothing(self):
        items = gad7(21)
        del items["q7"]
        assert flags_for(answers={"gad7": items}).flag("anxiety") is None


class TestAllFlags:
    @pytest.fixture
    def result(self):
        return evaluate(
            screening_input(
                failed("sertraline"),
                failed("venlafaxine"),
                course("bupropion", 150),
                answers=KITCHEN_SINK,
            )
        )

    def test_every_code_is_raised_once_in_level_then_code_order(self, result):
        assert [(f.level, f.code) for f in result.flags] == [
            ("urgent", "suicide_risk"),
            ("high", "possible_bipolar"),
            ("high", "possible_trd"),
            ("moderate", "anxiety"),
            ("moderate", "eating_disorder"),
            ("moderate", "possible_panic"),
            ("moderate", "possible_ptsd"),
            ("moderate", "pseudo_resistance"),
            ("moderate", "somatic_symptoms"),
            ("moderate", "substance_use"),
            ("info", "childhood_adversity"),
            ("info", "possible_ocd"),
        ]

    def test_result_is_json_ready(self, result):
        body = result.to_dict()
        assert json.loads(json.dumps(body)) == body
        assert [f["code"] for f in body["flags"]] == [f.code for f in result.flags]

    def test_summaries_are_decision_support_not_diagnoses(self, result):
        for raised in result.flags:
            text = raised.summary.lower()
            assert any(word in text for word in ("possible", "screen positive", "review"))
            assert "diagnosed" not in text and "has " not in text
            assert raised.evidence, raised.code
