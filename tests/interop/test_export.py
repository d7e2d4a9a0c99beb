"""GET /api/v1/intakes/{id}/fhir/: the intake as a FHIR R4B Bundle."""

from collections import Counter

import pytest
from fhir.resources.R4B.bundle import Bundle

from interop import codes
from interop.codes import LOINC, questionnaire_url
from ops.audit import ACCESS, entries_for
from referrals.models import Provider, Referral
from tests.factories import intake_payload, urgent_payload

from .conftest import all_instruments_payload, coded, entries, validate_r4b

pytestmark = pytest.mark.django_db


def by_code(bundle, system, code):
    (found,) = [r for r in entries(bundle, "Observation") if coded(r, system, code)]
    return found


def interpretation_codes(observation):
    return {c["code"] for i in observation.get("interpretation", []) for c in i["coding"]}


class TestContractExample:
    @pytest.fixture
    def bundle(self, submit, export):
        return export(submit())

    def test_every_resource_validates_with_r4b(self, bundle):
        Bundle.model_validate(bundle)
        for resource in entries(bundle):
            validate_r4b(resource)
        assert bundle["type"] == "collection"
        assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])

    def test_resource_list(self, bundle):
        assert Counter(r["resourceType"] for r in entries(bundle)) == {
            "Patient": 1,
            "Consent": 1,
            "Coverage": 1,
            "QuestionnaireResponse": 2,
            "Observation": 6,  # PHQ-9, GAD-7, Thase-Rush, Maudsley, episode months, psychosis
            "MedicationStatement": 3,
            "Procedure": 2,  # CBT, ECT
            "Flag": 1,
            "DetectedIssue": 1,
        }

    def test_patient(self, bundle):
        (patient,) = entries(bundle, "Patient")
        assert patient["identifier"][0]["value"] == "MRN-00042"
        assert patient["name"] == [{"use": "official", "family": "Rivera", "given": ["Ada"]}]
        assert patient["birthDate"] == "1986-03-14"
        assert {"url": codes.EXT_SEX_AT_BIRTH, "valueCode": "female"} in patient["extension"]
        assert patient["address"][0]["state"] == "NY"
        assert patient["address"][0]["postalCode"] == "10027"
        assert {t["system"] for t in patient["telecom"]} == {"email", "phone"}
        assert "gender" not in patient  # administrative gender is not collected

    def test_questionnaire_responses_point_at_our_questionnaires(self, bundle):
        responses = {r["questionnaire"]: r for r in entries(bundle, "QuestionnaireResponse")}
        phq9 = responses[f"{questionnaire_url('phq9')}|2001"]
        assert [i["linkId"] for i in phq9["item"]] == [
            *(f"q{n}" for n in range(1, 10)),
            "difficulty",
        ]
        q2 = phq9["item"][1]["answer"][0]["valueCoding"]
        assert (q2["system"], q2["code"]) == (LOINC, "LA6571-9")  # "Nearly every day" = 3
        assert f"{questionnaire_url('gad7')}|2006" in responses

    def test_score_observations_carry_loinc_value_and_band(self, bundle):
        phq9 = by_code(bundle, LOINC, "44261-6")
        assert phq9["valueInteger"] == 15
        assert interpretation_codes(phq9) == {"moderately_severe", "POS"}
        assert phq9["derivedFrom"][0]["reference"].startswith("urn:uuid:")
        gad7 = by_code(bundle, LOINC, "70274-6")
        assert gad7["valueInteger"] == 7
        assert interpretation_codes(gad7) == {"mild", "NEG"}

    def test_staging_observations(self, bundle):
        stage = by_code(bundle, codes.CS_OBSERVATION, "thase-rush-stage")
        assert stage["valueCodeableConcept"]["coding"][0]["code"] == "I"
        maudsley = by_code(bundle, codes.CS_OBSERVATION, "maudsley-total")
        assert maudsley["valueInteger"] == 8
        assert interpretation_codes(maudsley) == {"moderate"}
        assert len(maudsley["component"]) == 5

    def test_medication_trials(self, bundle):
        statements = entries(bundle, "MedicationStatement")
        meds = [s["medicationCodeableConcept"]["coding"][0]["code"] for s in statements]
        assert meds == ["sertraline", "escitalopram", "aripiprazole"]
        dose = statements[0]["dosage"][0]["maxDosePerPeriod"]
        assert (dose["numerator"]["value"], dose["numerator"]["code"]) == (150, "mg")
        assert (dose["denominator"]["value"], dose["denominator"]["code"]) == (1, "d")
        trial = {e["url"]: e for e in statements[0]["extension"][0]["extension"]}
        assert trial["adherence"]["valueCode"] == "most_days"
        assert trial["outcome"]["valueCode"] == "no_response"
        assert trial["weeksAtMaxDose"]["valueQuantity"]["value"] == 8

    def test_flag_links_a_detected_issue_with_the_evidence(self, bundle):
        (flag,) = entries(bundle, "Flag")
        assert coded(flag, codes.CS_FLAG, "possible_trd")
        extensions = {e["url"]: e for e in flag["extension"]}
        assert extensions[codes.EXT_FLAG_LEVEL]["valueCode"] == "high"
        detail = extensions[codes.EXT_FLAG_DETAIL]["valueReference"]["reference"]
        (issue,) = entries(bundle, "DetectedIssue")
        assert detail == f"urn:uuid:{issue['id']}"
        evidence = [e["code"][0]["text"] for e in issue["evidence"]]
        assert "sertraline 150 mg/day for 8 weeks, taken most days: no response" in evidence
        assert issue["severity"] == "high"
        statement_ids = {f"urn:uuid:{s['id']}" for s in entries(bundle, "MedicationStatement")}
        assert len({r["reference"] for r in issue["implicated"]} & statement_ids) == 2

    def test_exporting_twice_gives_the_same_resource_ids(self, submit, export):
        intake = submit()
        first, second = export(intake), export(intake)
        assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_every_instrument_exports_its_score_with_loinc_or_local_code(submit, export):
    bundle = export(submit(all_instruments_payload()))
    Bundle.model_validate(bundle)
    for resource in entries(bundle):
        validate_r4b(resource)
    assert len(entries(bundle, "QuestionnaireResponse")) == 12
    assert by_code(bundle, LOINC, "75626-2")["valueInteger"] == 4  # AUDIT-C
    phq15 = by_code(bundle, LOINC, "70273-8")  # PHQ-15
    assert (phq15["valueInteger"], interpretation_codes(phq15)) == (15, {"high"})
    cssrs = by_code(bundle, LOINC, "93374-7")  # C-SSRS risk level
    assert cssrs["valueCodeableConcept"]["coding"][0]["code"] == "moderate"
    by_code(bundle, LOINC, "102017-1")  # PC-PTSD-5
    for local in (
        "mdq-yes-count",
        "drug-screen-times",
        "scoff-total",
        "zf-ocs-yes-count",
        "phq-panic-symptom-count",
        "ace-total",
    ):
        by_code(bundle, codes.CS_OBSERVATION, local)
    flags = {f["code"]["coding"][0]["code"] for f in entries(bundle, "Flag")}
    assert {"suicide_risk", "possible_bipolar", "substance_use", "possible_ptsd"} <= flags
    assert len(entries(bundle, "DetectedIssue")) == len(flags)


