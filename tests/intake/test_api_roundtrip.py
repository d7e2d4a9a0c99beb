"""Property: any valid generated submission is accepted and read back unchanged."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinical.questionnaires import INSTRUMENT_KEYS, get_instrument, visible_items
from tests.clinical.conftest import answer_value
from tests.factories import intake_payload

SEXES = ("female", "male", "intersex", "unknown")


@st.composite
def instrument_answers(draw, key, sex_at_birth):
    instrument = get_instrument(key)
    answers = {}
    for item in instrument.items:
        if item not in visible_items(instrument, answers, sex_at_birth=sex_at_birth):
            continue
        if item.required or draw(st.booleans()):
            answers[item.key] = draw(answer_value(item))
    return answers


@st.composite
def submissions(draw):
    sex = draw(st.sampled_from(SEXES))
    others = draw(st.sets(st.sampled_from([k for k in INSTRUMENT_KEYS if k != "phq9"])))
    answers = {"phq9": draw(instrument_answers("phq9", sex))}
    for key in sorted(others):
        answers[key] = draw(instrument_answers(key, sex))
    payload = intake_payload(answers=answers)
    payload["patient"]["sex_at_birth"] = sex
    return payload


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=submissions())
def test_any_valid_submission_is_accepted_and_read_back_unchanged(payload, cleo_api):
    response = cleo_api.post(
        "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = cleo_api.get(f"/api/v1/intakes/{response.json()['id']}/").json()
    assert body["answers"] == payload["answers"]
    assert body["treatment_history"] == payload["treatment_history"]
    assert body["patient"]["sex_at_birth"] == payload["patient"]["sex_at_birth"]
    assert body["safety"]["urgent"] == (
        payload["answers"]["phq9"]["q9"] > 0
        or any(payload["answers"].get("cssrs_screen", {}).get(f"q{n}") for n in range(1, 7))
    )
