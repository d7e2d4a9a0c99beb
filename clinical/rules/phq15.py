"""PHQ-15 somatic symptoms (clinical.md §4.12; Kroenke, Spitzer & Williams 2002).

q4 is the menstrual item, asked only when sex_at_birth is not ``male`` (total 0-28 for men).
"""

from clinical.rules.answers import missing_items, numbered_items, total_points
from clinical.rules.bands import Bands, band_for
from clinical.rules.types import Items, Score, incomplete_score

PHQ15_ITEMS = numbered_items(1, 15)
PHQ15_MENSTRUAL_ITEM = "q4"
PHQ15_ITEM_MAX = 2

# clinical.md §4.12 (Kroenke 2002): 0-4 minimal, 5-9 low, 10-14 medium, 15-30 high.
PHQ15_BANDS: Bands = ((0, "minimal"), (5, "low"), (10, "medium"), (15, "high"))
PHQ15_SEVERITIES = tuple(word for _, word in PHQ15_BANDS)
# clinical.md §8 `somatic_symptoms`: moderate flag at ≥ 15, info at 10-14.
PHQ15_HIGH = 15
PHQ15_MEDIUM = 10


def phq15_items_for(sex_at_birth: str) -> tuple[str, ...]:
    if sex_at_birth == "male":
        return tuple(key for key in PHQ15_ITEMS if key != PHQ15_MENSTRUAL_ITEM)
    return PHQ15_ITEMS


def phq15_max_total(sex_at_birth: str) -> int:
    return PHQ15_ITEM_MAX * len(phq15_items_for(sex_at_birth))


def phq15_total(items: Items, sex_at_birth: str) -> int:
    return total_points(items, phq15_items_for(sex_at_birth))


def phq15_severity(total: int) -> str:
    return band_for(total, PHQ15_BANDS)


def phq15_score(items: Items, *, sex_at_birth: str) -> Score:
    scored = phq15_items_for(sex_at_birth)
    missing = missing_items(items, scored)
    if missing:
        return incomplete_score(missing)
    total = phq15_total(items, sex_at_birth)
    return Score(
        total=total,
        severity=phq15_severity(total),
        extra={
            "max_total": phq15_max_total(sex_at_birth),
            "menstrual_item_scored": PHQ15_MENSTRUAL_ITEM in scored,
        },
    )
