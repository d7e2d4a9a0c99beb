"""The candidate rows of matching: a care request from an intake, the providers that can
meet its hard constraints (prefiltered in SQL), and each as a pure ``ProviderListing``.
"""

import operator
from collections.abc import Iterator
from datetime import datetime
from functools import cache, reduce

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from intake.geography import zip_centroid
from intake.models import Intake
from referrals.matching import CareRequest, Licence, ProviderListing
from referrals.matching.constraints import FRESHNESS, pays_self
from referrals.matching.distance import bounding_box
from referrals.matching.scoring import facts_that_rank
from referrals.matching.types import EITHER, IN_PERSON, TELEHEALTH, WANTED_MODALITIES
from referrals.models import Provider
from screening.models import Flag
from screening.selectors import current_flags_q

#: In-person care without a ``max_distance_miles`` preference is matched within this radius.
DEFAULT_MAX_DISTANCE_MILES = 50

# What matching loads of each candidate (in this order; see ``candidate_listings``), then one
# boolean per specialty, treatment and language that can rank it (``facts_that_rank``).
_CANDIDATE_FIELDS = (
    "id",
    "npi",
    "name",
    "provider_type",
    "self_pay",
    "offers_telehealth",
    "offers_in_person",
    "latitude",
    "longitude",
    "next_available",
    "availability_confirmed_at",
    "license_expires_on",
    "payer_row",
)


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


def _ranking_columns(request: CareRequest) -> dict[str, tuple[str, str, Q]]:
    """Column name -> (kind, value, condition) of each fact that can rank a candidate."""
    facts = facts_that_rank(request)
    columns = {}
    for kind, field, values in (
        ("specialties", "specialties", facts.specialties),
        ("treatments", "treatments", facts.treatments),
        ("languages", "languages", facts.languages),
    ):
        for n, value in enumerate(sorted(values)):
            columns[f"rank_{kind}_{n}"] = (kind, value, json_list_contains(field, value))
    return columns


def _prefiltered(request: CareRequest, *, exclude_ids=()) -> QuerySet:
    """Providers that may pass the hard constraints (index-backed filters), annotated with
    ``payer_row``, ``license_expires_on`` and the ``_ranking_columns``. The request must
    have a modality filter (``modality_q`` is not ``None``)."""
    modality = modality_q(request)
    providers = Provider.objects.filter(
        modality,
        accepting_new_patients=True,
        availability_confirmed_at__gte=request.now - FRESHNESS,
        licenses__state=request.state,
        licenses__expires_on__gte=request.today,
    )
    if request.provider_types:
        providers = providers.filter(provider_type__in=sorted(request.provider_types))
    routes = []  # ways to be paid: the patient's payer, or self-pay
    if request.payer:
        # A LEFT JOIN on (provider, payer), unique: planned better than an EXISTS per row.
        providers = providers.annotate(
            payer=FilteredRelation("insurance", condition=Q(insurance__payer=request.payer)),
            payer_row=F("payer__provider"),  # the index (payer, provider) holds it
        )
        routes.append(Q(payer_row__isnull=False))
    else:
        providers = providers.annotate(payer_row=Value(None, output_field=IntegerField()))
    if pays_self(request):
        routes.append(Q(self_pay=True))
    providers = providers.filter(reduce(operator.or_, routes))
    if exclude_ids:
        providers = providers.exclude(pk__in=list(exclude_ids))
    ranking = _ranking_columns(request)
    return providers.annotate(
        license_expires_on=F("licenses__expires_on"),
        **{
            name: ExpressionWrapper(condition, output_field=BooleanField())
            for name, (_, _, condition) in ranking.items()
        },
    ).order_by()


def candidates(request: CareRequest, *, exclude_ids=()) -> QuerySet:
    """Rows of the listings that may pass the hard constraints (a superset: the pure code
    decides): tuples of ``_CANDIDATE_FIELDS`` then ``_ranking_columns``' booleans.
    ``license_expires_on`` is the expiry of the licence in the request's state;
    ``payer_row`` is not ``None`` when the provider takes the request's payer (it is read
    from the (provider, payer) index alone), ``None`` when it does not or there is none."""
    if modality_q(request) is None:
        return Provider.objects.none().values_list("id")
    return _prefiltered(request, exclude_ids=exclude_ids).values_list(
        *_CANDIDATE_FIELDS, *_ranking_columns(request)
    )


def _listing_of(request: CareRequest):
    """A function turning a ``candidates`` row (its first columns) into a pure listing with
    the facts this request needs, and only those: the licence in the request's state,
    whether it takes the request's payer, and the specialties, treatments and languages
    that can rank it (booleans from the database, so no JSON is read per candidate)."""
    state, payer_set = request.state, frozenset({request.payer})
    width = len(_CANDIDATE_FIELDS)
    ranking = [(kind, value) for kind, value, _ in _ranking_columns(request).values()]
    end = width + len(ranking)

    @cache
    def facts(flags: tuple[bool, ...]) -> tuple[frozenset[str], ...]:
        """(specialties, treatments, languages) present, shared by every row alike."""
        return tuple(
            frozenset(
                value for (k, value), has in zip(ranking, flags, strict=True) if has and k == kind
            )
            for kind in ("specialties", "treatments", "languages")
        )

    @cache
    def licences(expires_on) -> tuple[Licence, ...]:
        return (Licence(state, expires_on),)

    def listing(row) -> ProviderListing:
        (
            pk,
            npi,
            name,
            provider_type,
            self_pay,
            telehealth,
            in_person,
            lat,
            lon,
            next_available,
            confirmed_at,
            expires_on,
            payer_row,
        ) = row[:width]
        specialties, treatments, languages = facts(tuple(row[width:end]))
        return ProviderListing(
            id=str(pk),
            npi=npi,
            name=name,
            provider_type=provider_type,
            licences=licences(expires_on),
            insurance=payer_set if payer_row is not None else _NOTHING,
            self_pay=self_pay,
            modalities=_MODALITIES[bool(telehealth), bool(in_person)],
            accepting_new_patients=True,  # filtered in the query
            availability_confirmed_at=confirmed_at,
            next_available=next_available,
            location=None if lat is None or lon is None else (lat, lon),
            specialties=specialties,
            treatments=treatments,
            languages=languages,
        )

    return listing


def candidate_listings(request: CareRequest, *, exclude_ids=()) -> Iterator[ProviderListing]:
    """Pure listings of every candidate (``_listing_of``). The rows are fetched whole: on
    PostgreSQL ``.iterator()`` would use a server-side cursor, planned for a fast start,
    and measured slower here."""
    listing = _listing_of(request)
    for row in candidates(request, exclude_ids=exclude_ids):
        yield listing(row)


_NOTHING: frozenset[str] = frozenset()


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
