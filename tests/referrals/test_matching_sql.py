"""Top matches ranked in SQL (``referrals.selectors.ranked_top_matches``) against pure
matching over every full listing: the same providers, order, scores, reasons and eligible
count, on SQLite and on PostgreSQL; the distance limit decided alike to the last bit."""

import math
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from intake.geography import zip_centroid
from referrals import selectors
from referrals.matching import CareRequest, match_providers
from referrals.matching.constraints import distance_miles, eligibility
from referrals.matching.distance import haversine_miles
from referrals.matching.scoring import FLAG_PREFERENCES, rank
from referrals.matching.types import PROVIDER_TYPES
from referrals.models import Provider
from referrals.selectors import full_listing, ranked_top_matches
from referrals.services import synthetic_directory_generate
from referrals.synthetic import PAYERS, POPULATION
from tests.referrals.conftest import make_provider

pytestmark = pytest.mark.django_db

ZIPS = {  # ZIP code -> its state
    "10027": "NY",
    "12550": "NY",
    "90024": "CA",
    "94110": "CA",
    "77002": "TX",
    "60614": "IL",
    "33136": "FL",
    "98101": "WA",
}
LANGUAGES = ["en", "es", "zh", "vi", "fr", "ru", "ase"]


def everyone() -> list:
    return [full_listing(p) for p in Provider.objects.prefetch_related("licenses", "insurance")]


def shown(result) -> list[tuple]:
    return [
        (m.provider.id, m.rank, m.score, m.reasons, m.care_modes, m.distance_miles)
        for m in result.matches
    ]


def request_now(**fields) -> CareRequest:
    """A request made now (the database's listings are confirmed relative to now)."""
    now = timezone.now()
    return CareRequest(now=now, today=timezone.localdate(now), **fields)


def random_request(rng: random.Random, now) -> CareRequest:
    payer = rng.choice(["", *PAYERS])
    zip_code = rng.choice([*ZIPS, None])
    return CareRequest(
        state=ZIPS[zip_code] if zip_code else rng.choice(list(POPULATION)[:8]),
        payer=payer,
        self_pay=not payer or rng.random() < 0.3,
        modality=rng.choice(["telehealth", "in_person", "either", "either"]),
        max_distance_miles=float(rng.choice([5, 10, 25, 50, 100, 500])),
        now=now,
        today=timezone.localdate(now),
        location=zip_centroid(zip_code) if zip_code else None,
        provider_types=frozenset(rng.sample(PROVIDER_TYPES, rng.choice([0, 0, 1, 2]))),
        languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 2))),
        flags=frozenset(rng.sample([*FLAG_PREFERENCES, "suicide_risk"], rng.randint(0, 3))),
    )


def test_sql_top_matches_equal_pure_matching_over_every_listing():
    synthetic_directory_generate(count=1500, seed=11)
    listings = everyone()
    now = timezone.now()
    rng = random.Random(2026)
    compared = with_matches = 0
    for _ in range(60):
        request = random_request(rng, now)
        expected = match_providers(listings, request)
        for limit in (1, 10, 50):
            got, _ = ranked_top_matches(request, limit=limit)
            assert got.eligible == expected.eligible
            assert shown(got) == shown(expected)[:limit]
            assert (got.urgent_pathway, got.notes) == (expected.urgent_pathway, expected.notes)
            compared += 1
        with_matches += expected.eligible > 10
    assert compared == 180
    assert with_matches >= 20  # most requests rank more listings than they show


def test_ties_are_broken_alike_soonest_then_nearest_then_npi():
    # Five listings alike in fit and practical score: only the tie-breaks order them.
    today = timezone.localdate()
    for n, (zip_code, day) in enumerate(
        [("10027", 3), ("10027", 3), ("10030", 3), ("10027", 2), ("10027", 3)]
    ):
        make_provider(
            name=f"P{n}", postal_code=zip_code, next_available=today + timedelta(days=day)
        )
    request = request_now(
        state="NY",
        payer="aetna",
        self_pay=False,
        modality="either",
        max_distance_miles=30.0,
        location=zip_centroid("10027"),
        languages=("en",),
    )
    expected = match_providers(everyone(), request)
    got, _ = ranked_top_matches(request, limit=5)
    assert shown(got) == shown(expected)
    assert got.eligible == 5


