"""One submitted medication row → the course(s) the rules read (pure; issue 20 items 3, 4, 6).

* A catalogue drug is one course, its minimum dose from the catalogue (clinical.md §3).
* A drug the catalogue does not list (``medication == UNLISTED``) is kept by the name given,
  with role ``unlisted``: shown to the clinician with a "verify this trial" note, never counted
  toward TRD, never an augmentation.
* A combination product with an antidepressant component is two courses with the same index:
  the product itself (olanzapine/fluoxetine: an augmentation, clinical.md §3.1) and a course
  of the component (fluoxetine), which counts toward the distinct-agent count like any other
  fluoxetine course. Its dose is the smallest amount of the component in any strength of the
  product (Symbyax: 25 mg of fluoxetine in every capsule, FDA label [recalled]), so a course
  taken at a known dose reached the 20 mg minimum; an unknown product dose leaves it unknown.
* ``current_episode`` None (not answered) is kept as None and counted as not current.
"""

from clinical.medications import MEDICATIONS, UNLISTED, label_maximum_mg, label_minimum_mg
from clinical.rules.types import MedicationTrial


def medication_courses(
    *,
    index: int,
    medication: str,
    name: str | None,
    max_daily_dose_mg: float | None,
    weeks_at_max_dose: float | None,
    weeks_at_adequate_dose: float | None,
    adherence: str,
    outcome: str,
    current_episode: bool | None,
    ongoing: bool = False,
) -> tuple[MedicationTrial, ...]:
    """The course(s) for one stored row (``medication`` is a catalogue key or UNLISTED)."""
    common = {
        "index": index,
        "max_daily_dose_mg": max_daily_dose_mg,
        "weeks_at_max_dose": weeks_at_max_dose,
        "weeks_at_adequate_dose": weeks_at_adequate_dose,
        "adherence": adherence,
        "outcome": outcome,
        "current_episode": current_episode,
        "ongoing": ongoing,
    }
    med = MEDICATIONS.get(medication)
    if med is None:
        shown = (name or "").strip() or "an unlisted medication"
        return (
            MedicationTrial(
                agent=UNLISTED,
                name=shown,
                drug_class=UNLISTED,
                role=UNLISTED,
                min_adequate_daily_dose_mg=None,
                **common,
            ),
        )
    course = MedicationTrial(
        agent=med.agent,
        name=med.name,
        drug_class=med.drug_class,
        role=med.role,
        min_adequate_daily_dose_mg=med.min_adequate_daily_dose_mg,
        formulation=med.key if med.key != med.agent else None,
        label_min_daily_dose_mg=label_minimum_mg(med.key),
        label_max_daily_dose_mg=label_maximum_mg(med.key),
        **common,
    )
    if med.antidepressant_component is None:
        return (course,)
    component = MEDICATIONS[med.antidepressant_component]
    component_dose = None if max_daily_dose_mg is None else med.component_daily_dose_mg
    return (
        course,
        MedicationTrial(
            agent=component.agent,
            name=component.name,
            drug_class=component.drug_class,
            role=component.role,
            min_adequate_daily_dose_mg=component.min_adequate_daily_dose_mg,
            label_min_daily_dose_mg=label_minimum_mg(component.key),
            label_max_daily_dose_mg=label_maximum_mg(component.key),
            component_of=med.key,
            **{**common, "max_daily_dose_mg": component_dose},
        ),
    )
