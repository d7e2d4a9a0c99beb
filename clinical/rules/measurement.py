"""Measurement-based care: a follow-up PHQ-9 classified against the baseline (issue 21).

Pure rules (stdlib only), part of ruleset ``RULESET_VERSION``: a change to a threshold or to
the precedence below is a new ruleset version, so every stored result can say which rules made
it. Decision support for a clinician, never a diagnosis.

Definitions (PHQ-9 total, 0-27):

* ``remission``: follow-up PHQ-9 < 5. Kroenke, Spitzer & Williams 2001 (the 0-4 "minimal"
  band); the MacArthur Foundation's PHQ-9 guidance (Depression Management Tool Kit) and the
  NCQA HEDIS measure "Depression Remission or Response for Adolescents and Adults" (DRR-E)
  use the same cut-point for remission.
* ``response``: a drop of 50 % or more from the baseline. Rush et al. 2006, STAR*D (Am J
  Psychiatry 163:1905); HEDIS DRR-E ("at least a 50 % reduction in PHQ-9 score"); MacArthur
  guidance ("response: ≥ 50 % reduction").
* ``partial_response``: a drop of 25 % to 49 %. MacArthur PHQ-9 guidance ("partial response:
  25-49 % reduction", consider a change of dose or augmentation).
* ``no_response``: a drop under 25 % (or a rise under 5 points). MacArthur ("non-response:
  < 25 % reduction", change treatment).
* ``worse``: a rise of 5 points or more. 5 points is the PHQ-9's minimal clinically important
  difference (Löwe et al. 2004, Med Care 42:1194: a change of 5 points is clinically
  significant; MacArthur guidance uses the same 5-point step).

Precedence (project convention, first match wins): ``remission`` → ``worse`` → ``response``
→ ``partial_response`` → ``no_response``. Remission comes first because it is the treatment
goal (a total under 5 is remission whatever the baseline was, as HEDIS counts it); ``worse``
comes before the response bands because a rise of 5 or more can never also be a drop. A
baseline of 0 has no percentage change (``change_pct`` is None): under 5 is remission, 5 or
more is worse. The percentages are compared in whole numbers (``2 * drop >= baseline``), so a
drop of exactly 50.0 % is a response and exactly 25.0 % a partial response, with no rounding
at the boundary; ``change_pct`` itself is rounded to one decimal for display only.

``not_improving`` (a review flag): a follow-up submitted at least N weeks after its baseline
(N set by the clinical lead, default 8) that is neither a response nor a remission. Eight
weeks follows STAR*D's level-1 protocol (Trivedi et al. 2006, Am J Psychiatry 163:28: no
response by week 8-12 of an adequate dose → next level) and the APA guideline's advice to
change course when there is no meaningful response after 4-8 weeks at an adequate dose.
"""

from dataclasses import dataclass

#: Instruments a follow-up intake may carry: the PHQ-9 (required), the GAD-7 (optional), and
#: the C-SSRS screen (optional; the follow-up forms bring it in when PHQ-9 item 9 is above 0).
FOLLOW_UP_INSTRUMENTS: tuple[str, ...] = ("phq9", "gad7", "cssrs_screen")
FOLLOW_UP_REQUIRED: tuple[str, ...] = ("phq9",)

REMISSION_BELOW = 5  # PHQ-9 total < 5
WORSE_RISE_POINTS = 5  # a rise of 5 points or more
RESPONSE_DROP_FRACTION = (1, 2)  # 50 %
PARTIAL_RESPONSE_DROP_FRACTION = (1, 4)  # 25 %

REMISSION = "remission"
RESPONSE = "response"
PARTIAL_RESPONSE = "partial_response"
NO_RESPONSE = "no_response"
WORSE = "worse"
OUTCOMES: tuple[str, ...] = (REMISSION, RESPONSE, PARTIAL_RESPONSE, NO_RESPONSE, WORSE)
#: Outcomes that count as improvement (HEDIS DRR-E: "remission or response").
IMPROVED: frozenset[str] = frozenset({REMISSION, RESPONSE})

DEFAULT_NOT_IMPROVING_AFTER_WEEKS = 8

OUTCOME_WORDS = {
    REMISSION: "Remission (PHQ-9 under 5)",
    RESPONSE: "Response (PHQ-9 down 50% or more)",
    PARTIAL_RESPONSE: "Partial response (PHQ-9 down 25–49%)",
    NO_RESPONSE: "No response (PHQ-9 down under 25%)",
    WORSE: "Worse (PHQ-9 up 5 points or more)",
}


