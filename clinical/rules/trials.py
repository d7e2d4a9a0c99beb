"""Antidepressant courses: adequacy, failure and distinct failed agents (clinical.md §1.2,
§1.4, §3 and §8 "Counting details").

Default rule (§1.4): a current-episode antidepressant course is *adequate* when the dose
reached the MGH-ATRQ minimum (§3), it was taken at that dose for ≥ 6 weeks, and adherence was
``all`` or ``most_days``; it *failed* when adequate and the outcome was ``no_response``
(< 25 % better) or ``partial_response`` (25-49 %). Distinct agents count once. Augmentation
agents and earlier episodes never count. Alternative readings (§1.4 "Report alongside"):
the 4-week rule (≥ 4 weeks), the under-25 % rule (only ``no_response`` fails) and the
label-dose rule (R-LABEL: the label's lowest effective dose instead of the MGH-ATRQ minimum).
An ongoing course under 4 weeks without benefit yet is too early (not failed, not
pseudo-resistance); a dose above the label maximum gets a "verify dose" note
(docs/clinical-reference.md, "Issue 20 additions").
"""

from collections.abc import Iterable
from dataclasses import dataclass

from clinical.rules.types import InadequateTrial, MedicationTrial, TrialReview

ANTIDEPRESSANT = "antidepressant"
AUGMENTATION = "augmentation"
# Issue 20 item 4: a drug the catalogue does not list is kept and shown, never counted.
UNLISTED = "unlisted"

# clinical.md §1.2 / §1.4 (MGH-ATRQ, Fava 2003): ≥ 6 weeks at or above the minimum dose.
ADEQUATE_WEEKS = 6
# clinical.md §1.2 / §7 (ATHF, EU-PEARL): ≥ 4 weeks — the alternative count.
FOUR_WEEK_RULE_WEEKS = 4
# clinical.md §1.2 (adherence "as prescribed on most days") and v1 contract.
ADEQUATE_ADHERENCE = frozenset({"all", "most_days"})
# clinical.md §1.4 / §7: < 50 % improvement fails (no_response < 25 %, partial 25-49 %).
FAILED_OUTCOMES = frozenset({"no_response", "partial_response"})
# clinical.md §1.1 / §1.4 (EU-PEARL, esketamine trials): only < 25 % improvement fails.
UNDER_25_PERCENT_FAILED_OUTCOMES = frozenset({"no_response"})
# clinical.md §8: intolerance is listed separately; too early is shown, not counted.
INTOLERANCE_OUTCOME = "stopped_side_effects"
TOO_EARLY_OUTCOME = "too_early_to_tell"
# clinical.md §1.1 (Thase & Rush 1997): at least two failed adequate trials.
TRD_MIN_FAILED_AGENTS = 2

DOSE_BELOW_MINIMUM = "dose_below_minimum"
DURATION_UNDER_6_WEEKS = "duration_under_6_weeks"
# Issue 20 item 4: "I don't remember" the dose: the course cannot be shown adequate.
DOSE_UNKNOWN = "dose_unknown"
INADEQUATE_ADHERENCE = "inadequate_adherence"

ADHERENCE_WORDS = {
    "all": "taken every day",
    "most_days": "taken most days",
    "about_half": "taken about half the days",
    "rarely": "taken rarely",
}
OUTCOME_WORDS = {
    "no_response": "no response",
    "partial_response": "partial response",
    "response": "response",
    "remission": "remission",
    "stopped_side_effects": "stopped because of side effects",
    "too_early_to_tell": "too early to tell",
}


# Too early (issue 20): a course still being taken that has not yet reached the shortest
# duration any cited definition accepts as a trial — 4 weeks (ATHF, Sackeim 2001; EU-PEARL,
# Sforzini 2022: stopping before the end of week 4 is not a failure; Rybak 2021: 4-6 weeks) —
# cannot have failed: "no response" then is too early to tell, not pseudo-resistance.
TOO_EARLY_BEFORE_WEEKS = FOUR_WEEK_RULE_WEEKS


@dataclass(frozen=True, slots=True)
class FailureRule:
    """One reading of "adequate, failed course": minimum weeks, failing outcomes, and whether
    the dose is judged by the label's lowest effective dose instead of the MGH-ATRQ minimum."""

    min_weeks: float = ADEQUATE_WEEKS
    failed_outcomes: frozenset[str] = FAILED_OUTCOMES
    label_dose: bool = False


