"""AUDIT-C alcohol screen (clinical.md §4.4; Bush et al. 1998, Bradley et al. 2003/2007)."""

from clinical.rules.answers import item_points, missing_items, numbered_items, total_points
from clinical.rules.types import Items, Score, incomplete_score

AUDIT_C_ITEMS = numbered_items(1, 3)
AUDIT_C_FREQUENCY_ITEM = "q1"
# Published skip (Bush 1998; VA/WHO AUDIT-C forms): item 1 = "Never" (0) → items 2 and 3 are
# not asked and score 0, so a non-drinker's AUDIT-C is complete with item 1 alone.
AUDIT_C_NEVER = 0
AUDIT_C_SKIPPED_AFTER_NEVER = ("q2", "q3")

# clinical.md §4.4 (Bush 1998 men; Bradley 2003 women) and §8 `substance_use`: positive at
# ≥ 4 for `male`; ≥ 3 for every other sex_at_birth (project convention for intersex/unknown:
# the more sensitive threshold).
AUDIT_C_CUTOFF_MALE = 4
AUDIT_C_CUTOFF_OTHER = 3


def audit_c_total(items: Items) -> int:
    return total_points(items, AUDIT_C_ITEMS)


def audit_c_cutoff(sex_at_birth: str) -> int:
    return AUDIT_C_CUTOFF_MALE if sex_at_birth == "male" else AUDIT_C_CUTOFF_OTHER


def audit_c_positive(total: int, sex_at_birth: str) -> bool:
    return total >= audit_c_cutoff(sex_at_birth)


def audit_c_all_points_from_q1(items: Items) -> bool:
    """clinical.md §4.4 (VA guidance): all points from item 1 → probably within limits."""
    total = audit_c_total(items)
    return total > 0 and item_points(items, AUDIT_C_FREQUENCY_ITEM) == total


def audit_c_required_items(items: Items) -> tuple[str, ...]:
    """All three items, or item 1 alone when it is "Never" (the published skip)."""
    if items.get(AUDIT_C_FREQUENCY_ITEM) == AUDIT_C_NEVER and not isinstance(
        items.get(AUDIT_C_FREQUENCY_ITEM), bool
    ):
        return (AUDIT_C_FREQUENCY_ITEM,)
    return AUDIT_C_ITEMS


def audit_c_score(items: Items, *, sex_at_birth: str) -> Score:
    missing = missing_items(items, audit_c_required_items(items))
    if missing:
        return incomplete_score(missing)
    total = audit_c_total(items)
    return Score(
        total=total,
        positive=audit_c_positive(total, sex_at_birth),
        extra={
            "cutoff": audit_c_cutoff(sex_at_birth),
            "all_points_from_q1": audit_c_all_points_from_q1(items),
        },
    )
