"""GET /api/v1/intakes/{id}/provider-matches/: hard constraints in the database and in pure
code, ranking by what screening found, and the urgent pathway above any list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.matching.engine import URGENT_PATHWAY_NOTICE
from referrals.selectors import care_request_for, intake_flag_codes
from tests.conftest import submit
from tests.factories import intake_payload, urgent_payload
from tests.referrals.conftest import make_provider


def url(intake, query=""):
    return f"/api/v1/intakes/{intake.pk}/provider-matches/{query}"


def names(response):
    return [r["provider"]["name"] for r in response.json()["results"]]


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.mark.django_db
class TestPermissions:
    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 403), ("dirk", 403), ("cleo", 200), ("root", 200)],
        indirect=["persona_api"],
    )
    def test_clinicians_only(self, ada, persona_api, status):
        assert persona_api.get(url(ada)).status_code == status

    def test_unknown_intake_is_404(self, cleo_api, db):
        response = cleo_api.get(
            "/api/v1/intakes/00000000-0000-0000-0000-000000000000/provider-matches/"
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("limit", ["0", "51", "ten", "-1"])
    def test_a_bad_limit_is_400(self, ada, cleo_api, limit):
        response = cleo_api.get(url(ada, f"?limit={limit}"))
        assert response.status_code == 400
        assert response.json() == {"limit": ["Use a whole number from 1 to 50."]}


@pytest.mark.django_db
class TestContractExample:
    """Ada: NY 10027, aetna, either modality, psychiatrist or therapist, 30 miles, English;
    screening raised possible_trd."""

    def test_what_the_intake_asks_for(self, ada):
        request = care_request_for(ada)
        assert request.state == "NY"
        assert request.location == pytest.approx((40.8116, -73.955))
        assert (request.payer, request.self_pay) == ("aetna", False)
        assert request.modality == "either"
        assert request.max_distance_miles == 30
        assert request.provider_types == {"psychiatrist", "therapist"}
        assert request.languages == ("en",)
        assert "possible_trd" in intake_flag_codes(ada)

    def test_only_providers_meeting_every_hard_constraint(self, ada, cleo_api):
        today = timezone.localdate()
        make_provider(name="Fits")
        make_provider(name="NJ licence only", licenses=[{"state": "NJ", "expires_on": days(100)}])
        make_provider(
            name="Expired NY licence",
            licenses=[{"state": "NY", "expires_on": today - timedelta(days=1)}],
        )
        make_provider(name="Not accepting", accepting_new_patients=False)
        make_provider(name="Cigna only", insurance=["cigna"], self_pay=True)
        make_provider(name="Psychologist", provider_type="psychologist")
        make_provider(name="Stale", availability_confirmed_at=timezone.now() - timedelta(days=31))
        make_provider(name="Never confirmed", availability_confirmed_at=None)
        make_provider(
            name="In person in Philadelphia", postal_code="19103", modalities=["in_person"]
        )
        make_provider(
            name="In person across the river", postal_code="07302", modalities=["in_person"]
        )
        make_provider(
            name="Telehealth from Buffalo", postal_code="14201", modalities=["telehealth"]
        )
        response = cleo_api.get(url(ada))
        assert response.status_code == 200
        assert sorted(names(response)) == [
            "Fits",
            "In person across the river",
            "Telehealth from Buffalo",
        ]
        assert response.json()["count"] == 3

    def test_possible_trd_ranks_the_specialist_first_with_reasons(self, ada, cleo_api):
        make_provider(name="Generalist, tomorrow", next_available=days(1))
        make_provider(
            name="TRD specialist, in a month",
            specialties=["trd"],
            treatments=["medication_management", "esketamine", "rtms"],
            next_available=days(30),
        )
        make_provider(name="rTMS, in two weeks", treatments=["rtms"], next_available=days(14))
        body = cleo_api.get(url(ada)).json()
        assert [r["provider"]["name"] for r in body["results"]] == [
            "TRD specialist, in a month",
            "rTMS, in two weeks",
            "Generalist, tomorrow",
        ]
        first = body["results"][0]
        assert first["reasons"][:2] == [
            "Specialises in treatment-resistant depression",
            "Offers esketamine and rTMS (interventional treatments for TRD)",
        ]
        assert f"Next opening in 30 days ({days(30).isoformat()})" in first["reasons"]
        assert first["next_available"] == days(30).isoformat()
        assert first["care_modes"] == ["telehealth", "in_person"]
        assert first["distance_miles"] == 0.0
        assert set(first["provider"]) >= {
            "id",
            "npi",
            "name",
            "licenses",
            "specialties",
            "insurance",
            "modalities",
            "next_available",
        }
        scores = [r["score"] for r in body["results"]]
        assert scores == sorted(scores, reverse=True)
        assert body["urgent_pathway"] is False
        assert body["notes"] == []

    def test_limit(self, ada, cleo_api):
        for n in range(5):
            make_provider(name=f"P{n}", next_available=days(n))
        body = cleo_api.get(url(ada, "?limit=2")).json()
        assert [r["provider"]["name"] for r in body["results"]] == ["P0", "P1"]
        assert body["count"] == 5

    def test_queries_do_not_grow_with_the_directory(self, ada, cleo_api):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert cleo_api.get(url(ada)).status_code == 200
            return len(captured)

        make_provider()
        few = queries()
        for _ in range(15):
            make_provider()
        assert queries() == few


@pytest.mark.django_db
class TestUrgentPathway:
    def test_suicide_risk_puts_the_same_day_pathway_above_the_list(self, cleo_api):
        intake = submit(urgent_payload(item9=2))
        make_provider(name="Fits")
        body = cleo_api.get(url(intake)).json()
        assert body["urgent_pathway"] is True
        assert body["notes"][0] == URGENT_PATHWAY_NOTICE
        assert list(body)[:3] == ["intake", "urgent_pathway", "notes"]
        assert names_of(body) == ["Fits"]  # shown, but below the pathway


def names_of(body):
    return [r["provider"]["name"] for r in body["results"]]


@pytest.mark.django_db
class TestPatientDetails:
    def test_no_zip_means_telehealth_only(self, cleo_api):
        intake = submit(postal_code="")
        make_provider(name="Both")
        make_provider(name="In person only", modalities=["in_person"])
        body = cleo_api.get(url(intake)).json()
        assert names_of(body) == ["Both"]
        assert body["results"][0]["care_modes"] == ["telehealth"]
        assert "only telehealth providers are matched" in body["notes"][0]

    def test_self_pay_patient(self, cleo_api):
        intake = submit(insurance={"payer": "", "self_pay": True})
        make_provider(name="Self-pay", insurance=[], self_pay=True)
        make_provider(name="Insurance only", insurance=["aetna"], self_pay=False)
        body = cleo_api.get(url(intake)).json()
        assert names_of(body) == ["Self-pay"]
        assert "Accepts self-pay" in body["results"][0]["reasons"]

    def test_telehealth_only_preference_ignores_distance(self, cleo_api):
        payload = intake_payload(care_preferences={"modality": "telehealth"})
        intake = submit(payload)
        make_provider(name="Buffalo", postal_code="14201")
        make_provider(name="In person only", modalities=["in_person"])
        assert names_of(cleo_api.get(url(intake)).json()) == ["Buffalo"]

    def test_without_max_distance_in_person_is_limited_to_50_miles(self, cleo_api):
        payload = intake_payload(care_preferences={"modality": "in_person"})
        intake = submit(payload)
        make_provider(name="Newburgh (50.4 miles)", postal_code="12550", modalities=["in_person"])
        make_provider(
            name="White Plains (18.2 miles)", postal_code="10601", modalities=["in_person"]
        )
        assert names_of(cleo_api.get(url(intake)).json()) == ["White Plains (18.2 miles)"]

    def test_spanish_speaker_is_preferred_on_a_tie(self, cleo_api):
        payload = intake_payload(care_preferences={"languages": ["es"]})
        intake = submit(payload)
        make_provider(name="English", npi="1234567893")
        make_provider(name="Spanish", languages=["en", "es"])
        body = cleo_api.get(url(intake)).json()
        assert names_of(body) == ["Spanish", "English"]
        assert "Speaks Spanish" in body["results"][0]["reasons"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "patient, preferences",
    [
        ({}, None),
        (
            {
                "state": "CA",
                "postal_code": "90024",
                "insurance": {"payer": "bcbs", "self_pay": True},
            },
            {"modality": "telehealth"},
        ),
        (
            {"state": "TX", "postal_code": "77002"},
            {"modality": "in_person", "max_distance_miles": 40},
        ),
        ({"postal_code": ""}, {"languages": ["es", "zh"]}),
        ({"insurance": {"payer": "", "self_pay": False}}, {"provider_types": ["therapist"]}),
    ],
)
def test_the_database_prefilter_never_changes_the_result(patient, preferences):
    """The indexed prefilter and the facts it loads give exactly what pure matching over
    every full listing gives: same providers, order, scores and reasons."""
    from referrals.matching import match_providers
    from referrals.models import Provider
    from referrals.selectors import full_listing, provider_matches
    from referrals.services import synthetic_directory_generate

    synthetic_directory_generate(count=1500, seed=11)
    payload = intake_payload(**({"care_preferences": preferences} if preferences else {}))
    payload["answers"]["phq9"]["q9"] = 1  # suicide_risk too
    intake = submit(payload, **patient)
    found = provider_matches(intake, limit=None)
    everyone = [full_listing(p) for p in Provider.objects.prefetch_related("licenses", "insurance")]
    expected = match_providers(everyone, found.request)
    assert found.result.eligible > 0
    assert [
        (m.provider.id, m.score, m.reasons, m.care_modes, m.distance_miles)
        for m in found.result.matches
    ] == [
        (m.provider.id, m.score, m.reasons, m.care_modes, m.distance_miles)
        for m in expected.matches
    ]
    assert found.result.notes == expected.notes
