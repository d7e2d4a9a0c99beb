"""TRD staging models: Thase-Rush (clinical.md §2.1), Maudsley (§2.2) and MGH-S (§2.3).

All three read only the current episode. Project conventions where the sources are silent
are marked "Convention" and summarised in the package docstring (``clinical.rules``).
"""

from collections.abc import Iterable

from clinical.rules.bands import Bands, band_for
from clinical.rules.trials import (
    ADEQUATE_ADHERENCE,
    FAILED_OUTCOMES,
    distinct_failed_agents,
    failed_trials,
    is_augmentation,
)
from clinical.rules.types import (
    MaudsleyScore,
    MedicationTrial,
    MghStagingScore,
    NeuromodulationCourse,
)

# --- Neuromodulation --------------------------------------------------------------------------

ECT = "ect"
BILATERAL = "bilateral"
# clinical.md §1.4 and §3.1: esketamine is an augmentation agent (adjunct to an oral
# antidepressant); a neuromodulation course of type "esketamine" is read as augmentation.
# Convention (docs/clinical-reference.md, "IV ketamine in staging"): a course of IV (racemic)
# ketamine scores as esketamine does — MSM augmentation and MGH-S augmentation/combination —
# since it is given alongside the ongoing antidepressant (as in Anand A, et al. 2023, N Engl
# J Med 388:2315-2325, ELEKT-D). Ketamine and esketamine are distinct agents for MGH-S.
AUGMENTATION_NEUROMODULATION = frozenset({"esketamine", "ketamine"})


def current_ect_courses(
    courses: Iterable[NeuromodulationCourse],
) -> tuple[NeuromodulationCourse, ...]:
    return tuple(c for c in courses if c.current_episode is True and c.type == ECT)


def has_failed_ect(courses: Iterable[NeuromodulationCourse], *, bilateral_only: bool) -> bool:
    """A failed (no/partial response) current-episode ECT course; for Thase-Rush Stage V only
    a bilateral one (§2.1: right-unilateral or unknown placement does not qualify)."""
    return any(
        c.outcome in FAILED_OUTCOMES and (c.placement == BILATERAL or not bilateral_only)
        for c in current_ect_courses(courses)
    )


def current_augmentation_neuromodulation(
    courses: Iterable[NeuromodulationCourse],
) -> tuple[NeuromodulationCourse, ...]:
    return tuple(
        c for c in courses if c.current_episode is True and c.type in AUGMENTATION_NEUROMODULATION
    )


# --- Thase & Rush 1997 (§2.1) -----------------------------------------------------------------

THASE_RUSH_STAGES = ("0", "I", "II", "III", "IV", "V")
TCA = "tca"
MAOI = "maoi"
# §2.1 Stage II: a failure "from a distinctly different class" → ≥ 2 distinct classes.
STAGE_II_MIN_CLASSES = 2


def _stage_ii(classes: frozenset[str]) -> bool:
    return len(classes) >= STAGE_II_MIN_CLASSES


def _stage_iii(classes: frozenset[str]) -> bool:
    """§2.1 set-based: a TCA failure, and Stage II without the TCA courses."""
    return TCA in classes and _stage_ii(classes - {TCA})


def _stage_iv(classes: frozenset[str]) -> bool:
    """§2.1 set-based: an MAOI failure, and Stage III without the MAOI courses."""
    return MAOI in classes and _stage_iii(classes - {MAOI})


def thase_rush_stage(
    trials: Iterable[MedicationTrial], neuromodulation: Iterable[NeuromodulationCourse] = ()
) -> str:
    """The order-independent (set-based) Thase-Rush stage of §2.1: "0", "I" … "V"."""
    classes = frozenset(t.drug_class for t in failed_trials(trials))
    if not classes:
        return "0"
    if _stage_iv(classes):
        return "V" if has_failed_ect(neuromodulation, bilateral_only=True) else "IV"
    if _stage_iii(classes):
        return "III"
    return "II" if _stage_ii(classes) else "I"


def _first_failure_of_each_agent(trials: Iterable[MedicationTrial]) -> list[MedicationTrial]:
    """A second course of the same drug is the same trial (§1.2), never a new stage."""
    firsts: dict[str, MedicationTrial] = {}
    for trial in failed_trials(trials):
        firsts.setdefault(trial.agent, trial)
    return list(firsts.values())


