"""Mood Disorder Questionnaire, bipolar screen (clinical.md §4.3; Hirschfeld et al. 2000)."""

from clinical.rules.answers import is_yes, item_points, missing_items, yes_items
from clinical.rules.types import Items, Score, incomplete_score

MDQ_SYMPTOM_ITEMS = tuple(f"q1{letter}" for letter in "abcdefghijklm")  # Q1 items 1-13
MDQ_CO_OCCURRENCE = "q2"  # several symptoms during the same period
MDQ_PROBLEM = "q3"  # 0 no, 1 minor, 2 moderate, 3 serious problem
MDQ_UNSCORED = {"q4": "family_history", "q5": "previously_told"}  # recorded, not scored
MDQ_REQUIRED = (*MDQ_SYMPTOM_ITEMS, MDQ_CO_OCCURRENCE, MDQ_PROBLEM)
# Published skip: Q2 opens "If you checked YES to more than one of the above" — with fewer than
# two symptoms endorsed it is not asked, and the screen (which needs Q2 = Yes) is not positive.
MDQ_CO_OCCURRENCE_MIN_SYMPTOMS = 2

# clinical.md §4.3 (Hirschfeld 2000): positive = ≥ 7 "Yes" on Q1 items 1-13, AND Q2 = Yes,
# AND Q3 = moderate or serious problem.
MDQ_MIN_SYMPTOMS = 7
MDQ_MIN_PROBLEM = 2  # "moderate problem"
MDQ_PROBLEM_WORDS = ("no problem", "minor problem", "moderate problem", "serious problem")


def mdq_yes_count(items: Items) -> int:
    return len(yes_items(items, MDQ_SYMPTOM_ITEMS))


def mdq_positive(items: Items) -> bool:
    return (
        mdq_yes_count(items) >= MDQ_MIN_SYMPTOMS
        and is_yes(items, MDQ_CO_OCCURRENCE)
        and item_points(items, MDQ_PROBLEM) >= MDQ_MIN_PROBLEM
    )


def mdq_problem_word(points: int) -> str:
    return MDQ_PROBLEM_WORDS[points] if 0 <= points < len(MDQ_PROBLEM_WORDS) else str(points)


def mdq_co_occurrence_asked(items: Items) -> bool:
    """Q2 is asked only when more than one Q1 symptom is endorsed (the published skip)."""
    return mdq_yes_count(items) >= MDQ_CO_OCCURRENCE_MIN_SYMPTOMS


def mdq_required_items(items: Items) -> tuple[str, ...]:
    if mdq_co_occurrence_asked(items):
        return MDQ_REQUIRED
    return tuple(key for key in MDQ_REQUIRED if key != MDQ_CO_OCCURRENCE)


def mdq_score(items: Items) -> Score:
    missing = missing_items(items, mdq_required_items(items))
    if missing:
        return incomplete_score(missing)
    extra: dict[str, object] = {
        # False when Q2 was not asked (fewer than two symptoms): scored as not positive.
        "co_occurrence": is_yes(items, MDQ_CO_OCCURRENCE),
        "problem": item_points(items, MDQ_PROBLEM),
        "cutoff": MDQ_MIN_SYMPTOMS,
    }
    extra.update({name: bool(items[key]) for key, name in MDQ_UNSCORED.items() if key in items})
    return Score(total=mdq_yes_count(items), positive=mdq_positive(items), extra=extra)
