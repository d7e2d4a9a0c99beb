"""Test builders: medication courses with real catalogue values typed in from clinical.md §3
(the catalogue module is not imported on purpose: these tests pin the rules to the source),
and answer sets for the instruments."""

from dataclasses import replace

from clinical.rules.types import (
    MedicationTrial,
    NeuromodulationCourse,
    PsychotherapyTrial,
    ScreeningInput,
)

# clinical.md §3: agent -> (class, MGH-ATRQ minimum mg/day).
ANTIDEPRESSANTS: dict[str, tuple[str, float]] = {
    "fluoxetine": ("ssri", 20),
    "sertraline": ("ssri", 50),
    "paroxetine": ("ssri", 20),
    "citalopram": ("ssri", 20),
    "escitalopram": ("ssri", 10),
    "fluvoxamine": ("ssri", 50),
    "venlafaxine": ("snri", 150),
    "desvenlafaxine": ("snri", 50),
    "duloxetine": ("snri", 60),
    "levomilnacipran": ("snri", 40),
    "milnacipran": ("snri", 100),
    "bupropion": ("other", 300),
    "mirtazapine": ("other", 15),
    "trazodone": ("other", 300),
    "nefazodone": ("other", 300),
    "vilazodone": ("other", 40),
    "vortioxetine": ("other", 10),
    "agomelatine": ("other", 25),
    "amitriptyline": ("tca", 150),
    "nortriptyline": ("tca", 75),
    "imipramine": ("tca", 150),
    "clomipramine": ("tca", 150),
    "desipramine": ("tca", 150),
    "protriptyline": ("tca", 30),
    "phenelzine": ("maoi", 45),
    "tranylcypromine": ("maoi", 30),
    "isocarboxazid": ("maoi", 30),
    "selegiline_transdermal": ("maoi", 6),
    "moclobemide": ("maoi", 300),
}
# clinical.md §3.1: augmentation agents (no minimum dose).
AUGMENTATION_AGENTS: dict[str, str] = {
    "lithium": "lithium",
    "aripiprazole": "antipsychotic",
    "quetiapine_xr": "antipsychotic",
    "brexpiprazole": "antipsychotic",
    "cariprazine": "antipsychotic",
    "liothyronine": "thyroid",
    "esketamine": "nmda_antagonist",
}


def course(
    agent: str,
    dose: float,
    weeks: float = 8,
    adherence: str = "all",
    outcome: str = "no_response",
    *,
    current: bool = True,
    index: int = 0,
) -> MedicationTrial:
    """One course of a catalogue medication (antidepressant or augmentation agent)."""
    if agent in ANTIDEPRESSANTS:
        drug_class, minimum = ANTIDEPRESSANTS[agent]
        role: str = "antidepressant"
    else:
        drug_class, minimum, role = AUGMENTATION_AGENTS[agent], None, "augmentation"
    return MedicationTrial(
        index=index,
        agent=agent,
        name=agent.replace("_", " ").title(),
        drug_class=drug_class,
        role=role,
        min_adequate_daily_dose_mg=minimum,
        max_daily_dose_mg=float(dose),
        weeks_at_max_dose=float(weeks),
        adherence=adherence,
        outcome=outcome,
        current_episode=current,
    )


def failed(agent: str) -> MedicationTrial:
    """An adequate, failed course: the §3 minimum dose for 8 weeks, taken every day."""
    return course(agent, ANTIDEPRESSANTS[agent][1])


def indexed(*courses):
    """The courses as submitted: index = position in the list."""
    return tuple(replace(c, index=i) for i, c in enumerate(courses))


def ect(
    placement: str | None = "bilateral",
    outcome: str = "no_response",
    *,
    current: bool = True,
    kind: str = "ect",
    index: int = 0,
) -> NeuromodulationCourse:
    return NeuromodulationCourse(
        index=index,
        type=kind,
        placement=placement,
        sessions=10,
        outcome=outcome,
        current_episode=current,
    )


