"""Pure builders of matching inputs (no database): a listing and a request with defaults
that pass every hard constraint, so each test changes only what it is about."""

from datetime import UTC, date, datetime, timedelta

from referrals.matching import CareRequest, Licence, ProviderListing
from referrals.npi import make_npi

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
HARLEM = (40.8116, -73.955)  # ZIP 10027 centroid (zipcodes)
JERSEY_CITY = (40.7221, -74.0469)  # ZIP 07302, across the Hudson in NJ
PHILADELPHIA = (39.9526, -75.1652)


def listing(n: int = 1, **overrides) -> ProviderListing:
    values = {
        "id": f"p{n}",
        "npi": make_npi(f"1{n:08d}"),
        "name": f"Provider {n}",
        "provider_type": "psychiatrist",
        "licences": (Licence("NY", TODAY + timedelta(days=365)),),
        "insurance": frozenset({"aetna"}),
        "self_pay": False,
        "modalities": frozenset({"telehealth", "in_person"}),
        "accepting_new_patients": True,
        "availability_confirmed_at": NOW - timedelta(days=3),
        "next_available": TODAY + timedelta(days=7),
        "location": HARLEM,
        "languages": frozenset({"en"}),
    }
    values.update(overrides)
    return ProviderListing(**values)


def request(**overrides) -> CareRequest:
    values = {
        "state": "NY",
        "payer": "aetna",
        "self_pay": False,
        "modality": "either",
        "max_distance_miles": 30,
        "now": NOW,
        "today": TODAY,
        "location": HARLEM,
        "languages": ("en",),
    }
    values.update(overrides)
    return CareRequest(**values)


def on(day: int) -> date:
    return TODAY + timedelta(days=day)
