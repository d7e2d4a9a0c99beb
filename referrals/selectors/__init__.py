"""Reads of the referrals app: the matching prefilter, the directory, referrals, outcomes and
support resources.

Matching filters and ranks ``MatchListing`` rows in SQL (``top_candidates``,
selectors/ranking.py) and has ``referrals.matching`` check, order and word the best from the
providers' own rows. Figures: docs/performance.md.
"""

from referrals.selectors.candidates import (
    DEFAULT_MAX_DISTANCE_MILES,
    care_request_for,
    full_listing,
    intake_flag_codes,
    json_list_contains,
)
from referrals.selectors.fit import (
    IntakeMatches,
    ProviderFit,
    next_match_after,
    provider_fit,
    provider_matches,
)
from referrals.selectors.outcomes import (
    Outcome,
    follow_ups_for_intake,
    referral_outcomes,
    referrals_for_intake,
)
from referrals.selectors.ranking import (
    places_ahead,
    ranked_top_matches,
    top_candidates,
)
from referrals.selectors.resources import (
    support_resources_for,
)
from referrals.selectors.staleness import (
    LICENSE_RENEWAL_AHEAD,
    RECONFIRM_AHEAD,
    expired_license_q,
    providers_to_reconfirm,
    stale_q,
)

__all__ = [
    "DEFAULT_MAX_DISTANCE_MILES",
    "LICENSE_RENEWAL_AHEAD",
    "RECONFIRM_AHEAD",
    "IntakeMatches",
    "Outcome",
    "ProviderFit",
    "care_request_for",
    "expired_license_q",
    "follow_ups_for_intake",
    "full_listing",
    "intake_flag_codes",
    "json_list_contains",
    "next_match_after",
    "places_ahead",
    "provider_fit",
    "provider_matches",
    "providers_to_reconfirm",
    "ranked_top_matches",
    "referral_outcomes",
    "referrals_for_intake",
    "stale_q",
    "support_resources_for",
    "top_candidates",
]
