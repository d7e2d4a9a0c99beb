"""The service's flag rules (clinical.md §8), one function per flag code.

Summaries are decision support ("possible …", "screen positive", "review"), never a
diagnosis. Evidence names the answers, trials and cut-offs behind each flag. An instrument
that was not answered, or not scored because items are missing, raises nothing.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from clinical.rules.ace import ACE_CUTOFF, ACE_ITEMS
from clinical.rules.answers import is_yes
from clinical.rules.drugs import DRUG_SCREEN_CUTOFF
from clinical.rules.flag_catalogue import flag_info, suicide_risk_summary
from clinical.rules.gad7 import GAD7_CUTOFF
from clinical.rules.mdq import MDQ_MIN_SYMPTOMS, MDQ_SYMPTOM_ITEMS, mdq_problem_word
from clinical.rules.measurement import measure, not_improving
from clinical.rules.ocd import OCD_ITEM_WORDS
from clinical.rules.panic import PANIC_GATE_ITEMS, PANIC_MIN_SYMPTOMS, PANIC_SYMPTOM_ITEMS
from clinical.rules.phq15 import PHQ15_HIGH, PHQ15_MEDIUM
from clinical.rules.ptsd import PC_PTSD5_CUTOFF, PC_PTSD5_EFFICIENCY_CUTOFF, PC_PTSD5_ITEMS
from clinical.rules.scoff import SCOFF_CUTOFF, SCOFF_ITEM_WORDS, SCOFF_ITEMS
from clinical.rules.trials import (
    by_index,
    describe_reason,
    describe_trial,
    failed_trials,
    inadequacy_reasons,
    is_possible_pseudo_resistance,
)
from clinical.rules.types import (
    Flag,
    MedicationTrial,
    SafetyAssessment,
    Score,
    ScreeningInput,
    TrdAssessment,
)

BIPOLAR_QUALIFIER = (
    "review: possible bipolar disorder — TRD definitions apply to unipolar depression"
)
# Issue-20 bipolarity caveats (docs/clinical-reference.md, "Bipolarity and the TRD flag"): a
# reported bipolar diagnosis (MDQ Q5, recorded but not scored by Hirschfeld 2000) and an
# unscreened patient qualify possible_trd as a positive MDQ does; each has a short form for the
# flag's summary line (the queue shows the summary, not the evidence).
BIPOLAR_DIAGNOSIS_QUALIFIER = (
    "review: a health professional has told the patient they have bipolar disorder (MDQ Q5) "
    "— TRD definitions apply to unipolar depression"
)
BIPOLARITY_NOT_SCREENED_QUALIFIER = (
    "bipolarity not screened (no complete MDQ) — rule out bipolar depression before "
    "reading this as TRD"
)
BIPOLAR_SUMMARY_CAVEATS = {
    BIPOLAR_QUALIFIER: "review: possible bipolar disorder (MDQ positive)",
    BIPOLAR_DIAGNOSIS_QUALIFIER: "review: bipolar diagnosis reported",
    BIPOLARITY_NOT_SCREENED_QUALIFIER: "bipolarity not screened",
}
MDQ_PREVIOUS_DIAGNOSIS = "q5"  # "ever told by a health professional you have bipolar disorder?"
PSYCHOTIC_SELF_REPORT_EVIDENCE = (
    "patient self-report in the intake: heard or saw things other people could not, or "
    "believed things others said were not true (not yet confirmed by a clinician)"
)
PSYCHOTIC_MAUDSLEY_NOTE = (
    "Maudsley severity is read from the PHQ-9 until a clinician confirms psychotic features "
    "(then 5)"
)
ANTIPSYCHOTIC_CLASS = "antipsychotic"
PSEUDO_RESISTANCE_REVIEW = "dose, duration, adherence"
PSYCHOTIC_MONOTHERAPY_REVIEW = "antidepressant monotherapy in a psychotic episode"
ALL_POINTS_FROM_Q1_NOTE = (
    "AUDIT-C: all points from Q1 (drinking frequency) — probably within limits, review"
)
ACE_CONTEXT_NOTE = (
    "context only: the ACE score is not an individual-level diagnostic cut-point (Anda 2020)"
)


@dataclass(frozen=True, slots=True)
class FlagContext:
    """Everything a flag rule may read."""

    inp: ScreeningInput
    scores: Mapping[str, Score]
    trd: TrdAssessment
    safety: SafetyAssessment

    def scored(self, instrument: str) -> Score | None:
        """The instrument's score when it was answered and complete, else None."""
        score = self.scores.get(instrument)
        return score if score is not None and score.complete else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(code: str, **fields: object) -> str:
    """The catalogue's summary wording of ``code``, filled in."""
    return flag_info(code).summary.format(**fields)


