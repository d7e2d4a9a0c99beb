"""``match_providers``: the hard constraints, then the ranking, for one request."""

import heapq
from collections.abc import Iterable

from referrals.matching.constraints import distance_miles, eligibility
from referrals.matching.scoring import display_score, rank, reasons
from referrals.matching.types import IN_PERSON, TELEHEALTH, CareRequest, Match, MatchResult

SUICIDE_RISK = "suicide_risk"
URGENT_PATHWAY_NOTICE = (
    "Suicide risk was flagged: the urgent same-day pathway comes first (same-day clinician "
    "safety review; 988 by call, text or chat at 988lifeline.org; 911 in immediate danger). "
    "These matches are not a substitute for it."
)
NO_LOCATION_NOTICE = (
    "The patient has no usable ZIP code, so in-person distance cannot be checked: only "
    "telehealth providers are matched."
)
NO_LOCATION_IN_PERSON_NOTICE = (
    "The patient asked for in-person care but has no usable ZIP code, so no provider can be "
    "shown to be within reach. Ask for a ZIP code, or whether telehealth would do."
)


def notes_for(request: CareRequest) -> tuple[str, ...]:
    notes = []
    if SUICIDE_RISK in request.flags:
        notes.append(URGENT_PATHWAY_NOTICE)
    if request.location is None and request.modality != TELEHEALTH:
        notes.append(
            NO_LOCATION_IN_PERSON_NOTICE if request.modality == IN_PERSON else NO_LOCATION_NOTICE
        )
    return tuple(notes)


def _rounded(miles: float | None) -> float | None:
    return None if miles is None else round(miles, 1)


def match_providers(
    providers: Iterable, request: CareRequest, *, limit: int | None = None
) -> MatchResult:
    """Eligible providers, best first (at most ``limit``), each with its reasons.

    Every provider is checked and ranked as it streams past and only the best ``limit``
    are kept (``heapq.nsmallest`` gives the ``sorted`` order), so thousands of candidates
    are never held at once; the words (reasons) are written for the kept ones only.
    """
    eligible = 0

    def ranked():
        nonlocal eligible
        for provider in providers:
            modes = eligibility(provider, request)
            if modes is None:
                continue
            eligible += 1
            # Distance ranks only in-person care (telehealth-only: shown, never ranked).
            miles = distance_miles(provider, request) if IN_PERSON in modes else None
            yield rank(provider, request, modes, miles), provider, modes

    def key(item):
        return item[0].key

    top = sorted(ranked(), key=key) if limit is None else heapq.nsmallest(limit, ranked(), key)
    matches = tuple(
        Match(
            provider=provider,
            rank=position,
            score=display_score(r, request.flags),
            reasons=reasons(provider, request, modes, r.days),
            care_modes=modes,
            distance_miles=_rounded(distance_miles(provider, request)),
            next_available=provider.next_available,
        )
        for position, (r, provider, modes) in enumerate(top, start=1)
    )
    return MatchResult(
        matches=matches,
        urgent_pathway=SUICIDE_RISK in request.flags,
        notes=notes_for(request),
        eligible=eligible,
    )
