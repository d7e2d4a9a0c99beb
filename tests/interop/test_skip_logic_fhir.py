"""The published skip patterns in FHIR (issue 20 item 5): the AUDIT-C and MDQ Questionnaires
carry them (``enableWhen`` / SDC ``enableWhenExpression``), and a QuestionnaireResponse that
leaves the skipped items out is imported; a contradicting answer is an OperationOutcome."""

import copy

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from interop import codes
from interop.questionnaire import instrument_questionnaire
from screening.api_sections import screening_block
from tests.factories import intake_payload

from .test_import import created_intake, response_for

pytestmark = pytest.mark.django_db

MDQ_ONE_SYMPTOM = {f"q1{letter}": letter == "a" for letter in "abcdefghijklm"} | {"q3": 2}


def questionnaire_items(key):
    questionnaire = instrument_questionnaire(key)
    Questionnaire.model_validate(questionnaire.model_dump())
    return {item.linkId: item for item in questionnaire.item}


def test_audit_c_items_2_and_3_are_enabled_unless_item_1_is_never():
    items = questionnaire_items("audit_c")
    assert items["q1"].enableWhen is None
    for key in ("q2", "q3"):
        exists, not_never = items[key].enableWhen
        assert items[key].enableBehavior == "all"
        assert (exists.question, exists.operator, exists.answerBoolean) == ("q1", "exists", True)
        assert (not_never.question, not_never.operator) == ("q1", "!=")
        assert (not_never.answerCoding.code, not_never.answerCoding.display) == ("0", "Never")


def test_mdq_q2_is_enabled_by_an_expression_counting_yes_answers():
    item = questionnaire_items("mdq")["q2"]
    assert item.enableWhen is None
    (extension,) = item.extension
    assert extension.url == codes.EXT_ENABLE_WHEN_EXPRESSION
    expression = extension.valueExpression
    assert expression.language == "text/fhirpath"
    assert "'q1a'" in expression.expression and "'q1m'" in expression.expression
    assert expression.expression.endswith(".answer.where(value = true).count() >= 2")


def test_skipped_items_round_trip_through_fhir(submit, export, import_bundle):
    payload = intake_payload()
    payload["answers"]["audit_c"] = {"q1": 0}
    payload["answers"]["mdq"] = dict(MDQ_ONE_SYMPTOM)
    bundle = export(submit(payload))
    assert [i["linkId"] for i in response_for(bundle, "audit_c")["item"]] == ["q1"]
    imported = created_intake(import_bundle(bundle))
    answers = {r.instrument: r.answers for r in imported.responses.all()}
    assert answers["audit_c"] == {"q1": 0}
    assert answers["mdq"] == MDQ_ONE_SYMPTOM
    scores = screening_block(imported)["scores"]
    assert scores["audit_c"]["total"] == 0 and scores["audit_c"]["positive"] is False
    assert scores["mdq"]["positive"] is False and "complete" not in scores["mdq"]


def test_a_contradicting_answer_is_refused_naming_the_item(submit, export, import_bundle):
    payload = intake_payload()
    payload["answers"]["audit_c"] = {"q1": 0}
    bundle = copy.deepcopy(export(submit(payload, screen=False)))
    audit = response_for(bundle, "audit_c")
    q3_coding = {"system": codes.CS_ANSWER, "code": "2", "display": "Monthly"}
    audit["item"].append({"linkId": "q3", "answer": [{"valueCoding": q3_coding}]})
    response = import_bundle(bundle)
    assert response.status_code == 400, response.content
    (issue,) = response.json()["issue"]
    assert issue["diagnostics"] == (
        "Not asked: shown only when q1 is not 0; leave it out or send 0."
    )
    assert issue["expression"][0].endswith("item.where(linkId='q3')")