def test_pending_screening_exports_what_exists(submit, export):
    intake = submit(urgent_payload(), screen=False)  # the screening task never ran
    bundle = export(intake)
    for resource in entries(bundle):
        validate_r4b(resource)
    observations = entries(bundle, "Observation")
    assert {o["code"]["coding"][0]["code"] for o in observations} == {
        "current-episode-months",
        "psychotic-features",
    }
    (flag,) = entries(bundle, "Flag")  # the suicide_risk flag written at submission
    assert coded(flag, codes.CS_FLAG, "suicide_risk")
    assert len(entries(bundle, "QuestionnaireResponse")) == 2


def test_referrals_are_service_requests(submit, export, cleo):
    intake = submit()
    provider = Provider.objects.create(
        npi="1234567893",
        name="Maya Chen",
        credentials="MD",
        provider_type="psychiatrist",
        postal_code="10027",
    )
    Referral.objects.create(
        intake=intake, provider=provider, note="TRD assessment", created_by=cleo
    )
    bundle = export(intake)
    (request,) = entries(bundle, "ServiceRequest")
    validate_r4b(request)
    assert request["status"] == "draft" and request["intent"] == "order"
    assert request["performer"][0]["identifier"] == {"system": codes.US_NPI, "value": "1234567893"}
    assert request["category"][0]["coding"][0]["code"] == "3457005"  # SNOMED patient referral
    assert request["subject"]["reference"] == f"urn:uuid:{intake.patient_id}"


def test_the_export_is_an_audited_access(submit, export, cleo):
    intake = submit()
    export(intake)
    assert entries_for(intake).filter(action=ACCESS, actor=cleo).exists()


class TestWhoMayExport:
    def test_coordinator_is_403(self, submit, cora_api):
        response = cora_api.get(f"/api/v1/intakes/{submit().pk}/fhir/")
        assert response.status_code == 403
        assert response.json()["issue"][0]["code"] == "forbidden"

    def test_directory_manager_is_403(self, submit, dirk_api):
        assert dirk_api.get(f"/api/v1/intakes/{submit().pk}/fhir/").status_code == 403

    def test_anonymous_is_401(self, submit, anon_api):
        assert anon_api.get(f"/api/v1/intakes/{submit().pk}/fhir/").status_code == 401

    def test_unknown_intake_is_404(self, cleo_api):
        response = cleo_api.get("/api/v1/intakes/00000000-0000-0000-0000-000000000000/fhir/")
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"

    def test_superuser_exports(self, submit, export, root_api):
        export(submit(intake_payload()), client=root_api)
