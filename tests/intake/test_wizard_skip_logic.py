"""The wizard applies the published skip patterns (issue 20 item 5), driven through Django's test
client like a browser without JavaScript: a non-drinker is not asked AUDIT-C items 2-3 and
submits; MDQ question 2 is asked only after two or more symptoms."""

import re

import pytest

from clinical.rules.alcohol import audit_c_score
from clinical.rules.mdq import mdq_score
from intake.models import Intake
from tests.intake.conftest import complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db

ALCOHOL = "alcohol-and-drugs"
MOOD = "mood-history"
MDQ_SYMPTOMS = [f"q1{letter}" for letter in "abcdefghijklm"]


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def error_links(response) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def mdq_answers(yes_count: int, **more: str) -> dict:
    answers = {
        f"mdq__{key}": "true" if index < yes_count else "false"
        for index, key in enumerate(MDQ_SYMPTOMS)
    }
    answers["mdq__q3"] = "2"
    answers.update({f"mdq__{key}": value for key, value in more.items()})
    return answers


def test_a_non_drinker_is_never_asked_items_2_and_3_and_submits(client):
    complete_steps(client, until=ALCOHOL)
    page = client.get(step_url(ALCOHOL)).content.decode()
    # Items 2-3 sit in a block hidden (with JavaScript) unless item 1 is not "Never", and say so
    # without JavaScript.
    assert "Skip if you answered Never to question 1" in page
    block = re.search(
        r'<div class="conditional"[^>]*data-show-when-name="[^"]*audit_c__q1"[^>]*>', page
    )
    assert block is not None
    assert 'data-show-when-values="1 2 3 4"' in block.group(0)

    never = {"audit_c__q1": "0", "drug_screen__q1": "0"}
    response = complete_steps(client, overrides={ALCOHOL: never})
    assert response["Location"] == "/intake/submitted/"
    answers = Intake.objects.get().responses.get(instrument="audit_c").answers
    assert answers == {"q1": 0}
    score = audit_c_score(answers, sex_at_birth="female")
    assert score.complete and score.total == 0 and score.positive is False


def test_an_answer_to_item_2_after_never_is_discarded(client):
    complete_steps(client, until=ALCOHOL)
    response = post_step(
        client, ALCOHOL, {"audit_c__q1": "0", "audit_c__q2": "1", "audit_c__q3": "2"}
    )
    assert response.status_code == 302
    complete_steps(client, overrides={ALCOHOL: {"audit_c__q1": "0", "audit_c__q2": "1"}})
    assert Intake.objects.get().responses.get(instrument="audit_c").answers == {"q1": 0}


def test_a_drinker_must_answer_items_2_and_3(client):
    complete_steps(client, until=ALCOHOL)
    response = post_step(client, ALCOHOL, {"audit_c__q1": "2"})
    assert response.status_code == 200
    assert error_links(response) == [
        f"id_{ALCOHOL}-audit_c__q2_0",
        f"id_{ALCOHOL}-audit_c__q3_0",
    ]


def test_mdq_question_2_is_not_asked_after_one_symptom(client):
    complete_steps(client, until=MOOD)
    page = client.get(step_url(MOOD)).content.decode()
    assert "Answer only if you answered Yes to 2 or more of the questions above" in page
    assert 'data-show-when-at-least="2"' in page

    complete_steps(client, overrides={MOOD: mdq_answers(1, q2="true")})
    answers = Intake.objects.get().responses.get(instrument="mdq").answers
    assert "q2" not in answers and answers["q1a"] is True
    score = mdq_score(answers)
    assert score.complete and score.positive is False


def test_mdq_question_2_is_required_after_two_symptoms(client):
    complete_steps(client, until=MOOD)
    response = post_step(client, MOOD, mdq_answers(2))
    assert response.status_code == 200
    assert error_links(response) == [f"id_{MOOD}-mdq__q2_0"]
    assert post_step(client, MOOD, mdq_answers(2, q2="true")).status_code == 302
