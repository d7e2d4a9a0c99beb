"""The only bridge from stored rows to the pure rules' inputs (clinical.rules.types)."""

from clinical.medications import MEDICATIONS, label_maximum_mg, label_minimum_mg
from clinical.rules.types import (
    FollowUpContext,
    MedicationTrial,
    NeuromodulationCourse,
    PsychotherapyTrial,
    ScreeningInput,
)
from intake.models import Intake, PsychoticFeaturesSource


def medication_trial(row) -> MedicationTrial:
    med = MEDICATIONS[row.medication]
    return MedicationTrial(
        index=row.position,
        agent=med.agent,
        name=med.name,
        drug_class=med.drug_class,
        role=med.role,
        min_adequate_daily_dose_mg=med.min_adequate_daily_dose_mg,
        max_daily_dose_mg=float(row.max_daily_dose_mg),
        weeks_at_max_dose=float(row.weeks_at_max_dose),
        adherence=row.adherence,
        outcome=row.outcome,
        current_episode=row.current_episode,
        formulation=med.key if med.key != med.agent else None,
        label_min_daily_dose_mg=label_minimum_mg(med.key),
        label_max_daily_dose_mg=label_maximum_mg(med.key),
        ongoing=bool(row.ongoing),
    )


def screening_input(intake: Intake) -> ScreeningInput:
    """Rules input for an intake (prefetch its rows first when reading many)."""
    return ScreeningInput(
        sex_at_birth=intake.sex_at_birth,
        answers={r.instrument: dict(r.answers) for r in intake.responses.all()},
        current_episode_months=intake.current_episode_months,
        psychotic_features=intake.psychotic_features,
        psychotic_features_confirmed=(
            intake.psychotic_features
            and intake.psychotic_features_source == PsychoticFeaturesSource.CLINICIAN
        ),
        medication_trials=tuple(medication_trial(t) for t in intake.medication_trials.all()),
        psychotherapy_trials=tuple(
            PsychotherapyTrial(
                index=t.position, type=t.type, sessions=t.sessions, outcome=t.outcome
            )
            for t in intake.psychotherapy_trials.all()
        ),
        neuromodulation=tuple(
            NeuromodulationCourse(
                index=c.position,
                type=c.type,
                placement=c.placement or None,
                sessions=c.sessions,
                outcome=c.outcome,
                current_episode=c.current_episode,
            )
            for c in intake.neuromodulation.all()
        ),
        follow_up=follow_up_context(intake),
    )


def follow_up_context(intake: Intake) -> FollowUpContext | None:
    """A follow-up's baseline PHQ-9 and elapsed days, with the clinical lead's threshold in
    force now (recorded in the not_improving flag's evidence)."""
    if not intake.follow_up_of_id:
        return None
    from screening.measurement import not_improving_after_weeks, phq9_total_of

    baseline = intake.follow_up_of
    return FollowUpContext(
        baseline_phq9=phq9_total_of(baseline),
        days_since_baseline=(intake.submitted_at - baseline.submitted_at).days,
        not_improving_after_weeks=not_improving_after_weeks(),
    )


INPUT_PREFETCH = (
    "responses",
    "medication_trials",
    "psychotherapy_trials",
    "neuromodulation",
    "follow_up_of__responses",
)
