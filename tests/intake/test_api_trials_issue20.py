"""POST /api/v1/intakes/ for issue 20 items 3, 4, 6: weeks_at_adequate_dose (the deprecated
weeks_at_max_dose still works), unlisted drugs, unknown doses, µg, and no default for
current_episode; checked in the stored rows and the screening."""

import json

import pytest

from clinical.rules.engine import evaluate
from intake.api import treatment_history_as_submitted
from intake.models import Intake, MedicationTrial
from screening.adapters import screening_input
from tests.factories import intake_payload

pytestmark = pytest.mark.django_db

INTAKES = "/api/v1/intakes/"


def trial(**fields):
    row = {"medication": "sertraline", "adherence": "all", "outcome": "no_response"}
    row.update(fields)
    return row


def post(cora_api, *trials):
    body = intake_payload()
    body["treatment_history"]["medication_trials"] = list(trials)
    return cora_api.post(INTAKES, data=json.dumps(body), content_type="application/json")


def trd(response) -> dict:
    assert response.status_code == 201, response.content
    return evaluate(screening_input(Intake.objects.get(pk=response.json()["id"]))).trd.to_dict()


def test_weeks_at_the_adequate_dose_count(cora_api):
    """Sertraline 100 mg for 10 weeks then 150 mg for 2: 12 weeks at or above 50 mg."""
    response = post(
        cora_api,
        trial(max_daily_dose_mg=150, weeks_at_adequate_dose=12, current_episode=True),
        trial(
            medication="escitalopram",
            max_daily_dose_mg=20,
            weeks_at_adequate_dose=5.5,
            current_episode=True,
        ),
    )
    result = trd(response)
    assert result["failed_trials"] == [0]
    assert result["inadequate_trials"] == [{"index": 1, "reasons": ["duration_under_6_weeks"]}]
    stored = MedicationTrial.objects.order_by("position").first()
    assert (float(stored.weeks_at_adequate_dose), stored.weeks_at_max_dose) == (12.0, None)


def test_the_deprecated_weeks_field_still_works(cora_api):
    result = trd(
        post(cora_api, trial(max_daily_dose_mg=150, weeks_at_max_dose=8, current_episode=True))
    )
    assert result["failed_trials"] == [0]


def test_no_weeks_at_all_is_a_400_with_the_field_path(cora_api):
    response = post(cora_api, trial(max_daily_dose_mg=150, current_episode=True))
    assert response.status_code == 400
    errors = response.json()["treatment_history"]["medication_trials"]["0"]
    assert "weeks_at_adequate_dose" in errors


def test_current_episode_has_no_default(cora_api):
    response = post(cora_api, trial(max_daily_dose_mg=150, weeks_at_adequate_dose=8))
    result = trd(response)
    assert result["adequate_failed_trials"] == 0
    assert result["trials"][0]["status"] == "episode_unknown"
    assert MedicationTrial.objects.get().current_episode is None
    read = treatment_history_as_submitted(Intake.objects.get())
    assert read["medication_trials"][0]["current_episode"] is None


def test_an_unlisted_drug_is_kept_and_never_counted(cora_api):
    response = post(
        cora_api,
        trial(
            medication="Zuranolone",
            unlisted=True,
            max_daily_dose_mg=50,
            weeks_at_adequate_dose=8,
            current_episode=True,
        ),
        trial(
            medication="Made-up drug", unlisted=True, weeks_at_adequate_dose=8, current_episode=True
        ),
    )
    result = trd(response)
    assert result["adequate_failed_trials"] == 0 and result["inadequate_trials"] == []
    assert [t["status"] for t in result["trials"]] == ["unlisted", "unlisted"]
    assert "verify this trial" in result["trials"][0]["description"]
    rows = MedicationTrial.objects.order_by("position")
    assert [(r.medication, r.medication_name) for r in rows] == [
        ("unlisted", "Zuranolone"),
        ("unlisted", "Made-up drug"),
    ]
    first = treatment_history_as_submitted(Intake.objects.get())["medication_trials"][0]
    assert (first["medication"], first["unlisted"]) == ("Zuranolone", True)


def test_an_unknown_name_without_unlisted_is_still_a_400(cora_api):
    response = post(
        cora_api, trial(medication="sertralin", max_daily_dose_mg=50, weeks_at_adequate_dose=8)
    )
    assert response.status_code == 400
    assert response.json()["treatment_history"]["medication_trials"]["0"]["medication"] == [
        "Unknown medication 'sertralin'. Did you mean 'sertraline'?"
    ]


def test_a_listed_name_sent_as_unlisted_resolves_to_the_catalogue(cora_api):
    trd(
        post(
            cora_api,
            trial(
                medication="Zoloft",
                unlisted=True,
                max_daily_dose_mg=100,
                weeks_at_adequate_dose=8,
                current_episode=True,
            ),
        )
    )
    assert MedicationTrial.objects.get().medication == "sertraline"


def test_an_unknown_dose_is_accepted_and_never_adequate(cora_api):
    result = trd(
        post(
            cora_api, trial(max_daily_dose_mg=None, weeks_at_adequate_dose=12, current_episode=True)
        )
    )
    assert result["adequate_failed_trials"] == 0
    assert result["inadequate_trials"] == [{"index": 0, "reasons": ["dose_unknown"]}]
    assert MedicationTrial.objects.get().max_daily_dose_mg is None


@pytest.mark.parametrize("unit", ["µg", "mcg", "ug"])
def test_liothyronine_in_micrograms(cora_api, unit):
    trd(
        post(
            cora_api,
            trial(
                medication="liothyronine",
                max_daily_dose_mg=25,
                dose_unit=unit,
                weeks_at_adequate_dose=8,
                current_episode=True,
            ),
        )
    )
    assert float(MedicationTrial.objects.get().max_daily_dose_mg) == 0.025


def test_a_bad_dose_unit_is_a_400(cora_api):
    response = post(
        cora_api, trial(max_daily_dose_mg=25, dose_unit="grains", weeks_at_adequate_dose=8)
    )
    assert response.status_code == 400
    assert "dose_unit" in response.json()["treatment_history"]["medication_trials"]["0"]


def test_olanzapine_fluoxetine_is_also_a_fluoxetine_course(cora_api):
    result = trd(
        post(
            cora_api,
            trial(max_daily_dose_mg=150, weeks_at_adequate_dose=8, current_episode=True),
            trial(
                medication="Symbyax",
                max_daily_dose_mg=12,
                weeks_at_adequate_dose=8,
                current_episode=True,
            ),
        )
    )
    assert result["adequate_failed_trials"] == 2  # sertraline and fluoxetine
    assert result["meets_trd_definition"] is True
    assert result["augmentation_trials"] == [1]
    assert result["failed_trials"] == [0, 1]


def test_the_catalogue_lists_the_additions(cora_api):
    keys = {m["key"] for m in cora_api.get("/api/v1/medications/").json()}
    assert {"gepirone", "dextromethorphan_bupropion", "buspirone", "pramipexole"} <= keys


def test_the_openapi_schema_documents_the_fields(cora_api):
    response = cora_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    fields = json.loads(response.content)["components"]["schemas"]["MedicationTrialRequest"][
        "properties"
    ]
    assert {"weeks_at_adequate_dose", "unlisted", "dose_unit"} <= set(fields)
    assert fields["weeks_at_max_dose"]["deprecated"] is True
    assert fields["current_episode"]["nullable"] is True
    assert fields["max_daily_dose_mg"]["nullable"] is True
