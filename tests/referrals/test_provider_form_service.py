"""The admin's provider form writes through the directory's service: adding or changing a
listing in the admin leaves the same rows (provider, licences, payers, matching's listings) as
the same listing written through the API."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import MatchListing, Provider
from referrals.npi import make_npi
from tests.conftest import login

API = "/api/v1/providers/"
# Differ between the two twins by construction, so left out of the comparison.
OWN = {"id", "npi", "created_at", "updated_at"}


def listing_body(npi: str, **overrides) -> dict:
    today = timezone.localdate()
    body = {
        "npi": npi,
        "name": "Maya Chen",
        "credentials": "MD",
        "provider_type": "psychiatrist",
        "licenses": [{"state": "NY", "expires_on": (today + timedelta(days=300)).isoformat()}],
        "specialties": ["trd", "bipolar"],
        "treatments": ["medication_management", "esketamine"],
        "insurance": ["aetna", "cigna"],
        "self_pay": True,
        "modalities": ["telehealth", "in_person"],
        "languages": ["en", "es"],
        "postal_code": "10027",
        "accepting_new_patients": True,
        "next_available": (today + timedelta(days=9)).isoformat(),
        "availability_confirmed_at": (timezone.now() - timedelta(days=2))
        .replace(microsecond=0)
        .isoformat(),
    }
    body.update(overrides)
    return body


def admin_form(body: dict, provider: Provider | None = None) -> dict:
    """The admin page's POST for the same listing (inlines for licences and payers)."""
    confirmed = timezone.localtime(
        timezone.datetime.fromisoformat(body["availability_confirmed_at"])
    )
    data = {
        "npi": body["npi"],
        "name": body["name"],
        "credentials": body["credentials"],
        "provider_type": body["provider_type"],
        "specialties": body["specialties"],
        "treatments": body["treatments"],
        "modalities": body["modalities"],
        "languages": ", ".join(body["languages"]),
        "postal_code": body["postal_code"],
        "next_available": body["next_available"],
        "availability_confirmed_at_0": confirmed.date().isoformat(),
        "availability_confirmed_at_1": confirmed.time().isoformat(),
    }
    if body["self_pay"]:
        data["self_pay"] = "on"
    if body["accepting_new_patients"]:
        data["accepting_new_patients"] = "on"
    # Each inline row changes the listing's row in place (same count, as a person edits it).
    inlines = {
        "licenses": (body["licenses"], provider.licenses.order_by("state") if provider else []),
        "insurance": (
            [{"payer": payer} for payer in body["insurance"]],
            provider.insurance.order_by("payer") if provider else [],
        ),
    }
    for prefix, (values, existing) in inlines.items():
        existing = list(existing)
        assert not existing or len(existing) == len(values)
        data[f"{prefix}-TOTAL_FORMS"] = str(len(values))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))
        for n, value in enumerate(values):
            if existing:
                data[f"{prefix}-{n}-id"] = existing[n].pk
                data[f"{prefix}-{n}-provider"] = provider.pk
            for field, v in value.items():
                data[f"{prefix}-{n}-{field}"] = str(v)
    return data


def rows(provider: Provider) -> dict:
    """Everything the write left in the database about one listing, minus its own identity."""
    provider = Provider.objects.get(pk=provider.pk)
    listings = MatchListing.objects.filter(provider=provider).order_by("state")
    listing_fields = [
        f.attname
        for f in MatchListing._meta.concrete_fields
        if f.attname not in {"id", "provider_id", "npi"}
    ]
    return {
        "provider": {
            f.attname: getattr(provider, f.attname)
            for f in Provider._meta.concrete_fields
            if f.attname not in OWN
        },
        "licences": sorted((lic.state, lic.expires_on) for lic in provider.licenses.all()),
        "payers": sorted(row.payer for row in provider.insurance.all()),
        "listings": [{f: getattr(row, f) for f in listing_fields} for row in listings],
    }


@pytest.fixture
def admin_client(client, dirk):
    return login(client, dirk)


def test_adding_in_the_admin_leaves_the_rows_the_api_leaves(admin_client, dirk_api):
    via_api = listing_body(make_npi("123456789"))
    via_admin = {**via_api, "npi": make_npi("223456789")}  # the same moment, too
    assert (
        dirk_api.post(API, json.dumps(via_api), content_type="application/json").status_code == 201
    )
    response = admin_client.post("/admin/referrals/provider/add/", admin_form(via_admin))
    assert response.status_code == 302, response.context["adminform"].form.errors

    api_rows = rows(Provider.objects.get(npi=via_api["npi"]))
    admin_rows = rows(Provider.objects.get(npi=via_admin["npi"]))
    assert admin_rows == api_rows
    # The service's own work is in both: coordinates, modality flags, one listing per licence.
    assert api_rows["provider"]["latitude"] is not None
    assert api_rows["provider"]["offers_in_person"] is True
    assert len(api_rows["listings"]) == 1


def test_changing_in_the_admin_leaves_the_rows_the_api_leaves(admin_client, dirk_api):
    first = listing_body(make_npi("133456789"))
    bodies = [first, {**first, "npi": make_npi("233456789")}]  # the same moment, too
    for body in bodies:
        response = dirk_api.post(API, json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
    by_api, by_admin = (Provider.objects.get(npi=body["npi"]) for body in bodies)
    later = (timezone.localdate() + timedelta(days=400)).isoformat()
    change = {
        "postal_code": "90024",
        "modalities": ["telehealth"],
        "languages": ["en"],
        "licenses": [{"state": "CA", "expires_on": later}],
        "insurance": ["medicare", "medicaid"],
        "self_pay": False,
    }
    response = dirk_api.patch(
        f"{API}{by_api.pk}/", json.dumps(change), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    # The admin page changes the licence and payer rows in place (id kept), as a person would.
    response = admin_client.post(
        f"/admin/referrals/provider/{by_admin.pk}/change/",
        admin_form({**bodies[1], **change}, provider=by_admin),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    admin_rows = rows(by_admin)
    assert admin_rows == rows(by_api)
    assert admin_rows["provider"]["offers_in_person"] is False
    assert [row["state"] for row in admin_rows["listings"]] == ["CA"]
    assert admin_rows["provider"]["latitude"] == pytest.approx(34.06, abs=0.1)
