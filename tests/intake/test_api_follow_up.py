"""POST /api/v1/intakes/ with ``follow_up_of``: a partner's follow-up intake (issue 21)."""

import json
import uuid

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import Intake
from ops import roles
from screening.models import Case, Flag
from tests.factories import follow_up_phq9 as phq9
from tests.factories import intake_payload

URL = "/api/v1/intakes/"


def post(client, payload):
    return client.post(URL, data=json.dumps(payload), content_type="application/json")


def baseline_id(client, phq9_total=18) -> str:
    payload = intake_payload()
    payload["answers"]["phq9"] = {**phq9(phq9_total), "difficulty": 2}
    response = post(client, payload)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def follow_up(client, baseline, **answers):
    return post(client, {"follow_up_of": baseline, "answers": answers})


@pytest.fixture
def other_partner_api(db, django_user_model):
    user = django_user_model.objects.create_user(username="otto", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.INTAKE_COORDINATOR))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
class TestFollowUpThroughTheApi:
    def test_a_follow_up_of_9_against_18_is_a_response(self, cora_api, cleo_api):
        baseline = baseline_id(cora_api, 18)
        response = follow_up(cora_api, baseline, phq9=phq9(9))
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"id", "status", "submitted_at", "safety"}
        stored = Intake.objects.get(pk=body["id"])
        assert str(stored.follow_up_of_id) == baseline
        assert stored.patient_id == Intake.objects.get(pk=baseline).patient_id
        assert stored.source == "api"

        detail = cleo_api.get(f"{URL}{body['id']}/").json()
        assert detail["follow_up_of"] == baseline
        assert detail["measurement"] == {
            "baseline_phq9": 18,
            "phq9": 9,
            "change_pct": -50.0,
            "outcome": "response",
        }
        assert detail["answers"] == {"phq9": phq9(9)}
        # The patient shown is the identity the baseline was submitted with.
        assert detail["patient"]["external_id"] == "MRN-00042"
        # A baseline has no measurement.
        assert cleo_api.get(f"{URL}{baseline}/").json()["measurement"] is None

    def test_a_follow_up_of_4_is_remission_and_gad7_is_kept(self, cora_api, cleo_api):
        baseline = baseline_id(cora_api, 18)
        gad7 = {f"q{n}": 1 for n in range(1, 8)}
        response = follow_up(cora_api, baseline, phq9=phq9(4), gad7=gad7)
        assert response.status_code == 201, response.content
        detail = cleo_api.get(f"{URL}{response.json()['id']}/").json()
        assert detail["measurement"]["outcome"] == "remission"
        assert detail["measurement"]["change_pct"] == -77.8
        assert detail["answers"]["gad7"] == gad7

    def test_the_coordinator_sees_no_measurement(self, cora_api):
        baseline = baseline_id(cora_api, 18)
        created = follow_up(cora_api, baseline, phq9=phq9(9)).json()
        detail = cora_api.get(f"{URL}{created['id']}/").json()
        assert "measurement" not in detail
        assert "answers" not in detail

    def test_item9_on_a_follow_up_is_urgent_with_its_flag_and_case(self, cora_api):
        baseline = baseline_id(cora_api, 18)
        response = follow_up(cora_api, baseline, phq9=phq9(9, item9=2))
        assert response.status_code == 201
        assert response.json()["safety"]["urgent"] is True
        created = Intake.objects.get(pk=response.json()["id"])
        assert Flag.objects.filter(intake=created, code="suicide_risk").exists()
        assert Case.objects.filter(intake__patient=created.patient, urgent=True).exists()


