"""The synchronous safety decision: PHQ-9 item 9, C-SSRS levels, 988/911 (clinical.md §4.1,
§4.11, §5)."""

import json

import pytest

from clinical.rules import assess_safety
from clinical.rules.cssrs import cssrs_risk_level, cssrs_score
from tests.clinical.rules.builders import cssrs, phq9


class TestCssrsLevels:
    @pytest.mark.parametrize(
        ("answers", "level"),
        [
            (cssrs(), "none"),
            (cssrs(q1=True), "low"),
            (cssrs(q2=True), "low"),
            (cssrs(q1=True, q2=True), "low"),
            (cssrs(q2=True, q3=True), "moderate"),
            (cssrs(q2=True, q4=True), "high"),  # Q4 alone is high (Columbia), never moderate
            (cssrs(q2=True, q5=True), "high"),
            (cssrs(q2=True, q3=True, q4=True), "high"),
            (cssrs(q6=True, q6a=True), "high"),  # behaviour within 3 months
            (cssrs(q6=True, q6a=False), "moderate"),  # behaviour more than 3 months ago
            (cssrs(q1=True, q6=True, q6a=False), "moderate"),  # the highest that applies
            (cssrs(q2=True, q3=True, q6=True, q6a=True), "high"),
        ],
    )
    def test_columbia_triage_points(self, answers, level):
        assert cssrs_risk_level(answers) == level
        assert cssrs_score(answers).extra["risk_level"] == level

    def test_not_answered(self):
        assert cssrs_risk_level(None) == "not_assessed"
        assert cssrs_risk_level({}) == "not_assessed"

    def test_q4_yes_is_high_even_without_the_rest(self):
        assert cssrs_risk_level({"q4": True}) == "high"

    def test_q6_without_timing_is_read_as_recent(self):
        """Project convention: Q6a unanswered cannot rule out recent behaviour."""
        assert cssrs_risk_level({"q1": False, "q2": False, "q6": True}) == "high"
        assert cssrs_score({"q1": False, "q2": False, "q6": True}).missing_items == ("q6a",)


class TestAssessSafety:
    @pytest.mark.parametrize(("item9", "urgent"), [(0, False), (1, True), (3, True)])
    def test_phq9_item9(self, item9, urgent):
        safety = assess_safety({"phq9": phq9(12, item9=item9)})
        assert safety.urgent is urgent
        assert safety.risk_level == "not_assessed"
        assert any(
            f"item 9 (better off dead or hurting yourself): {item9}" in e for e in safety.evidence
        )

    @pytest.mark.parametrize(
        ("screen", "level", "urgent"),
        [
            (cssrs(), "none", False),
            (cssrs(q1=True), "low", True),
            (cssrs(q2=True, q3=True), "moderate", True),
            (cssrs(q2=True, q4=True), "high", True),
        ],
    )
    def test_cssrs_any_risk_level_is_urgent(self, screen, level, urgent):
        safety = assess_safety({"phq9": phq9(3), "cssrs_screen": screen})
        assert (safety.risk_level, safety.urgent) == (level, urgent)
        assert f"C-SSRS screen risk level: {level}" in safety.evidence

    def test_evidence_names_the_answers_behind_the_level(self):
        safety = assess_safety({"cssrs_screen": cssrs(q1=True, q2=True, q4=True)})
        assert "C-SSRS Q4 (some intention of acting): yes" in safety.evidence
        assert "C-SSRS Q3 (thought about how): no" in safety.evidence

    def test_nothing_answered(self):
        safety = assess_safety({})
        assert (safety.urgent, safety.risk_level, safety.evidence) == (False, "not_assessed", ())

    def test_988_facts_and_never_press_3(self):
        text = json.dumps(assess_safety({}).to_dict()["crisis_resources"]).lower()
        for fact in (
            "call or text 988",
            "988lifeline.org",
            "press 1",
            "838255",
            "press 2",
            "711",
            "asl",
        ):
            assert fact in text
        assert "press 3" not in text
        assert "lgbtq" not in text

    def test_911_first_only_when_high(self):
        high = assess_safety({"cssrs_screen": cssrs(q2=True, q5=True)}).crisis_resources
        moderate = assess_safety({"cssrs_screen": cssrs(q2=True, q3=True)}).crisis_resources
        assert high[0].key == "911" and "immediate danger" in high[0].description
        assert moderate[-1].key == "911" and moderate[0].key == "988_call_text"

    def test_every_resource_has_its_four_fields(self):
        for resource in assess_safety({}).to_dict()["crisis_resources"]:
            assert set(resource) == {"key", "name", "contact", "description"}
            assert all(resource.values())

    def test_contract_shape(self):
        d = assess_safety({"phq9": phq9(12, item9=1)}).to_dict()
        assert {"urgent", "risk_level", "crisis_resources"} <= set(d)
        assert d["urgent"] is True and d["risk_level"] == "not_assessed"
