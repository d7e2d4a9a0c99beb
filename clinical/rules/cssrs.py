"""C-SSRS screener (clinical.md §4.11; Posner et al. 2011; Columbia triage guidance).

Skip logic: q1, q2 and q6 are always asked; q3-q5 only when q2 is Yes; q6a only when q6 is
Yes. Absent skipped items count as No. The risk level is computed from whatever was answered
even when an always-asked item is missing, so an incomplete screen can never hide a Yes; and an
incomplete screen is graded at least moderate (``CSSRS_INCOMPLETE_FLOOR``), since an item left
unanswered cannot be read as No.
"""

from clinical.rules.answers import is_answered_no, is_yes, missing_items, yes_items
from clinical.rules.types import RISK_LEVELS, Items, Score

CSSRS_ALWAYS_ASKED = ("q1", "q2", "q6")
CSSRS_IF_IDEATION = ("q3", "q4", "q5")  # asked only when q2 is Yes
CSSRS_RECENT_BEHAVIOUR = "q6a"  # asked only when q6 is Yes
CSSRS_ITEM_WORDS = {
    "q1": "wished to be dead",
    "q2": "thoughts of killing yourself",
    "q3": "thought about how",
    "q4": "some intention of acting",
    "q5": "worked out details of a plan / intends to carry it out",
    "q6": "suicidal behaviour, lifetime",
    "q6a": "within the past 3 months",
}

# clinical.md §4.11 (Columbia triage points; take the highest that applies):
#   high     — Yes to Q4 or Q5, or Q6 Yes with behaviour within the past 3 months (Q6a Yes);
#   moderate — Yes to Q3, or Q6 Yes with behaviour more than 3 months ago (Q6a No);
#   low      — Yes to Q1 and/or Q2 only;
#   none     — all No. Q4 is high (Columbia), never moderate as some apps do.
CSSRS_HIGH_ITEMS = ("q4", "q5")
CSSRS_MODERATE_ITEMS = ("q3",)
CSSRS_LOW_ITEMS = ("q1", "q2")
CSSRS_BEHAVIOUR = "q6"
CSSRS_AT_RISK = ("low", "moderate", "high")
# Project convention (docs/clinical-reference.md, "Incomplete C-SSRS screen"): the Columbia
# triage points grade what was answered; a question the screen requires but that was left
# unanswered may hide a Yes, so an incomplete screen is at least moderate (a behavioural-health
# consultation), never none or low. Posner K, et al. 2011, Am J Psychiatry 168:1266-1277.
CSSRS_INCOMPLETE_FLOOR = "moderate"


def cssrs_required_items(items: Items) -> tuple[str, ...]:
    required = CSSRS_ALWAYS_ASKED
    if is_yes(items, "q2"):
        required += CSSRS_IF_IDEATION
    if is_yes(items, CSSRS_BEHAVIOUR):
        required += (CSSRS_RECENT_BEHAVIOUR,)
    return required


def _behaviour_level(items: Items) -> str | None:
    """Q6 Yes: high if within 3 months; moderate only when Q6a was answered No.

    Project convention: Q6 Yes with Q6a unanswered is read as recent (high) — the timing
    cannot be ruled out, and the safety path errs toward caution.
    """
    if not is_yes(items, CSSRS_BEHAVIOUR):
        return None
    return "moderate" if is_answered_no(items, CSSRS_RECENT_BEHAVIOUR) else "high"


def cssrs_missing_items(items: Items) -> tuple[str, ...]:
    """The items the screen's skip logic asks for that were left unanswered."""
    return missing_items(items, cssrs_required_items(items))


def cssrs_risk_level(items: Items | None) -> str:
    """``not_assessed`` (not answered), ``none``, ``low``, ``moderate`` or ``high``; an
    incomplete screen is at least ``moderate``."""
    if not items:
        return "not_assessed"
    level = _answered_level(items)
    if cssrs_missing_items(items) and RISK_LEVELS.index(level) < RISK_LEVELS.index(
        CSSRS_INCOMPLETE_FLOOR
    ):
        return CSSRS_INCOMPLETE_FLOOR
    return level


def _answered_level(items: Items) -> str:
    """The Columbia triage level of the answers given (skipped items read as No)."""
    behaviour = _behaviour_level(items)
    if behaviour == "high" or yes_items(items, CSSRS_HIGH_ITEMS):
        return "high"
    if behaviour == "moderate" or yes_items(items, CSSRS_MODERATE_ITEMS):
        return "moderate"
    if yes_items(items, CSSRS_LOW_ITEMS):
        return "low"
    return "none"


def cssrs_at_risk(level: str) -> bool:
    return level in CSSRS_AT_RISK


def cssrs_answer_evidence(items: Items) -> tuple[str, ...]:
    """One line per answered item, in form order, e.g. ``"C-SSRS Q4 (some intention of
    acting): yes"``."""
    return tuple(
        f"C-SSRS {key.upper()} ({words}): {'yes' if is_yes(items, key) else 'no'}"
        for key, words in CSSRS_ITEM_WORDS.items()
        if key in items
    )


def cssrs_score(items: Items) -> Score:
    """No total: the screen's result is its risk level (``extra["risk_level"]``)."""
    level = cssrs_risk_level(items)
    return Score(
        total=None,
        positive=cssrs_at_risk(level),
        extra={"risk_level": level, "yes_items": yes_items(items, CSSRS_ITEM_WORDS)},
        missing_items=cssrs_missing_items(items),
    )
