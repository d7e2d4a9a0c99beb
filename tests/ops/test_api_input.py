"""The input rules every v1 endpoint shares (ops/parsers.py, ops/filters.py): a body must be
JSON by its Content-Type (415), a query parameter must hold a value (400 naming it), and the
intake's consent is checked as the contract states it."""

import json

import pytest

from intake import privacy_notice
from intake.models import Intake
from referrals.models import Provider
from tests.factories import intake_payload
from tests.referrals.conftest import make_provider

STRICT_BOOLEAN = "Must be a JSON boolean: true or false."

FHIR_JSON = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"


def bodies(provider_id):
    """Every operation that takes a body: (method, path, a valid-looking JSON body)."""
    return [
        ("post", "/api/v1/intakes/", intake_payload()),
        ("post", "/api/v1/fhir/", {"resourceType": "Bundle"}),
        ("post", "/api/v1/providers/", {"name": "x"}),
        ("patch", f"/api/v1/providers/{provider_id}/", {"name": "Renamed"}),
        ("post", "/api/v1/referrals/", {"note": "x"}),
    ]


@pytest.mark.django_db
class TestContentType:
    @pytest.mark.parametrize(
        "content_type", [FORM, "multipart/form-data; boundary=x", "text/plain", "*/*", None]
    )
    def test_a_body_that_is_not_json_by_its_content_type_is_a_415(self, root_api, content_type):
        provider = make_provider(name="Kept")
        for method, path, body in bodies(provider.pk):
            response = root_api.generic(
                method.upper(), path, json.dumps(body), content_type=content_type or ""
            )
            assert response.status_code == 415, (method, path, response.content)
        assert not Intake.objects.exists()
        assert Provider.objects.get().name == "Kept"

    def test_the_fhir_import_answers_415_as_an_operation_outcome(self, root_api):
        response = root_api.post("/api/v1/fhir/", data="{}", content_type="text/plain")
        assert response.status_code == 415
        assert response["Content-Type"].startswith(FHIR_JSON)
        (issue,) = response.json()["issue"]
        assert issue["code"] == "not-supported"

    @pytest.mark.parametrize("content_type", [FHIR_JSON, "application/json"])
    def test_the_fhir_import_reads_fhir_json_and_json(self, cora_api, content_type):
        response = cora_api.post("/api/v1/fhir/", data="{}", content_type=content_type)
        assert response.status_code == 400  # parsed, then rejected as no Bundle: not a 415

    def test_json_with_a_charset_is_json(self, cora_api):
        response = cora_api.post(
            "/api/v1/intakes/",
            data=json.dumps(intake_payload()),
            content_type="application/json; charset=utf-8",
        )
        assert response.status_code == 201, response.content

    def test_the_schema_documents_415_on_every_operation_with_a_body(self):
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        with_body = [
            (path, method)
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
            if "requestBody" in operation
        ]
        assert len(with_body) >= 5
        for path, method in with_body:
            assert "415" in schema["paths"][path][method]["responses"], (path, method)


@pytest.mark.django_db
class TestNonJSONBodies:
    @pytest.mark.parametrize(
        "raw",
        [
            b'{"a": NaN}',
            b'{"a": Infinity}',
            b"\xef\xbb\xbf{}",  # a byte-order mark
            b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU), not UTF-8
            b"[" * 33 + b"]" * 33,  # one level past the limit
        ],
    )
    def test_a_body_json_does_not_allow_is_a_400(self, cora_api, raw):
        response = cora_api.post("/api/v1/intakes/", data=raw, content_type="application/json")
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_depth_counts_brackets_outside_strings_only(self, cora_api):
        payload = intake_payload()
        payload["patient"]["given_name"] = "[{" * 60  # text, not nesting
        response = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 201, response.content

    def test_a_surrogate_pair_is_text(self, cora_api):
        payload = intake_payload()
        payload["patient"]["given_name"] = "Ada \U0001f600"  # sent as "\\ud83d\\ude00"
        response = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 201, response.content


