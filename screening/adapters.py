"""The only bridge from stored rows to the pure rules' inputs (clinical.rules.types)."""

from clinical.courses import medication_courses
from clinical.rules.types import (
    FollowUpContext,
    MedicationTrial,
    NeuromodulationCourse,
    PsychotherapyTrial,
    ScreeningInput,
)
from intake.models import Intake, PsychoticFeaturesSource


def _number(value) -> float | None:
    return None if value is None else float(value)


def medication_trials(row) -> tuple[MedicationTrial, ...]:
    """The course(s) for one stored row: an unlisted drug is kept by name and never counted;
    olanzapine/fluoxetine is also a fluoxetine course (clinical.rules.courses)."""
    return medication_courses(
        index=row.position,
        medication=row.medication,
        name=row.medication_name,
        max_daily_dose_mg=_number(row.max_daily_dose_mg),
        weeks_at_max_dose=_number(row.weeks_at_max_dose),
        weeks_at_adequate_dose=_number(row.weeks_at_adequate_dose),
        adherence=row.adherence,
        outcome=row.outcome,
        current_episode=row.current_episode,
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
        medication_trials=tuple(
            course for t in intake.medication_trials.all() for course in medication_trials(t)
        ),
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
