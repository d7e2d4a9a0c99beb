"""schemathesis over the whole OpenAPI schema: no 500, responses match the schema, documented
status codes are real. Bounded examples per operation so the suite stays quick."""

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from config.wsgi import application
from intake.models import Intake
from referrals.services import referral_create
from tests.conftest import submit
from tests.factories import intake_payload
from tests.referrals.conftest import make_provider

FHIR_JSON = "application/fhir+json"

# Loaded at collection (pytest-django has configured Django by then); generating the schema
# reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def superuser_token(django_user_model):
    user = django_user_model.objects.create_superuser(username="fuzz", password="pw-fuzz")
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_as_a_superuser(case, superuser_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {superuser_token}"},
        # Domain rules (a ZIP inside its state, skip logic, catalogue names) are validated
        # beyond what OpenAPI can express, so valid-looking data may still be a 400; data the
        # schema rules out must be rejected (negative_data_rejection), since bodies and filters
        # validate strictly.
        excluded_checks=[positive_data_acceptance],
    )


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_refuses_anonymous_callers(case):
    response = case.call()
    if response.status_code == 404:  # only a URL no route matches (an id that is no UUID)
        assert not all(is_uuid(v) for v in (case.path_parameters or {}).values()), case.path
        return
    assert response.status_code in (401, 403), (
        case.method,
        case.formatted_path,
        response.status_code,
    )


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- Regressions: the 500s fuzzing a running service found -----------------------------------
# Each is sent as a schemathesis case and checked by its checks (no 5xx, a documented status,
# a response matching the schema), then for the 400 it must be. The generated run above cannot
# reach them: it writes no 100,000-level JSON and no lone surrogate, so they are spelt out.

REGRESSION_CHECKS = {"excluded_checks": [positive_data_acceptance, negative_data_rejection]}
DEEP = ("[" * 100_000 + "]" * 100_000).encode()  # RecursionError in json.loads before


def call(operation, superuser_token, **case):
    return (
        schema[operation[0]][operation[1]]
        .Case(**case)
        .call_and_validate(
            headers={"Authorization": f"Token {superuser_token}"}, **REGRESSION_CHECKS
        )
    )


@pytest.mark.django_db
class TestNoFiveHundredRegressions:
    def test_deeply_nested_json_to_the_intake_api_is_a_400(self, superuser_token):
        response = call(
            ("/api/v1/intakes/", "POST"), superuser_token, body=DEEP, media_type="application/json"
        )
        assert response.status_code == 400
        assert "32 levels" in response.json()["detail"]

    def test_deeply_nested_json_to_the_fhir_import_is_an_operation_outcome(self, superuser_token):
        response = call(("/api/v1/fhir/", "POST"), superuser_token, body=DEEP, media_type=FHIR_JSON)
        assert response.status_code == 400
        assert response.headers["content-type"][0].startswith(FHIR_JSON)
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "structure"

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            # a lone surrogate in a value: the 400 naming it could not be encoded before
            (
                {
                    **intake_payload(),
                    "patient": {**intake_payload()["patient"], "given_name": "\ud800"},
                },
                ("patient", "given_name"),
            ),
            # in a key ("Unknown field." keyed by it could not be encoded)
            (intake_payload(patient={"\udc00x": 1}), ("patient",)),
            ({"\ud83d": 1}, ("non_field_errors",)),
            # NUL: PostgreSQL refuses it in text and jsonb
            (
                {**intake_payload(), "care_preferences": {"languages": ["en\x00"]}},
                ("care_preferences", "languages", "0"),
            ),
        ],
    )
    def test_text_that_is_not_unicode_is_a_400_naming_the_field(self, superuser_token, body, error):
        response = call(("/api/v1/intakes/", "POST"), superuser_token, body=body)
        assert response.status_code == 400
        found = response.json()  # the body encodes: the 500 was a UnicodeEncodeError
        for key in error:
            found = found[key]
        assert "not valid text" in found[0].lower()
        assert not Intake.objects.exists()

    def test_a_lone_surrogate_in_a_fhir_bundle_names_its_element(self, superuser_token):
        body = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"id": "\ud800"}}],
        }
        response = call(("/api/v1/fhir/", "POST"), superuser_token, body=body, media_type=FHIR_JSON)
        assert response.status_code == 400
        (issue,) = response.json()["issue"]
        assert issue["expression"] == ["Bundle.entry[0].resource.id"]

    @pytest.mark.parametrize("offset", ["+16:00", "-23:59", "+23:00"])
    def test_submitted_after_with_an_offset_postgresql_refuses_is_a_400(
        self, superuser_token, offset
    ):
        response = call(
            ("/api/v1/intakes/", "GET"),
            superuser_token,
            query={"submitted_after": f"2026-01-01T00:00:00{offset}"},
        )
        assert response.status_code == 400
        assert "offset" in response.json()["submitted_after"][0]

    @pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
    def test_submitted_after_outside_the_calendar_in_utc_is_a_400(self, superuser_token, instant):
        response = call(
            ("/api/v1/intakes/", "GET"), superuser_token, query={"submitted_after": instant}
        )
        assert response.status_code == 400
        assert list(response.json()) == ["submitted_after"]

    @pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "0", "51", ""])
    def test_a_match_limit_that_is_no_ascii_number_in_range_is_a_400(self, superuser_token, limit):
        """ "²" passes str.isdigit() and fails int(): it was a 500."""
        intake = submit()
        response = call(
            ("/api/v1/intakes/{intake_id}/provider-matches/", "GET"),
            superuser_token,
            path_parameters={"intake_id": str(intake.pk)},
            query={"limit": limit},
        )
        assert response.status_code == 400
        assert list(response.json()) == ["limit"]

    def test_patch_a_provider_with_a_licence_lacking_state_is_a_400(self, superuser_token):
        provider = make_provider()
        response = call(
            ("/api/v1/providers/{id}/", "PATCH"),
            superuser_token,
            path_parameters={"id": str(provider.pk)},
            body={"licenses": [{"expires_on": "2030-01-01"}]},
        )
        assert response.status_code == 400
        assert response.json() == {"licenses": {"0": {"state": ["This field is required."]}}}
        assert [lic.state for lic in provider.licenses.all()] == ["NY"]  # unchanged


BODY_OPERATIONS = [
    (path, method.upper())
    for path, operations in schema.raw_schema["paths"].items()
    for method, operation in operations.items()
    if isinstance(operation, dict) and "requestBody" in operation
]


def test_every_operation_with_a_body_is_listed():
    assert len(BODY_OPERATIONS) >= 5, BODY_OPERATIONS


@pytest.mark.parametrize(("path", "method"), BODY_OPERATIONS)
@pytest.mark.django_db
def test_every_body_that_is_not_json_by_its_content_type_is_a_documented_415(
    path, method, superuser_token, django_user_model
):
    provider = make_provider()
    ids = None
    if path == "/api/v1/providers/{id}/":
        ids = {"id": str(provider.pk)}
    elif path == "/api/v1/referrals/{id}/":
        referral = referral_create(
            intake=submit(),
            provider=provider,
            by=django_user_model.objects.get(username="fuzz"),
            note="",
        )
        ids = {"id": str(referral.pk)}
    elif path == "/api/v1/intakes/{intake_id}/follow-up-plan/":
        ids = {"intake_id": str(submit().pk)}
    response = call(
        (path, method),
        superuser_token,
        path_parameters=ids,
        body=b'{"looks": "like json"}',
        media_type="text/plain",
    )
    assert response.status_code == 415
