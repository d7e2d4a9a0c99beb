"""The medication catalogue: antidepressants with their minimum adequate doses, plus the
augmentation agents (pure Python, stdlib only).

Sources
-------
* Antidepressants and their minimum adequate daily doses: ``docs/clinical-reference.md`` §3,
  the MGH-ATRQ minimum-dose column (Fava 2003; Chandler et al. 2010), transcribed from the
  COMPASS COMP006 trial-specific form [verified against that transcription only]. Every row of
  the §3 table is its own entry; the combined row "Doxepin / trimipramine / amoxapine /
  maprotiline — 150" is split into four entries, and paroxetine CR (minimum 25) is separate
  from paroxetine (20) for its minimum, but the same agent when trials are counted (§1.2:
  ``formulation_of``).
* Augmentation agents: clinical.md §3.1. They have no minimum adequate dose (they are recorded
  for staging, never counted as antidepressant trials), so ``min_adequate_daily_dose_mg`` is
  None and ``usual_dose`` carries §3.1's "usual adjunctive dose" text.

Units
-----
All doses are milligrams per day, with three documented exceptions:

* ``selegiline_transdermal`` is in mg/24 h (the patch's delivery rate, 6 mg/24 h minimum).
* ``olanzapine_fluoxetine`` (Symbyax) is recorded by its **olanzapine** component: 6/25 mg is
  6 mg, 18/50 mg is 18 mg.
* ``liothyronine`` (T3) is in mg although it is prescribed in micrograms: 25 µg = 0.025 mg.
* ``lithium`` is mg of lithium carbonate (dosing is guided by serum level, §3.1).

``max_plausible_daily_dose_mg`` is a realistic ceiling (the highest labelled or commonly used
daily dose, from US labelling and standard references [recalled; not part of clinical.md]).
It is not a safety limit: the intake API only rejects a dose above **ten times** it, as a typo.

Names resolve through :func:`resolve_medication`: key, display name or alias (common US brand
names and formulation names), case-insensitively, ignoring surrounding whitespace and treating
"-", "_" and spaces alike.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["antidepressant", "augmentation"]

ANTIDEPRESSANT: Role = "antidepressant"
AUGMENTATION: Role = "augmentation"

#: Antidepressant classes (Thase-Rush classes, clinical.md §2.1; "tca" includes the
#: tetracyclics amoxapine and maprotiline, "maoi" includes the RIMA moclobemide).
ANTIDEPRESSANT_CLASSES = ("ssri", "snri", "tca", "maoi", "other")
#: Augmentation-agent classes (clinical.md §3.1).
AUGMENTATION_CLASSES = (
    "lithium",
    "antipsychotic",
    "thyroid",
    "nmda_antagonist",
    # issue 20 additions (docs/clinical-reference.md §3.3):
    "anxiolytic",
    "anticonvulsant",
    "wakefulness",
    "dopamine_agonist",
)

#: The key stored for a drug the catalogue does not list (kept by name, never counted).
UNLISTED = "unlisted"
#: Micrograms per milligram: a dose sent in µg is stored in mg (liothyronine is prescribed in
#: micrograms: 25 µg = 0.025 mg).
MICROGRAMS_PER_MG = 1000
#: Spellings of the microgram unit accepted at submission (``dose_unit``).
MICROGRAM_UNITS = frozenset({"µg", "μg", "mcg", "ug", "microgram", "micrograms"})
MILLIGRAM_UNITS = frozenset({"mg", "milligram", "milligrams"})

#: A dose above this multiple of ``max_plausible_daily_dose_mg`` is treated as a typo.
IMPLAUSIBLE_DOSE_FACTOR = 10

MGH_ATRQ_SOURCE = (
    "clinical.md §3: MGH-ATRQ minimum dose (Fava M 2003, Biol Psychiatry 53:649-659; "
    "Chandler GM, et al. 2010, CNS Neurosci Ther 16:322-325)"
)


@dataclass(frozen=True)
class Medication:
    key: str
    name: str
    drug_class: str
    role: Role
    min_adequate_daily_dose_mg: float | None
    max_plausible_daily_dose_mg: float
    aliases: tuple[str, ...] = ()
    source: str = MGH_ATRQ_SOURCE
    dose_unit: str = "mg/day"
    usual_dose: str | None = None
    note: str | None = None
    #: The catalogue key of the drug this entry is another formulation of (paroxetine CR is
    #: paroxetine): courses of either are one agent when trials are counted (clinical.md §1.2
    #: "Different drugs": a second course of the same drug is the same agent).
    formulation_of: str | None = None
    #: A combination product's antidepressant component, counted as a course of that drug
    #: (olanzapine/fluoxetine is an augmentation AND a fluoxetine course, issue 20 item 4).
    antidepressant_component: str | None = None
    #: The smallest daily dose of that component in any strength of the product, in mg (every
    #: Symbyax strength holds at least 25 mg of fluoxetine).
    component_daily_dose_mg: float | None = None

    def __post_init__(self) -> None:
        if self.role == ANTIDEPRESSANT:
            if self.drug_class not in ANTIDEPRESSANT_CLASSES:
                raise ValueError(f"{self.key}: unknown antidepressant class {self.drug_class}")
            if self.min_adequate_daily_dose_mg is None:
                raise ValueError(f"{self.key}: an antidepressant needs a minimum dose")
            if self.min_adequate_daily_dose_mg > self.max_plausible_daily_dose_mg:
                raise ValueError(f"{self.key}: minimum dose above the plausible maximum")
        elif self.role == AUGMENTATION:
            if self.drug_class not in AUGMENTATION_CLASSES:
                raise ValueError(f"{self.key}: unknown augmentation class {self.drug_class}")
            if self.min_adequate_daily_dose_mg is not None:
                raise ValueError(f"{self.key}: augmentation agents have no minimum dose")
        else:
            raise ValueError(f"{self.key}: unknown role {self.role!r}")

    @property
    def agent(self) -> str:
        """The drug, for counting distinct agents: ``formulation_of`` or this entry's key."""
        return self.formulation_of or self.key

    @property
    def is_antidepressant(self) -> bool:
        return self.role == ANTIDEPRESSANT

    def is_implausible_dose(self, daily_dose_mg: float) -> bool:
        """True for a dose above ten times the plausible maximum (a likely typo)."""
        return daily_dose_mg > IMPLAUSIBLE_DOSE_FACTOR * self.max_plausible_daily_dose_mg

    def to_dict(self) -> dict[str, Any]:
        """The API shape of ``GET /api/v1/medications/`` (with additions)."""
        return {
            "key": self.key,
            "name": self.name,
            "class": self.drug_class,
            "min_adequate_daily_dose_mg": self.min_adequate_daily_dose_mg,
            "aliases": list(self.aliases),
            "role": self.role,
            # Additions to the v1 contract's medication shape:
            "agent": self.agent,
            "max_plausible_daily_dose_mg": self.max_plausible_daily_dose_mg,
            "dose_unit": self.dose_unit,
            "usual_dose": self.usual_dose,
            "note": self.note,
            "source": self.source,
            # Label doses (US prescribing information), see LABEL_MAXIMA / LABEL_MINIMA:
            "label_max_daily_dose_mg": label_maximum_mg(self.key),
            "label_min_daily_dose_mg": label_minimum_mg(self.key),
            "antidepressant_component": self.antidepressant_component,
        }


