"""PHQ-9 depression questionnaire (clinical.md §4.1; Kroenke, Spitzer & Williams 2001)."""

from clinical.rules.answers import item_points, missing_items, numbered_items, total_points
from clinical.rules.bands import Bands, band_for
from clinical.rules.types import Items, Score, incomplete_score

PHQ9_ITEMS = numbered_items(1, 9)
PHQ9_ITEM9 = "q9"
PHQ9_DIFFICULTY = "difficulty"  # functional item, not added to the total

# clinical.md §4.1 (Kroenke 2001): 0-4 minimal, 5-9 mild, 10-14 moderate,
# 15-19 moderately severe, 20-27 severe.
PHQ9_BANDS: Bands = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately_severe"),
    (20, "severe"),
)
PHQ9_SEVERITIES = tuple(word for _, word in PHQ9_BANDS)
# clinical.md §4.1 (Kroenke 2001): total ≥ 10, sensitivity 88 %, specificity 88 %.
PHQ9_CUTOFF = 10

# clinical.md §4.1 (PHQ instruction manual): an item "counts" for the diagnostic algorithm at
# ≥ 2 ("more than half the days"); item 9 counts at ≥ 1.
PHQ9_ALGORITHM_ITEM_POINTS = 2
PHQ9_ALGORITHM_ITEM9_POINTS = 1
PHQ9_CARDINAL_ITEMS = ("q1", "q2")
PHQ9_MAJOR_SYNDROME_MIN_ITEMS = 5  # ≥ 5 counting items incl. item 1 or 2
PHQ9_OTHER_SYNDROME_MIN_ITEMS = 2  # 2-4 counting items incl. item 1 or 2

PHQ9_ANSWER_WORDS = ("not at all", "several days", "more than half the days", "nearly every day")


def phq9_total(items: Items) -> int:
    return total_points(items, PHQ9_ITEMS)


def phq9_severity(total: int) -> str:
    return band_for(total, PHQ9_BANDS)


def phq9_positive(total: int) -> bool:
    return total >= PHQ9_CUTOFF


def phq9_item9(items: Items) -> int | None:
    """Item 9 (thoughts of being better off dead or of self-harm), or None if unanswered."""
    return item_points(items, PHQ9_ITEM9) if PHQ9_ITEM9 in items else None


def _counts_for_algorithm(items: Items, key: str) -> bool:
    threshold = PHQ9_ALGORITHM_ITEM9_POINTS if key == PHQ9_ITEM9 else PHQ9_ALGORITHM_ITEM_POINTS
    return item_points(items, key) >= threshold


def phq9_syndrome(items: Items) -> str:
    """The PHQ diagnostic algorithm: ``major_depressive_syndrome``,
    ``other_depressive_syndrome`` or ``none``. A screening pattern, not a diagnosis."""
    counting = [key for key in PHQ9_ITEMS if _counts_for_algorithm(items, key)]
    if not any(key in counting for key in PHQ9_CARDINAL_ITEMS):
        return "none"
    if len(counting) >= PHQ9_MAJOR_SYNDROME_MIN_ITEMS:
        return "major_depressive_syndrome"
    if len(counting) >= PHQ9_OTHER_SYNDROME_MIN_ITEMS:
        return "other_depressive_syndrome"
    return "none"


def describe_item9(points: int) -> str:
    word = PHQ9_ANSWER_WORDS[points] if 0 <= points < len(PHQ9_ANSWER_WORDS) else "?"
    return f"PHQ-9 item 9 (better off dead or hurting yourself): {points} ({word})"


def phq9_score(items: Items) -> Score:
    item9 = phq9_item9(items)
    missing = missing_items(items, PHQ9_ITEMS)
    if missing:
        return incomplete_score(missing, item9=item9)
    total = phq9_total(items)
    extra = {"item9": item9, "syndrome": phq9_syndrome(items), "cutoff": PHQ9_CUTOFF}
    if PHQ9_DIFFICULTY in items:
        extra["difficulty"] = item_points(items, PHQ9_DIFFICULTY)
    return Score(
        total=total, severity=phq9_severity(total), positive=phq9_positive(total), extra=extra
    )
