"""Reads of the referrals app: the matching prefilter, the directory, referrals, outcomes and
support resources.

Matching is split where the work is cheapest. For a bounded list (the API's ``limit``) the
database filters and ranks ``MatchListing`` rows (one per accepting provider and licensed
state, kept in step by ``referrals.listings``): the state is one range of a covering index,
the other hard constraints (unexpired licence, fresh availability, payer or self-pay,
modality, the bounding box around the patient for in-person care) are checked in the index
itself, and the ranking uses the pure code's own arithmetic (``top_candidates``); then
``referrals.matching`` re-checks the best rows against each provider's own rows and words
them; see "Top matches ranked in SQL" below. A provider's place among all (the rank a
referral records) is one COUNT of the listings that sort ahead of it (``places_ahead``).
Unbounded (``limit=None``), and whenever the re-check disagrees, every candidate is read
from the normalized tables as a pure ``ProviderListing`` with only the facts the request
needs, and ranked in Python. Measured at 100,000 and 1,000,000 providers on PostgreSQL:
README "Performance".
"""

import math
import operator
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache, reduce

import structlog
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import ASin, Cast, Cos, Greatest, Least, Sin, Sqrt
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from intake.geography import zip_centroid
from intake.models import Intake
from ops.dates import day
from referrals.matching import (
    CareRequest,
    Licence,
    Match,
    MatchResult,
    ProviderListing,
    match_providers,
)
from referrals.matching.constraints import (
    FRESHNESS,
    distance_miles,
    eligibility,
    pays_self,
    unmet_constraints,
)
from referrals.matching.distance import DIAMETER_MILES, RADIANS_PER_DEGREE, bounding_box
from referrals.matching.masks import specialties_mask, treatments_mask
from referrals.matching.scoring import (
    AVAILABILITY_HORIZON_DAYS,
    TELEHEALTH_WHEN_EITHER,
    WEIGHT_AVAILABILITY,
    WEIGHT_LANGUAGE,
    WEIGHT_PROXIMITY,
    Ranked,
    facts_that_rank,
    rank,
    relevant_preferences,
)
from referrals.matching.types import EITHER, IN_PERSON, TELEHEALTH, WANTED_MODALITIES
from referrals.models import (
    Audience,
    License,
    MatchListing,
    Provider,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SupportResource,
)
from screening.models import Flag
from screening.selectors import current_flags_q

log = structlog.get_logger(__name__)

#: In-person care without a ``max_distance_miles`` preference is matched within this radius.
DEFAULT_MAX_DISTANCE_MILES = 50
#: The weekly re-confirmation list looks this far ahead (listings about to go stale).
RECONFIRM_AHEAD = timedelta(days=7)
LICENSE_RENEWAL_AHEAD = timedelta(days=30)

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


# --- Matching ---------------------------------------------------------------------------------


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


def _modality_q(request: CareRequest) -> Q | None:
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
    have a modality filter (``_modality_q`` is not ``None``)."""
    modality = _modality_q(request)
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
    if _modality_q(request) is None:
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


# --- Top matches ranked in SQL ----------------------------------------------------------------
#
# Ranking a whole directory in Python costs microseconds per candidate, and a popular state
# at 1M listings has tens of thousands. So for a bounded list the database ranks the
# ``MatchListing`` rows: it computes each candidate's care modes, fit points (from the
# specialty and treatment bit masks) and practical score with the same double operations,
# in the same order, as ``referrals.matching`` (distance.haversine_miles, scoring.rank),
# orders by the same total key, counts the eligible, and returns the best ``limit`` rows.
# The pure code then re-checks those rows against each provider's own rows (so a listing
# row gone stale is caught too): every constraint, every point, the practical score to the
# last bit, and the order. Should the two ever disagree, the rows are thrown away and the
# whole candidate set is ranked in Python from the normalized tables (and a warning logged),
# so the answer is always the pure code's.


def _float(value: float) -> Cast:
    """A double-precision constant (a bare literal would be NUMERIC on PostgreSQL)."""
    return Cast(Value(float(value)), FloatField())


class _DaysFrom(Func):
    """Whole days from the date ``today`` (a parameter) to a date column."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date - date is integer
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


