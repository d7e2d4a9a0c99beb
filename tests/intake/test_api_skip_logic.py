"""POST /api/v1/intakes/ accepts the published skip patterns (issue 20 item 5): AUDIT-C items
2-3 left out after item 1 = "Never", MDQ question 2 left out with fewer than two symptoms. The
answer the skip implies is accepted too; a contradicting answer is a 400 naming the item."""

import json

import pytest

from intake.models import Intake
from screening.api_sections import screening_block
from tests.factories import intake_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/intakes/"
MDQ_SYMPTOMS = [f"q1{letter}" for letter in "abcdefghijklm"]


def mdq(yes_count, **more):
    answers = {key: index < yes_count for index, key in enumerate(MDQ_SYMPTOMS)}
    return {**answers, "q3": 3, **more}


def post(client, answers, django_capture_on_commit_callbacks):
    payload = intake_payload()
    payload["answers"].update(answers)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, data=json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize(
    "audit_c", [{"q1": 0}, {"q1": 0, "q2": 0, "q3": 0}], ids=["skipped", "implied-zeros"]
)
def test_a_non_drinker_scores_zero(cora_api, django_capture_on_commit_callbacks, audit_c):
    response = post(cora_api, {"audit_c": audit_c}, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    intake = Intake.objects.get(pk=response.json()["id"])
    score = screening_block(intake)["scores"]["audit_c"]
    assert score["total"] == 0 and score["positive"] is False and "complete" not in score
    assert "substance_use" not in {f["code"] for f in screening_block(intake)["flags"]}


def test_a_drinking_answer_after_never_is_a_400_naming_the_item(cora_api):
    payload = intake_payload()
    payload["answers"]["audit_c"] = {"q1": 0, "q2": 0, "q3": 2}
    response = cora_api.post(URL, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["answers"] == {
        "audit_c": {"q3": ["Not asked: shown only when q1 is not 0; leave it out or send 0."]}
    }
    assert not Intake.objects.exists()


def test_a_drinker_still_answers_all_three(cora_api):
    payload = intake_payload()
    payload["answers"]["audit_c"] = {"q1": 1}
    response = cora_api.post(URL, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["answers"]["audit_c"]) == {"q2", "q3"}


@pytest.mark.parametrize("answers", [mdq(1), mdq(1, q2=False), mdq(0)], ids=["1", "1-no", "0"])
def test_mdq_q2_may_be_left_out_below_two_symptoms(
    cora_api, django_capture_on_commit_callbacks, answers
):
    response = post(cora_api, {"mdq": answers}, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    intake = Intake.objects.get(pk=response.json()["id"])
    score = screening_block(intake)["scores"]["mdq"]
    assert score["positive"] is False and score["co_occurrence"] is False
    assert "complete" not in score


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (mdq(1, q2=True), "Not asked: shown only when at least 2 of q1a-q1m are yes"),
        (mdq(2), "This item is required."),
    ],
    ids=["contradicting-yes", "two-symptoms-no-q2"],
)
def test_mdq_q2_errors_name_the_item(cora_api, answers, message):
    payload = intake_payload()
    payload["answers"]["mdq"] = answers
    response = cora_api.post(URL, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    (error,) = response.json()["answers"]["mdq"]["q2"]
    assert error.startswith(message)


def test_the_instrument_catalogue_publishes_the_skip(cora_api):
    response = cora_api.get("/api/v1/instruments/")
    assert response.status_code == 200
    instruments = {i["key"]: i for i in response.json()}
    items = {i["key"]: i for i in instruments["audit_c"]["items"]}
    assert items["q3"]["show_if"] == {"item": "q1", "not_equals": 0, "skipped_answer": 0}
    mdq_items = {i["key"]: i for i in instruments["mdq"]["items"]}
    assert mdq_items["q2"]["show_if"]["at_least"] == 2
