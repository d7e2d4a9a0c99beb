"""Issue 16 on the FHIR import: a Bundle rejected with a 400 whose PHQ-9 (and C-SSRS)
QuestionnaireResponses are valid and show risk still opens an urgent case, pages on-call once
and answers an OperationOutcome carrying the safety decision (the ``safety`` extension and a
warning issue with the crisis resources); the corrected Bundle joins that case."""

import copy

import pytest
from django.core import mail
from fhir.resources.R4B.operationoutcome import OperationOutcome

from intake.models import Intake
from interop import codes
from screening.models import Case

from .test_import import created_intake, partner_bundle

pytestmark = pytest.mark.django_db

ITEM9_NEARLY_EVERY_DAY = "LA6571-9"


def risky_bundle() -> dict:
    bundle = partner_bundle()
    phq9 = bundle["entry"][2]["resource"]
    phq9["item"][8]["answer"] = [
        {"valueCoding": {"system": codes.LOINC, "code": ITEM9_NEARLY_EVERY_DAY}}
    ]
    return bundle


def without_consent(bundle: dict) -> dict:
    broken = copy.deepcopy(bundle)
    broken["entry"] = [e for e in broken["entry"] if e["resource"]["resourceType"] != "Consent"]
    return broken


def safety_of(body: dict) -> dict:
    (safety,) = [e for e in body.get("extension", []) if e["url"] == codes.EXT_SAFETY]
    parts = {}
    for part in safety["extension"]:
        value = next(v for k, v in part.items() if k.startswith("value"))
        parts.setdefault(part["url"], []).append(value)
    return parts


def test_a_rejected_bundle_with_item9_3_opens_one_urgent_case_and_says_so(import_bundle):
    response = import_bundle(without_consent(risky_bundle()))
    assert response.status_code == 400
    body = response.json()
    OperationOutcome.model_validate(body)  # still a valid FHIR R4B OperationOutcome
    errors = [i for i in body["issue"] if i["severity"] == "error"]
    assert errors and "Consent" in " ".join(i["diagnostics"] for i in errors)
    safety = safety_of(body)
    case = Case.objects.get()
    assert safety["urgent"] == [True]
    assert safety["riskLevel"] == ["not_assessed"]
    assert safety["case"] == [str(case.pk)]
    assert any("988" in line for line in safety["crisisResource"])
    (warning,) = [i for i in body["issue"] if i["severity"] == "warning"]
    assert "988" in warning["diagnostics"]
    assert case.urgent and case.intake is None and case.safety_event.source == "fhir"
    assert case.safety_event.rejected["patient"]["external_id"] == "E-1"
    assert len(mail.outbox) == 1

    # The corrected Bundle (same partner, same patient) joins the case: no second page.
    intake = created_intake(import_bundle(risky_bundle()))
    assert intake.urgent
    assert Case.objects.get() == case and Case.objects.get().intake == intake
    assert len(mail.outbox) == 1


def test_a_rejected_bundle_without_risk_is_a_plain_operation_outcome(import_bundle):
    response = import_bundle(without_consent(partner_bundle()))  # item 9 = 0
    assert response.status_code == 400
    assert "extension" not in response.json()
    assert not Case.objects.exists() and not Intake.objects.exists()
    assert mail.outbox == []
