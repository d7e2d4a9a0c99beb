"""FHIR for issue 20 items 3, 4, 6: weeks at or above the minimum dose
(``weeksAtAdequateDose``; ``weeksAtMaxDose`` deprecated but read), an unlisted drug (text and
``unlisted``), an unknown dose (no ``maxDosePerPeriod``), an unknown episode (no
``currentEpisode``), a dose in ug; exported and imported back unchanged."""

import pytest

from intake.api import treatment_history_as_submitted
from interop import codes
from tests.factories import intake_payload

from .conftest import entries, validate_r4b
from .test_import import created_intake

pytestmark = pytest.mark.django_db

TRIALS = [
    {
        "medication": "sertraline",
        "max_daily_dose_mg": 150,
        "weeks_at_adequate_dose": 12,
        "adherence": "all",
        "outcome": "no_response",
        "current_episode": True,
    },
    {
        "medication": "Zuranolone",
        "unlisted": True,
        "max_daily_dose_mg": None,
        "weeks_at_adequate_dose": 2,
        "adherence": "all",
        "outcome": "no_response",
    },
    {
        "medication": "escitalopram",
        "max_daily_dose_mg": 20,
        "weeks_at_max_dose": 8,
        "adherence": "all",
        "outcome": "partial_response",
        "current_episode": False,
    },
]


def payload():
    body = intake_payload()
    body["treatment_history"]["medication_trials"] = TRIALS
    body["treatment_history"].pop("neuromodulation", None)
    return body


def trial_details(statement) -> dict:
    (ext,) = [e for e in statement["extension"] if e["url"] == codes.EXT_MEDICATION_TRIAL]
    return {sub["url"]: sub for sub in ext["extension"]}


def test_export_carries_the_new_fields(submit, export):
    bundle = export(submit(payload()))
    statements = entries(bundle, "MedicationStatement")
    for statement in statements:
        validate_r4b(statement)
    sertraline, unlisted, escitalopram = (trial_details(s) for s in statements)
    assert sertraline["weeksAtAdequateDose"]["valueQuantity"]["value"] == 12
    assert "weeksAtMaxDose" not in sertraline
    assert escitalopram["weeksAtMaxDose"]["valueQuantity"]["value"] == 8
    assert "weeksAtAdequateDose" not in escitalopram
    assert unlisted["unlisted"]["valueBoolean"] is True
    assert "currentEpisode" not in unlisted  # not known
    assert statements[1]["medicationCodeableConcept"] == {"text": "Zuranolone"}
    assert "maxDosePerPeriod" not in statements[1]["dosage"][0]
    assert escitalopram["currentEpisode"]["valueBoolean"] is False


def test_round_trip_keeps_weeks_unlisted_unknown_dose_and_unknown_episode(
    submit, export, import_bundle
):
    original = submit(payload())
    imported = created_intake(import_bundle(export(original)))
    assert treatment_history_as_submitted(imported) == treatment_history_as_submitted(original)
    rows = list(imported.medication_trials.order_by("position"))
    assert (rows[1].medication, rows[1].medication_name, rows[1].current_episode) == (
        "unlisted",
        "Zuranolone",
        None,
    )


def test_import_reads_a_dose_in_micrograms(submit, export, import_bundle):
    body = intake_payload()
    body["treatment_history"]["medication_trials"] = [
        {
            "medication": "liothyronine",
            "max_daily_dose_mg": 0.025,
            "weeks_at_adequate_dose": 8,
            "adherence": "all",
            "outcome": "no_response",
            "current_episode": True,
        }
    ]
    bundle = export(submit(body))
    (statement,) = entries(bundle, "MedicationStatement")
    numerator = statement["dosage"][0]["maxDosePerPeriod"]["numerator"]
    numerator.update(value=25, unit="ug", code="ug")
    imported = created_intake(import_bundle(bundle))
    assert float(imported.medication_trials.get().max_daily_dose_mg) == 0.025