def _miles(request: CareRequest):
    """``haversine_miles(request.location, provider)`` as SQL, operation for operation."""
    lat1 = request.location[0] * RADIANS_PER_DEGREE
    lon1 = request.location[1] * RADIANS_PER_DEGREE
    lat2 = F("latitude") * _float(RADIANS_PER_DEGREE)
    lon2 = F("longitude") * _float(RADIANS_PER_DEGREE)
    half_lat = Sin((lat2 - _float(lat1)) / _float(2))
    half_lon = Sin((lon2 - _float(lon1)) / _float(2))
    h = half_lat * half_lat + _float(math.cos(lat1)) * Cos(lat2) * (half_lon * half_lon)
    return _float(DIAMETER_MILES) * ASin(Least(_float(1.0), Sqrt(h)))


def _has_any(field: str, bits: int) -> Q:
    """The bit mask column ``field`` has any of ``bits`` (``referrals.matching.masks``)."""
    return Q(GreaterThan(F(field).bitand(Value(bits, output_field=BigIntegerField())), 0))


def _points(request: CareRequest):
    """``scoring.fit_points`` as SQL: the sum of the terms of the request's flags."""
    total = None
    for preference in relevant_preferences(request.flags):
        for term in preference.terms:
            has = []
            if term.specialties:
                has.append(_has_any("specialties_mask", specialties_mask(term.specialties)))
            if term.treatments:
                has.append(_has_any("treatments_mask", treatments_mask(term.treatments)))
            condition = reduce(operator.or_, has)
            if term.provider_types:
                condition &= Q(provider_type__in=term.provider_types)
            points = Case(
                When(condition, then=Value(term.points)),
                default=Value(0),
                output_field=IntegerField(),
            )
            total = points if total is None else total + points
    return total if total is not None else Value(0, output_field=IntegerField())


def _listed(request: CareRequest, *, exclude_ids=()) -> QuerySet:
    """The listings (``MatchListing``) that pass the hard constraints the index can check:
    the state, an unexpired licence, fresh availability, the provider types, a way to be
    paid and the modality (in person: the bounding box). The request must have a modality
    filter (``_modality_q`` is not ``None``)."""
    listings = MatchListing.objects.filter(
        _modality_q(request),
        state=request.state,
        licence_expires_on__gte=request.today,
        availability_confirmed_at__gte=request.now - FRESHNESS,
    )
    if request.provider_types:
        listings = listings.filter(provider_type__in=sorted(request.provider_types))
    routes = []  # ways to be paid: the patient's payer, or self-pay
    if request.payer:
        routes.append(json_list_contains("payers", request.payer))
    if pays_self(request):
        routes.append(Q(self_pay=True))
    listings = listings.filter(reduce(operator.or_, routes))
    if exclude_ids:
        listings = listings.exclude(provider_id__in=list(exclude_ids))
    return listings.order_by()


@dataclass(frozen=True)
class _Ranking:
    """Eligible listings annotated with the pure code's sort key, as SQL: ``points``,
    ``practical``, ``soonest`` and (when distance ranks) ``distance_order``."""

    listings: QuerySet
    in_person: bool  # distance ranks (``distance_order`` is annotated)


