"""The hard constraints of docs/api.md "Matching and referrals". Never broken.

A provider is eligible for a request only when every one holds:

1. licensed, with an unexpired licence, in the patient's state;
2. accepting new patients;
3. takes the patient's insurance, or the patient pays for themselves and the provider
   accepts self-pay (a patient with no payer on file is treated as paying for themselves);
4. offers the wanted modality; in-person care counts only within ``max_distance_miles``
   of the patient's ZIP centroid, so without a patient location only telehealth can match;
5. one of the wanted provider types (any type when none is wanted);
6. fresh: availability confirmed within the last ``FRESHNESS_DAYS`` days.
"""

from datetime import date, datetime, timedelta

from referrals.matching.distance import haversine_miles
from referrals.matching.types import (
    EITHER,
    IN_PERSON,
    TELEHEALTH,
    CareRequest,
    Licence,
    ProviderListing,
)

FRESHNESS_DAYS = 30  # docs/api.md: "more than 30 days ago takes a provider out"
FRESHNESS = timedelta(days=FRESHNESS_DAYS)


def valid_licence(provider: ProviderListing, state: str, today: date) -> Licence | None:
    """The provider's unexpired licence in ``state`` (valid through its expiry day)."""
    valid = [lic for lic in provider.licences if lic.state == state and lic.expires_on >= today]
    return max(valid, key=lambda lic: lic.expires_on, default=None)


def availability_is_fresh(confirmed_at: datetime | None, now: datetime) -> bool:
    return confirmed_at is not None and now - confirmed_at <= FRESHNESS


def pays_self(request: CareRequest) -> bool:
    return request.self_pay or not request.payer


def payment_route(provider: ProviderListing, request: CareRequest) -> str | None:
    """``"insurance"``, ``"self_pay"`` or ``None`` when the provider cannot be paid."""
    if request.payer and request.payer in provider.insurance:
        return "insurance"
    if pays_self(request) and provider.self_pay:
        return "self_pay"
    return None


def distance_miles(provider: ProviderListing, request: CareRequest) -> float | None:
    if provider.location is None or request.location is None:
        return None
    return haversine_miles(request.location, provider.location)


def care_modes(provider: ProviderListing, request: CareRequest) -> tuple[str, ...]:
    """How this provider can see this patient: telehealth, in person, both or neither."""
    modes = []
    if request.modality in (TELEHEALTH, EITHER) and TELEHEALTH in provider.modalities:
        modes.append(TELEHEALTH)
    if request.modality in (IN_PERSON, EITHER) and IN_PERSON in provider.modalities:
        miles = distance_miles(provider, request)
        if miles is not None and miles <= request.max_distance_miles:
            modes.append(IN_PERSON)
    return tuple(modes)


def unmet_constraints(provider: ProviderListing, request: CareRequest) -> tuple[str, ...]:
    """Every hard constraint the provider fails for this request, in words (empty: eligible)."""
    unmet = []
    if valid_licence(provider, request.state, request.today) is None:
        unmet.append(f"Not licensed (or licence expired) in {request.state}")
    if not provider.accepting_new_patients:
        unmet.append("Not accepting new patients")
    if payment_route(provider, request) is None:
        unmet.append(
            f"Does not take {request.payer}" + (" or self-pay" if pays_self(request) else "")
            if request.payer
            else "Does not accept self-pay"
        )
    if not care_modes(provider, request):
        unmet.append(_modality_failure(provider, request))
    if request.provider_types and provider.provider_type not in request.provider_types:
        unmet.append(f"Not one of the wanted provider types ({provider.provider_type})")
    if not availability_is_fresh(provider.availability_confirmed_at, request.now):
        unmet.append(f"Availability not confirmed in the last {FRESHNESS_DAYS} days")
    return tuple(unmet)


def eligibility(provider: ProviderListing, request: CareRequest) -> tuple[str, ...] | None:
    """The care modes of an eligible provider, or ``None`` when any hard constraint fails.
    The fast path of ``unmet_constraints`` (no words built), for ranking whole directories;
    the two always agree (tests/referrals/test_matching_properties.py)."""
    if not provider.accepting_new_patients:
        return None
    if request.provider_types and provider.provider_type not in request.provider_types:
        return None
    if not availability_is_fresh(provider.availability_confirmed_at, request.now):
        return None
    if payment_route(provider, request) is None:
        return None
    if valid_licence(provider, request.state, request.today) is None:
        return None
    return care_modes(provider, request) or None


def is_eligible(provider: ProviderListing, request: CareRequest) -> bool:
    return eligibility(provider, request) is not None


def _modality_failure(provider: ProviderListing, request: CareRequest) -> str:
    if request.modality == TELEHEALTH:
        return "Does not offer telehealth"
    if IN_PERSON not in provider.modalities:
        return "Does not offer in-person care" + (
            " or telehealth" if request.modality == EITHER else ""
        )
    if request.location is None:
        return "In person only, and the patient's location is unknown"
    if provider.location is None:
        return "Practice location unknown"
    miles = distance_miles(provider, request)
    return f"In person only, {miles:.0f} miles away (limit {request.max_distance_miles:g})"