def _next_stage_reached(stage: int, cls: str, classes_failed_before: set[str]) -> bool:
    """Whether one more failure, of class ``cls``, moves a chronological stage on (§2.1)."""
    if stage == 0:
        return True
    if stage == 1:
        return cls not in classes_failed_before
    return (stage == 2 and cls == TCA) or (stage == 3 and cls == MAOI)


def thase_rush_stage_chronological(
    trials: Iterable[MedicationTrial], neuromodulation: Iterable[NeuromodulationCourse] = ()
) -> str:
    """The strictly chronological reading, taking submission order as chronological.

    Walking the first failed course of each distinct agent: Stage I at the first failure; II
    at a later failure of a class not failed before; III at a later TCA failure; IV at a later
    MAOI failure. Being literal, it can exceed the set-based stage when a class repeats
    (SSRI, nortriptyline, amitriptyline: chronological III, set-based II, because the set
    reading needs Stage II without any TCA). Convention: ECT has no order relative to medicines
    in the intake, so Stage V needs Stage IV and any failed bilateral ECT course.
    """
    stage = 0
    seen: set[str] = set()
    for trial in _first_failure_of_each_agent(trials):
        if _next_stage_reached(stage, trial.drug_class, seen):
            stage += 1
        seen.add(trial.drug_class)
    if stage == 4 and has_failed_ect(neuromodulation, bilateral_only=True):
        stage = 5
    return THASE_RUSH_STAGES[stage]


# --- Maudsley Staging Method (§2.2; Fekadu 2009, 2018) ----------------------------------------

# §2.2 duration of the current episode: ≤ 12 months 1, 13-24 months 2, > 24 months 3.
MAUDSLEY_DURATION_BANDS: Bands = ((0, "1"), (13, "2"), (25, "3"))
# §2.2 project convention (PHQ-9 crosswalk): 0-4 → 1, 5-9 → 2, 10-19 → 3, 20-27 → 4.
MAUDSLEY_SEVERITY_BANDS: Bands = ((0, "1"), (5, "2"), (10, "3"), (20, "4"))
# §2.2: severe with psychosis → 5, only when psychotic features are clinician-confirmed (a
# patient's self-report alone scores by the PHQ-9 crosswalk; ``trd.assess_trd`` passes
# ``psychotic_features`` only when confirmed).
MAUDSLEY_PSYCHOTIC_SEVERITY = 5
# §2.2 antidepressant failures: 1-2 → 1, 3-4 → 2, 5-6 → 3, 7-10 → 4, > 10 → 5.
MAUDSLEY_FAILURE_BANDS: Bands = ((0, "0"), (1, "1"), (3, "2"), (5, "3"), (7, "4"), (11, "5"))
# §2.2 bands of the total (range 3-15).
MAUDSLEY_BANDS: Bands = ((3, "mild"), (7, "moderate"), (11, "severe"))
MAUDSLEY_NOT_APPLICABLE = "not_applicable"
# Convention: an unknown input scores its lowest level (the total is then a lower bound and
# the component is listed in ``assumed_lowest``).
MAUDSLEY_LOWEST_LEVEL = 1


def maudsley_duration_points(current_episode_months: int | None) -> int:
    if current_episode_months is None:
        return MAUDSLEY_LOWEST_LEVEL
    return int(band_for(current_episode_months, MAUDSLEY_DURATION_BANDS))


def maudsley_severity_points(phq9_total: int | None, psychotic_features: bool) -> int:
    if psychotic_features:
        return MAUDSLEY_PSYCHOTIC_SEVERITY
    if phq9_total is None:
        return MAUDSLEY_LOWEST_LEVEL
    return int(band_for(phq9_total, MAUDSLEY_SEVERITY_BANDS))


def maudsley_failure_points(distinct_failed_agents: int) -> int:
    return int(band_for(distinct_failed_agents, MAUDSLEY_FAILURE_BANDS))


def augmentation_used(
    trials: Iterable[MedicationTrial], neuromodulation: Iterable[NeuromodulationCourse]
) -> bool:
    """§8: any current-episode augmentation course, whatever its outcome or dose."""
    return any(t.current_episode is True and is_augmentation(t) for t in trials) or bool(
        current_augmentation_neuromodulation(neuromodulation)
    )