@pytest.mark.parametrize("nudge", [0, -1, 1])
def test_the_distance_limit_is_decided_alike_to_the_last_bit(nudge):
    """A limit exactly at the provider's distance keeps it, one double less drops it: in
    SQL as in ``haversine_miles``."""
    near = make_provider(name="Near", postal_code="10030", modalities=["in_person"])
    far = make_provider(name="At the limit", postal_code="10601", modalities=["in_person"])
    patient = zip_centroid("10027")
    miles = haversine_miles(patient, far.location)
    limit = miles if nudge == 0 else math.nextafter(miles, miles + nudge)
    request = request_now(
        state="NY",
        payer="aetna",
        self_pay=False,
        modality="in_person",
        max_distance_miles=limit,
        location=patient,
    )
    expected = match_providers(everyone(), request)
    got, _ = ranked_top_matches(request, limit=10)
    names = {str(near.pk): "Near", str(far.pk): "At the limit"}
    assert [names[m.provider.id] for m in got.matches] == (
        ["Near"] if nudge < 0 else ["Near", "At the limit"]
    )
    assert shown(got) == shown(expected)
    assert got.eligible == expected.eligible


def test_excluded_providers_are_left_out_and_the_next_best_comes_up():
    synthetic_directory_generate(count=400, seed=5)
    request = request_now(
        state="CA",
        payer="",
        self_pay=True,
        modality="telehealth",
        max_distance_miles=50.0,
        flags=frozenset({"possible_trd"}),
    )
    first, _ = ranked_top_matches(request, limit=3)
    assert len(first.matches) == 3
    skip = [first.matches[0].provider.id]
    after, _ = ranked_top_matches(request, limit=2, exclude_ids=skip)
    assert [m.provider.id for m in after.matches] == [m.provider.id for m in first.matches[1:]]
    assert after.eligible == first.eligible - 1


def test_a_providers_rank_among_all_is_counted_as_the_pure_ranking_places_it():
    """``places_ahead`` (one COUNT over the listings, for referral_create's rank) against the
    position in pure matching over every full listing: each eligible provider of random
    requests, ties, NULL openings and telehealth-only rows included."""
    synthetic_directory_generate(count=600, seed=17)
    listings = everyone()
    now = timezone.now()
    rng = random.Random(7)
    checked = 0
    for _ in range(25):
        request = random_request(rng, now)
        expected = match_providers(listings, request)
        for match in rng.sample(expected.matches, min(4, len(expected.matches))):
            provider = match.provider
            modes = eligibility(provider, request)
            miles = distance_miles(provider, request) if "in_person" in modes else None
            ranked = rank(provider, request, modes, miles)
            assert selectors.places_ahead(request, ranked, miles) == match.rank - 1
            checked += 1
    assert checked >= 40


def test_provider_fit_gives_the_rank_score_and_reasons_of_the_full_list(ada):
    today = timezone.localdate()
    for n in range(5):
        make_provider(name=f"P{n}", next_available=today + timedelta(days=n))
    far = make_provider(name="Out of state", licenses=[{"state": "NJ", "expires_on": today}])
    full = selectors.provider_matches(ada, limit=None)
    for match in full.result.matches:
        fit = selectors.provider_fit(ada, Provider.objects.get(pk=match.provider.id))
        assert fit.unmet == ()
        assert (fit.match.rank, fit.match.score, fit.match.reasons) == (
            match.rank,
            match.score,
            match.reasons,
        )
    refused = selectors.provider_fit(ada, far)
    assert refused.match is None
    assert any("NY" in reason for reason in refused.unmet)
