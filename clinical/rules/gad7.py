"""GAD-7 generalised anxiety questionnaire (clinical.md §4.2; Spitzer et al. 2006)."""

from clinical.rules.answers import item_points, missing_items, numbered_items, total_points
from clinical.rules.bands import Bands, band_for
from clinical.rules.types import Items, Score, incomplete_score

GAD7_ITEMS = numbered_items(1, 7)
GAD7_DIFFICULTY = "difficulty"  # optional functional item, not added to the total

# clinical.md §4.2 (Spitzer 2006): 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
GAD7_BANDS: Bands = ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"))
GAD7_SEVERITIES = tuple(word for _, word in GAD7_BANDS)
# clinical.md §4.2 (Spitzer 2006) and §8 `anxiety`: total ≥ 10 (sensitivity 89 %,
# specificity 82 % for GAD).
GAD7_CUTOFF = 10


def gad7_total(items: Items) -> int:
    return total_points(items, GAD7_ITEMS)


def gad7_severity(total: int) -> str:
    return band_for(total, GAD7_BANDS)


def gad7_positive(total: int) -> bool:
    return total >= GAD7_CUTOFF


def gad7_score(items: Items) -> Score:
    missing = missing_items(items, GAD7_ITEMS)
    if missing:
        return incomplete_score(missing)
    total = gad7_total(items)
    extra: dict[str, int] = {"cutoff": GAD7_CUTOFF}
    if GAD7_DIFFICULTY in items:
        extra["difficulty"] = item_points(items, GAD7_DIFFICULTY)
    return Score(
        total=total, severity=gad7_severity(total), positive=gad7_positive(total), extra=extra
    )
