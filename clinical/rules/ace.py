"""Adverse Childhood Experiences, ACE-10 (clinical.md §4.10; Felitti et al. 1998).

Context for the clinician only: Anda et al. 2020 warn the score is not an individual-level
diagnostic cut-point.
"""

from clinical.rules.answers import missing_items, numbered_items, yes_items
from clinical.rules.types import Items, Score, incomplete_score

ACE_ITEMS = numbered_items(1, 10)
# clinical.md §4.10 (Felitti 1998; ACEs Aware "high risk") and §8 `childhood_adversity`: ≥ 4.
ACE_CUTOFF = 4


def ace_total(items: Items) -> int:
    return len(yes_items(items, ACE_ITEMS))


def ace_high(total: int) -> bool:
    return total >= ACE_CUTOFF


def ace_score(items: Items) -> Score:
    missing = missing_items(items, ACE_ITEMS)
    if missing:
        return incomplete_score(missing)
    total = ace_total(items)
    return Score(total=total, positive=ace_high(total), extra={"cutoff": ACE_CUTOFF})
