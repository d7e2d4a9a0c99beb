"""SCOFF eating-disorder screen (clinical.md §4.6; Morgan, Reid & Lacey 1999)."""

from clinical.rules.answers import missing_items, numbered_items, yes_items
from clinical.rules.types import Items, Score, incomplete_score

SCOFF_ITEMS = numbered_items(1, 5)
SCOFF_ITEM_WORDS = {
    "q1": "makes self sick when uncomfortably full",
    "q2": "worries about loss of control over eating",
    "q3": "lost more than one stone in 3 months",
    "q4": "believes self fat when others say too thin",
    "q5": "food dominates life",
}
# clinical.md §4.6 (Morgan 1999) and §8 `eating_disorder`: ≥ 2 yes = positive.
SCOFF_CUTOFF = 2


def scoff_total(items: Items) -> int:
    return len(yes_items(items, SCOFF_ITEMS))


def scoff_positive(total: int) -> bool:
    return total >= SCOFF_CUTOFF


def scoff_score(items: Items) -> Score:
    missing = missing_items(items, SCOFF_ITEMS)
    if missing:
        return incomplete_score(missing)
    total = scoff_total(items)
    return Score(
        total=total,
        positive=scoff_positive(total),
        extra={"cutoff": SCOFF_CUTOFF, "yes_items": yes_items(items, SCOFF_ITEMS)},
    )