@dataclass(frozen=True, slots=True)
class Measurement:
    """A follow-up PHQ-9 against its baseline: the ``measurement`` block of the API."""

    baseline_phq9: int
    phq9: int
    change_pct: float | None
    outcome: str

    def to_dict(self) -> dict:
        return {
            "baseline_phq9": self.baseline_phq9,
            "phq9": self.phq9,
            "change_pct": self.change_pct,
            "outcome": self.outcome,
        }

    @property
    def improved(self) -> bool:
        return self.outcome in IMPROVED


def _dropped_at_least(baseline: int, drop: int, fraction: tuple[int, int]) -> bool:
    numerator, denominator = fraction
    return drop * denominator >= baseline * numerator


def change_pct(baseline_phq9: int, phq9: int) -> float | None:
    """The change from baseline in percent (negative is better), one decimal; None at 0."""
    if baseline_phq9 == 0:
        return None
    return round((phq9 - baseline_phq9) * 100 / baseline_phq9, 1)


def classify(baseline_phq9: int, phq9: int) -> str:
    """The outcome of a follow-up PHQ-9 total against the baseline total (see module doc)."""
    for total in (baseline_phq9, phq9):
        if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= 27:
            raise ValueError("A PHQ-9 total is a whole number from 0 to 27.")
    if phq9 < REMISSION_BELOW:
        return REMISSION
    drop = baseline_phq9 - phq9
    if -drop >= WORSE_RISE_POINTS:
        return WORSE
    if baseline_phq9 > 0 and drop > 0:
        if _dropped_at_least(baseline_phq9, drop, RESPONSE_DROP_FRACTION):
            return RESPONSE
        if _dropped_at_least(baseline_phq9, drop, PARTIAL_RESPONSE_DROP_FRACTION):
            return PARTIAL_RESPONSE
    return NO_RESPONSE


def measure(baseline_phq9: int, phq9: int) -> Measurement:
    return Measurement(
        baseline_phq9=baseline_phq9,
        phq9=phq9,
        change_pct=change_pct(baseline_phq9, phq9),
        outcome=classify(baseline_phq9, phq9),
    )


def not_improving(outcome: str, *, days_since_baseline: int, after_weeks: int) -> bool:
    """A follow-up at least ``after_weeks`` weeks after the baseline without a response or a
    remission (partial response, no response or worse)."""
    if after_weeks < 1:
        raise ValueError("after_weeks is at least 1.")
    return outcome not in IMPROVED and days_since_baseline >= after_weeks * 7


# --- The outcomes report: HEDIS "Depression Remission or Response" (DRR-E) shape -------------
#
# NCQA HEDIS DRR-E (Depression Remission or Response for Adolescents and Adults, ECDS):
# the denominator is patients with an elevated PHQ-9 (total > 9) on an index date; the
# follow-up period is 4 to 8 months after it (days 120 to 240 here); the result is the most
# recent PHQ-9 in that period. Three rates: follow-up (any PHQ-9 in the period), remission (the
# most recent total < 5) and response (the most recent total at least 50 % below the index
# total). Unlike ``classify`` above, the HEDIS numerators overlap: a remission with a 50 % drop
# also counts as a response, as NCQA counts them. The clinical exclusions of the measure
# (bipolar disorder, psychosis, hospice, death) are not applied: the intake does not record
# them reliably, so the report's rates are this service's, not certified HEDIS rates.

ELEVATED_ABOVE = 9  # PHQ-9 > 9
FOLLOW_UP_FROM_DAY = 120  # 4 months
FOLLOW_UP_TO_DAY = 240  # 8 months


@dataclass(frozen=True, slots=True)
class EpisodeOutcome:
    """One patient's index episode in the outcomes report."""

    followed_up: bool
    response: bool
    remission: bool
    follow_up_phq9: int | None


def index_eligible(total: int | None) -> bool:
    return total is not None and total > ELEVATED_ABOVE


def episode_outcome(index_phq9: int, later: list[tuple[int, int]]) -> EpisodeOutcome:
    """``later``: (days after the index date, PHQ-9 total) of the patient's later PHQ-9s.
    The most recent one in days 120-240 is the result (HEDIS DRR-E)."""
    in_window = [
        (day, total) for day, total in later if FOLLOW_UP_FROM_DAY <= day <= FOLLOW_UP_TO_DAY
    ]
    if not in_window:
        return EpisodeOutcome(False, False, False, None)
    _, total = sorted(in_window, key=lambda pair: pair[0])[-1]  # ties: the later given
    return EpisodeOutcome(
        followed_up=True,
        response=_dropped_at_least(index_phq9, index_phq9 - total, RESPONSE_DROP_FRACTION),
        remission=total < REMISSION_BELOW,
        follow_up_phq9=total,
    )
