"""PHQ panic module (clinical.md §4.8; Spitzer, Kroenke & Williams 1999).

a1 gates the rest: when a1 is No, a2-a4 and b1-b11 are not asked (absent counts as No).
"""

from clinical.rules.answers import is_yes, missing_items, numbered_items, yes_items
from clinical.rules.types import Items, Score, incomplete_score

PANIC_GATE_ITEMS = numbered_items(1, 4, prefix="a")
PANIC_SYMPTOM_ITEMS = numbered_items(1, 11, prefix="b")
PANIC_FIRST_GATE = "a1"
# clinical.md §4.8 (Spitzer 1999): panic syndrome = Part A a-d all Yes and ≥ 4 of Part B a-k.
PANIC_MIN_SYMPTOMS = 4


def panic_required_items(items: Items) -> tuple[str, ...]:
    if is_yes(items, PANIC_FIRST_GATE):
        return PANIC_GATE_ITEMS + PANIC_SYMPTOM_ITEMS
    return (PANIC_FIRST_GATE,)


def panic_gate_count(items: Items) -> int:
    return len(yes_items(items, PANIC_GATE_ITEMS))


def panic_symptom_count(items: Items) -> int:
    return len(yes_items(items, PANIC_SYMPTOM_ITEMS))


def panic_positive(items: Items) -> bool:
    gate_met = panic_gate_count(items) == len(PANIC_GATE_ITEMS)
    return gate_met and panic_symptom_count(items) >= PANIC_MIN_SYMPTOMS


def panic_screen_score(items: Items) -> Score:
    """``total`` is the number of Part B symptoms answered yes (0-11)."""
    missing = missing_items(items, panic_required_items(items))
    if missing:
        return incomplete_score(missing)
    return Score(
        total=panic_symptom_count(items),
        positive=panic_positive(items),
        extra={"gate_yes": panic_gate_count(items), "cutoff": PANIC_MIN_SYMPTOMS},
    )