def _flag(code: str, summary: str, evidence, *, lowered: bool = False) -> Flag:
    """A raised flag at its catalogue level (``lowered``: the lower level it allows)."""
    levels = flag_info(code).levels
    return Flag(code, levels[-1] if lowered else levels[0], summary, tuple(evidence))


# --- urgent -----------------------------------------------------------------------------------


def suicide_risk_flag(ctx: FlagContext) -> Flag | None:
    """PHQ-9 item 9 ≥ 1, or the C-SSRS screen at low, moderate or high (§4.1, §4.11)."""
    safety = ctx.safety
    if not safety.urgent:
        return None
    return _flag("suicide_risk", suicide_risk_summary(safety.risk_level), safety.evidence)


# --- TRD --------------------------------------------------------------------------------------


def _definition_note(trd: TrdAssessment) -> str | None:
    default = trd.adequate_failed_trials
    if default == trd.four_week_rule == trd.under_25_percent_rule == trd.label_dose_rule:
        return None
    note = (
        f"count depends on the definition: {default} by default (≥ 6 weeks, < 50 % better), "
        f"{trd.four_week_rule} under the 4-week rule, "
        f"{trd.under_25_percent_rule} under the under-25 % rule"
    )
    if trd.label_dose_rule != default:  # R-LABEL: venlafaxine 75-149, vilazodone 20-39 mg
        note += f", {trd.label_dose_rule} at label doses (R-LABEL)"
    return note


def possible_trd_flag(ctx: FlagContext) -> Flag | None:
    """≥ 2 distinct antidepressants with an adequate, failed current-episode course (§1.4)."""
    trd = ctx.trd
    if not trd.meets_trd_definition:
        return None
    failed = failed_trials(ctx.inp.medication_trials)
    evidence = [describe_trial(t) for t in failed]
    agents = [t.agent for t in failed]
    evidence += [
        f"{agent}: {agents.count(agent)} failed courses, counted once"
        for agent in sorted(set(agents))
        if agents.count(agent) > 1
    ]
    note = _definition_note(trd)
    if note:
        evidence.append(note)
    qualifiers = bipolarity_qualifiers(ctx)
    evidence += qualifiers
    caveat = "; ".join(BIPOLAR_SUMMARY_CAVEATS[q] for q in qualifiers)
    summary = _summary(
        "possible_trd",
        count=trd.adequate_failed_trials,
        caveat=f" — {caveat}" if caveat else "",
    )
    return _flag("possible_trd", summary, evidence)


def bipolarity_qualifiers(ctx: FlagContext) -> list[str]:
    """What qualifies a TRD reading for bipolarity (clinical.md §1.3: bipolar depression is
    excluded from TRD): a positive MDQ, a reported bipolar diagnosis (MDQ Q5 yes, read even
    when the rest of the MDQ is incomplete), or no complete MDQ at all."""
    qualifiers = []
    mdq = ctx.scored("mdq")
    if mdq is not None and mdq.positive:
        qualifiers.append(BIPOLAR_QUALIFIER)
    if is_yes(ctx.inp.answers.get("mdq") or {}, MDQ_PREVIOUS_DIAGNOSIS):
        qualifiers.append(BIPOLAR_DIAGNOSIS_QUALIFIER)
    if mdq is None:
        qualifiers.append(BIPOLARITY_NOT_SCREENED_QUALIFIER)
    return qualifiers


def pseudo_resistance_flag(ctx: FlagContext) -> Flag | None:
    """A current-episode antidepressant course without benefit that was not adequate (§1.3)."""
    courses = [t for t in by_index(ctx.inp.medication_trials) if is_possible_pseudo_resistance(t)]
    monotherapy = psychotic_monotherapy_courses(ctx.inp)
    if not courses and not monotherapy:
        return None
    evidence = [
        f"{describe_trial(t)} — "
        + ", ".join(describe_reason(t, reason) for reason in inadequacy_reasons(t))
        for t in courses
    ]
    review = [PSEUDO_RESISTANCE_REVIEW] if courses else []
    if monotherapy:
        who = "clinician-confirmed" if ctx.inp.psychotic_features_confirmed else "self-reported"
        evidence += [
            f"{describe_trial(t)} — antidepressant monotherapy, psychotic features {who}"
            for t in monotherapy
        ]
        evidence.append(
            "psychotic depression: every failed course was an antidepressant without an "
            "antipsychotic (none recorded this episode) — not an adequate trial for psychotic "
            "depression (NICE NG222 §1.9; APA 2010)"
        )
        review.append(PSYCHOTIC_MONOTHERAPY_REVIEW)
    summary = _summary(
        "pseudo_resistance",
        courses=_plural(len(courses) + len(monotherapy), "antidepressant course"),
        review="; ".join(review),
    )
    return _flag("pseudo_resistance", summary, evidence)


