"""FHIR fixtures: submit through the JSON API (screening runs on commit), export as a
clinician, import a Bundle."""

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.operationoutcome import OperationOutcome

from intake.models import Intake
from interop import codes
from tests.factories import intake_payload

INTAKES = "/api/v1/intakes/"
IMPORT = "/api/v1/fhir/"
FHIR_JSON = "application/fhir+json"

#: Every instrument answered (female patient: PHQ-15 q4 asked), exercising each skip rule.
ALL_ANSWERS = {
    "phq9": {"q1": 2, "q2": 3, "q3": 1, "q4": 3, "q5": 1, "q6": 2, "q7": 2, "q8": 1, "q9": 1},
    "gad7": {"q1": 2, "q2": 2, "q3": 2, "q4": 1, "q5": 1, "q6": 1, "q7": 2, "difficulty": 1},
    "mdq": {**{f"q1{x}": x in "abcdefgh" for x in "abcdefghijklm"}, "q2": True, "q3": 2},
    "audit_c": {"q1": 2, "q2": 1, "q3": 1},
    "drug_screen": {"q1": 3},
    "scoff": {"q1": True, "q2": True, "q3": False, "q4": False, "q5": False},
    "ocd_screen": {"q1": True, "q2": False, "q3": False, "q4": False, "q5": False, "q6": False},
    "panic_screen": {"a1": False},
    "pc_ptsd5": {"exposure": True, "q1": True, "q2": True, "q3": True, "q4": False, "q5": False},
    "ace": {f"q{i}": i <= 4 for i in range(1, 11)},
    "cssrs_screen": {"q1": True, "q2": False, "q6": True, "q6a": False},
    "phq15": {f"q{i}": i % 3 for i in range(1, 16)},
}


def all_instruments_payload(**patient):
    payload = intake_payload(answers=ALL_ANSWERS)
    payload["patient"].update(patient)
    if patient.get("sex_at_birth") == "male":
        del payload["answers"]["phq15"]["q4"]
    return payload


def entries(bundle, resource_type=None):
    return [
        e["resource"]
        for e in bundle["entry"]
        if resource_type is None or e["resource"]["resourceType"] == resource_type
    ]


def validate_r4b(resource: dict):
    """Parse a resource with its fhir.resources R4B model (raises when invalid)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def coded(resource, system, code, element="code"):
    return any(
        c.get("system") == system and c.get("code") == code
        for c in resource.get(element, {}).get("coding", [])
    )


@pytest.fixture
def submit(cora_api, django_capture_on_commit_callbacks):
    """POST a JSON API body as cora; with ``screen=True`` the on-commit screening runs."""

    def _submit(payload=None, *, screen=True):
        body = json.dumps(payload or intake_payload())
        if screen:
            with django_capture_on_commit_callbacks(execute=True):
                response = cora_api.post(INTAKES, data=body, content_type="application/json")
        else:
            response = cora_api.post(INTAKES, data=body, content_type="application/json")
        assert response.status_code == 201, response.content
        return Intake.objects.get(pk=response.json()["id"])

    return _submit


@pytest.fixture
def export(cleo_api):
    def _export(intake, client=None):
        response = (client or cleo_api).get(f"{INTAKES}{intake.pk}/fhir/")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith(FHIR_JSON)
        return response.json()

    return _export


@pytest.fixture
def import_bundle(cora_api, django_capture_on_commit_callbacks):
    """POST a Bundle (a dict, or raw text) to the import endpoint as cora."""

    def _import(bundle, client=None):
        data = bundle if isinstance(bundle, str | bytes) else json.dumps(bundle)
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or cora_api).post(IMPORT, data=data, content_type=FHIR_JSON)
        assert response["Content-Type"].startswith(FHIR_JSON)
        return response

    return _import


def created_intake(response) -> Intake:
    assert response.status_code == 201, response.content
    body = response.json()
    OperationOutcome.model_validate(body)
    (created,) = [e for e in body["extension"] if e["url"] == codes.EXT_INTAKE_CREATED]
    intake_id = {e["url"]: e for e in created["extension"]}["intake"]["valueId"]
    assert response["Location"].endswith(f"/api/v1/intakes/{intake_id}/")
    return Intake.objects.get(pk=intake_id)
