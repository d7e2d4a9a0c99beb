"""An intake's matches (ranked in SQL over the listings, checked and worded by the pure code),
one provider's fit for an intake, and the next match after a declined referral.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from intake.models import Intake
from referrals.matching import CareRequest, Match, MatchResult, match_providers
from referrals.matching.constraints import distance_miles, eligibility, unmet_constraints
from referrals.matching.scoring import rank
from referrals.matching.types import IN_PERSON
from referrals.models import Provider, Referral
from referrals.selectors.candidates import care_request_for, full_listing
from referrals.selectors.ranking import places_ahead, ranked_top_matches


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
    result, providers = ranked_top_matches(request, limit=limit, exclude_ids=exclude_ids)
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
