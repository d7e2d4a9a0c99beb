"""Error responses never repeat what was sent: a partner that maps a column wrongly (a
patient's name into a coded field, an email into an id) gets a field-level 400 that names the
field and the problem, but not the patient's details, which would otherwise end up in
integration logs. The one repetition allowed is the contract's own example: a misspelled
medication name is named back, with a suggestion (docs/api.md, Errors)."""

import copy
import json

import pytest

from tests.factories import intake_payload
from tests.intake.conftest import post

PHI = ["Quixotewright", "zebulon.q@example.net", "+1 646 555 0199", "1979-07-23", "MRN-ZQ-7781"]
MEDICATION = ("treatment_history", "medication_trials")


def leaf_paths(obj, prefix=()):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from leaf_paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from leaf_paths(value, (*prefix, index))
    else:
        yield prefix


def replaced(payload, path, value):
    body = copy.deepcopy(payload)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.mark.django_db
def test_no_intake_error_repeats_a_patients_details(cora_api):
    base = intake_payload()
    rejected = echoed = 0
    # Each field gets one of the tokens in turn (every kind of token reaches every kind of
    # field across the payload, at a fifth of the requests).
    for number, path in enumerate(leaf_paths(base)):
        for token in (PHI[number % len(PHI)],):
            response = post(cora_api, replaced(base, path, token))
            assert response.status_code in (201, 400), (path, response.status_code)
            if response.status_code == 201:
                assert token not in response.content.decode(), path  # nor a created body
                continue
            rejected += 1
            text = response.content.decode()
            if path[:2] == MEDICATION and path[-1] == "medication":
                assert f"Unknown medication '{token}'" in text  # the contract's message
                echoed += 1
                continue
            assert token not in text, (path, text)
            assert json.loads(text)  # still the field-path shape
    assert rejected > 30 and echoed == 3


@pytest.mark.django_db
def test_a_rejected_choice_names_the_field_not_the_value(cora_api):
    body = replaced(intake_payload(), ("patient", "sex_at_birth"), "Quixotewright")
    response = post(cora_api, body)
    assert response.status_code == 400
    assert response.json() == {
        "patient": {"sex_at_birth": ["Not one of the allowed values (the API schema lists them)."]}
    }


@pytest.mark.django_db
def test_referral_and_query_errors_do_not_repeat_values(cleo_api, cora_api):
    referral = cleo_api.post(
        "/api/v1/referrals/", {"intake": "Quixotewright", "provider": "MRN-ZQ-7781"}, format="json"
    )
    assert referral.status_code == 400
    assert "Quixotewright" not in referral.content.decode()
    assert "MRN-ZQ-7781" not in referral.content.decode()
    intake_id = post(cora_api, intake_payload()).json()["id"]
    matches = cleo_api.get(f"/api/v1/intakes/{intake_id}/provider-matches/?limit=Quixotewright")
    assert matches.status_code == 400
    assert "Quixotewright" not in matches.content.decode()


@pytest.mark.django_db
def test_fhir_import_errors_do_not_repeat_values(cleo_api, cora_api, root):
    from tests.conftest import _token_client

    intake_id = post(cora_api, intake_payload()).json()["id"]
    bundle = cleo_api.get(f"/api/v1/intakes/{intake_id}/fhir/").json()
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["birthDate"] = "Quixotewright"
    response = _token_client(root).post("/api/v1/fhir/", bundle, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "Quixotewright" not in response.content.decode()


def test_list_errors_are_scrubbed_whether_or_not_they_line_up_with_the_body():
    from rest_framework.exceptions import ErrorDetail

    from ops.api import without_echo

    sent = [{"name": "Quixotewright"}, {"name": "Ada"}]
    aligned = [{"name": [ErrorDetail('"Quixotewright" is odd.', code="invalid")]}, {}]
    unaligned = [{"name": [ErrorDetail('"Quixotewright" is odd.', code="invalid")]}]
    for detail in (aligned, unaligned):
        assert without_echo(detail, sent)[0] == {"name": ["The value sent is odd."]}
    kept = [ErrorDetail("Use a code such as 'NY'.", code="invalid")]
    assert without_echo({"state": kept}, {"state": "ZZ", "other": "NY"}) == {"state": kept}