DEFAULT_RULE = FailureRule()
FOUR_WEEK_RULE = FailureRule(min_weeks=FOUR_WEEK_RULE_WEEKS)
UNDER_25_PERCENT_RULE = FailureRule(failed_outcomes=UNDER_25_PERCENT_FAILED_OUTCOMES)
# R-LABEL: adequacy at the label dose (venlafaxine 75, vilazodone 20; every other drug's label
# minimum is its MGH-ATRQ minimum), reported beside the MGH-ATRQ count when they differ.
LABEL_DOSE_RULE = FailureRule(label_dose=True)


def is_antidepressant(trial: MedicationTrial) -> bool:
    return trial.role == ANTIDEPRESSANT


def is_augmentation(trial: MedicationTrial) -> bool:
    return trial.role == AUGMENTATION


def is_unlisted(trial: MedicationTrial) -> bool:
    return trial.role == UNLISTED


def counts_toward_trd(trial: MedicationTrial) -> bool:
    """A current-episode antidepressant course: the only kind the ≥ 2 rule looks at. An
    unknown episode (None) counts as not current (issue 20 item 6)."""
    return trial.current_episode is True and is_antidepressant(trial)


def weeks_at_adequate_dose(trial: MedicationTrial) -> float:
    """Weeks at or above the minimum adequate dose (MGH-ATRQ, clinical.md §1.2: titration
    below the minimum does not count). Partners still sending only the deprecated
    ``weeks_at_max_dose`` are read from it: weeks at the highest dose are weeks at or above
    the minimum when that dose reached it (a lower bound). Nothing given: 0."""
    if trial.weeks_at_adequate_dose is not None:
        return trial.weeks_at_adequate_dose
    return trial.weeks_at_max_dose or 0.0


def dose_is_adequate(trial: MedicationTrial, *, label_dose: bool = False) -> bool:
    """§3: the dose reached the MGH-ATRQ minimum (e.g. trazodone < 300 mg is not a trial).
    An antidepressant without a catalogue minimum cannot be shown adequate. With
    ``label_dose`` the label's lowest effective dose is the minimum (R-LABEL)."""
    minimum = trial.min_adequate_daily_dose_mg
    if label_dose and trial.label_min_daily_dose_mg is not None:
        minimum = trial.label_min_daily_dose_mg
    dose = trial.max_daily_dose_mg
    return minimum is not None and dose is not None and dose >= minimum


def dose_above_label_maximum(trial: MedicationTrial) -> bool:
    """The dose is above the label maximum (a "verify dose" note; nothing is counted
    differently). Strictly above: the label maximum itself is within the label."""
    maximum, dose = trial.label_max_daily_dose_mg, trial.max_daily_dose_mg
    return maximum is not None and dose is not None and dose > maximum


def is_too_early(trial: MedicationTrial) -> bool:
    """A current-episode antidepressant course still being taken, under 4 weeks at an adequate
    dose, with no response or a partial one so far: too early to call it failed or inadequate."""
    return (
        counts_toward_trd(trial)
        and trial.ongoing
        and trial.outcome in FAILED_OUTCOMES
        and weeks_at_adequate_dose(trial) < TOO_EARLY_BEFORE_WEEKS
    )


def inadequacy_reasons(
    trial: MedicationTrial, min_weeks: float = ADEQUATE_WEEKS, *, label_dose: bool = False
) -> tuple[str, ...]:
    """Why an antidepressant course is not an adequate trial (empty when adequate)."""
    reasons = []
    if trial.max_daily_dose_mg is None:
        reasons.append(DOSE_UNKNOWN)
    elif not dose_is_adequate(trial, label_dose=label_dose):
        reasons.append(DOSE_BELOW_MINIMUM)
    if weeks_at_adequate_dose(trial) < min_weeks:
        reasons.append(DURATION_UNDER_6_WEEKS)
    if trial.adherence not in ADEQUATE_ADHERENCE:
        reasons.append(INADEQUATE_ADHERENCE)
    return tuple(reasons)


def is_adequate_trial(
    trial: MedicationTrial, min_weeks: float = ADEQUATE_WEEKS, *, label_dose: bool = False
) -> bool:
    return is_antidepressant(trial) and not inadequacy_reasons(
        trial, min_weeks, label_dose=label_dose
    )