@pytest.mark.django_db
class TestFollowUpRejections:
    def test_unknown_baseline(self, cora_api):
        response = follow_up(cora_api, str(uuid.uuid4()), phq9=phq9(9))
        assert response.status_code == 400
        assert response.json() == {
            "follow_up_of": ["No intake with this id that you can submit a follow-up for."]
        }

    def test_not_a_uuid(self, cora_api):
        response = follow_up(cora_api, "abc", phq9=phq9(9))
        assert response.status_code == 400
        assert list(response.json()) == ["follow_up_of"]

    def test_another_partners_baseline_reads_as_unknown(self, cora_api, other_partner_api):
        baseline = baseline_id(cora_api, 18)
        before = Intake.objects.count()
        response = follow_up(other_partner_api, baseline, phq9=phq9(9))
        assert response.status_code == 400
        assert response.json() == {
            "follow_up_of": ["No intake with this id that you can submit a follow-up for."]
        }
        assert Intake.objects.count() == before

    def test_missing_phq9(self, cora_api):
        baseline = baseline_id(cora_api)
        response = follow_up(cora_api, baseline, gad7={f"q{n}": 0 for n in range(1, 8)})
        assert response.status_code == 400
        assert response.json() == {"answers": {"phq9": ["This questionnaire is required."]}}

    def test_an_instrument_that_is_not_a_follow_up_one(self, cora_api):
        baseline = baseline_id(cora_api)
        mdq = intake_payload()["answers"]["gad7"]  # any block: the key is what is refused
        response = follow_up(cora_api, baseline, phq9=phq9(9), pc_ptsd5=mdq)
        assert response.status_code == 400
        assert list(response.json()["answers"]) == ["pc_ptsd5"]
        assert "Not a follow-up questionnaire" in response.json()["answers"]["pc_ptsd5"][0]

    def test_a_bad_item_has_its_path(self, cora_api):
        baseline = baseline_id(cora_api)
        response = follow_up(cora_api, baseline, phq9={**phq9(9), "q4": 9})
        assert response.status_code == 400
        assert list(response.json()["answers"]["phq9"]) == ["q4"]

    def test_a_patient_block_sent_anyway(self, cora_api):
        baseline = baseline_id(cora_api)
        payload = intake_payload()
        body = {
            "follow_up_of": baseline,
            "patient": payload["patient"],
            "consent": payload["consent"],
            "answers": {"phq9": phq9(9)},
        }
        before = Intake.objects.count()
        response = post(cora_api, body)
        assert response.status_code == 400
        message = [
            "A follow-up takes this from its baseline intake (follow_up_of): do not send it."
        ]
        assert response.json() == {"patient": message, "consent": message}
        assert Intake.objects.count() == before

    def test_unknown_fields_beside_it(self, cora_api):
        baseline = baseline_id(cora_api)
        response = post(
            cora_api, {"follow_up_of": baseline, "answers": {"phq9": phq9(9)}, "extra": 1}
        )
        assert response.status_code == 400
        assert response.json() == {"extra": ["Unknown field."]}


@pytest.mark.django_db
def test_a_rejected_follow_up_with_item9_still_gets_the_safety_decision(cora_api):
    """Issue 16 applies to follow-ups too: a 400 whose PHQ-9 block is valid and shows risk
    carries the safety object and opens an urgent case."""
    baseline = baseline_id(cora_api)
    body = {
        "follow_up_of": baseline,
        "patient": intake_payload()["patient"],
        "answers": {"phq9": phq9(9, item9=2)},
    }
    response = post(cora_api, body)
    assert response.status_code == 400
    data = response.json()
    assert "patient" in data
    assert data["safety"]["urgent"] is True
    assert Case.objects.filter(pk=data["safety"]["case"], urgent=True).exists()


@pytest.mark.django_db
def test_a_retried_follow_up_with_its_idempotency_key_is_stored_once(cora_api):
    baseline = baseline_id(cora_api)
    body = json.dumps({"follow_up_of": baseline, "answers": {"phq9": phq9(9)}})
    first = cora_api.post(
        URL, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fu-1"
    )
    again = cora_api.post(
        URL, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fu-1"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Intake.objects.filter(follow_up_of_id=baseline).count() == 1
