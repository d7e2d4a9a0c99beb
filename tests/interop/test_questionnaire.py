"""GET /api/v1/instruments/{key}/fhir/: each instrument as a FHIR R4B Questionnaire."""

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire

from clinical.questionnaires import INSTRUMENTS
from interop.codes import CS_ANSWER, EXT_ENABLE_WHEN_EXPRESSION, LOINC, questionnaire_url
from interop.questionnaire import instrument_questionnaire

from .conftest import FHIR_JSON


def questions(questionnaire: dict) -> dict:
    return {i["linkId"]: i for i in questionnaire["item"] if i["type"] != "display"}


@pytest.mark.parametrize("key", list(INSTRUMENTS))
def test_every_instrument_is_a_valid_questionnaire_with_its_items(key):
    instrument = INSTRUMENTS[key]
    body = instrument_questionnaire(key).model_dump(mode="json", exclude_none=True)
    Questionnaire.model_validate(body)  # validates with fhir.resources R4B
    assert body["url"] == questionnaire_url(key)
    assert body["version"] == instrument.version
    items = questions(body)
    assert list(items) == list(instrument.item_keys)  # linkId = our item key, in order
    for item in instrument.items:
        fhir_item = items[item.key]
        assert fhir_item["required"] is item.required
        assert (
            fhir_item["type"]
            == {"choice": "choice", "yes_no": "boolean", "count": "integer"}[item.kind]
        )
        if item.loinc:
            assert fhir_item["code"] == [
                {"system": LOINC, "code": item.loinc, "display": item.text}
            ]
        if item.kind == "choice":
            assert len(fhir_item["answerOption"]) == len(item.options)
    if instrument.loinc_panel:
        assert body["code"][0] == {
            "system": LOINC,
            "code": instrument.loinc_panel,
            "display": instrument.name,
        }


def test_phq9_options_carry_loinc_answers_and_the_published_score():
    items = questions(instrument_questionnaire("phq9").model_dump(mode="json", exclude_none=True))
    first = items["q1"]["answerOption"][2]["valueCoding"]
    assert (first["system"], first["code"], first["display"]) == (
        LOINC,
        "LA6570-1",
        "More than half the days",
    )
    assert first["extension"][0]["valueDecimal"] == 2  # ordinalValue
    # The difficulty item has no verified LOINC answers: our own answer codes.
    difficulty = items["difficulty"]["answerOption"][3]["valueCoding"]
    assert (difficulty["system"], difficulty["code"]) == (CS_ANSWER, "3")


def test_skip_logic_is_enable_when():
    cssrs = questions(
        instrument_questionnaire("cssrs_screen").model_dump(mode="json", exclude_none=True)
    )
    for key in ("q3", "q4", "q5"):
        assert cssrs[key]["enableWhen"] == [
            {"question": "q2", "operator": "=", "answerBoolean": True}
        ]
    assert cssrs["q6a"]["enableWhen"] == [
        {"question": "q6", "operator": "=", "answerBoolean": True}
    ]
    assert "enableWhen" not in cssrs["q1"] and "enableWhen" not in cssrs["q6"]

    panic = questions(
        instrument_questionnaire("panic_screen").model_dump(mode="json", exclude_none=True)
    )
    assert all(panic[f"b{i}"]["enableWhen"][0]["question"] == "a1" for i in range(1, 12))


def test_the_menstrual_item_is_enabled_by_sex_at_birth_expression():
    phq15 = questions(instrument_questionnaire("phq15").model_dump(mode="json", exclude_none=True))
    (extension,) = phq15["q4"]["extension"]
    assert extension["url"] == EXT_ENABLE_WHEN_EXPRESSION
    assert extension["valueExpression"]["language"] == "text/fhirpath"
    assert "'male'" in extension["valueExpression"]["expression"]


def test_count_item_has_its_bounds():
    body = instrument_questionnaire("drug_screen").model_dump(mode="json", exclude_none=True)
    item = questions(body)["q1"]
    bounds = {e["url"].rsplit("/", 1)[1]: e["valueInteger"] for e in item["extension"]}
    assert bounds == {"minValue": 0, "maxValue": 10_000}


@pytest.mark.django_db
class TestEndpoint:
    def test_any_staff_member_reads_a_questionnaire(self, dirk_api):
        response = dirk_api.get("/api/v1/instruments/gad7/fhir/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(FHIR_JSON)
        body = response.json()
        assert body["resourceType"] == "Questionnaire"
        assert body["url"] == questionnaire_url("gad7")

    def test_unknown_instrument_is_a_404_operation_outcome(self, cleo_api):
        response = cleo_api.get("/api/v1/instruments/beck/fhir/")
        assert response.status_code == 404
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-found"

    def test_anonymous_is_401(self, anon_api):
        response = anon_api.get("/api/v1/instruments/phq9/fhir/")
        assert response.status_code == 401
        assert response.json()["issue"][0]["code"] == "login"


def test_the_readme_examples_are_valid_r4b():
    text = (Path(__file__).parents[2] / "README.md").read_text()
    examples = {}
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        data = json.loads(block)
        if isinstance(data, dict) and "resourceType" in data:
            examples[data["resourceType"]] = data
    assert Bundle.model_validate(examples["Bundle"]).type == "collection"
    OperationOutcome.model_validate(examples["OperationOutcome"])
