"""Provider matching: pure Python (no Django, DRF or Celery; import-linter keeps it so).

The database does the coarse, index-backed filtering (``referrals.selectors``); this package
re-checks every hard constraint exactly (``constraints``), ranks what is left (``scoring``)
and explains each match in words. Inputs and outputs are frozen dataclasses (``types``).
"""

from referrals.matching.engine import URGENT_PATHWAY_NOTICE, match_providers
from referrals.matching.types import CareRequest, Licence, Match, MatchResult, ProviderListing

__all__ = [
    "URGENT_PATHWAY_NOTICE",
    "CareRequest",
    "Licence",
    "Match",
    "MatchResult",
    "ProviderListing",
    "match_providers",
]
