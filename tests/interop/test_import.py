"""POST /api/v1/fhir/: a Bundle in, an intake out, through the JSON API's validation and
pipeline; errors are OperationOutcomes naming the failing element."""

import copy
import json

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from intake.api import patient_as_submitted, treatment_history_as_submitted
from intake.models import Intake, Patient
from interop import codes
from interop.codes import LOINC, questionnaire_url
from screening.api_sections import screening_block
from tests.factories import intake_payload
from tests.interop.conftest import created_intake

from .conftest import FHIR_JSON, IMPORT, all_instruments_payload

pytestmark = pytest.mark.django_db


def comparable(intake: Intake) -> dict:
    block = screening_block(intake)
    return {key: block[key] for key in ("status", "scores", "trd", "flags")}


class TestRoundTrip:
    """Export the answers, import them, and the screening comes out the same."""

    def round_trip(self, submit, export, import_bundle, payload):
        original = submit(payload)
        imported = created_intake(import_bundle(export(original)))
        assert imported.pk != original.pk and imported.source == "api"
        assert comparable(imported) == comparable(original)
        assert comparable(imported)["status"] == "complete"
        assert {r.instrument: r.answers for r in imported.responses.all()} == {
            r.instrument: r.answers for r in original.responses.all()
        }
        assert treatment_history_as_submitted(imported) == treatment_history_as_submitted(original)
        return original, imported

    def test_contract_example(self, submit, export, import_bundle):
        original, imported = self.round_trip(submit, export, import_bundle, intake_payload())
        assert [f["code"] for f in comparable(imported)["flags"]] == ["possible_trd"]
        assert comparable(imported)["trd"]["thase_rush_stage"] == "I"
        # The same patient, found again by the external id, with nothing lost.
        assert Patient.objects.count() == 1
        assert imported.patient_id == original.patient_id
        assert patient_as_submitted(imported.patient) == patient_as_submitted(original.patient)
        assert (imported.consent_screening, imported.privacy_notice_version) == (True, "2026-01")

    def test_every_instrument_for_a_male_patient(self, submit, export, import_bundle):
        payload = all_instruments_payload(sex_at_birth="male", external_id="MRN-7")
        _, imported = self.round_trip(submit, export, import_bundle, payload)
        flags = {f["code"] for f in comparable(imported)["flags"]}
        assert {"suicide_risk", "possible_bipolar", "substance_use", "possible_ptsd"} <= flags
        assert "q4" not in imported.responses.get(instrument="phq15").answers
        assert imported.urgent is True

    def test_urgent_import_answers_with_the_safety_decision(self, submit, export, import_bundle):
        response = import_bundle(export(submit(all_instruments_payload())))
        created_intake(response)
        issues = response.json()["issue"]
        warning = [i for i in issues if i["severity"] == "warning"]
        assert warning and "988" in warning[0]["diagnostics"]
        created = {e["url"]: e for e in response.json()["extension"][0]["extension"]}
        assert created["urgent"]["valueBoolean"] is True
        assert created["riskLevel"]["valueCode"] == "moderate"


def partner_bundle() -> dict:
    """What a partner EHR might send: its own ids, US Core birth sex, LOINC-coded answers,
    plain integers where it has no codes, and no treatment history."""
    phq9 = [
        {"linkId": f"q{n}", "answer": [{"valueCoding": {"system": LOINC, "code": code}}]}
        for n, code in enumerate(
            [
                "LA6570-1",
                "LA6571-9",
                "LA6569-3",
                "LA6571-9",
                "LA6569-3",
                "LA6570-1",
                "LA6570-1",
                "LA6569-3",
                "LA6568-5",
            ],
            start=1,
        )
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "http://ehr.example.com/fhir/Patient/p1",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "extension": [{"url": codes.EXT_US_CORE_BIRTHSEX, "valueCode": "F"}],
                    "identifier": [{"system": "http://ehr.example.com/mrn", "value": "E-1"}],
                    "name": [{"family": "Okafor", "given": ["Grace", "Ada"]}],
                    "birthDate": "1979-05-02",
                    "address": [{"state": "CA", "postalCode": "94110"}],
                },
            },
            {
                "resource": {
                    "resourceType": "Consent",
                    "status": "active",
                    "scope": {"coding": [{"system": codes.CONSENT_SCOPE, "code": "treatment"}]},
                    "category": [
                        {"coding": [{"system": codes.CS_CONSENT_CATEGORY, "code": "screening"}]}
                    ],
                    "patient": {"reference": "Patient/p1"},
                    "policy": [{"uri": codes.privacy_notice_url("2026-01")}],
                }
            },
            {
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": questionnaire_url("phq9"),
                    "status": "completed",
                    "subject": {"reference": "Patient/p1"},
                    "item": phq9,
                }
            },
            {
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": questionnaire_url("gad7") + "|2006",
                    "status": "completed",
                    "subject": {"reference": "Patient/p1"},
                    "item": [
                        {"linkId": f"q{n}", "answer": [{"valueInteger": 1}]} for n in range(1, 8)
                    ],
                }
            },
        ],
    }


