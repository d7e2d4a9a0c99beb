"""The only bridge from stored rows to the pure rules' inputs (clinical.rules.types)."""

from clinical.medications import MEDICATIONS
from clinical.rules.types import (
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
    )


INPUT_PREFETCH = ("responses", "medication_trials", "psychotherapy_trials", "neuromodulation")
