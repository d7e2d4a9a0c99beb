"""Ranking eligible providers: clinical fit with what screening found first, then the practical
things (soonest opening, distance, language). Every point comes with a reason in words.

Order (a total order, so ties are deterministic):

1. clinical fit points, highest first (``FLAG_PREFERENCES``, from the flag catalogue's
   ``provider_fit``: 2 for a full fit with a flag, 1 for a partial one);
2. practical score in [0, 1], highest first: availability (weight 0.5: an opening today
   scores 1, falling to 0 at ``AVAILABILITY_HORIZON_DAYS``), proximity (0.3: in person at
   the patient's door scores 1, at the distance limit 0; telehealth-only scores 1 when the
   patient asked for telehealth and 0.5 when either would do), language (0.2: speaks one
   of the patient's languages, or the patient named none);
3. then soonest opening, nearest, and the NPI.

A provider's key depends on that provider and the request only, never on the other
providers, so adding a provider never reorders the rest. The displayed ``score`` is
``(fit + practical) / (max_fit + 1)``: in [0, 1] and never increasing down the list.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from clinical.rules.flag_catalogue import FLAG_CATALOGUE, ProviderFit
from ops.labels import LANGUAGES
from referrals.matching.constraints import distance_miles, payment_route, valid_licence
from referrals.matching.types import IN_PERSON, TELEHEALTH, CareRequest, ProviderListing

FULL_FIT = 2
PARTIAL_FIT = 1
AVAILABILITY_HORIZON_DAYS = 60
WEIGHT_AVAILABILITY = 0.5
WEIGHT_PROXIMITY = 0.3
WEIGHT_LANGUAGE = 0.2
TELEHEALTH_WHEN_EITHER = 0.5  # proximity credit of a telehealth-only provider under "either"
TREATMENT_NAMES = {"esketamine": "esketamine", "rtms": "rTMS", "ect": "ECT"}


@dataclass(frozen=True)
class Fit:
    points: int
    reasons: tuple[str, ...]


def _fit_with(want: ProviderFit) -> Callable[[ProviderListing], Fit]:
    """A provider's fit with one flag, in words (the catalogue's ``ProviderFit``)."""

    def fit(p: ProviderListing) -> Fit:
        points, reasons = 0, []
        if want.specialty in p.specialties:
            if not want.best_provider_type or p.provider_type == want.best_provider_type:
                points += FULL_FIT
                reasons.append(want.reason)
            else:
                points += PARTIAL_FIT
                reasons.append(want.partial_reason)
        offered = [TREATMENT_NAMES[t] for t in want.treatments if t in p.treatments]
        if offered:
            points += FULL_FIT
            reasons.append(want.treatments_reason.format(treatments=_join(offered)))
        return Fit(points, tuple(reasons))

    return fit


@dataclass(frozen=True)
class Term:
    """``points`` for a listing with any of ``specialties`` or any of ``treatments`` (and,
    when ``provider_types`` is given, of one of those types). Data, so the database can
    add up the same points (``referrals.selectors``)."""

    points: int
    specialties: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()
    provider_types: tuple[str, ...] = ()

    def applies(self, p: ProviderListing) -> bool:
        has = not p.specialties.isdisjoint(self.specialties) or not p.treatments.isdisjoint(
            self.treatments
        )
        return has and (not self.provider_types or p.provider_type in self.provider_types)


@dataclass(frozen=True)
class Preference:
    """How providers fit one screening flag: ``fit`` in words, and the same points as
    ``terms`` (a property test checks they agree)."""

    fit: Callable[[ProviderListing], Fit]
    terms: tuple[Term, ...]

    @property
    def most(self) -> int:
        """The most points it can give."""
        return sum(t.points for t in self.terms)

    @property
    def specialties(self) -> tuple[str, ...]:
        return tuple(s for t in self.terms for s in t.specialties)

    @property
    def treatments(self) -> tuple[str, ...]:
        return tuple(x for t in self.terms for x in t.treatments)

    def points_of(self, provider: ProviderListing) -> int:
        return sum(t.points for t in self.terms if t.applies(provider))


def _terms_of(want: ProviderFit) -> tuple[Term, ...]:
    """The same points as ``_fit_with(want)``, as data. With a best provider type (bipolar:
    a psychiatrist), the specialty is a partial fit and that type adds the rest."""
    specialty = (want.specialty,)
    if want.best_provider_type:
        terms = (
            Term(PARTIAL_FIT, specialties=specialty),
            Term(
                FULL_FIT - PARTIAL_FIT,
                specialties=specialty,
                provider_types=(want.best_provider_type,),
            ),
        )
    else:
        terms = (Term(FULL_FIT, specialties=specialty),)
    if want.treatments:
        terms += (Term(FULL_FIT, treatments=want.treatments),)
    return terms


#: Flag code -> how providers fit it, for the flags of the catalogue that rank providers.
FLAG_PREFERENCES = {
    info.code: Preference(_fit_with(info.provider_fit), _terms_of(info.provider_fit))
    for info in FLAG_CATALOGUE.values()
    if info.provider_fit is not None
}


@cache
def _relevant(flags: frozenset[str]) -> tuple[str, ...]:
    """The request's flags that rank providers, in a fixed order (computed once per set)."""
    return tuple(sorted(flags & FLAG_PREFERENCES.keys()))


