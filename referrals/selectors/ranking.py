"""Top matches ranked in SQL over ``MatchListing`` rows, checked and worded by the pure
ranking (``referrals.matching``): ``top_candidates``, ``places_ahead``, ``ranked_top_matches``.
"""

import math
import operator
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import reduce

import structlog
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import ASin, Cast, Cos, Greatest, Least, Sin, Sqrt
from django.db.models.lookups import GreaterThan

from referrals.matching import CareRequest, MatchResult, match_providers
from referrals.matching.constraints import FRESHNESS, pays_self
from referrals.matching.distance import DIAMETER_MILES, RADIANS_PER_DEGREE
from referrals.matching.masks import specialties_mask, treatments_mask
from referrals.matching.scoring import (
    AVAILABILITY_HORIZON_DAYS,
    TELEHEALTH_WHEN_EITHER,
    WEIGHT_AVAILABILITY,
    WEIGHT_LANGUAGE,
    WEIGHT_PROXIMITY,
    Ranked,
    relevant_preferences,
)
from referrals.matching.types import EITHER, IN_PERSON, TELEHEALTH
from referrals.models import MatchListing, Provider
from referrals.selectors.candidates import full_listing, json_list_contains, modality_q

log = structlog.get_logger(__name__)

# Ranking a whole directory in Python costs microseconds per candidate, and a popular state
# at 1M listings has tens of thousands. So for a bounded list the database ranks the
# ``MatchListing`` rows: it computes each candidate's care modes, fit points (from the
# specialty and treatment bit masks) and practical score with the same double operations,
# in the same order, as ``referrals.matching`` (distance.haversine_miles, scoring.rank),
# orders by the same total key, counts the eligible, and returns the best ``limit`` rows.
# The pure code then checks, orders and words those rows from each provider's own rows
# (tests/referrals/test_matching_sql.py: the same answer as pure matching over every
# listing). Until 2026-12 a disagreement threw the rows away and ranked every candidate in
# Python from the normalised tables; measured 3-10x slower and never needed, it was removed
# (docs/performance.md).


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
    filter (``modality_q`` is not ``None``)."""
    listings = MatchListing.objects.filter(
        modality_q(request),
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
    if modality_q(request) is None:
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


def providers_by_id(ids) -> dict[str, Provider]:
    """Full provider rows (with licences and payers) by id, for the matches shown."""
    return {
        str(p.pk): p
        for p in Provider.objects.filter(pk__in=list(ids)).prefetch_related("licenses", "insurance")
    }


def ranked_top_matches(
    request: CareRequest, *, limit: int | None, exclude_ids=()
) -> tuple[MatchResult, dict[str, Provider]]:
    """The database's best ``limit`` listings (``top_candidates``; ``None``: all), checked,
    ordered and worded by ``match_providers`` from each provider's own rows (not the listing
    copy); with the matched providers' rows. A listing row gone stale behind the services'
    back cannot show a provider the pure code refuses: it is left out (and not counted as
    eligible), and a warning says how many (``manage.py rebuild_match_listings`` mends it)."""
    rows = top_candidates(request, limit=limit, exclude_ids=exclude_ids)
    providers = providers_by_id(row[0] for row in rows)
    listings = [full_listing(providers[str(row[0])]) for row in rows if str(row[0]) in providers]
    result = match_providers(listings, request, limit=limit)
    left_out = len(rows) - len(result.matches)
    if left_out:
        log.warning("matching_listing_stale", limit=limit, left_out=left_out)
    eligible = rows[0][-1] - left_out if rows else 0
    return replace(result, eligible=eligible), providers