def screening_input(
    *courses: MedicationTrial,
    answers=None,
    sex: str = "female",
    months: int | None = 14,
    psychotic: bool = False,
    confirmed: bool = False,
    neuromodulation=(),
    psychotherapy: tuple[PsychotherapyTrial, ...] = (),
    follow_up=None,
) -> ScreeningInput:
    return ScreeningInput(
        sex_at_birth=sex,
        answers=answers if answers is not None else {"phq9": phq9(15)},
        current_episode_months=months,
        psychotic_features=psychotic,
        psychotic_features_confirmed=confirmed,
        medication_trials=indexed(*courses),
        psychotherapy_trials=psychotherapy,
        neuromodulation=tuple(replace(c, index=i) for i, c in enumerate(neuromodulation)),
        follow_up=follow_up,
    )


# --- Answers ----------------------------------------------------------------------------------


def spread(total: int, keys, item_max: int) -> dict[str, int]:
    """Items whose points add up to ``total``, filled in order, ``item_max`` each at most."""
    items = {}
    for key in keys:
        items[key] = min(item_max, total)
        total -= items[key]
    assert total == 0, "total out of range"
    return items


def q(first: int, last: int, prefix: str = "q") -> list[str]:
    return [f"{prefix}{n}" for n in range(first, last + 1)]


def yes_no(keys, yes_count: int) -> dict[str, bool]:
    return {key: i < yes_count for i, key in enumerate(keys)}


def phq9(total: int, item9: int | None = None, **items: int) -> dict[str, int]:
    """PHQ-9 adding up to ``total``: ``item9`` points on q9 (0 unless the total needs it),
    the rest on q1..q8 in order; ``items`` override."""
    if item9 is None:
        item9 = max(0, total - 24)
    return {**spread(total - item9, q(1, 8), 3), "q9": item9, **items}


def gad7(total: int) -> dict[str, int]:
    return spread(total, q(1, 7), 3)


def phq15(total: int, sex: str = "female") -> dict[str, int]:
    keys = [k for k in q(1, 15) if not (sex == "male" and k == "q4")]
    return spread(total, keys, 2)


def mdq(yes: int, q2: bool = True, q3: int = 2) -> dict[str, int | bool]:
    return {**yes_no([f"q1{c}" for c in "abcdefghijklm"], yes), "q2": q2, "q3": q3}


def cssrs(**yes: bool) -> dict[str, bool]:
    """A C-SSRS screen with skip logic applied: q3-q5 only if q2, q6a only if q6."""
    items = {"q1": yes.get("q1", False), "q2": yes.get("q2", False)}
    if items["q2"]:
        items.update({k: yes.get(k, False) for k in ("q3", "q4", "q5")})
    items["q6"] = yes.get("q6", False)
    if items["q6"]:
        items["q6a"] = yes.get("q6a", False)
    return items


def panic(gate: int = 4, symptoms: int = 4) -> dict[str, bool]:
    """``gate`` gate items yes in order (a1 first); Part B only when a1 is yes."""
    items = yes_no(q(1, 4, "a"), gate)
    if not items["a1"]:
        return {"a1": False}
    return {**items, **yes_no(q(1, 11, "b"), symptoms)}


def pc_ptsd5(score: int, exposure: bool = True) -> dict[str, bool]:
    if not exposure:
        return {"exposure": False}
    return {"exposure": True, **yes_no(q(1, 5), score)}


#: Answers that raise every answer-based flag at once.
KITCHEN_SINK = {
    "phq9": phq9(22, item9=2),
    "gad7": gad7(16),
    "mdq": mdq(9),
    "audit_c": {"q1": 4, "q2": 2, "q3": 1},
    "drug_screen": {"q1": 3},
    "scoff": yes_no(q(1, 5), 3),
    "ocd_screen": {**yes_no(q(1, 5), 2), "q6": False},
    "panic_screen": panic(4, 6),
    "pc_ptsd5": pc_ptsd5(5),
    "ace": yes_no(q(1, 10), 6),
    "cssrs_screen": cssrs(q1=True, q2=True, q3=True),
    "phq15": phq15(18),
}
