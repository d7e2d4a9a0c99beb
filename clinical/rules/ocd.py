"""Zohar-Fineberg Obsessive-Compulsive Screen, ZF-OCS (clinical.md §4.7; Fineberg et al. 2003,
NICE CG31). No validated cut-off: any "Yes" to q1-q5 is a prompt for clinician follow-up."""

from clinical.rules.answers import is_yes, missing_items, numbered_items
from clinical.rules.answers import yes_items as answered_yes
from clinical.rules.types import Items, Score, incomplete_score

OCD_ITEMS = numbered_items(1, 5)
OCD_TROUBLE_ITEM = "q6"  # optional: "Do these problems trouble you?"
OCD_ITEM_WORDS = {
    "q1": "washes or cleans a lot",
    "q2": "checks things a lot",
    "q3": "a bothersome thought that will not go away",
    "q4": "daily activities take a long time to finish",
    "q5": "concern with order, or very upset by mess",
}
# clinical.md §4.7 and §8 `possible_ocd`: any yes to q1-q5 ("ask further").
OCD_CUTOFF = 1


def ocd_screen_positive(items: Items) -> bool:
    return len(answered_yes(items, OCD_ITEMS)) >= OCD_CUTOFF


def ocd_screen_score(items: Items) -> Score:
    missing = missing_items(items, OCD_ITEMS)
    if missing:
        return incomplete_score(missing)
    yes = answered_yes(items, OCD_ITEMS)
    troubled = is_yes(items, OCD_TROUBLE_ITEM) if OCD_TROUBLE_ITEM in items else None
    return Score(
        total=len(yes),
        positive=ocd_screen_positive(items),
        extra={"yes_items": yes, "troubled": troubled},
    )