def is_failed_trial(trial: MedicationTrial, rule: FailureRule = DEFAULT_RULE) -> bool:
    """An adequate current-episode antidepressant course with a failing outcome (never one
    that is too early to judge)."""
    return (
        counts_toward_trd(trial)
        and trial.outcome in rule.failed_outcomes
        and not is_too_early(trial)
        and is_adequate_trial(trial, rule.min_weeks, label_dose=rule.label_dose)
    )


def failed_trials(
    trials: Iterable[MedicationTrial], rule: FailureRule = DEFAULT_RULE
) -> tuple[MedicationTrial, ...]:
    return tuple(t for t in by_index(trials) if is_failed_trial(t, rule))


def distinct_failed_agents(
    trials: Iterable[MedicationTrial], rule: FailureRule = DEFAULT_RULE
) -> tuple[str, ...]:
    """Failed agents, each once (a second course of the same drug is dose optimisation,
    §1.2), sorted so the answer never depends on the order of submission."""
    return tuple(sorted({t.agent for t in failed_trials(trials, rule)}))


def adequate_failed_trial_count(
    trials: Iterable[MedicationTrial], rule: FailureRule = DEFAULT_RULE
) -> int:
    return len(distinct_failed_agents(trials, rule))


def is_possible_pseudo_resistance(trial: MedicationTrial) -> bool:
    """§8 `pseudo_resistance`: a current-episode antidepressant course with a failing outcome
    (no_response / partial_response) that was not an adequate trial."""
    return (
        counts_toward_trd(trial)
        and trial.outcome in FAILED_OUTCOMES
        and not is_too_early(trial)
        and not is_adequate_trial(trial)
    )


def inadequate_trials(trials: Iterable[MedicationTrial]) -> tuple[InadequateTrial, ...]:
    """Exactly the courses behind the `pseudo_resistance` flag. Courses with any other outcome
    are not listed here (response/remission are not failures; stopped_side_effects is in
    ``intolerant_trials``; too_early_to_tell is shown in ``trials``)."""
    return tuple(
        InadequateTrial(index=t.index, reasons=inadequacy_reasons(t))
        for t in by_index(trials)
        if is_possible_pseudo_resistance(t)
    )


def intolerant_trials(trials: Iterable[MedicationTrial]) -> tuple[int, ...]:
    """Current-episode courses (antidepressant or augmentation) stopped for side effects."""
    return tuple(
        t.index
        for t in by_index(trials)
        if t.current_episode is True and not is_unlisted(t) and t.outcome == INTOLERANCE_OUTCOME
    )


def augmentation_trials(trials: Iterable[MedicationTrial]) -> tuple[int, ...]:
    """Current-episode augmentation courses: recorded for staging, never counted (§1.4)."""
    return tuple(
        t.index for t in by_index(trials) if t.current_episode is True and is_augmentation(t)
    )


def adequate_under_four_week_rule(trial: MedicationTrial) -> bool:
    """A 4-5-week course that the 4-week rules (ATHF, EU-PEARL) would call adequate."""
    return is_adequate_trial(trial, FOUR_WEEK_RULE_WEEKS) and not is_adequate_trial(trial)


def by_index(trials: Iterable[MedicationTrial]) -> tuple[MedicationTrial, ...]:
    """Courses in submission order (``index`` is the position as submitted)."""
    return tuple(sorted(trials, key=lambda t: t.index))


# --- Wording ----------------------------------------------------------------------------------