def _ranking(request: CareRequest, *, exclude_ids=()) -> _Ranking | None:
    """``None`` when nothing can match (in person wanted, no location)."""
    if _modality_q(request) is None:
        return None
    wants_telehealth = request.modality in (TELEHEALTH, EITHER)
    wants_in_person = request.modality in (IN_PERSON, EITHER) and request.location is not None
    providers = _listed(request, exclude_ids=exclude_ids)
    in_reach = Q(pk__in=[])  # matches nothing
    if wants_in_person:
        providers = providers.annotate(miles=_miles(request))
        in_reach = Q(
            offers_in_person=True,
            latitude__isnull=False,
            longitude__isnull=False,
            miles__lte=request.max_distance_miles,
        )
    reachable = Q(offers_telehealth=True) if wants_telehealth else Q(pk__in=[])
    providers = providers.filter(reachable | in_reach)

    days = _DaysFrom(F("next_available"), Value(request.today, output_field=DateField()))
    availability = Case(
        When(next_available__isnull=True, then=_float(0.0)),
        default=Greatest(
            _float(0.0),
            _float(1)
            - Cast(Greatest(Value(0), days), FloatField()) / _float(AVAILABILITY_HORIZON_DAYS),
        ),
        output_field=FloatField(),
    )
    remote = 1.0 if request.modality == TELEHEALTH else TELEHEALTH_WHEN_EITHER
    proximity = (
        Case(
            When(
                in_reach,
                then=Greatest(
                    _float(0.0), _float(1) - F("miles") / _float(request.max_distance_miles)
                ),
            ),
            default=_float(remote),
            output_field=FloatField(),
        )
        if wants_in_person
        else _float(remote)
    )
    if request.languages:
        speaks = reduce(
            operator.or_, (json_list_contains("languages", c) for c in request.languages)
        )
        language = Case(
            When(speaks, then=_float(1.0)), default=_float(0.0), output_field=FloatField()
        )
    else:
        language = _float(1.0)
    ranked = providers.annotate(
        points=_points(request),
        practical=ExpressionWrapper(
            _float(WEIGHT_AVAILABILITY) * availability
            + _float(WEIGHT_PROXIMITY) * proximity
            + _float(WEIGHT_LANGUAGE) * language,
            output_field=FloatField(),
        ),
        # No opening listed sorts last (PostgreSQL's GREATEST would skip the NULL).
        soonest=Case(
            When(next_available__isnull=True, then=Value(None)),
            default=Greatest(F("next_available"), Value(request.today, output_field=DateField())),
            output_field=DateField(),
        ),
    )
    if wants_in_person:  # then the nearest (in person), telehealth-only last
        ranked = ranked.annotate(
            distance_order=Case(
                When(in_reach, then=F("miles")), default=Value(None), output_field=FloatField()
            )
        )
    return _Ranking(listings=ranked, in_person=wants_in_person)


def top_candidates(request: CareRequest, *, limit: int, exclude_ids=()) -> list[tuple]:
    """The ``limit`` best eligible listings as the database ranks them: rows of
    (``provider_id``, ``points``, ``practical``, ``eligible``), ``eligible`` being how many
    pass every hard constraint (the same on every row)."""
    ranking = _ranking(request, exclude_ids=exclude_ids)
    if ranking is None:
        return []
    # ``eligible`` is the same on every row, so sorting by it first changes no order; it makes
    # PostgreSQL sort once, after the count, keeping only the best ``limit`` (top-N heapsort).
    # COUNT(*): no column outside the covering index.
    ranked = ranking.listings.annotate(eligible=Window(Count("*")))
    order = [
        F("eligible").asc(),
        F("points").desc(),
        F("practical").desc(),
        F("soonest").asc(nulls_last=True),
    ]
    if ranking.in_person:
        order.append(F("distance_order").asc(nulls_last=True))
    ranked = ranked.order_by(*order, "npi")
    return list(ranked.values_list("provider_id", "points", "practical", "eligible")[:limit])


def _ahead_of(field: str, value, *, descending: bool = False, then: Q | None = None) -> Q:
    """Rows that sort before ``value`` on ``field`` (NULLs last), or tie on it and then sort
    before by ``then``."""
    if value is None:  # only a non-NULL sorts before a NULL
        before, tie = Q(**{f"{field}__isnull": False}), Q(**{f"{field}__isnull": True})
    else:
        before = Q(**{f"{field}__gt" if descending else f"{field}__lt": value})
        tie = Q(**{field: value})
    return before if then is None else before | (tie & then)


def places_ahead(request: CareRequest, ranked: Ranked, in_person_miles: float | None) -> int:
    """How many eligible listings the database ranks before a provider whose sort key the
    pure code computed (``ranked``; ``in_person_miles``: the distance that ranks it, ``None``
    for telehealth-only): its rank among all, less one, in one COUNT."""
    ranking = _ranking(request)
    if ranking is None:
        return 0
    points, practical, _, _, npi = ranked.key
    soonest = None if ranked.days is None else request.today + timedelta(days=ranked.days)
    tail = Q(npi__lt=npi)
    if ranking.in_person:
        tail = _ahead_of("distance_order", in_person_miles, then=tail)
    ahead = _ahead_of(
        "points",
        -points,
        descending=True,
        then=_ahead_of(
            "practical", -practical, descending=True, then=_ahead_of("soonest", soonest, then=tail)
        ),
    )
    return ranking.listings.filter(ahead).count()


class Disagreement(Exception):
    """The database ranked a row otherwise than the pure code (what differed, no values)."""


def _providers_by_id(ids) -> dict[str, Provider]:
    """Full provider rows (with licences and payers) by id, for the matches shown."""
    return {
        str(p.pk): p
        for p in Provider.objects.filter(pk__in=list(ids)).prefetch_related("licenses", "insurance")
    }


