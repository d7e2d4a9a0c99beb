"""Access-control matrix: every API endpoint and the staff pages by every persona.

Personas (tests/conftest.py): anonymous, cora (intake coordinator), cleo (clinician),
dirk (directory manager), root (superuser), and the token of a deactivated user. Each cell is
the exact status the contract and the roles promise (docs/api.md "Authentication and
roles"): 401 without valid credentials, 403 without the role, 404 for an intake the caller may
not see.
"""

import pytest
from django.test import Client

from referrals.models import Provider
from tests.conftest import login, submit
from tests.referrals.conftest import make_provider

PERSONAS = ("anon", "cora", "cleo", "dirk", "root", "deactivated")

# path template -> expected status per persona (API, GET with a token).
API_READS = {
    "/api/v1/instruments/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/medications/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/support-resources/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/instruments/phq9/fhir/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/intakes/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/intakes/{intake}/": {
        "anon": 401,
        "cora": 200,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/intakes/{intake}/fhir/": {
        "anon": 401,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/intakes/{intake}/provider-matches/": {
        "anon": 401,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
        "deactivated": 401,
    },
    # Clinicians may read the directory (they refer to providers by id); only directory
    # managers change it (see test_deleting_a_provider).
    "/api/v1/providers/": {
        "anon": 401,
        "cora": 403,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/providers/{provider}/": {
        "anon": 401,
        "cora": 403,
        "cleo": 200,
        "dirk": 200,
        "root": 200,
        "deactivated": 401,
    },
    "/api/v1/referrals/": {
        "anon": 401,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
        "deactivated": 401,
    },
}

# Staff pages (session login; anonymous is sent to the login page).
ADMIN_PAGES = {
    "/admin/screening/case/": {"anon": 302, "cora": 403, "cleo": 200, "dirk": 403, "root": 200},
    "/admin/screening/case/{case}/change/": {
        "anon": 302,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
    },
    "/admin/intake/intake/": {"anon": 302, "cora": 200, "cleo": 200, "dirk": 403, "root": 200},
    "/admin/referrals/provider/": {"anon": 302, "cora": 403, "cleo": 200, "dirk": 200, "root": 200},
    "/admin/referrals/referral/case/{case}/matches/": {
        "anon": 302,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
    },
    "/admin/referrals/referral/outcomes/": {
        "anon": 302,
        "cora": 403,
        "cleo": 200,
        "dirk": 403,
        "root": 200,
    },
}


@pytest.fixture
def world(db, cora):
    """An intake submitted by the coordinator, its case, and one provider."""
    intake = submit()
    intake.__class__.objects.filter(pk=intake.pk).update(submitted_by=cora)
    return {"intake": intake.pk, "case": intake.case.pk, "provider": make_provider().pk}


def api_client(request, persona):
    return request.getfixturevalue("anon_api" if persona == "anon" else f"{persona}_api")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", list(API_READS))
def test_api_reads(request, world, path, persona):
    client = api_client(request, persona)
    response = client.get(path.format(**world))
    assert response.status_code == API_READS[path][persona], response.content[:200]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "deactivated"])
@pytest.mark.parametrize("path", list(ADMIN_PAGES))
def test_staff_pages(request, world, path, persona):
    client = Client()
    if persona != "anon":
        login(client, request.getfixturevalue(persona))
    response = client.get(path.format(**world))
    assert response.status_code == ADMIN_PAGES[path][persona]
    if persona == "anon":
        assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anon", 401),
        ("cora", 201),
        ("cleo", 201),
        ("dirk", 403),
        ("root", 201),
        ("deactivated", 401),
    ],
)
def test_submitting_an_intake(request, persona, expected):
    import json

    from tests.factories import intake_payload

    response = api_client(request, persona).post(
        "/api/v1/intakes/", data=json.dumps(intake_payload()), content_type="application/json"
    )
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anon", 401),
        ("cora", 403),
        ("cleo", 403),
        ("dirk", 204),
        ("root", 204),
        ("deactivated", 401),
    ],
)
def test_deleting_a_provider(request, world, persona, expected):
    response = api_client(request, persona).delete(f"/api/v1/providers/{world['provider']}/")
    assert response.status_code == expected
    assert Provider.objects.filter(pk=world["provider"]).exists() == (expected != 204)
