"""``ongoing`` on a medication trial travels through FHIR as the ``ongoing`` sub-extension of
the medication-trial extension (issue 20 item 7), and is left out when not said."""

import pytest

from interop import codes
from screening.api_sections import screening_block
from tests.factories import intake_payload

from .conftest import entries
from .test_import import created_intake

pytestmark = pytest.mark.django_db


def trial(medication, ongoing=None):
    out = {
        "medication": medication,
        "max_daily_dose_mg": 100,
        "weeks_at_max_dose": 3,
        "adherence": "all",
        "outcome": "no_response",
        "current_episode": True,
    }
    if ongoing is not None:
        out["ongoing"] = ongoing
    return out


def test_ongoing_round_trips_and_unsaid_stays_unsaid(submit, export, import_bundle):
    payload = intake_payload(
        treatment_history={
            "medication_trials": [
                trial("sertraline", True),
                trial("fluoxetine", False),
                trial("paroxetine"),
            ]
        }
    )
    bundle = export(submit(payload))
    subs = []
    for statement in entries(bundle, "MedicationStatement"):
        (ext,) = [e for e in statement["extension"] if e["url"] == codes.EXT_MEDICATION_TRIAL]
        subs.append({e["url"]: e for e in ext["extension"]}.get("ongoing"))
    assert [s and s["valueBoolean"] for s in subs] == [True, False, None]

    imported = created_intake(import_bundle(bundle))
    assert [t.ongoing for t in imported.medication_trials.all()] == [True, False, None]
    statuses = {t["index"]: t["status"] for t in screening_block(imported)["trd"]["trials"]}
    assert statuses == {0: "too_early_to_tell", 1: "inadequate", 2: "inadequate"}
