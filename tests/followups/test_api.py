"""POST/GET/DELETE /api/v1/intakes/{id}/follow-up-plan/: clinicians start, read and stop a
plan; 400s name the field; coordinators and directory managers may not."""

import json
from datetime import timedelta

import pytest
import time_machine

from followups.models import FollowUpPlan
from tests.followups.helpers import DAY0, baseline_intake

pytestmark = pytest.mark.django_db

BODY = {"instruments": ["phq9"], "every_days": 14, "occurrences": 6, "channels": ["email"]}


def url(intake):
    return f"/api/v1/intakes/{intake.pk}/follow-up-plan/"


def post(client, intake, body):
    with time_machine.travel(DAY0 + timedelta(hours=1), tick=False):
        return client.post(url(intake), data=json.dumps(body), content_type="application/json")


def test_start_read_and_stop(cleo_api, cleo):
    intake = baseline_intake(cleo)
    response = post(cleo_api, intake, BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    plan = FollowUpPlan.objects.get()
    assert body["id"] == str(plan.pk) and body["status"] == "active"
    assert body["due_dates"] == [
        (DAY0.date() + timedelta(days=14 * n)).isoformat() for n in range(1, 7)
    ]
    assert plan.created_by == cleo

    shown = cleo_api.get(url(intake)).json()
    assert [o["state"] for o in shown["occurrence_list"]] == ["scheduled"] * 6
    assert "ada" not in json.dumps(shown).lower()  # no contact details in the plan

    stopped = cleo_api.delete(url(intake))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    plan.refresh_from_db()
    assert plan.status == "stopped" and plan.stop_reason == "clinician"
    assert set(plan.occurrence_set.values_list("state", flat=True)) == {"cancelled"}
    # stopped: a new plan may start
    assert post(cleo_api, intake, BODY).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instruments": ["gad7"]}, "instruments"),
        ({"instruments": ["phq9", "audit_c"]}, "instruments"),
        ({"instruments": []}, "instruments"),
        ({"every_days": 0}, "every_days"),
        ({"every_days": "often"}, "every_days"),
        ({"occurrences": 0}, "occurrences"),
        ({"occurrences": 60}, "occurrences"),
        ({"occurrences": None}, "occurrences"),
        ({"channels": ["fax"]}, "channels"),
        ({"channels": []}, "channels"),
    ],
)
def test_field_level_400s(cleo_api, cleo, change, field):
    body = {**BODY, **change}
    if change.get("occurrences", 1) is None:
        del body["occurrences"]
    response = post(cleo_api, baseline_intake(cleo), body)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not FollowUpPlan.objects.exists()


def test_a_channel_without_its_contact_detail_is_a_400(cleo_api, cleo):
    intake = baseline_intake(cleo, phone="")
    response = post(cleo_api, intake, {**BODY, "channels": ["email", "sms"]})
    assert response.status_code == 400
    assert response.json()["channels"] == ["The patient gave no valid mobile number."]


def test_occurrences_and_end_date_together_is_a_400(cleo_api, cleo):
    response = post(cleo_api, baseline_intake(cleo), {**BODY, "end_date": "2026-06-01"})
    assert response.status_code == 400 and "occurrences" in response.json()


def test_an_end_date_instead_of_occurrences(cleo_api, cleo):
    body = {k: v for k, v in BODY.items() if k != "occurrences"} | {"end_date": "2026-04-15"}
    response = post(cleo_api, baseline_intake(cleo), body)
    assert response.status_code == 201
    assert response.json()["due_dates"] == ["2026-03-16", "2026-03-30", "2026-04-13"]


def test_one_active_plan_per_intake(cleo_api, cleo):
    intake = baseline_intake(cleo)
    assert post(cleo_api, intake, BODY).status_code == 201
    again = post(cleo_api, intake, BODY)
    assert again.status_code == 400 and "non_field_errors" in again.json()
    assert FollowUpPlan.objects.count() == 1


@pytest.mark.parametrize("persona", ["cora_api", "dirk_api"])
def test_only_clinicians(request, persona, cleo):
    client = request.getfixturevalue(persona)
    intake = baseline_intake(cleo)
    assert post(client, intake, BODY).status_code == 403
    assert client.get(url(intake)).status_code == 403
    assert not FollowUpPlan.objects.exists()


def test_anonymous_is_401(anon_api, cleo):
    assert post(anon_api, baseline_intake(cleo), BODY).status_code == 401


def test_no_plan_is_404(cleo_api, cleo):
    assert cleo_api.get(url(baseline_intake(cleo))).status_code == 404


def test_the_schema_documents_the_endpoint(cleo_api):
    schema = cleo_api.get("/api/schema/?format=json").json()
    path = schema["paths"]["/api/v1/intakes/{intake_id}/follow-up-plan/"]
    assert {"get", "post", "delete"} <= set(path)
    assert "201" in path["post"]["responses"]


def test_texts_are_refused_in_production_without_a_real_sms_backend(cleo_api, cleo, settings):
    intake = baseline_intake(cleo)
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "followups.sms.ConsoleBackend"
    response = post(cleo_api, intake, {**BODY, "channels": ["sms"]})
    assert response.status_code == 400 and "SMS_BACKEND" in response.json()["channels"][0]
    settings.SMS_BACKEND = "followups.sms.TwilioBackend"
    assert post(cleo_api, intake, {**BODY, "channels": ["sms"]}).status_code == 201
