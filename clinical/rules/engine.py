"""``evaluate``: one intake's scores, TRD assessment, flags and safety decision (pure)."""

from collections.abc import Callable

from clinical.rules import RULESET_VERSION
from clinical.rules.ace import ace_score
from clinical.rules.alcohol import audit_c_score
from clinical.rules.cssrs import cssrs_score
from clinical.rules.drugs import drug_screen_score
from clinical.rules.flags import FlagContext, screening_flags
from clinical.rules.gad7 import gad7_score
from clinical.rules.mdq import mdq_score
from clinical.rules.ocd import ocd_screen_score
from clinical.rules.panic import panic_screen_score
from clinical.rules.phq9 import phq9_score
from clinical.rules.phq15 import phq15_score
from clinical.rules.ptsd import pc_ptsd5_score
from clinical.rules.safety import assess_safety
from clinical.rules.scoff import scoff_score
from clinical.rules.trd import assess_trd
from clinical.rules.types import Items, Score, ScreeningInput, ScreeningResult

Scorer = Callable[[Items, str], Score]

#: Instrument key (v1 contract) → scorer taking (items, sex_at_birth), in report order.
SCORERS: dict[str, Scorer] = {
    "phq9": lambda items, sex: phq9_score(items),
    "gad7": lambda items, sex: gad7_score(items),
    "mdq": lambda items, sex: mdq_score(items),
    "audit_c": lambda items, sex: audit_c_score(items, sex_at_birth=sex),
    "drug_screen": lambda items, sex: drug_screen_score(items),
    "scoff": lambda items, sex: scoff_score(items),
    "ocd_screen": lambda items, sex: ocd_screen_score(items),
    "panic_screen": lambda items, sex: panic_screen_score(items),
    "pc_ptsd5": lambda items, sex: pc_ptsd5_score(items),
    "ace": lambda items, sex: ace_score(items),
    "cssrs_screen": lambda items, sex: cssrs_score(items),
    "phq15": lambda items, sex: phq15_score(items, sex_at_birth=sex),
}


def score_instruments(inp: ScreeningInput) -> dict[str, Score]:
    """A score for each answered instrument the rules know (unknown keys are ignored)."""
    return {
        key: scorer(inp.answers[key], inp.sex_at_birth)
        for key, scorer in SCORERS.items()
        if key in inp.answers
    }


def evaluate(inp: ScreeningInput) -> ScreeningResult:
    scores = score_instruments(inp)
    phq9 = scores.get("phq9")
    trd = assess_trd(inp, phq9_total=phq9.total if phq9 else None)
    safety = assess_safety(inp.answers)
    flags = screening_flags(FlagContext(inp=inp, scores=scores, trd=trd, safety=safety))
    return ScreeningResult(
        scores=scores, trd=trd, flags=flags, safety=safety, ruleset_version=RULESET_VERSION
    )