def psychotic_monotherapy_courses(inp: ScreeningInput) -> tuple[MedicationTrial, ...]:
    """The failed adequate antidepressant courses of a psychotic episode when every one of them
    was antidepressant monotherapy (no antipsychotic course recorded this episode); else ().

    Psychotic depression is treated with an antidepressant plus an antipsychotic, or ECT (NICE
    NG222, 2022, §1.9; APA Practice Guideline for MDD, 3rd ed., 2010), so an antidepressant
    alone is not an adequate trial for it: apparent resistance may be pseudo-resistance. The
    intake records no dates, so any current-episode antipsychotic course counts as given with
    the failed courses (the note is then not raised).
    """
    if not inp.psychotic_features:
        return ()
    if any(
        t.current_episode and t.drug_class == ANTIPSYCHOTIC_CLASS for t in inp.medication_trials
    ):
        return ()
    return failed_trials(inp.medication_trials)


# --- Psychotic features -----------------------------------------------------------------------


def possible_psychotic_features_flag(ctx: FlagContext) -> Flag | None:
    """Psychotic features reported but not confirmed by a clinician (a self-report): high, for
    review — psychotic depression carries high risk and is treated differently."""
    inp = ctx.inp
    if not inp.psychotic_features or inp.psychotic_features_confirmed:
        return None
    evidence = [PSYCHOTIC_SELF_REPORT_EVIDENCE, PSYCHOTIC_MAUDSLEY_NOTE]
    if psychotic_monotherapy_courses(inp):
        evidence.append("every failed antidepressant course was monotherapy: see pseudo-resistance")
    return _flag("possible_psychotic_features", _summary("possible_psychotic_features"), evidence)


# --- Comorbidity screens ----------------------------------------------------------------------


def possible_bipolar_flag(ctx: FlagContext) -> Flag | None:
    mdq = ctx.scored("mdq")
    if mdq is None or not mdq.positive:
        return None
    evidence = (
        f"MDQ Q1: {mdq.total} of {len(MDQ_SYMPTOM_ITEMS)} yes (cut-off ≥ {MDQ_MIN_SYMPTOMS})",
        f"MDQ Q2 (several at the same time): {'yes' if mdq.extra['co_occurrence'] else 'no'}",
        f"MDQ Q3: {mdq_problem_word(mdq.extra['problem'])}",
    )
    return _flag("possible_bipolar", _summary("possible_bipolar"), evidence)


def substance_use_flag(ctx: FlagContext) -> Flag | None:
    evidence: list[str] = []
    audit = ctx.scored("audit_c")
    if audit is not None and audit.positive:
        evidence.append(
            f"AUDIT-C total {audit.total} (cut-off ≥ {audit.extra['cutoff']} "
            f"for sex at birth {ctx.inp.sex_at_birth})"
        )
        if audit.extra["all_points_from_q1"]:
            evidence.append(ALL_POINTS_FROM_Q1_NOTE)
    drugs = ctx.scored("drug_screen")
    if drugs is not None and drugs.positive:
        evidence.append(
            f"Drug screen: {_plural(drugs.total or 0, 'time')} in the past year "
            f"(cut-off ≥ {DRUG_SCREEN_CUTOFF})"
        )
    if not evidence:
        return None
    return _flag("substance_use", _summary("substance_use"), evidence)


def eating_disorder_flag(ctx: FlagContext) -> Flag | None:
    scoff = ctx.scored("scoff")
    if scoff is None or not scoff.positive:
        return None
    evidence = (
        f"SCOFF {scoff.total} of {len(SCOFF_ITEMS)} yes (cut-off ≥ {SCOFF_CUTOFF})",
        *(f"SCOFF {key.upper()} yes: {SCOFF_ITEM_WORDS[key]}" for key in scoff.extra["yes_items"]),
    )
    return _flag("eating_disorder", _summary("eating_disorder"), evidence)


def possible_ocd_flag(ctx: FlagContext) -> Flag | None:
    """Any ZF-OCS q1-q5 yes; `info` when q6 was answered No (no validated cut-off, §4.7)."""
    ocd = ctx.scored("ocd_screen")
    if ocd is None or not ocd.positive:
        return None
    evidence = [
        f"ZF-OCS {key.upper()} yes: {OCD_ITEM_WORDS[key]}" for key in ocd.extra["yes_items"]
    ]
    troubled = ocd.extra["troubled"]
    if troubled is not None:
        evidence.append(
            f"ZF-OCS Q6 (do these problems trouble you?): {'yes' if troubled else 'no'}"
        )
    summary = _summary("possible_ocd", items=_plural(ocd.total or 0, "ZF-OCS item"))
    return _flag("possible_ocd", summary, evidence, lowered=troubled is False)