def ranked_top_matches(
    request: CareRequest, *, limit: int, exclude_ids=()
) -> tuple[MatchResult, dict[str, Provider]]:
    """``match_providers`` over the database's top ``limit`` listings, once the pure code,
    reading each provider's own rows (not the listing copy), agrees with the database on
    every one of them; ``Disagreement`` when it does not. With the matched providers' rows."""
    rows = top_candidates(request, limit=limit, exclude_ids=exclude_ids)
    providers = _providers_by_id(row[0] for row in rows)
    if len(providers) != len(rows):
        raise Disagreement("provider gone")
    listings = [full_listing(providers[str(row[0])]) for row in rows]
    for provider, row in zip(listings, rows, strict=True):
        modes = eligibility(provider, request)
        if modes is None:
            raise Disagreement("eligibility")
        miles = distance_miles(provider, request) if IN_PERSON in modes else None
        ranked = rank(provider, request, modes, miles)
        if ranked.fit_points != row[1]:
            raise Disagreement("fit points")
        if ranked.practical != row[2]:
            raise Disagreement("practical score")
    result = match_providers(listings, request, limit=limit)
    if [m.provider.id for m in result.matches] != [p.id for p in listings]:
        raise Disagreement("order")
    return replace(result, eligible=rows[0][-1] if rows else 0), providers


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


@dataclass(frozen=True)
class IntakeMatches:
    request: CareRequest
    result: MatchResult
    providers: dict[str, Provider]  # the matched providers' full rows, by id

    def provider(self, match: Match) -> Provider:
        return self.providers[match.provider.id]


def provider_matches(
    intake: Intake, *, limit: int | None = 10, exclude_ids=(), now: datetime | None = None
) -> IntakeMatches:
    """The intake's ranked matches (at most ``limit``) with the matched providers' rows."""
    request = care_request_for(intake, now=now)
    if limit is not None:
        try:
            result, providers = ranked_top_matches(request, limit=limit, exclude_ids=exclude_ids)
            return IntakeMatches(request=request, result=result, providers=providers)
        except Disagreement as error:
            log.warning("matching_sql_disagrees", limit=limit, on=str(error))
    result = match_providers(
        candidate_listings(request, exclude_ids=exclude_ids), request, limit=limit
    )
    providers = _providers_by_id(m.provider.id for m in result.matches)
    return IntakeMatches(request=request, result=result, providers=providers)


@dataclass(frozen=True)
class ProviderFit:
    """One provider against one intake: its match (rank among all), or why it fails."""

    match: Match | None
    unmet: tuple[str, ...]


def provider_fit(intake: Intake, provider: Provider, *, now=None) -> ProviderFit:
    """The provider's match for the intake (reasons and score from the pure code, its rank
    among all eligible listings counted by the database), or the constraints it fails."""
    request = care_request_for(intake, now=now)
    provider = Provider.objects.prefetch_related("licenses", "insurance").get(pk=provider.pk)
    listing = full_listing(provider)
    result = match_providers([listing], request, limit=1)
    if not result.matches:
        unmet = unmet_constraints(listing, request)
        return ProviderFit(match=None, unmet=unmet or ("Not matched for this intake",))
    [match] = result.matches
    modes = eligibility(listing, request)
    miles = distance_miles(listing, request) if IN_PERSON in modes else None
    ahead = places_ahead(request, rank(listing, request, modes, miles), miles)
    return ProviderFit(match=replace(match, rank=ahead + 1), unmet=())


def next_match_after(referral: Referral) -> tuple[Match, Provider] | None:
    """The best match not yet referred to for this intake (after a decline)."""
    tried = Referral.objects.filter(intake_id=referral.intake_id).values_list(
        "provider_id", flat=True
    )
    found = provider_matches(referral.intake, limit=1, exclude_ids=list(tried))
    if not found.result.matches:
        return None
    match = found.result.matches[0]
    return match, found.provider(match)


# --- Directory --------------------------------------------------------------------------------


def stale_q(now: datetime | None = None) -> Q:
    """Listings out of matching for staleness: availability unconfirmed for 30+ days."""
    now = now or timezone.now()
    return Q(availability_confirmed_at__isnull=True) | Q(
        availability_confirmed_at__lt=now - FRESHNESS
    )


def expired_license_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(Exists(License.objects.filter(provider=OuterRef("pk"), expires_on__lt=today)))