@pytest.mark.django_db
class TestEmptyFilterValues:
    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("/api/v1/intakes/", "status"),
            ("/api/v1/intakes/", "urgent"),
            ("/api/v1/intakes/", "submitted_after"),
            ("/api/v1/intakes/", "flag"),
            ("/api/v1/providers/", "state"),
            ("/api/v1/providers/", "language"),
            ("/api/v1/providers/", "accepting"),
            ("/api/v1/referrals/", "status"),
            ("/api/v1/referrals/", "intake"),
        ],
    )
    @pytest.mark.parametrize("value", ["", "  "])
    def test_an_empty_filter_is_a_400_naming_it(self, root_api, path, name, value):
        response = root_api.get(path, {name: value})
        assert response.status_code == 400, response.content
        assert response.json() == {name: ["Give a value, or leave the parameter out."]}

    def test_a_repeated_parameter_with_one_empty_value_is_a_400(self, root_api):
        response = root_api.get("/api/v1/intakes/?status=received&status=")
        assert response.status_code == 400
        assert list(response.json()) == ["status"]

    def test_submitted_after_reads_offsets_and_utc(self, cora_api):
        created = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(intake_payload()), content_type="application/json"
        )
        assert created.status_code == 201
        for value, count in [
            ("2000-01-01T00:00:00+14:00", 1),
            ("2000-01-01", 1),
            ("9999-01-01T00:00:00-15:59", 0),
            ("9999-01-01T00:00:00Z", 0),
        ]:
            response = cora_api.get("/api/v1/intakes/", {"submitted_after": value})
            assert response.status_code == 200, (value, response.content)
            assert response.json()["count"] == count, value


@pytest.mark.django_db
class TestConsent:
    def post(self, client, consent):
        return client.post(
            "/api/v1/intakes/",
            data=json.dumps(intake_payload(consent=consent)),
            content_type="application/json",
        )

    @pytest.mark.parametrize("screening", ["true", 1, "yes", "1", None])
    def test_screening_must_be_the_json_boolean_true(self, cora_api, screening):
        response = self.post(
            cora_api, {"screening": screening, "privacy_notice_version": "2026-01"}
        )
        assert response.status_code == 400
        assert "screening" in response.json()["consent"]
        assert not Intake.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            (("patient", "insurance", "self_pay"), "false", STRICT_BOOLEAN),
            (("treatment_history", "psychotic_features"), 0, STRICT_BOOLEAN),
            # Not known is an answer here (null), never a default that counts.
            (
                ("treatment_history", "medication_trials", 0, "current_episode"),
                "true",
                "Must be a JSON boolean or null: true, false or null.",
            ),
        ],
    )
    def test_every_intake_boolean_is_a_json_boolean(self, cora_api, field, value, message):
        payload = intake_payload()
        target = payload
        for key in field[:-1]:
            target = target[key]
        target[field[-1]] = value
        response = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 400
        error = response.json()
        for key in field:
            error = error[str(key)]
        assert error == [message]

    def test_an_unpublished_privacy_notice_version_is_a_400(self, cora_api):
        response = self.post(cora_api, {"screening": True, "privacy_notice_version": "2099-01"})
        assert response.status_code == 400
        (message,) = response.json()["consent"]["privacy_notice_version"]
        assert "2026-01" in message  # names the published versions
        assert not Intake.objects.exists()

    def test_every_published_version_is_accepted_and_the_wizard_shows_the_current_one(
        self, cora_api
    ):
        from intake.forms import PRIVACY_NOTICE_VERSION

        assert privacy_notice.PUBLISHED_VERSIONS[-1] == PRIVACY_NOTICE_VERSION
        for version in privacy_notice.PUBLISHED_VERSIONS:
            response = self.post(cora_api, {"screening": True, "privacy_notice_version": version})
            assert response.status_code == 201, response.content

    def test_the_fhir_import_checks_the_version_too(self, cora_api, cleo_api):
        from interop import codes

        created = self.post(cora_api, {"screening": True, "privacy_notice_version": "2026-01"})
        bundle = cleo_api.get(f"/api/v1/intakes/{created.json()['id']}/fhir/").json()
        for entry in bundle["entry"]:
            if entry["resource"]["resourceType"] == "Consent":
                entry["resource"]["policy"] = [{"uri": codes.privacy_notice_url("1999-01")}]
        response = cora_api.post("/api/v1/fhir/", data=json.dumps(bundle), content_type=FHIR_JSON)
        assert response.status_code == 400
        diagnostics = " ".join(i["diagnostics"] for i in response.json()["issue"])
        assert "privacy notice" in diagnostics.lower()