def _antidepressant(
    key: str,
    name: str,
    drug_class: str,
    minimum: float,
    maximum: float,
    *aliases: str,
    **fields: Any,
) -> Medication:
    return Medication(
        key=key,
        name=name,
        drug_class=drug_class,
        role=ANTIDEPRESSANT,
        min_adequate_daily_dose_mg=minimum,
        max_plausible_daily_dose_mg=maximum,
        aliases=aliases,
        **fields,
    )


def _augmentation(
    key: str,
    name: str,
    drug_class: str,
    maximum: float,
    *aliases: str,
    usual_dose: str,
    source: str,
    **fields: Any,
) -> Medication:
    return Medication(
        key=key,
        name=name,
        drug_class=drug_class,
        role=AUGMENTATION,
        min_adequate_daily_dose_mg=None,
        max_plausible_daily_dose_mg=maximum,
        aliases=aliases,
        usual_dose=usual_dose,
        source=source,
        **fields,
    )


_CATALOGUE: tuple[Medication, ...] = (
    # ---- clinical.md §3, SSRIs ---------------------------------------------------------------
    _antidepressant("fluoxetine", "Fluoxetine", "ssri", 20, 80, "Prozac", "Sarafem"),
    _antidepressant("sertraline", "Sertraline", "ssri", 50, 200, "Zoloft"),
    _antidepressant("paroxetine", "Paroxetine", "ssri", 20, 60, "Paxil", "Pexeva"),
    _antidepressant(
        "paroxetine_cr",
        "Paroxetine CR",
        "ssri",
        25,
        75,
        "Paxil CR",
        "Paroxetine ER",
        formulation_of="paroxetine",
        note="Counted as paroxetine (one agent); its own minimum of 25 mg/day.",
    ),
    _antidepressant(
        "citalopram",
        "Citalopram",
        "ssri",
        20,
        60,
        "Celexa",
        note="Label maximum 40 mg/day (20 mg/day over 60 years); 60 was the pre-2011 maximum.",
    ),
    _antidepressant("escitalopram", "Escitalopram", "ssri", 10, 30, "Lexapro"),
    _antidepressant(
        "fluvoxamine",
        "Fluvoxamine",
        "ssri",
        50,
        300,
        "Luvox",
        "Luvox CR",
        note="US label is for OCD only.",
    ),
    # ---- clinical.md §3, SNRIs ---------------------------------------------------------------
    _antidepressant(
        "venlafaxine",
        "Venlafaxine",
        "snri",
        150,
        375,
        "Effexor",
        "Effexor XR",
        "Venlafaxine XR",
        "Venlafaxine ER",
        note="IR and XR share the MGH-ATRQ minimum of 150 mg/day (stricter than the label's 75).",
    ),
    _antidepressant("desvenlafaxine", "Desvenlafaxine", "snri", 50, 400, "Pristiq", "Khedezla"),
    _antidepressant("duloxetine", "Duloxetine", "snri", 60, 120, "Cymbalta", "Drizalma Sprinkle"),
    _antidepressant("levomilnacipran", "Levomilnacipran", "snri", 40, 120, "Fetzima"),
    _antidepressant(
        "milnacipran",
        "Milnacipran",
        "snri",
        100,
        200,
        "Savella",
        note="US label is fibromyalgia only.",
    ),
    # ---- clinical.md §3, other/atypical ------------------------------------------------------
    _antidepressant(
        "bupropion",
        "Bupropion",
        "other",
        300,
        450,
        "Wellbutrin",
        "Wellbutrin SR",
        "Wellbutrin XL",
        "Bupropion SR",
        "Bupropion XL",
        note="IR/SR/XL share the minimum of 300 mg/day; 150 mg/day is inadequate under ATRQ.",
    ),
    _antidepressant("mirtazapine", "Mirtazapine", "other", 15, 60, "Remeron", "RemeronSolTab"),
    _antidepressant(
        "trazodone",
        "Trazodone",
        "other",
        300,
        600,
        "Desyrel",
        "Oleptro",
        note="Hypnotic doses (25-100 mg) are not antidepressant trials.",
    ),
    _antidepressant("nefazodone", "Nefazodone", "other", 300, 600, "Serzone"),
    _antidepressant("vilazodone", "Vilazodone", "other", 40, 40, "Viibryd"),
    _antidepressant("vortioxetine", "Vortioxetine", "other", 10, 20, "Trintellix", "Brintellix"),
    _antidepressant(
        "agomelatine",
        "Agomelatine",
        "other",
        25,
        50,
        "Valdoxan",
        note="Not US-approved.",
    ),
    # ---- clinical.md §3, TCAs (tetracyclics amoxapine and maprotiline included) --------------
    _antidepressant("amitriptyline", "Amitriptyline", "tca", 150, 300, "Elavil"),
    _antidepressant("nortriptyline", "Nortriptyline", "tca", 75, 150, "Pamelor", "Aventyl"),
    _antidepressant("imipramine", "Imipramine", "tca", 150, 300, "Tofranil", "Tofranil-PM"),
    _antidepressant("clomipramine", "Clomipramine", "tca", 150, 250, "Anafranil"),
    _antidepressant("desipramine", "Desipramine", "tca", 150, 300, "Norpramin"),
    _antidepressant("doxepin", "Doxepin", "tca", 150, 300, "Sinequan"),
    _antidepressant("trimipramine", "Trimipramine", "tca", 150, 300, "Surmontil"),
    _antidepressant("amoxapine", "Amoxapine", "tca", 150, 600, "Asendin", note="A tetracyclic."),
    _antidepressant(
        "maprotiline", "Maprotiline", "tca", 150, 225, "Ludiomil", note="A tetracyclic."
    ),
    _antidepressant("protriptyline", "Protriptyline", "tca", 30, 60, "Vivactil"),
    # ---- clinical.md §3, MAOIs ---------------------------------------------------------------
    _antidepressant("phenelzine", "Phenelzine", "maoi", 45, 90, "Nardil"),
    _antidepressant("tranylcypromine", "Tranylcypromine", "maoi", 30, 60, "Parnate"),
    _antidepressant("isocarboxazid", "Isocarboxazid", "maoi", 30, 60, "Marplan"),
    _antidepressant(
        "selegiline_transdermal",
        "Selegiline transdermal",
        "maoi",
        6,
        12,
        "Emsam",
        "Selegiline patch",
        dose_unit="mg/24 h",
        note="Dose is the patch's delivery rate in mg/24 h. Oral selegiline (Parkinson's "
        "disease) is a different product and is not in the catalogue.",
    ),
    _antidepressant(
        "moclobemide",
        "Moclobemide",
        "maoi",
        300,
        600,
        "Manerix",
        "Aurorix",
        note="A reversible MAO-A inhibitor (RIMA); not US-approved.",
    ),
    # ---- issue 20 additions (docs/clinical-reference.md §3.3): not in the MGH-ATRQ table; the
    # minimum is the label's lowest recommended treatment dose where one is published --------
    _antidepressant(
        "dextromethorphan_bupropion",
        "Dextromethorphan/bupropion",
        "other",
        210,
        210,
        "Auvelity",
        "Dextromethorphan and bupropion",
        source="FDA label, MDD (2022): 45/105 mg twice daily after day 3 [recalled]",
        note=(
            "Dose recorded as the bupropion component (one 45/105 mg tablet twice daily = "
            "210 mg/day); a different agent from bupropion alone."
        ),
    ),
    _antidepressant(
        "gepirone",
        "Gepirone",
        "other",
        18.2,
        72.6,
        "Exxua",
        source="FDA label, MDD (2023): start 18.2 mg/day, up to 72.6 mg/day [recalled]",
        note="The label's starting dose is a treatment dose; not an MGH-ATRQ minimum.",
    ),
    _antidepressant(
        "reboxetine",
        "Reboxetine",
        "other",
        8,
        12,
        "Edronax",
        source="EU SmPC: 4 mg twice daily (8 mg/day), up to 12 mg [recalled]",
        note="Not US-approved.",
    ),
    _antidepressant(
        "mianserin",
        "Mianserin",
        "tca",
        30,
        90,
        "Tolvon",
        source="UK SmPC/BNF: 30-90 mg/day, usually 60 [recalled]",
        note="A tetracyclic; not US-approved.",
    ),
    _antidepressant(
        "lofepramine",
        "Lofepramine",
        "tca",
        140,
        210,
        "Gamanil",
        "Lomont",
        source="UK SmPC/BNF: 140-210 mg/day [recalled]",
        note="Not US-approved.",
    ),
    _antidepressant(
        "dosulepin",
        "Dosulepin",
        "tca",
        150,
        225,
        "Dothiepin",
        "Prothiaden",
        source=(
            "MGH-ATRQ's 150 mg/day for tricyclics (clinical.md §3) applied; UK SmPC usual "
            "dose 150 mg/day [recalled]"
        ),
        note="Not US-approved.",
    ),
    _antidepressant(
        "tianeptine",
        "Tianeptine",
        "other",
        37.5,
        50,
        "Stablon",
        "Coaxil",
        source="EU SmPC: 12.5 mg three times daily (37.5 mg/day) [recalled]",
        note="Not US-approved (sold unregulated in the US; FDA warnings).",
    ),
    # ---- clinical.md §3.1, augmentation agents -----------------------------------------------
    _augmentation(
        "lithium",
        "Lithium",
        "lithium",
        2400,
        "Lithobid",
        "Eskalith",
        "Lithium carbonate",
        usual_dose="titrate to serum ≈0.5-0.8 mmol/L",
        source="clinical.md §3.1: CANMAT guidance [recalled]",
        note="Dose in mg of lithium carbonate.",
    ),
    _augmentation(
        "aripiprazole",
        "Aripiprazole",
        "antipsychotic",
        30,
        "Abilify",
        usual_dose="2-15 mg/day (start 2-5)",
        source="clinical.md §3.1: FDA label, adjunct MDD (2007) [recalled]",
    ),
    _augmentation(
        "quetiapine",
        "Quetiapine XR",
        "antipsychotic",
        800,
        "Seroquel XR",
        "Seroquel",
        "Quetiapine",
        usual_dose="150-300 mg/day",
        source="clinical.md §3.1: FDA label, adjunct MDD (2009) [recalled]",
    ),
    _augmentation(
        "brexpiprazole",
        "Brexpiprazole",
        "antipsychotic",
        4,
        "Rexulti",
        usual_dose="target 2 mg, max 3 mg/day",
        source="clinical.md §3.1: FDA label, adjunct MDD (2015) [recalled]",
    ),
    _augmentation(
        "cariprazine",
        "Cariprazine",
        "antipsychotic",
        6,
        "Vraylar",
        usual_dose="1.5 mg/day, may rise to 3 mg at day 15 (max 3)",
        source="clinical.md §3.1: FDA approval adjunct MDD 16 Dec 2022 [verified]",
    ),
    _augmentation(
        "olanzapine_fluoxetine",
        "Olanzapine/fluoxetine",
        "antipsychotic",
        18,
        "Symbyax",
        "Olanzapine and fluoxetine",
        usual_dose="6/25 to 18/50 mg",
        source="clinical.md §3.1: FDA label, TRD [recalled]",
        note=(
            "Dose recorded as the olanzapine component (6/25 mg = 6 mg). Also counted as a "
            "fluoxetine course: every strength holds at least 25 mg of fluoxetine, above its "
            "20 mg minimum."
        ),
        antidepressant_component="fluoxetine",
        component_daily_dose_mg=25,
    ),
    _augmentation(
        "liothyronine",
        "Liothyronine",
        "thyroid",
        0.1,
        "Cytomel",
        "T3",
        usual_dose="25-50 µg/day",
        source="clinical.md §3.1: literature [recalled]",
        note=(
            'Prescribed in micrograms: send the dose with dose_unit "µg" (25) or in mg '
            "(0.025); it is stored in mg (25 µg = 0.025 mg)."
        ),
    ),
    _augmentation(
        "esketamine",
        "Esketamine",
        "nmda_antagonist",
        84,
        "Spravato",
        usual_dose=(
            "Weeks 1-4: 56 mg day 1, then 56 or 84 mg twice weekly; weeks 5-8: 56/84 mg "
            "weekly; week 9+: every 2 weeks or weekly (certified REMS setting)"
        ),
        source="clinical.md §3.1: SPRAVATO label [verified]",
        note="Nasal spray; the dose is per treatment session.",
    ),
    # ---- issue 20 augmentation additions (docs/clinical-reference.md §3.3) -------------------
    _augmentation(
        "olanzapine",
        "Olanzapine",
        "antipsychotic",
        20,
        "Zyprexa",
        usual_dose="2.5-10 mg/day as an adjunct",
        source="Off-label adjunct; CANMAT 2016 [recalled]",
        note="Olanzapine with fluoxetine in one capsule is listed as Olanzapine/fluoxetine.",
    ),
    _augmentation(
        "risperidone",
        "Risperidone",
        "antipsychotic",
        16,
        "Risperdal",
        usual_dose="0.5-3 mg/day as an adjunct",
        source="Off-label adjunct; CANMAT 2016 [recalled]",
    ),
    _augmentation(
        "lurasidone",
        "Lurasidone",
        "antipsychotic",
        160,
        "Latuda",
        usual_dose="20-60 mg/day",
        source="Off-label in unipolar MDD (labelled for bipolar depression) [recalled]",
    ),
    _augmentation(
        "buspirone",
        "Buspirone",
        "anxiolytic",
        60,
        "Buspar",
        usual_dose="15-60 mg/day",
        source="STAR*D level 2 augmentation (Trivedi 2006) [recalled]",
    ),
    _augmentation(
        "lamotrigine",
        "Lamotrigine",
        "anticonvulsant",
        400,
        "Lamictal",
        usual_dose="100-200 mg/day after slow titration",
        source="Off-label adjunct; CANMAT 2016 [recalled]",
    ),
    _augmentation(
        "modafinil",
        "Modafinil",
        "wakefulness",
        400,
        "Provigil",
        usual_dose="100-200 mg/day",
        source="Off-label adjunct; CANMAT 2016 [recalled]",
    ),
    _augmentation(
        "pramipexole",
        "Pramipexole",
        "dopamine_agonist",
        4.5,
        "Mirapex",
        usual_dose="0.375-2.5 mg/day (salt), titrated",
        source="Off-label adjunct (Tundo 2019 review) [recalled]",
    ),
)