def json_list_contains(field: str, value: str) -> Q:
    """``value`` is an element of the JSON list ``field`` (PostgreSQL: containment; SQLite:
    the quoted token in the JSON text, exact because values are slugs without quotes)."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})


def providers_to_reconfirm(now: datetime | None = None) -> list[tuple[Provider, list[str]]]:
    """Listings to re-confirm this week, each with what needs doing: availability confirmed
    23+ days ago (stale within a week) or never, a licence expired or expiring in 30 days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon_stale = now - FRESHNESS + RECONFIRM_AHEAD
    licences_due = License.objects.filter(expires_on__lte=today + LICENSE_RENEWAL_AHEAD)
    qs = (
        Provider.objects.filter(
            Q(availability_confirmed_at__isnull=True)
            | Q(availability_confirmed_at__lt=soon_stale)
            | Q(Exists(licences_due.filter(provider=OuterRef("pk"))))
        )
        .prefetch_related("licenses")
        .order_by("availability_confirmed_at", "npi")
    )
    out = []
    for provider in qs:
        todo = []
        confirmed = provider.availability_confirmed_at
        if confirmed is None:
            todo.append("availability never confirmed")
        elif confirmed < now - FRESHNESS:
            todo.append(f"availability last confirmed {day(confirmed)} (stale)")
        elif confirmed < soon_stale:
            todo.append(f"availability last confirmed {day(confirmed)} (stale within a week)")
        for lic in provider.licenses.all():
            if lic.expires_on < today:
                todo.append(f"{lic.state} licence expired {day(lic.expires_on)}")
            elif lic.expires_on <= today + LICENSE_RENEWAL_AHEAD:
                todo.append(f"{lic.state} licence expires {day(lic.expires_on)}")
        out.append((provider, todo))
    return out


# --- Referrals --------------------------------------------------------------------------------


def referrals_for_intake(intake_id) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(intake_id=intake_id)
        .select_related("provider")
        .order_by("-created_at")
    )


def follow_ups_for_intake(intake_id) -> QuerySet[Referral]:
    """The intake's referrals flagged for follow-up (for the case page)."""
    return referrals_for_intake(intake_id).filter(follow_up_flagged_at__isnull=False)


@dataclass(frozen=True)
class Outcome:
    label: str
    sent: int
    scheduled: int
    median_days_to_first_visit: float | None

    @property
    def share_scheduled(self) -> float | None:
        return self.scheduled / self.sent if self.sent else None


def referral_outcomes() -> tuple[Outcome, list[Outcome]]:
    """Overall and per provider: of the referrals ever sent, how many reached a scheduled
    first visit, and the median days from the intake's submission to that visit."""
    sent = Exists(
        ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=ReferralStatus.SENT)
    )
    rows = Referral.objects.filter(sent).values_list(
        "provider_id",
        "provider__name",
        "provider__npi",
        "first_visit_on",
        "intake__submitted_at",
    )
    per_provider = defaultdict(list)
    labels = {}
    for provider_id, name, npi, first_visit_on, submitted_at in rows:
        labels[provider_id] = f"{name} ({npi})"
        days = None
        if first_visit_on is not None:
            days = (first_visit_on - timezone.localdate(submitted_at)).days
        per_provider[provider_id].append(days)

    def outcome(label, days_list):
        reached = [d for d in days_list if d is not None]
        return Outcome(
            label, len(days_list), len(reached), statistics.median(reached) if reached else None
        )

    providers = sorted(
        (outcome(labels[pid], days) for pid, days in per_provider.items()),
        key=lambda o: (-o.sent, o.label),
    )
    overall = outcome("All providers", [d for days in per_provider.values() for d in days])
    return overall, providers


# --- Support resources ------------------------------------------------------------------------


def support_resources_for(audience: str = Audience.BOTH) -> list[SupportResource]:
    """Active resources for ``audience``: ``patient`` or ``carer`` get theirs and those for
    both; ``both`` gets every one. Crisis lines first, then the admin's order."""
    qs = SupportResource.objects.filter(active=True)
    if audience in (Audience.PATIENT, Audience.CARER):
        qs = qs.filter(audience__in=[audience, Audience.BOTH])
    elif audience != Audience.BOTH:
        raise ValueError(f"audience must be patient, carer or both, not {audience!r}")
    return list(qs.order_by("position", "name"))