def test_a_partner_bundle_is_accepted(import_bundle):
    intake = created_intake(import_bundle(partner_bundle()))
    patient = intake.patient
    assert (patient.external_id, patient.given_name, patient.family_name) == (
        "E-1",
        "Grace Ada",
        "Okafor",
    )
    assert (patient.sex_at_birth, patient.state, patient.postal_code) == ("female", "CA", "94110")
    assert intake.responses.get(instrument="phq9").answers["q2"] == 3
    assert screening_block(intake)["scores"]["phq9"]["total"] == 15
    assert screening_block(intake)["scores"]["gad7"]["total"] == 7


# --- Errors -----------------------------------------------------------------------------------


def entry_index(bundle, resource_type, n=0):
    return [
        i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == resource_type
    ][n]


def resource(bundle, resource_type, n=0):
    return bundle["entry"][entry_index(bundle, resource_type, n)]["resource"]


def response_for(bundle, key):
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].startswith(
            questionnaire_url(key) + "|"
        ):
            return r
    raise LookupError(key)


class TestErrors:
    """Each error is a 400 OperationOutcome naming the failing element; nothing is saved."""

    @pytest.fixture
    def bundle(self, submit, export):
        exported = export(submit(intake_payload(), screen=False))
        yield copy.deepcopy(exported)

    def rejected(self, import_bundle, body, status=400):
        before = Intake.objects.count()
        response = import_bundle(body)
        assert Intake.objects.count() == before  # nothing saved
        assert response.status_code == status, response.content
        outcome = response.json()
        OperationOutcome.model_validate(outcome)
        assert all(issue["severity"] == "error" for issue in outcome["issue"])
        return outcome["issue"]

    def test_not_json(self, import_bundle):
        (issue,) = self.rejected(import_bundle, "{not json")
        assert issue["code"] == "structure" and "not valid JSON" in issue["diagnostics"]

    @pytest.mark.parametrize(
        "body", [[1, 2], {"resourceType": "Patient", "birthDate": "1980-01-01"}, {"a": 1}]
    )
    def test_not_a_bundle(self, import_bundle, body):
        (issue,) = self.rejected(import_bundle, body)
        assert issue["code"] == "structure" and "Bundle" in issue["diagnostics"]

    def test_unknown_resource_type(self, import_bundle, bundle):
        bundle["entry"].append({"resource": {"resourceType": "Nonsense"}})
        (issue,) = self.rejected(import_bundle, bundle)
        n = len(bundle["entry"]) - 1
        assert issue["expression"] == [f"Bundle.entry[{n}].resource.resourceType"]

    def test_invalid_fhir_names_the_element(self, import_bundle, bundle):
        phq9 = response_for(bundle, "phq9")
        phq9["item"][0]["answer"] = [{"valueInteger": "two"}]
        n = bundle["entry"].index(next(e for e in bundle["entry"] if e["resource"] is phq9))
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["code"] == "structure"
        assert issue["expression"] == [f"Bundle.entry[{n}].resource.item[0].answer[0].valueInteger"]

    def test_no_patient(self, import_bundle, bundle):
        del bundle["entry"][entry_index(bundle, "Patient")]
        issues = self.rejected(import_bundle, bundle)
        assert any("needs a Patient" in i["diagnostics"] for i in issues)

    def test_no_consent(self, import_bundle, bundle):
        del bundle["entry"][entry_index(bundle, "Consent")]
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["code"] == "required" and "Consent" in issue["diagnostics"]

    def test_two_patients(self, import_bundle, bundle):
        bundle["entry"].append(copy.deepcopy(bundle["entry"][entry_index(bundle, "Patient")]))
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "Only one Patient per Bundle."
        assert issue["expression"] == [f"Bundle.entry[{len(bundle['entry']) - 1}].resource"]

    def test_response_in_progress(self, import_bundle, bundle):
        response_for(bundle, "gad7")["status"] = "in-progress"
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["expression"][0].endswith(".resource.status")

    def test_consent_refused(self, import_bundle, bundle):
        resource(bundle, "Consent")["status"] = "rejected"
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "Consent to screening is required to submit."
        n = entry_index(bundle, "Consent")
        assert issue["expression"] == [f"Bundle.entry[{n}].resource.status"]

    def test_consent_without_privacy_notice_version(self, import_bundle, bundle):
        resource(bundle, "Consent")["policy"] = [{"uri": "https://example.com/privacy"}]
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["expression"] == [
            f"Bundle.entry[{entry_index(bundle, 'Consent')}].resource.policy"
        ]
        assert codes.PRIVACY_NOTICE_PREFIX in issue["diagnostics"]

    def test_unknown_questionnaire(self, import_bundle, bundle):
        response_for(bundle, "gad7")["questionnaire"] = "http://example.com/Questionnaire/gad7"
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["expression"][0].endswith(".resource.questionnaire")

    def test_other_questionnaire_version(self, import_bundle, bundle):
        response_for(bundle, "gad7")["questionnaire"] = questionnaire_url("gad7") + "|1999"
        (issue,) = self.rejected(import_bundle, bundle)
        assert "version 2006" in issue["diagnostics"]

    def test_answer_out_of_range_has_the_json_api_message(self, import_bundle, bundle, cora_api):
        phq9 = response_for(bundle, "phq9")
        phq9["item"][2]["answer"] = [{"valueInteger": 7}]
        (issue,) = self.rejected(import_bundle, bundle)
        n = entry_index(bundle, "QuestionnaireResponse")
        assert issue["expression"] == [
            f"Bundle.entry[{n}].resource.item.where(linkId='q3')",
            f"Bundle.entry[{n}].resource.item[2]",
        ]
        payload = intake_payload()
        payload["answers"]["phq9"]["q3"] = 7
        same = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
        )
        assert [issue["diagnostics"]] == same.json()["answers"]["phq9"]["q3"]

    def test_unknown_answer_code(self, import_bundle, bundle):
        phq9 = response_for(bundle, "phq9")
        phq9["item"][0]["answer"][0]["valueCoding"]["code"] = "LA0000-0"
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["expression"][0].endswith(".resource.item[0].answer[0].valueCoding")
        assert "LA6568-5" in issue["diagnostics"]

    def test_required_item_missing(self, import_bundle, bundle):
        phq9 = response_for(bundle, "phq9")
        phq9["item"] = [i for i in phq9["item"] if i["linkId"] != "q9"]
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "This item is required."
        assert issue["expression"] == [
            f"Bundle.entry[{entry_index(bundle, 'QuestionnaireResponse')}]"
            ".resource.item.where(linkId='q9')"
        ]

    def test_hidden_item_answered(self, import_bundle, submit, export):
        payload = intake_payload()
        payload["answers"]["cssrs_screen"] = {"q1": False, "q2": False, "q6": False}
        bundle = export(submit(payload, screen=False))
        cssrs = response_for(bundle, "cssrs_screen")
        cssrs["item"].insert(2, {"linkId": "q3", "answer": [{"valueBoolean": True}]})
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "Not asked: shown only when q2 is yes."
        assert issue["expression"][0].endswith("item.where(linkId='q3')")

    def test_unknown_item(self, import_bundle, bundle):
        response_for(bundle, "gad7")["item"].append(
            {"linkId": "q8", "answer": [{"valueInteger": 1}]}
        )
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "Unknown item."
        assert issue["expression"][0].endswith("item.where(linkId='q8')")

    def test_phq9_missing(self, import_bundle, bundle):
        phq9 = response_for(bundle, "phq9")
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"] is not phq9]
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["diagnostics"] == "This questionnaire is required."
        assert "ofType(QuestionnaireResponse)" in issue["expression"][0]

    def test_under_18(self, import_bundle, bundle):
        resource(bundle, "Patient")["birthDate"] = "2015-01-01"
        (issue,) = self.rejected(import_bundle, bundle)
        assert "adults" in issue["diagnostics"]
        assert issue["expression"] == [
            f"Bundle.entry[{entry_index(bundle, 'Patient')}].resource.birthDate"
        ]

    def test_misspelt_medication(self, import_bundle, bundle):
        statement = resource(bundle, "MedicationStatement")
        statement["medicationCodeableConcept"] = {"text": "sertralin"}
        (issue,) = self.rejected(import_bundle, bundle)
        assert "Did you mean 'sertraline'?" in issue["diagnostics"]
        n = entry_index(bundle, "MedicationStatement")
        assert issue["expression"] == [f"Bundle.entry[{n}].resource.medicationCodeableConcept"]

    def test_answers_about_someone_else(self, import_bundle, bundle):
        response_for(bundle, "gad7")["subject"] = {"reference": "Patient/someone-else"}
        (issue,) = self.rejected(import_bundle, bundle)
        assert issue["expression"][0].endswith(".resource.subject")

    def test_body_over_the_limit_is_413(self, import_bundle, bundle):
        bundle["entry"][0]["resource"]["text"] = {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">' + "x" * 300_000 + "</div>",
        }
        (issue,) = self.rejected(import_bundle, bundle, status=413)
        assert issue["code"] == "too-long"


