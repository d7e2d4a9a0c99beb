"""What a provider's listing row for matching holds (``referrals.models.MatchListing``):
specialties and treatments as bit masks (bit ``i``: the vocabulary's ``i``-th code)."""

from collections.abc import Iterable

from referrals.matching.types import SPECIALTIES, TREATMENTS


def mask(values: Iterable[str], vocabulary: tuple[str, ...]) -> int:
    """Bit ``i`` set for ``vocabulary[i]`` among ``values`` (other values rank nothing)."""
    bits = 0
    for value in values or ():
        if value in vocabulary:
            bits |= 1 << vocabulary.index(value)
    return bits


def specialties_mask(values: Iterable[str]) -> int:
    return mask(values, SPECIALTIES)


def treatments_mask(values: Iterable[str]) -> int:
    return mask(values, TREATMENTS)


def listing_columns(provider, payers) -> dict:
    """A listing's columns but its provider, state and licence expiry, from a provider row
    (any object with ``Provider``'s attributes) and the payer slugs it takes."""
    return {
        "npi": provider.npi,
        "provider_type": provider.provider_type,
        "payers": sorted(set(payers)),
        "self_pay": provider.self_pay,
        "offers_telehealth": provider.offers_telehealth,
        "offers_in_person": provider.offers_in_person,
        "latitude": provider.latitude,
        "longitude": provider.longitude,
        "next_available": provider.next_available,
        "availability_confirmed_at": provider.availability_confirmed_at,
        "specialties_mask": specialties_mask(provider.specialties),
        "treatments_mask": treatments_mask(provider.treatments),
        "languages": list(provider.languages or ()),
    }
