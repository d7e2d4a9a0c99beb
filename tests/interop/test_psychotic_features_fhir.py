"""Issue 20 item 1 in FHIR: the psychotic-features Observation carries who reported them
(``method`` in the report-source code system), both ways."""

import copy

import pytest

from interop import codes
from tests.factories import intake_payload
from tests.interop.conftest import created_intake
from tests.screening.conftest import psychotic_payload

pytestmark = pytest.mark.django_db


def psychotic_observation(bundle):
    (found,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and any(cd.get("code") == "psychotic-features" for cd in e["resource"]["code"]["coding"])
    ]
    return found


class TestFhir:
    @pytest.mark.parametrize("source", ["self_report", "clinician"])
    def test_export_and_import_carry_the_source(self, submit, export, import_bundle, source):
        original = submit(psychotic_payload(source))
        bundle = export(original)
        method = psychotic_observation(bundle)["method"]["coding"][0]
        assert method["system"] == codes.CS_REPORT_SOURCE and method["code"] == source
        imported = created_intake(import_bundle(bundle))
        assert imported.psychotic_features is True
        assert imported.psychotic_features_source == source

    def test_no_features_no_method(self, submit, export):
        observation = psychotic_observation(export(submit(intake_payload())))
        assert observation["valueBoolean"] is False and "method" not in observation

    def test_an_unknown_method_code_names_the_element(self, submit, export, import_bundle):
        bundle = export(submit(psychotic_payload()))
        bundle = copy.deepcopy(bundle)
        psychotic_observation(bundle)["method"]["coding"][0]["code"] = "neighbour"
        response = import_bundle(bundle)
        assert response.status_code == 400
        assert ".method" in response.content.decode()
