"""``evaluate`` end to end: the v1 contract example, JSON shape, purity of the package."""

import ast
import json
import sys
from pathlib import Path

import clinical.rules
from clinical.rules import RULESET_VERSION, evaluate
from clinical.rules.types import PsychotherapyTrial
from tests.clinical.rules.builders import course, ect, screening_input

RULES_DIR = Path(clinical.rules.__file__).parent

CONTRACT_ANSWERS = {
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


def contract_example():
    """The intake of docs/api.md."""
    return screening_input(
        course("sertraline", 150, 8, "most_days", "no_response"),
        course("escitalopram", 20, 8, "all", "partial_response"),
        course("aripiprazole", 5, 6, "all", "no_response"),
        answers=CONTRACT_ANSWERS,
        months=14,
        psychotherapy=(PsychotherapyTrial(0, "cbt", 12, "partial_response"),),
        neuromodulation=(ect("bilateral", "no_response"),),
    )


def test_ruleset_version():
    assert RULESET_VERSION == "2026.2"
    assert evaluate(contract_example()).ruleset_version == "2026.2"


def test_contract_example_screening_block():
    body = json.loads(json.dumps(evaluate(contract_example()).to_dict()))
    assert body["scores"]["phq9"]["total"] == 15
    assert body["scores"]["phq9"]["severity"] == "moderately_severe"
    assert body["scores"]["phq9"]["item9"] == 0
    assert {k: body["scores"]["gad7"][k] for k in ("total", "severity")} == {
        "total": 7,
        "severity": "mild",
    }
    trd = body["trd"]
    assert trd["adequate_failed_trials"] == 2 and trd["meets_trd_definition"] is True
    assert trd["alternative_counts"] == {
        "four_week_rule": 2,
        "under_25_percent_rule": 1,
        "label_dose": 2,
    }
    assert trd["failed_trials"] == [0, 1] and trd["augmentation_trials"] == [2]
    assert trd["inadequate_trials"] == [] and trd["intolerant_trials"] == []
    assert trd["thase_rush_stage"] == "I"
    assert trd["maudsley"]["total"] == 8 and trd["maudsley"]["band"] == "moderate"
    assert trd["maudsley"]["components"] == {
        "duration": 2,
        "severity": 3,
        "antidepressant_failures": 1,
        "augmentation": 1,
        "ect": 1,
    }
    [trd_flag] = body["flags"]
    assert trd_flag["code"] == "possible_trd" and trd_flag["level"] == "high"
    assert trd_flag["evidence"][:2] == [
        "sertraline 150 mg/day for 8 weeks, taken most days: no response",
        "escitalopram 20 mg/day for 8 weeks, taken every day: partial response",
    ]
    assert body["safety"]["urgent"] is False and body["safety"]["risk_level"] == "not_assessed"


def test_only_answered_instruments_are_scored_in_a_fixed_order():
    answers = {"gad7": CONTRACT_ANSWERS["gad7"], "phq9": CONTRACT_ANSWERS["phq9"], "x": {}}
    assert list(evaluate(screening_input(answers=answers)).scores) == ["phq9", "gad7"]


def test_unknown_episode_duration_is_reported():
    result = evaluate(
        screening_input(course("sertraline", 100), course("venlafaxine", 150), months=None)
    )
    assert result.to_dict()["trd"]["maudsley"]["assumed_lowest"] == ["duration"]


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_rules_import_only_the_standard_library_and_themselves():
    for path in RULES_DIR.glob("*.py"):
        for module in _imported_modules(path):
            top = module.split(".")[0]
            assert module.startswith("clinical.rules") or top in sys.stdlib_module_names, (
                f"{path.name} imports {module}"
            )


def test_every_cutoff_constant_cites_clinical_md():
    """House style: cut-offs are named constants beside a clinical.md citation."""
    for path in RULES_DIR.glob("*.py"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            name = line.split(" ")[0]
            if name.endswith(("_CUTOFF", "_BANDS")) and "=" in line and not line.startswith(" "):
                above = "\n".join(lines[max(0, number - 3) : number])
                assert "clinical.md" in above or "§" in above, f"{path.name}: {name}"
