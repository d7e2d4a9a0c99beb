"""Single-item drug use screen (clinical.md §4.5; Smith, Schmidt, Allensworth-Davies & Saitz
2010): "How many times in the past year have you used an illegal drug or used a prescription
medication for nonmedical reasons?" The answer is a whole number of times."""

from clinical.rules.answers import item_points, missing_items
from clinical.rules.types import Items, Score, incomplete_score

DRUG_SCREEN_ITEM = "q1"
# clinical.md §4.5 (Smith 2010) and §8 `substance_use`: positive at 1 or more times.
DRUG_SCREEN_CUTOFF = 1


def drug_screen_positive(times: int) -> bool:
    return times >= DRUG_SCREEN_CUTOFF


def drug_screen_score(items: Items) -> Score:
    missing = missing_items(items, (DRUG_SCREEN_ITEM,))
    if missing:
        return incomplete_score(missing)
    times = item_points(items, DRUG_SCREEN_ITEM)
    return Score(
        total=times, positive=drug_screen_positive(times), extra={"cutoff": DRUG_SCREEN_CUTOFF}
    )
