"""Inputs and outputs of the pure clinical rules: frozen dataclasses, stdlib only.

``screening/adapters.py`` builds the inputs from stored rows; every output has a ``to_dict()``
in the shape of the v1 API's ``screening`` block (``docs/api.md``). Keys beyond the
contract are additions (allowed in v1); contract keys are never renamed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

# --- Vocabularies (v1 contract) ----------------------------------------------------------------

FlagLevel = Literal["urgent", "high", "moderate", "info"]
RiskLevel = Literal["not_assessed", "none", "low", "moderate", "high"]

#: Flag levels, most pressing first: flags are ordered by this, then by code.
FLAG_LEVELS: tuple[str, ...] = ("urgent", "high", "moderate", "info")
#: C-SSRS screen risk levels, lowest first (clinical.md §4.11).
RISK_LEVELS: tuple[str, ...] = ("not_assessed", "none", "low", "moderate", "high")

Items = Mapping[str, int | bool]
Answers = Mapping[str, Items]


def _json_ready(value: Any) -> Any:
    """Tuples become lists and mappings plain dicts, recursively (values are already JSON)."""
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_json_ready(item) for item in value]
    return value


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MedicationTrial:
    index: int  # position in treatment_history.medication_trials as submitted
    # the drug, for counting distinct agents (clinical.md §1.2): the catalogue key, e.g.
    # "sertraline", or the drug a formulation belongs to ("paroxetine" for paroxetine CR)
    agent: str
    name: str  # display name, e.g. "Sertraline"
    # "ssri"|"snri"|"tca"|"maoi"|"other" for antidepressants; for augmentation agents e.g.
    # "lithium"|"antipsychotic"|"thyroid"|"nmda_antagonist"
    drug_class: str
    # "antidepressant" | "augmentation" | "unlisted" (a drug the catalogue does not list: kept
    # and shown, never counted; ``name`` is the name as given)
    role: str
    min_adequate_daily_dose_mg: float | None  # MGH-ATRQ minimum (§3); None for augmentation
    max_daily_dose_mg: float | None  # None: the dose is not known ("I don't remember")
    # Deprecated input (issue 20 item 3): weeks at the highest dose. Used only when
    # ``weeks_at_adequate_dose`` is not given (weeks at the highest dose are weeks at or above
    # the minimum when that dose reached it).
    weeks_at_max_dose: float | None
    adherence: str  # all | most_days | about_half | rarely (first two adequate)
    # no_response | partial_response | response | remission | stopped_side_effects |
    # too_early_to_tell
    outcome: str
    # None: not known whether it was in the current episode; counted as not current
    current_episode: bool | None = True
    formulation: str | None = None  # catalogue key when not the agent's own ("paroxetine_cr")
    # The label's lowest effective dose (R-LABEL count; clinical.medications.LABEL_MINIMA) and
    # label maximum ("verify dose" note); None when the catalogue has none.
    label_min_daily_dose_mg: float | None = None
    label_max_daily_dose_mg: float | None = None
    # Still being taken at intake: a short ongoing course with no response yet is "too early"
    # (clinical.rules.trials.is_too_early). False when not said.
    ongoing: bool = False
    # Weeks taken at or above the minimum adequate dose (MGH-ATRQ, clinical.md §1.2)
    weeks_at_adequate_dose: float | None = None
    # The combination product this course is the antidepressant component of
    # ("olanzapine_fluoxetine" for its fluoxetine), else None
    component_of: str | None = None


@dataclass(frozen=True, slots=True)
class NeuromodulationCourse:
    index: int
    type: str  # ect | rtms | esketamine | ketamine | vns | other
    placement: str | None  # bilateral | right_unilateral | unknown (ECT only)
    sessions: int | None
    outcome: str
    current_episode: bool | None = True  # None: not known (counted as not current)


@dataclass(frozen=True, slots=True)
class PsychotherapyTrial:
    index: int
    type: str
    sessions: int | None
    outcome: str


@dataclass(frozen=True, slots=True)
class FollowUpContext:
    """A follow-up intake's baseline: its PHQ-9 total (None if unscored), the whole days from
    the baseline's submission to the follow-up's, and the ``not_improving`` threshold in
    weeks in force when it was screened."""

    baseline_phq9: int | None
    days_since_baseline: int
    not_improving_after_weeks: int


@dataclass(frozen=True, slots=True)
class ScreeningInput:
    sex_at_birth: str  # female | male | intersex | unknown
    # instrument key -> item key -> value; only instruments answered are present
    answers: Answers
    current_episode_months: int | None = None
    # Psychotic features reported for the current episode (by anyone), and whether a clinician
    # confirmed them: the patient's own answer in the wizard is a self-report until then.
    psychotic_features: bool = False
    psychotic_features_confirmed: bool = False
    medication_trials: tuple[MedicationTrial, ...] = ()
    psychotherapy_trials: tuple[PsychotherapyTrial, ...] = ()
    neuromodulation: tuple[NeuromodulationCourse, ...] = ()
    # A follow-up intake (measurement-based care): what its baseline was, when, and the
    # clinical lead's not_improving threshold (clinical.rules.measurement).
    follow_up: FollowUpContext | None = None


# --- Scores ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """One instrument's result: ``{"total", "severity"?, "positive"?, ...extra}`` in the API.

    ``severity`` is present for banded instruments (PHQ-9, GAD-7, PHQ-15), ``positive`` for
    instruments with a cut-off. An instrument with a required item missing is not scored
    (clinical.md §4: "missing items → do not score"): ``total`` is null and the dict adds
    ``"complete": false`` and ``"missing_items"``.
    """

    total: int | None
    severity: str | None = None
    positive: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    missing_items: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))

    @property
    def complete(self) -> bool:
        return not self.missing_items

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total}
        if self.severity is not None:
            out["severity"] = self.severity
        if self.positive is not None:
            out["positive"] = self.positive
        out.update(_json_ready(self.extra))
        if self.missing_items:
            out["complete"] = False
            out["missing_items"] = list(self.missing_items)
        return out


def incomplete_score(missing: tuple[str, ...], **extra: Any) -> Score:
    """A score withheld because required items are missing (clinical.md §4)."""
    return Score(total=None, extra=extra, missing_items=missing)


# --- Safety ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrisisResource:
    key: str
    name: str
    contact: str
    description: str

    def to_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "name": self.name,
            "contact": self.contact,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class SafetyAssessment:
    urgent: bool
    risk_level: str  # RiskLevel
    evidence: tuple[str, ...]
    crisis_resources: tuple[CrisisResource, ...]
    # The C-SSRS screen's required items left unanswered (its risk level is then at least
    # moderate); None when the screen was not given.
    cssrs_missing_items: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "urgent": self.urgent,
            "risk_level": self.risk_level,
            "evidence": list(self.evidence),
            "crisis_resources": [r.to_dict() for r in self.crisis_resources],
        }
        if self.cssrs_missing_items is not None:
            out["cssrs_complete"] = not self.cssrs_missing_items
            out["cssrs_missing_items"] = list(self.cssrs_missing_items)
        return out


# --- TRD ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InadequateTrial:
    index: int
    reasons: tuple[str, ...]  # dose_below_minimum | duration_under_6_weeks | inadequate_adherence

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class TrialReview:
    """How one submitted medication course was read (an addition: "shown, not counted")."""

    index: int
    agent: str
    role: str
    drug_class: str
    current_episode: bool | None  # None: not known (counted as not current)
    # failed | inadequate | intolerant | too_early_to_tell | responded | augmentation |
    # earlier_episode | episode_unknown | unlisted
    status: str
    adequate: bool | None  # None for augmentation agents (no minimum dose)
    reasons: tuple[str, ...]
    description: str
    # Notes for the clinician that change no count, e.g. "verify dose: … above the label
    # maximum …" (an addition).
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "agent": self.agent,
            "role": self.role,
            "class": self.drug_class,
            "current_episode": self.current_episode,
            "status": self.status,
            "adequate": self.adequate,
            "reasons": list(self.reasons),
            "description": self.description,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class MaudsleyScore:
    total: int | None  # None when no adequate antidepressant trial failed
    band: str  # mild | moderate | severe | not_applicable
    components: Mapping[str, int]
    # Components whose input was unknown and were scored at their lowest level (the total is
    # then a lower bound), e.g. ("duration",) when current_episode_months is missing.
    assumed_lowest: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", _frozen_mapping(self.components))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "band": self.band,
            "components": dict(self.components),
            "assumed_lowest": list(self.assumed_lowest),
        }


@dataclass(frozen=True, slots=True)
class MghStagingScore:
    total: float
    components: Mapping[str, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", _frozen_mapping(self.components))

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "components": dict(self.components)}


@dataclass(frozen=True, slots=True)
class TrdAssessment:
    adequate_failed_trials: int  # distinct failed antidepressant agents, current episode
    meets_trd_definition: bool
    four_week_rule: int
    under_25_percent_rule: int
    failed_trials: tuple[int, ...]
    inadequate_trials: tuple[InadequateTrial, ...]
    intolerant_trials: tuple[int, ...]
    augmentation_trials: tuple[int, ...]
    thase_rush_stage: str
    thase_rush_stage_chronological: str
    maudsley: MaudsleyScore
    mgh_s: MghStagingScore
    trials: tuple[TrialReview, ...]
    # The count with adequacy judged by the label's lowest effective dose instead of the
    # MGH-ATRQ minimum (R-LABEL; differs only for venlafaxine 75-149 and vilazodone 20-39 mg).
    label_dose_rule: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "adequate_failed_trials": self.adequate_failed_trials,
            "meets_trd_definition": self.meets_trd_definition,
            "alternative_counts": {
                "four_week_rule": self.four_week_rule,
                "under_25_percent_rule": self.under_25_percent_rule,
                "label_dose": self.label_dose_rule,
            },
            "failed_trials": list(self.failed_trials),
            "inadequate_trials": [t.to_dict() for t in self.inadequate_trials],
            "intolerant_trials": list(self.intolerant_trials),
            "augmentation_trials": list(self.augmentation_trials),
            "thase_rush_stage": self.thase_rush_stage,
            "thase_rush_stage_chronological": self.thase_rush_stage_chronological,
            "maudsley": self.maudsley.to_dict(),
            "mgh_s": self.mgh_s.to_dict(),
            "trials": [t.to_dict() for t in self.trials],
        }


# --- Flags and the whole result ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    level: str  # FlagLevel
    summary: str
    evidence: tuple[str, ...]

    def sort_key(self) -> tuple[int, str]:
        return FLAG_LEVELS.index(self.level), self.code

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "summary": self.summary,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    scores: Mapping[str, Score]
    trd: TrdAssessment
    flags: tuple[Flag, ...]
    safety: SafetyAssessment
    ruleset_version: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _frozen_mapping(self.scores))

    def flag(self, code: str) -> Flag | None:
        return next((f for f in self.flags if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset_version": self.ruleset_version,
            "scores": {key: score.to_dict() for key, score in self.scores.items()},
            "trd": self.trd.to_dict(),
            "flags": [f.to_dict() for f in self.flags],
            "safety": self.safety.to_dict(),
        }