class TestWhoMayImport:
    def test_directory_manager_is_403(self, import_bundle, dirk_api):
        response = import_bundle(partner_bundle(), client=dirk_api)
        assert response.status_code == 403
        assert response.json()["issue"][0]["code"] == "forbidden"

    def test_anonymous_is_401(self, anon_api):
        response = anon_api.post(IMPORT, data=json.dumps(partner_bundle()), content_type=FHIR_JSON)
        assert response.status_code == 401
        assert response.json()["resourceType"] == "OperationOutcome"

    def test_clinician_imports(self, import_bundle, cleo_api):
        created_intake(import_bundle(partner_bundle(), client=cleo_api))


class TestIdempotency:
    """The import takes the Idempotency-Key of POST /api/v1/intakes/: a partner retrying after
    a timeout or a 503 gets the first intake back, not a second intake and review case."""

    @staticmethod
    def post(client, bundle, key):
        return client.post(
            IMPORT, data=json.dumps(bundle), content_type=FHIR_JSON, HTTP_IDEMPOTENCY_KEY=key
        )

    def test_a_replay_returns_the_first_intake_with_200(self, cora_api):
        first = created_intake(self.post(cora_api, partner_bundle(), "fhir-1"))
        again = self.post(cora_api, partner_bundle(), "fhir-1")
        assert again.status_code == 200
        assert again["Location"].endswith(f"/api/v1/intakes/{first.pk}/")
        (created,) = [e for e in again.json()["extension"] if e["url"] == codes.EXT_INTAKE_CREATED]
        assert {e["url"]: e for e in created["extension"]}["intake"]["valueId"] == str(first.pk)
        assert Intake.objects.count() == 1

    def test_the_same_key_with_another_bundle_is_a_409_outcome(self, cora_api):
        created_intake(self.post(cora_api, partner_bundle(), "fhir-2"))
        other = partner_bundle()
        other["entry"][0]["resource"]["birthDate"] = "1980-05-02"
        response = self.post(cora_api, other, "fhir-2")
        assert response.status_code == 409
        OperationOutcome.model_validate(response.json())
        (issue,) = response.json()["issue"]
        assert issue["code"] == "conflict" and "Idempotency-Key" in issue["diagnostics"]
        assert Intake.objects.count() == 1

    def test_keys_are_shared_with_the_json_api(self, cora_api):
        response = cora_api.post(
            "/api/v1/intakes/",
            data=json.dumps(intake_payload()),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="either-way",
        )
        assert response.status_code == 201
        assert self.post(cora_api, partner_bundle(), "either-way").status_code == 409
        assert Intake.objects.count() == 1

    def test_keys_belong_to_their_caller(self, cora_api, cleo_api):
        a = created_intake(self.post(cora_api, partner_bundle(), "shared"))
        b = created_intake(self.post(cleo_api, partner_bundle(), "shared"))
        assert a.pk != b.pk

    def test_a_rejected_bundle_does_not_use_up_its_key(self, cora_api):
        broken = partner_bundle()
        del broken["entry"][1]  # no consent
        assert self.post(cora_api, broken, "fix-and-retry").status_code == 400
        created_intake(self.post(cora_api, partner_bundle(), "fix-and-retry"))

    def test_a_malformed_key_is_a_400_naming_the_header(self, cora_api):
        response = self.post(cora_api, partner_bundle(), "k" * 256)
        assert response.status_code == 400
        OperationOutcome.model_validate(response.json())
        (issue,) = response.json()["issue"]
        assert issue["diagnostics"] == "Idempotency-Key: Use 1 to 255 characters."
        assert not Intake.objects.exists()

    def test_the_schema_documents_the_key(self):
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        operation = schema["paths"]["/api/v1/fhir/"]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
        assert {"200", "201", "409"} <= set(operation["responses"])