#: Every medication by catalogue key, in the order of clinical.md §3 then §3.1.
MEDICATIONS: dict[str, Medication] = {medication.key: medication for medication in _CATALOGUE}


def _check_formulations() -> None:
    """A formulation names a drug of the catalogue with the same role and class."""
    for medication in _CATALOGUE:
        drug = MEDICATIONS.get(medication.agent)
        if drug is None or (drug.role, drug.drug_class) != (medication.role, medication.drug_class):
            raise ValueError(f"{medication.key}: formulation_of names no drug of its class")
        component = medication.antidepressant_component
        if component is not None and (
            component not in MEDICATIONS
            or not MEDICATIONS[component].is_antidepressant
            or medication.component_daily_dose_mg is None
        ):
            raise ValueError(f"{medication.key}: its component is no antidepressant of the list")


_check_formulations()


class UnknownMedication(LookupError):
    """A name that matches no catalogue key, display name or alias.

    ``suggestion`` is the catalogue key of the closest match, or None when nothing is close.
    The message repeats only the name given (trimmed and shortened), e.g.
    ``Unknown medication 'sertralin'. Did you mean 'sertraline'?``.
    """

    def __init__(self, name: object, suggestion: str | None = None) -> None:
        self.name = name
        self.suggestion = suggestion
        shown = _shorten(str(name).strip())
        message = f"Unknown medication '{shown}'."
        if suggestion is not None:
            message += f" Did you mean '{suggestion}'?"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