def possible_panic_flag(ctx: FlagContext) -> Flag | None:
    panic = ctx.scored("panic_screen")
    if panic is None or not panic.positive:
        return None
    evidence = (
        f"panic gate items a1-a4: {panic.extra['gate_yes']} of {len(PANIC_GATE_ITEMS)} yes",
        f"panic symptoms b1-b11: {panic.total} of {len(PANIC_SYMPTOM_ITEMS)} yes "
        f"(cut-off ≥ {PANIC_MIN_SYMPTOMS})",
    )
    return _flag("possible_panic", _summary("possible_panic"), evidence)


def possible_ptsd_flag(ctx: FlagContext) -> Flag | None:
    ptsd = ctx.scored("pc_ptsd5")
    if ptsd is None or not ptsd.positive:
        return None
    met = "met" if ptsd.extra["positive_at_efficiency_cutoff"] else "not met"
    evidence = (
        f"PC-PTSD-5 score {ptsd.total} of {len(PC_PTSD5_ITEMS)} "
        f"(exposure yes; cut-off ≥ {PC_PTSD5_CUTOFF})",
        f"efficiency cut-off ≥ {PC_PTSD5_EFFICIENCY_CUTOFF}: {met}",
    )
    return _flag("possible_ptsd", _summary("possible_ptsd"), evidence)


def childhood_adversity_flag(ctx: FlagContext) -> Flag | None:
    ace = ctx.scored("ace")
    if ace is None or not ace.positive:
        return None
    evidence = (f"ACE score {ace.total} of {len(ACE_ITEMS)} (≥ {ACE_CUTOFF})", ACE_CONTEXT_NOTE)
    return _flag("childhood_adversity", _summary("childhood_adversity"), evidence)


def anxiety_flag(ctx: FlagContext) -> Flag | None:
    gad7 = ctx.scored("gad7")
    if gad7 is None or not gad7.positive:
        return None
    evidence = (f"GAD-7 total {gad7.total} ({gad7.severity}; cut-off ≥ {GAD7_CUTOFF})",)
    return _flag("anxiety", _summary("anxiety"), evidence)


def somatic_symptoms_flag(ctx: FlagContext) -> Flag | None:
    """PHQ-15 ≥ 15 moderate, 10-14 info (§8)."""
    phq15 = ctx.scored("phq15")
    if phq15 is None or phq15.total is None or phq15.total < PHQ15_MEDIUM:
        return None
    evidence = [f"PHQ-15 total {phq15.total} of {phq15.extra['max_total']} ({phq15.severity})"]
    if not phq15.extra["menstrual_item_scored"]:
        evidence.append("menstrual item (Q4) not asked: sex at birth male")
    summary = _summary("somatic_symptoms", severity=phq15.severity)
    return _flag("somatic_symptoms", summary, evidence, lowered=phq15.total < PHQ15_HIGH)


def not_improving_flag(ctx: FlagContext) -> Flag | None:
    """A follow-up at least N weeks after its baseline (N set by the clinical lead, default 8)
    that is neither a response nor a remission (clinical.rules.measurement)."""
    follow_up, phq9 = ctx.inp.follow_up, ctx.scored("phq9")
    if follow_up is None or phq9 is None or follow_up.baseline_phq9 is None:
        return None
    found = measure(follow_up.baseline_phq9, phq9.total)
    weeks = follow_up.not_improving_after_weeks
    if not not_improving(
        found.outcome, days_since_baseline=follow_up.days_since_baseline, after_weeks=weeks
    ):
        return None
    change = "no change" if found.change_pct is None else f"{found.change_pct:+.1f} %"
    evidence = (
        f"PHQ-9 {found.phq9} against {found.baseline_phq9} at baseline ({change}): "
        + found.outcome.replace("_", " "),
        f"{follow_up.days_since_baseline // 7} weeks after the baseline "
        f"(threshold: {_plural(weeks, 'week')}, set by the clinical lead)",
    )
    summary = _summary("not_improving", weeks=follow_up.days_since_baseline // 7)
    return _flag("not_improving", summary, evidence)


FLAG_RULES: tuple[Callable[[FlagContext], Flag | None], ...] = (
    suicide_risk_flag,
    possible_trd_flag,
    pseudo_resistance_flag,
    possible_psychotic_features_flag,
    possible_bipolar_flag,
    substance_use_flag,
    eating_disorder_flag,
    possible_ocd_flag,
    possible_panic_flag,
    possible_ptsd_flag,
    childhood_adversity_flag,
    anxiety_flag,
    somatic_symptoms_flag,
    not_improving_flag,
)


def screening_flags(ctx: FlagContext) -> tuple[Flag, ...]:
    """Every raised flag, ordered by level (urgent, high, moderate, info), then code."""
    raised = (rule(ctx) for rule in FLAG_RULES)
    return tuple(sorted((f for f in raised if f is not None), key=Flag.sort_key))
