"""The API side of issue 20 item 7: ``ongoing`` on a medication trial, the screening block's
label-dose count and trial notes, and the catalogue's label doses."""

import json

import pytest

from intake.models import Intake
from screening.api_sections import screening_block
from tests.factories import intake_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/intakes/"


def trial(medication, dose, weeks=8, outcome="no_response", **more):
    return {
        "medication": medication,
        "max_daily_dose_mg": dose,
        "weeks_at_max_dose": weeks,
        "adherence": "all",
        "outcome": outcome,
        "current_episode": True,
        **more,
    }


def post(client, trials, capture=None):
    payload = intake_payload(treatment_history={"medication_trials": trials})
    body = json.dumps(payload)
    if capture is None:
        return client.post(URL, data=body, content_type="application/json")
    with capture(execute=True):
        return client.post(URL, data=body, content_type="application/json")


def test_screening_section_reports_r_label_notes_and_too_early(
    cora_api, cleo_api, django_capture_on_commit_callbacks
):
    trials = [
        trial("venlafaxine", 75),
        trial("sertraline", 100),
        trial("mirtazapine", 60, outcome="response"),
        trial("fluoxetine", 20, 3, ongoing=True),
    ]
    response = post(cora_api, trials, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    intake = Intake.objects.get(pk=response.json()["id"])
    assert [t.ongoing for t in intake.medication_trials.all()] == [None, None, None, True]

    read = cleo_api.get(f"{URL}{intake.pk}/")
    assert read.status_code == 200
    body = read.json()
    trd = body["screening"]["trd"]
    assert trd["adequate_failed_trials"] == 1
    assert trd["alternative_counts"]["label_dose"] == 2
    notes = {t["index"]: t["notes"] for t in trd["trials"]}
    assert notes[0] == [] and notes[1] == []
    assert notes[2] == ["verify dose: 60 mg/day is above the label maximum of 45 mg/day"]
    assert notes[3][0].startswith("too early: still being taken, 3 weeks")
    statuses = {t["index"]: t["status"] for t in trd["trials"]}
    assert statuses[3] == "too_early_to_tell"
    assert [t["index"] for t in trd["inadequate_trials"]] == [0]  # not the too-early course
    submitted = body["treatment_history"]["medication_trials"]
    assert "ongoing" not in submitted[0] and submitted[3]["ongoing"] is True
    assert screening_block(intake)["trd"] == trd


@pytest.mark.parametrize("value", [True, False, None])
def test_ongoing_takes_a_json_boolean_or_null(cora_api, value):
    response = post(cora_api, [trial("sertraline", 100, ongoing=value)])
    assert response.status_code == 201, response.content
    stored = Intake.objects.get().medication_trials.get().ongoing
    assert stored is value


def test_ongoing_as_a_string_is_a_400_naming_the_field(cora_api):
    response = post(cora_api, [trial("sertraline", 100, ongoing="yes")])
    assert response.status_code == 400
    errors = response.json()["treatment_history"]["medication_trials"]
    assert "ongoing" in json.dumps(errors)
    assert not Intake.objects.exists()


def test_the_medication_catalogue_serves_label_doses(cora_api):
    response = cora_api.get("/api/v1/medications/")
    assert response.status_code == 200
    catalogue = {m["key"]: m for m in response.json()}
    venlafaxine = catalogue["venlafaxine"]
    assert venlafaxine["min_adequate_daily_dose_mg"] == 150
    assert venlafaxine["label_min_daily_dose_mg"] == 75
    assert catalogue["mirtazapine"]["label_max_daily_dose_mg"] == 45
    assert catalogue["desvenlafaxine"]["label_max_daily_dose_mg"] is None