_SEPARATORS = re.compile(r"[\s_\-]+")
_LONGEST_NAME_SHOWN = 60


def _shorten(text: str) -> str:
    if len(text) <= _LONGEST_NAME_SHOWN:
        return text
    return text[: _LONGEST_NAME_SHOWN - 1] + "…"


def normalise_medication_name(name: str) -> str:
    """Lower case, trimmed, with runs of "-", "_" and whitespace made one space."""
    return _SEPARATORS.sub(" ", name.strip().lower()).strip()


def _build_name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for medication in _CATALOGUE:
        for spelling in (medication.key, medication.name, *medication.aliases):
            normalised = normalise_medication_name(spelling)
            owner = index.setdefault(normalised, medication.key)
            if owner != medication.key:
                raise ValueError(f"{spelling!r} names both {owner} and {medication.key}")
    return index


_NAME_INDEX = _build_name_index()
_SUGGESTION_CUTOFF = 0.75


def resolve_medication(name: str) -> Medication:
    """The catalogue entry for a key, display name or alias; raises :class:`UnknownMedication`.

    Matching is case-insensitive, ignores surrounding whitespace and treats "-", "_" and
    spaces alike ("Paxil-CR", "paxil_cr" and "PAXIL CR" all resolve to ``paroxetine_cr``).
    """
    if not isinstance(name, str):
        raise UnknownMedication(name)
    normalised = normalise_medication_name(name)
    key = _NAME_INDEX.get(normalised)
    if key is not None:
        return MEDICATIONS[key]
    raise UnknownMedication(name, suggest_medication(normalised))


