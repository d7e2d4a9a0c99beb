"""GET/POST /api/v1/providers/ and GET/PATCH/DELETE /api/v1/providers/{id}/ (directory)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import License, Provider, ProviderInsurance
from referrals.services import referral_create
from tests.referrals.conftest import make_provider

URL = "/api/v1/providers/"

CONTRACT_EXAMPLE = {
    "npi": "1234567893",
    "name": "Maya Chen",
    "credentials": "MD",
    "provider_type": "psychiatrist",
    "licenses": [{"state": "NY", "expires_on": "2027-06-30"}],
    "specialties": ["trd", "bipolar"],
    "treatments": ["medication_management", "esketamine", "rtms"],
    "insurance": ["aetna", "cigna"],
    "self_pay": True,
    "modalities": ["telehealth", "in_person"],
    "languages": ["en", "es"],
    "postal_code": "10027",
    "accepting_new_patients": True,
    "next_available": "2026-11-24",
    "availability_confirmed_at": "2026-11-20T15:04:00Z",
}

CHOICE = "Not one of the allowed values (the API schema lists them)."  # no echo


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def patch(client, provider, body):
    return client.patch(
        f"{URL}{provider.pk}/", data=json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
class TestPermissions:
    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 403), ("cleo", 200), ("dirk", 200), ("root", 200)],
        indirect=["persona_api"],
    )
    def test_list(self, persona_api, status):
        assert persona_api.get(URL).status_code == status

    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 403), ("cleo", 403), ("dirk", 201), ("root", 201)],
        indirect=["persona_api"],
    )
    def test_create(self, persona_api, status):
        assert post(persona_api, CONTRACT_EXAMPLE).status_code == status

    def test_a_clinician_cannot_change_or_delete(self, cleo_api):
        provider = make_provider()
        assert patch(cleo_api, provider, {"accepting_new_patients": False}).status_code == 403
        assert cleo_api.delete(f"{URL}{provider.pk}/").status_code == 403

    def test_put_is_not_offered(self, dirk_api):
        provider = make_provider()
        response = dirk_api.put(
            f"{URL}{provider.pk}/",
            data=json.dumps(CONTRACT_EXAMPLE),
            content_type="application/json",
        )
        assert response.status_code == 405


@pytest.mark.django_db
class TestCreateAndRead:
    def test_the_contract_example_round_trips(self, dirk_api):
        response = post(dirk_api, CONTRACT_EXAMPLE)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body.pop("id")
        assert body.pop("availability_stale") is (
            timezone.now() - timedelta(days=30)
            > timezone.datetime(2026, 11, 20, 15, 4, tzinfo=timezone.UTC)
        )
        assert body == CONTRACT_EXAMPLE
        provider = Provider.objects.get(npi="1234567893")
        assert provider.location == pytest.approx((40.8116, -73.955))
        assert provider.offers_telehealth and provider.offers_in_person
        assert set(
            ProviderInsurance.objects.filter(provider=provider).values_list("payer", flat=True)
        ) == {"aetna", "cigna"}
        detail = dirk_api.get(f"{URL}{provider.pk}/").json()
        assert detail["licenses"] == [{"state": "NY", "expires_on": "2027-06-30"}]

    def test_unknown_ids_are_404(self, dirk_api):
        assert dirk_api.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404

    def test_duplicates_in_lists_are_dropped(self, dirk_api):
        body = {**CONTRACT_EXAMPLE, "specialties": ["trd", "trd"], "languages": ["en", "en"]}
        assert post(dirk_api, body).json()["specialties"] == ["trd"]


@pytest.mark.django_db
class TestValidation:
    @pytest.mark.parametrize(
        ("change", "errors"),
        [
            (
                {"npi": "1234567890"},
                {
                    "npi": [
                        "Invalid NPI: the check digit does not match "
                        "(NPI standard, Luhn with 80840)."
                    ]
                },
            ),
            ({"npi": "12345"}, {"npi": ["Ensure this field has at least 10 characters."]}),
            ({"provider_type": "surgeon"}, {"provider_type": [CHOICE]}),
            (
                {
                    "licenses": [
                        {"state": "NY", "expires_on": "2027-06-30"},
                        {"state": "XX", "expires_on": "2027-06-30"},
                    ]
                },
                {"licenses": {"1": {"state": ["Use a US state or territory code such as 'NY'."]}}},
            ),
            (
                {
                    "licenses": [
                        {"state": "NY", "expires_on": "2027-06-30"},
                        {"state": "NY", "expires_on": "2028-06-30"},
                    ]
                },
                {"licenses": {"1": {"state": ["NY is already listed (item 0)."]}}},
            ),
            ({"licenses": []}, {"licenses": ["List at least one licence (state and expiry)."]}),
            (
                {"specialties": ["trd", "astrology"]},
                {"specialties": {"1": [CHOICE]}},
            ),
            (
                {"insurance": ["Aetna"]},
                {"insurance": {"0": ["Use a lower-case payer slug, e.g. 'aetna'."]}},
            ),
            ({"modalities": []}, {"modalities": ["Offer at least one: telehealth, in_person."]}),
            ({"postal_code": "00000"}, {"postal_code": ["Unknown ZIP code."]}),
            ({"postal_code": "1002"}, {"postal_code": ["Use a 5-digit US ZIP code (or ZIP+4)."]}),
            (
                {"availability_confirmed_at": "2999-01-01T00:00:00Z"},
                {"availability_confirmed_at": ["Cannot be in the future."]},
            ),
            ({"colour": "blue"}, {"colour": ["Unknown field."]}),
        ],
    )
    def test_errors_are_keyed_by_field_path(self, dirk_api, change, errors):
        response = post(dirk_api, {**CONTRACT_EXAMPLE, **change})
        assert response.status_code == 400
        assert response.json() == errors

    def test_npi_is_unique(self, dirk_api):
        assert post(dirk_api, CONTRACT_EXAMPLE).status_code == 201
        response = post(dirk_api, {**CONTRACT_EXAMPLE, "name": "Someone Else"})
        assert response.json() == {"npi": ["A provider with this NPI already exists."]}

    def test_not_json_is_400(self, dirk_api):
        response = dirk_api.post(URL, data="npi=1", content_type="application/json")
        assert response.status_code == 400


@pytest.mark.django_db
class TestChange:
    def test_patch_changes_only_what_is_given(self, dirk_api):
        provider = make_provider(specialties=["trd"], insurance=["aetna", "cigna"])
        response = patch(
            dirk_api, provider, {"accepting_new_patients": False, "insurance": ["humana"]}
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["accepting_new_patients"] is False
        assert body["insurance"] == ["humana"]
        assert body["specialties"] == ["trd"]
        assert body["licenses"] == [
            {"state": "NY", "expires_on": provider.licenses.get().expires_on.isoformat()}
        ]

    def test_patch_a_new_zip_moves_the_practice(self, dirk_api):
        provider = make_provider()
        patch(dirk_api, provider, {"postal_code": "07302"})
        provider.refresh_from_db()
        assert provider.location == pytest.approx((40.7221, -74.0469))

    def test_patch_keeps_its_own_npi(self, dirk_api):
        provider = make_provider()
        assert patch(dirk_api, provider, {"npi": provider.npi}).status_code == 200

    def test_delete(self, dirk_api):
        provider = make_provider()
        assert dirk_api.delete(f"{URL}{provider.pk}/").status_code == 204
        assert not Provider.objects.filter(pk=provider.pk).exists()
        assert not License.objects.filter(provider_id=provider.pk).exists()

    def test_a_provider_with_referrals_is_not_deleted(self, dirk_api, ada, cleo):
        provider = make_provider()
        referral_create(intake=ada, provider=provider, by=cleo)
        response = dirk_api.delete(f"{URL}{provider.pk}/")
        assert response.status_code == 409
        assert "accepting_new_patients" in response.json()["detail"]


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def directory(self):
        today = timezone.localdate()
        return {
            "ny_trd": make_provider(name="A", specialties=["trd"], languages=["en", "es"]),
            "nj_tele": make_provider(
                name="B",
                modalities=["telehealth"],
                insurance=["cigna"],
                licenses=[{"state": "NJ", "expires_on": today + timedelta(days=9)}],
            ),
            "stale": make_provider(
                name="C",
                accepting_new_patients=False,
                availability_confirmed_at=timezone.now() - timedelta(days=31),
            ),
        }

    @pytest.mark.parametrize(
        ("query", "names"),
        [
            ("", ["A", "B", "C"]),
            ("state=NJ", ["B"]),
            ("specialty=trd", ["A"]),
            ("language=es", ["A"]),
            ("language=e", []),  # whole codes only
            ("insurance=cigna", ["B"]),
            ("modality=in_person", ["A", "C"]),
            ("modality=telehealth", ["A", "B", "C"]),
            ("accepting=false", ["C"]),
            ("stale=true", ["C"]),
            ("stale=false", ["A", "B"]),
        ],
    )
    def test_filters(self, dirk_api, directory, query, names):
        response = dirk_api.get(f"{URL}?{query}")
        assert response.status_code == 200
        assert [p["name"] for p in response.json()["results"]] == names

    @pytest.mark.parametrize(
        "query", ["state=ZZ", "specialty=astrology", "modality=carrier", "accepting=perhaps"]
    )
    def test_bad_filter_values_are_400(self, dirk_api, query):
        response = dirk_api.get(f"{URL}?{query}")
        assert response.status_code == 400
        assert query.split("=")[0] in response.json()

    def test_list_queries_do_not_grow_with_the_page(self, dirk_api, directory):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert dirk_api.get(URL).status_code == 200
            return len(captured)

        few = queries()
        for n in range(10):
            make_provider(name=f"Z{n}")
        assert queries() == few
