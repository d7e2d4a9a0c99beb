"""Matching's inputs: a care request from an intake, the modality filter of the listings that
can meet it, and a provider's rows as a pure ``ProviderListing``.
"""

from datetime import datetime

from django.db import connection
from django.db.models import (
    Q,
)
from django.utils import timezone

from intake.geography import zip_centroid
from intake.models import Intake
from referrals.matching import CareRequest, Licence, ProviderListing
from referrals.matching.distance import bounding_box
from referrals.matching.types import EITHER, IN_PERSON, TELEHEALTH, WANTED_MODALITIES
from referrals.models import Provider
from screening.models import Flag
from screening.selectors import current_flags_q

#: In-person care without a ``max_distance_miles`` preference is matched within this radius.
DEFAULT_MAX_DISTANCE_MILES = 50


def intake_flag_codes(intake: Intake) -> frozenset[str]:
    """The codes of the intake's current flags: the current ruleset's screening run's, and the
    submission's own (the synchronous ``suicide_risk``), as the API's ``screening`` shows."""
    return frozenset(
        Flag.objects.filter(current_flags_q(), intake=intake).values_list("code", flat=True)
    )


def care_request_for(intake: Intake, *, now: datetime | None = None) -> CareRequest:
    """What the intake asks for. The patient's location is their ZIP code's centroid; with no
    usable ZIP there is none, and only telehealth can match (``referrals.matching``)."""
    now = now or timezone.now()
    prefs = intake.care_preferences or {}
    patient = intake.patient
    modality = prefs.get("modality") or EITHER
    return CareRequest(
        state=intake.state,
        payer=patient.insurance_payer or "",
        self_pay=patient.self_pay,
        modality=modality if modality in WANTED_MODALITIES else EITHER,
        max_distance_miles=float(prefs.get("max_distance_miles") or DEFAULT_MAX_DISTANCE_MILES),
        now=now,
        today=timezone.localdate(now),
        location=zip_centroid(patient.postal_code) if patient.postal_code else None,
        provider_types=frozenset(prefs.get("provider_types") or ()),
        languages=tuple(prefs.get("languages") or patient.preferred_languages or ()),
        flags=intake_flag_codes(intake),
    )


def modality_q(request: CareRequest) -> Q | None:
    """The modality filter; ``None`` when nothing can match (in person, no location)."""
    telehealth = Q(offers_telehealth=True)
    if request.modality == TELEHEALTH:
        return telehealth
    if request.location is None:
        return None if request.modality == IN_PERSON else telehealth
    box = bounding_box(request.location, request.max_distance_miles)
    in_person = Q(offers_in_person=True, latitude__gte=box.min_lat, latitude__lte=box.max_lat)
    if box.min_lon is not None:
        in_person &= Q(longitude__gte=box.min_lon, longitude__lte=box.max_lon)
    return in_person if request.modality == IN_PERSON else telehealth | in_person


def full_listing(provider: Provider) -> ProviderListing:
    """Every fact of a provider (prefetch ``licenses`` and ``insurance`` when reading many)."""
    return ProviderListing(
        id=str(provider.pk),
        npi=provider.npi,
        name=provider.name,
        credentials=provider.credentials,
        provider_type=provider.provider_type,
        licences=tuple(Licence(lic.state, lic.expires_on) for lic in provider.licenses.all()),
        insurance=frozenset(row.payer for row in provider.insurance.all()),
        self_pay=provider.self_pay,
        modalities=_modalities(provider.offers_telehealth, provider.offers_in_person),
        accepting_new_patients=provider.accepting_new_patients,
        availability_confirmed_at=provider.availability_confirmed_at,
        next_available=provider.next_available,
        location=provider.location,
        specialties=frozenset(provider.specialties or ()),
        treatments=frozenset(provider.treatments or ()),
        languages=frozenset(provider.languages or ()),
    )


def _modalities(telehealth: bool, in_person: bool) -> frozenset[str]:
    return _MODALITIES[bool(telehealth), bool(in_person)]


_MODALITIES = {
    (True, True): frozenset({TELEHEALTH, IN_PERSON}),
    (True, False): frozenset({TELEHEALTH}),
    (False, True): frozenset({IN_PERSON}),
    (False, False): frozenset(),
}


def json_list_contains(field: str, value: str) -> Q:
    """``value`` is an element of the JSON list ``field`` (PostgreSQL: containment; SQLite:
    the quoted token in the JSON text, exact because values are slugs without quotes)."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})