def suggest_medication(name: str) -> str | None:
    """The catalogue key whose key, name or alias is closest to ``name``, if any is close."""
    if not isinstance(name, str):
        return None
    normalised = normalise_medication_name(name)
    if not normalised:
        return None
    matches = difflib.get_close_matches(
        normalised, list(_NAME_INDEX), n=1, cutoff=_SUGGESTION_CUTOFF
    )
    return _NAME_INDEX[matches[0]] if matches else None


# --------------------------------------------------------------------------------------------
# Label doses: the "verify dose" note and the label-dose count (R-LABEL)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelDose:
    """A daily dose from a drug's product labelling, with where it comes from."""

    daily_dose_mg: float
    source: str


_US_LABEL = "US prescribing information (FDA label), maximum recommended daily dose [recalled]"
_US_LABEL_INPATIENT = (
    "US prescribing information (FDA label), maximum for hospitalised patients (lower for "
    "outpatients) [recalled]"
)
_US_LABEL_ADJUNCT = "US prescribing information, adjunctive MDD maximum [recalled]"

#: The label maximum daily dose: a course above it gets a "verify dose" note (a typo, or a
#: specialist's off-label dose to confirm). Not a refusal: the API refuses only doses above ten
#: times ``max_plausible_daily_dose_mg``. Where the label has an inpatient maximum, that higher
#: figure is used, so that the note marks doses no label supports. Drugs without a clear label
#: maximum (desvenlafaxine's label gives no maximum beyond "doses up to 400 mg/day were
#: studied"; lithium is dosed by serum level; liothyronine is off-label in depression) have none.
LABEL_MAXIMA: dict[str, LabelDose] = {
    "fluoxetine": LabelDose(80, _US_LABEL),
    "sertraline": LabelDose(200, _US_LABEL),
    "paroxetine": LabelDose(50, _US_LABEL + " (MDD)"),
    "paroxetine_cr": LabelDose(62.5, _US_LABEL + " (MDD)"),
    "citalopram": LabelDose(40, _US_LABEL + " (FDA 2011: 40 mg; 20 mg over 60 years)"),
    "escitalopram": LabelDose(20, _US_LABEL),
    "fluvoxamine": LabelDose(300, _US_LABEL + " (OCD)"),
    "venlafaxine": LabelDose(375, _US_LABEL_INPATIENT + "; XR 225 mg/day"),
    "duloxetine": LabelDose(120, _US_LABEL),
    "levomilnacipran": LabelDose(120, _US_LABEL),
    "milnacipran": LabelDose(200, _US_LABEL + " (fibromyalgia)"),
    "bupropion": LabelDose(450, _US_LABEL + " (IR/XL; SR 400)"),
    "mirtazapine": LabelDose(45, _US_LABEL),
    "trazodone": LabelDose(600, _US_LABEL_INPATIENT),
    "nefazodone": LabelDose(600, _US_LABEL),
    "vilazodone": LabelDose(40, _US_LABEL),
    "vortioxetine": LabelDose(20, _US_LABEL),
    "agomelatine": LabelDose(50, "EU summary of product characteristics (Valdoxan) [recalled]"),
    "amitriptyline": LabelDose(300, _US_LABEL_INPATIENT),
    "nortriptyline": LabelDose(150, _US_LABEL),
    "imipramine": LabelDose(300, _US_LABEL_INPATIENT),
    "clomipramine": LabelDose(250, _US_LABEL + " (OCD)"),
    "desipramine": LabelDose(300, _US_LABEL),
    "doxepin": LabelDose(300, _US_LABEL),
    "trimipramine": LabelDose(300, _US_LABEL_INPATIENT),
    "amoxapine": LabelDose(600, _US_LABEL_INPATIENT),
    "maprotiline": LabelDose(225, _US_LABEL_INPATIENT),
    "protriptyline": LabelDose(60, _US_LABEL),
    "phenelzine": LabelDose(90, _US_LABEL),
    "tranylcypromine": LabelDose(60, _US_LABEL),
    "isocarboxazid": LabelDose(60, _US_LABEL),
    "selegiline_transdermal": LabelDose(12, _US_LABEL + " (mg/24 h)"),
    "moclobemide": LabelDose(600, "Canadian/EU product monograph [recalled]"),
    "aripiprazole": LabelDose(15, _US_LABEL_ADJUNCT),
    "quetiapine": LabelDose(300, _US_LABEL_ADJUNCT + " (quetiapine XR)"),
    "brexpiprazole": LabelDose(3, _US_LABEL_ADJUNCT),
    "cariprazine": LabelDose(3, _US_LABEL_ADJUNCT),
    "olanzapine_fluoxetine": LabelDose(18, _US_LABEL + " (olanzapine component, 18/75 mg)"),
    "esketamine": LabelDose(84, "SPRAVATO prescribing information, per session [verified]"),
}