def format_amount(value: float) -> str:
    """150.0 → "150", 12.5 → "12.5", 0.025 → "0.025" (no trailing ``.0``)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def format_weeks(weeks: float) -> str:
    return f"{format_amount(weeks)} week{'' if weeks == 1 else 's'}"


VERIFY_UNLISTED_NOTE = "not in the catalogue, not counted: verify this trial"


def describe_trial(trial: MedicationTrial) -> str:
    """``"sertraline 150 mg/day for 8 weeks, taken most days: no response"`` (weeks at or
    above the minimum dose; "dose not known" for an unknown dose; an unlisted drug by the name
    given, with a "verify this trial" note)."""
    adherence = ADHERENCE_WORDS.get(trial.adherence, trial.adherence)
    outcome = OUTCOME_WORDS.get(trial.outcome, trial.outcome)
    if is_unlisted(trial):
        name = trial.name
    elif trial.component_of:
        name = f"{trial.agent} (in {trial.component_of})"
    else:
        name = trial.formulation or trial.agent
    if trial.max_daily_dose_mg is None:
        dose = "dose not known"
    elif trial.component_of:
        dose = f"at least {format_amount(trial.max_daily_dose_mg)} mg/day"
    else:
        dose = f"{format_amount(trial.max_daily_dose_mg)} mg/day"
    text = (
        f"{name} {dose} for {format_weeks(weeks_at_adequate_dose(trial))}, {adherence}: {outcome}"
    )
    if is_unlisted(trial):
        text += f" ({VERIFY_UNLISTED_NOTE})"
    return text


def describe_reason(trial: MedicationTrial, reason: str) -> str:
    """A reason code with the figure behind it, e.g. ``"dose_below_minimum (MGH-ATRQ
    minimum 300 mg/day)"``."""
    if reason == DOSE_BELOW_MINIMUM:
        minimum = trial.min_adequate_daily_dose_mg
        if minimum is None:
            return f"{reason} (no catalogue minimum)"
        if dose_is_adequate(trial, label_dose=True):
            assert trial.label_min_daily_dose_mg is not None
            return (
                f"{reason} (MGH-ATRQ minimum {format_amount(minimum)} mg/day; adequate at the "
                f"label dose of {format_amount(trial.label_min_daily_dose_mg)} mg/day, R-LABEL)"
            )
        return f"{reason} (MGH-ATRQ minimum {format_amount(minimum)} mg/day)"
    if reason == DOSE_UNKNOWN:
        return f"{reason} (the dose was not remembered)"
    if reason == DURATION_UNDER_6_WEEKS:
        weeks = format_weeks(weeks_at_adequate_dose(trial))
        if adequate_under_four_week_rule(trial):
            return f"{reason} ({weeks}: adequate under 4-week rules)"
        return f"{reason} ({weeks})"
    return f"{reason} ({ADHERENCE_WORDS.get(trial.adherence, trial.adherence)})"


# --- Per-course review (shown, whether counted or not) -----------------------------------------


def trial_status(trial: MedicationTrial) -> str:
    if is_unlisted(trial):
        return "unlisted"
    if trial.current_episode is None:
        return "episode_unknown"
    if not trial.current_episode:
        return "earlier_episode"
    if is_augmentation(trial):
        return "augmentation"
    if trial.outcome == INTOLERANCE_OUTCOME:
        return "intolerant"
    if trial.outcome == TOO_EARLY_OUTCOME or is_too_early(trial):
        return "too_early_to_tell"
    if trial.outcome in FAILED_OUTCOMES:
        return "failed" if is_adequate_trial(trial) else "inadequate"
    return "responded"


def trial_notes(trial: MedicationTrial) -> tuple[str, ...]:
    """Notes that change no count: a dose above the label maximum, a too-early course."""
    notes = []
    if dose_above_label_maximum(trial):
        assert trial.label_max_daily_dose_mg is not None and trial.max_daily_dose_mg is not None
        notes.append(
            f"verify dose: {format_amount(trial.max_daily_dose_mg)} mg/day is above the label "
            f"maximum of {format_amount(trial.label_max_daily_dose_mg)} mg/day"
        )
    if is_too_early(trial):
        notes.append(
            f"too early: still being taken, {format_weeks(weeks_at_adequate_dose(trial))} at "
            f"an adequate dose (under {TOO_EARLY_BEFORE_WEEKS}); not counted as failed or as "
            "pseudo-resistance"
        )
    return tuple(notes)


def review_trial(trial: MedicationTrial) -> TrialReview:
    antidepressant = is_antidepressant(trial)
    reasons = inadequacy_reasons(trial) if antidepressant else ()
    return TrialReview(
        index=trial.index,
        agent=trial.agent,
        role=trial.role,
        drug_class=trial.drug_class,
        current_episode=trial.current_episode,
        status=trial_status(trial),
        adequate=not reasons if antidepressant else None,
        reasons=reasons,
        description=describe_trial(trial),
        notes=trial_notes(trial),
    )