def clinical_fit(provider: ProviderListing, flags: frozenset[str]) -> Fit:
    points, reasons = 0, []
    for flag in _relevant(flags):
        fit = FLAG_PREFERENCES[flag].fit(provider)
        points += fit.points
        reasons.extend(fit.reasons)
    return Fit(points, tuple(reasons))


def fit_points(provider: ProviderListing, flags: frozenset[str]) -> int:
    return sum(FLAG_PREFERENCES[flag].points_of(provider) for flag in _relevant(flags))


def relevant_preferences(flags: frozenset[str]) -> tuple[Preference, ...]:
    """The preferences of the request's flags that rank providers, in a fixed order."""
    return tuple(FLAG_PREFERENCES[flag] for flag in _relevant(flags))


def max_fit(flags: frozenset[str]) -> int:
    return sum(FLAG_PREFERENCES[flag].most for flag in _relevant(flags))


def days_until(next_available: date | None, today: date) -> int | None:
    """Days to the next opening; a listed date already past means "now" (0)."""
    return None if next_available is None else max(0, (next_available - today).days)


def availability_component(days: int | None) -> float:
    if days is None:
        return 0.0
    return max(0.0, 1 - days / AVAILABILITY_HORIZON_DAYS)


def proximity_component(modes: tuple[str, ...], miles: float | None, request: CareRequest) -> float:
    if IN_PERSON in modes and miles is not None:
        return max(0.0, 1 - miles / request.max_distance_miles)
    return 1.0 if request.modality == TELEHEALTH else TELEHEALTH_WHEN_EITHER


def speaks_wanted_language(provider: ProviderListing, request: CareRequest) -> bool:
    return not request.languages or not provider.languages.isdisjoint(request.languages)


@dataclass(frozen=True)
class Ranked:
    """An eligible provider's place in the order (cheap: no words yet)."""

    key: tuple
    fit_points: int
    practical: float
    days: int | None


def rank(
    provider: ProviderListing,
    request: CareRequest,
    modes: tuple[str, ...],
    miles: float | None,
) -> Ranked:
    """The sort key of one eligible provider (depends on it and the request only)."""
    points = fit_points(provider, request.flags)
    days = days_until(provider.next_available, request.today)
    # Left to right, unrounded: the database repeats exactly these double operations to
    # rank a whole directory in SQL (``referrals.selectors.top_candidates``).
    practical = (
        WEIGHT_AVAILABILITY * availability_component(days)
        + WEIGHT_PROXIMITY * proximity_component(modes, miles, request)
        + WEIGHT_LANGUAGE * (1.0 if speaks_wanted_language(provider, request) else 0.0)
    )
    key = (
        -points,
        -practical,
        days if days is not None else 10**6,
        miles if miles is not None and IN_PERSON in modes else float("inf"),
        provider.npi,
    )
    return Ranked(key=key, fit_points=points, practical=practical, days=days)


def display_score(ranked: Ranked, flags: frozenset[str]) -> float:
    """``(fit + practical) / (max_fit + 1)``: in [0, 1], never increasing down the list."""
    return round((ranked.fit_points + ranked.practical) / (max_fit(flags) + 1), 4)


def reasons(
    provider: ProviderListing,
    request: CareRequest,
    modes: tuple[str, ...],
    days: int | None,
) -> tuple[str, ...]:
    """Why this provider is on the list, in words: fit first, then the practical things."""
    miles = distance_miles(provider, request) if IN_PERSON in modes else None
    return (
        *clinical_fit(provider, request.flags).reasons,
        _availability_reason(days, provider.next_available),
        _modes_reason(modes, miles),
        *_language_reasons(provider, request, speaks_wanted_language(provider, request)),
        _payment_reason(provider, request),
        _licence_reason(provider, request),
    )


# --- Reasons in words -----------------------------------------------------------------------


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _availability_reason(days: int | None, next_available: date | None) -> str:
    if days is None:
        return "No next opening listed"
    if days == 0:
        return "Next opening today"
    if days == 1:
        return f"Next opening tomorrow ({next_available.isoformat()})"
    return f"Next opening in {days} days ({next_available.isoformat()})"


def _in_person_words(miles: float) -> str:
    if miles < 0.05:  # ZIP centroids: the same ZIP code
        return "in person in the patient's ZIP code area"
    return f"in person {miles:.1f} miles away"


def _modes_reason(modes: tuple[str, ...], miles: float | None) -> str:
    in_person = _in_person_words(miles) if IN_PERSON in modes else ""
    if TELEHEALTH in modes and in_person:
        return f"Telehealth, or {in_person}"
    if in_person:
        return in_person[0].upper() + in_person[1:]
    return "Telehealth"


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def _language_reasons(provider: ProviderListing, request: CareRequest, speaks: bool):
    if not request.languages:
        return ()
    if speaks:
        shared = [language_name(c) for c in request.languages if c in provider.languages]
        return (f"Speaks {_join(shared)}",)
    wanted = _join([language_name(c) for c in request.languages])
    return (f"Does not list {wanted} (an interpreter may be needed)",)


def _payment_reason(provider: ProviderListing, request: CareRequest) -> str:
    if payment_route(provider, request) == "insurance":
        return f"In network with {request.payer}"
    return "Accepts self-pay"


def _licence_reason(provider: ProviderListing, request: CareRequest) -> str:
    licence = valid_licence(provider, request.state, request.today)
    return f"Licensed in {request.state} until {licence.expires_on.isoformat()}"