def maudsley_score(
    *,
    trials: Iterable[MedicationTrial],
    neuromodulation: Iterable[NeuromodulationCourse] = (),
    current_episode_months: int | None,
    phq9_total: int | None,
    psychotic_features: bool = False,
) -> MaudsleyScore:
    trials = tuple(trials)
    neuromodulation = tuple(neuromodulation)
    failures = maudsley_failure_points(len(distinct_failed_agents(trials)))
    components = {
        "duration": maudsley_duration_points(current_episode_months),
        "severity": maudsley_severity_points(phq9_total, psychotic_features),
        "antidepressant_failures": failures,
        "augmentation": int(augmentation_used(trials, neuromodulation)),
        "ect": int(bool(current_ect_courses(neuromodulation))),
    }
    assumed = []
    if current_episode_months is None:
        assumed.append("duration")
    if phq9_total is None and not psychotic_features:
        assumed.append("severity")
    if not failures:
        return MaudsleyScore(None, MAUDSLEY_NOT_APPLICABLE, components, tuple(assumed))
    total = sum(components.values())
    return MaudsleyScore(total, band_for(total, MAUDSLEY_BANDS), components, tuple(assumed))


# --- MGH staging (§2.3; Fava 2003) ------------------------------------------------------------

# §2.3: 1 point per adequate failed antidepressant trial (per distinct agent, §1.2).
MGH_S_FAILED_TRIAL_POINTS = 1.0
# §2.3: + 0.5 per trial for dose optimisation, duration optimisation, augmentation/combination.
MGH_S_OPTIMISATION_POINTS = 0.5
# §2.3: + 3 for a failed course of ECT.
MGH_S_ECT_POINTS = 3.0
# §1.2: a second course of the same drug in the same episode is dose optimisation.
MGH_S_DOSE_OPTIMISATION_COURSES = 2


def _dose_optimised_agents(trials: tuple[MedicationTrial, ...]) -> tuple[str, ...]:
    """Failed agents with ≥ 2 current-episode courses (§1.2: dose optimisation), once each."""
    return tuple(
        agent
        for agent in distinct_failed_agents(trials)
        if sum(t.current_episode is True and t.agent == agent for t in trials)
        >= MGH_S_DOSE_OPTIMISATION_COURSES
    )


def _failed_augmentation_agents(
    trials: tuple[MedicationTrial, ...], neuromodulation: tuple[NeuromodulationCourse, ...]
) -> frozenset[str]:
    """Distinct augmentation agents with a failed current-episode course taken as prescribed
    (all / most days); esketamine given as a neuromodulation course counts as the agent."""
    medicines = {
        t.agent
        for t in trials
        if t.current_episode is True
        and is_augmentation(t)
        and t.outcome in FAILED_OUTCOMES
        and t.adherence in ADEQUATE_ADHERENCE
    }
    courses = {
        c.type
        for c in current_augmentation_neuromodulation(neuromodulation)
        if c.outcome in FAILED_OUTCOMES
    }
    return frozenset(medicines | courses)


def mgh_s_score(
    trials: Iterable[MedicationTrial], neuromodulation: Iterable[NeuromodulationCourse] = ()
) -> MghStagingScore:
    """MGH-S, operationalised conservatively for intake data (see the package docstring)."""
    trials = tuple(trials)
    neuromodulation = tuple(neuromodulation)
    components = {
        "antidepressant_failures": MGH_S_FAILED_TRIAL_POINTS * len(distinct_failed_agents(trials)),
        "dose_optimisation": MGH_S_OPTIMISATION_POINTS * len(_dose_optimised_agents(trials)),
        # Convention: the intake records no extension of a trial, so this is never scored.
        "duration_optimisation": 0.0,
        "augmentation_combination": MGH_S_OPTIMISATION_POINTS
        * len(_failed_augmentation_agents(trials, neuromodulation)),
        "ect": MGH_S_ECT_POINTS if has_failed_ect(neuromodulation, bilateral_only=False) else 0.0,
    }
    return MghStagingScore(total=sum(components.values()), components=components)