#: The label's lowest effective daily dose, where it is below the MGH-ATRQ minimum (§3, "Label
#: start / usual"): the label-dose count (R-LABEL) judges adequacy by it. Every other drug's
#: label minimum is taken to be its MGH-ATRQ minimum, so R-LABEL differs from the MGH-ATRQ count
#: only for courses of these drugs between the two minimums.
LABEL_MINIMA: dict[str, LabelDose] = {
    "venlafaxine": LabelDose(
        75, "US prescribing information (Effexor XR): 75 mg/day, the usual effective dose"
    ),
    "vilazodone": LabelDose(
        20, "US prescribing information (Viibryd, 2017 onward): 20-40 mg/day recommended"
    ),
}


def label_maximum_mg(key: str) -> float | None:
    """The label maximum daily dose of a catalogue key, or None when there is none."""
    entry = LABEL_MAXIMA.get(key)
    return None if entry is None else entry.daily_dose_mg


def label_minimum_mg(key: str) -> float | None:
    """The label's lowest effective daily dose; the MGH-ATRQ minimum where the label agrees
    (None for augmentation agents)."""
    entry = LABEL_MINIMA.get(key)
    if entry is not None:
        return entry.daily_dose_mg
    medication = MEDICATIONS.get(key)
    return None if medication is None else medication.min_adequate_daily_dose_mg


def _check_label_doses() -> None:
    for table in (LABEL_MAXIMA, LABEL_MINIMA):
        for key in table:
            if key not in MEDICATIONS:
                raise ValueError(f"label dose for {key}, which is not in the catalogue")
    for key, entry in LABEL_MINIMA.items():
        minimum = MEDICATIONS[key].min_adequate_daily_dose_mg
        if minimum is None or entry.daily_dose_mg >= minimum:
            raise ValueError(f"{key}: a label minimum is listed only when below MGH-ATRQ's")


_check_label_doses()
