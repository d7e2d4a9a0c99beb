"""The medication catalogue against docs/clinical-reference.md §3 and §3.1.

The tables below are typed from clinical.md, not copied from the module.
"""

import dataclasses
import json

import pytest

from clinical.medications import (
    MEDICATIONS,
    Medication,
    UnknownMedication,
    resolve_medication,
)

# clinical.md §3: (key, class, MGH-ATRQ minimum mg/day), one row per drug.
DOSE_TABLE = [
    ("fluoxetine", "ssri", 20),
    ("sertraline", "ssri", 50),
    ("paroxetine", "ssri", 20),
    ("paroxetine_cr", "ssri", 25),
    ("citalopram", "ssri", 20),
    ("escitalopram", "ssri", 10),
    ("fluvoxamine", "ssri", 50),
    ("venlafaxine", "snri", 150),
    ("desvenlafaxine", "snri", 50),
    ("duloxetine", "snri", 60),
    ("levomilnacipran", "snri", 40),
    ("milnacipran", "snri", 100),
    ("bupropion", "other", 300),
    ("mirtazapine", "other", 15),
    ("trazodone", "other", 300),
    ("nefazodone", "other", 300),
    ("vilazodone", "other", 40),
    ("vortioxetine", "other", 10),
    ("agomelatine", "other", 25),
    ("amitriptyline", "tca", 150),
    ("nortriptyline", "tca", 75),
    ("imipramine", "tca", 150),
    ("clomipramine", "tca", 150),
    ("desipramine", "tca", 150),
    ("doxepin", "tca", 150),
    ("trimipramine", "tca", 150),
    ("amoxapine", "tca", 150),
    ("maprotiline", "tca", 150),
    ("protriptyline", "tca", 30),
    ("phenelzine", "maoi", 45),
    ("tranylcypromine", "maoi", 30),
    ("isocarboxazid", "maoi", 30),
    ("selegiline_transdermal", "maoi", 6),
    ("moclobemide", "maoi", 300),
    # issue 20 additions (docs/clinical-reference.md §3.3: label doses, not MGH-ATRQ)
    ("dextromethorphan_bupropion", "other", 210),
    ("gepirone", "other", 18.2),
    ("reboxetine", "other", 8),
    ("mianserin", "tca", 30),
    ("lofepramine", "tca", 140),
    ("dosulepin", "tca", 150),
    ("tianeptine", "other", 37.5),
]

# clinical.md §3.1: augmentation agents (key, class).
AUGMENTATION_TABLE = [
    ("lithium", "lithium"),
    ("aripiprazole", "antipsychotic"),
    ("quetiapine", "antipsychotic"),
    ("brexpiprazole", "antipsychotic"),
    ("cariprazine", "antipsychotic"),
    ("olanzapine_fluoxetine", "antipsychotic"),
    ("liothyronine", "thyroid"),
    ("esketamine", "nmda_antagonist"),
    # issue 20 additions (docs/clinical-reference.md §3.3)
    ("olanzapine", "antipsychotic"),
    ("risperidone", "antipsychotic"),
    ("lurasidone", "antipsychotic"),
    ("buspirone", "anxiolytic"),
    ("lamotrigine", "anticonvulsant"),
    ("modafinil", "wakefulness"),
    ("pramipexole", "dopamine_agonist"),
]

BRANDS = [
    ("Zoloft", "sertraline"),
    ("Lexapro", "escitalopram"),
    ("Prozac", "fluoxetine"),
    ("Paxil", "paroxetine"),
    ("Paxil CR", "paroxetine_cr"),
    ("Celexa", "citalopram"),
    ("Luvox", "fluvoxamine"),
    ("Effexor", "venlafaxine"),
    ("Effexor XR", "venlafaxine"),
    ("Pristiq", "desvenlafaxine"),
    ("Cymbalta", "duloxetine"),
    ("Fetzima", "levomilnacipran"),
    ("Savella", "milnacipran"),
    ("Wellbutrin", "bupropion"),
    ("Wellbutrin SR", "bupropion"),
    ("Wellbutrin XL", "bupropion"),
    ("Remeron", "mirtazapine"),
    ("Desyrel", "trazodone"),
    ("Oleptro", "trazodone"),
    ("Viibryd", "vilazodone"),
    ("Trintellix", "vortioxetine"),
    ("Elavil", "amitriptyline"),
    ("Pamelor", "nortriptyline"),
    ("Tofranil", "imipramine"),
    ("Anafranil", "clomipramine"),
    ("Norpramin", "desipramine"),
    ("Sinequan", "doxepin"),
    ("Surmontil", "trimipramine"),
    ("Ludiomil", "maprotiline"),
    ("Vivactil", "protriptyline"),
    ("Nardil", "phenelzine"),
    ("Parnate", "tranylcypromine"),
    ("Marplan", "isocarboxazid"),
    ("Emsam", "selegiline_transdermal"),
    ("Lithobid", "lithium"),
    ("Abilify", "aripiprazole"),
    ("Seroquel XR", "quetiapine"),
    ("Rexulti", "brexpiprazole"),
    ("Vraylar", "cariprazine"),
    ("Symbyax", "olanzapine_fluoxetine"),
    ("Cytomel", "liothyronine"),
    ("Spravato", "esketamine"),
]


@pytest.mark.parametrize(("key", "drug_class", "minimum"), DOSE_TABLE)
def test_every_dose_table_row(key, drug_class, minimum):
    medication = MEDICATIONS[key]
    assert medication.drug_class == drug_class
    assert medication.min_adequate_daily_dose_mg == minimum
    assert medication.role == "antidepressant" and medication.is_antidepressant
    assert medication.max_plausible_daily_dose_mg >= minimum


def test_the_antidepressants_are_exactly_the_dose_table():
    antidepressants = [m.key for m in MEDICATIONS.values() if m.role == "antidepressant"]
    assert antidepressants == [key for key, _, _ in DOSE_TABLE]


@pytest.mark.parametrize(("key", "drug_class"), AUGMENTATION_TABLE)
def test_augmentation_agents(key, drug_class):
    medication = MEDICATIONS[key]
    assert medication.role == "augmentation" and not medication.is_antidepressant
    assert medication.drug_class == drug_class
    assert medication.min_adequate_daily_dose_mg is None
    assert medication.usual_dose
    assert medication.max_plausible_daily_dose_mg > 0


def test_catalogue_is_dose_table_then_augmentation():
    assert list(MEDICATIONS) == [key for key, _, _ in DOSE_TABLE] + [
        key for key, _ in AUGMENTATION_TABLE
    ]


def test_unit_conventions():
    assert MEDICATIONS["selegiline_transdermal"].dose_unit == "mg/24 h"
    assert MEDICATIONS["selegiline_transdermal"].min_adequate_daily_dose_mg == 6
    # 25 µg of T3 is 0.025 mg: well within range, 100 µg is the plausible maximum.
    liothyronine = MEDICATIONS["liothyronine"]
    assert liothyronine.max_plausible_daily_dose_mg == pytest.approx(0.1)
    assert not liothyronine.is_implausible_dose(0.025)
    assert liothyronine.is_implausible_dose(25)  # 25 typed as mg, not µg
    # Symbyax is recorded by its olanzapine component (max 18/50 → 18).
    assert MEDICATIONS["olanzapine_fluoxetine"].max_plausible_daily_dose_mg == 18
    assert "olanzapine component" in MEDICATIONS["olanzapine_fluoxetine"].note


def test_implausible_dose_is_over_ten_times_the_maximum():
    sertraline = MEDICATIONS["sertraline"]
    assert not sertraline.is_implausible_dose(10 * sertraline.max_plausible_daily_dose_mg)
    assert sertraline.is_implausible_dose(10 * sertraline.max_plausible_daily_dose_mg + 1)


def test_medications_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        MEDICATIONS["sertraline"].min_adequate_daily_dose_mg = 25


# ---------------------------------------------------------------------------------------------
# Resolving names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("medication", list(MEDICATIONS.values()), ids=list(MEDICATIONS))
def test_every_key_and_name_resolves(medication):
    assert resolve_medication(medication.key) is medication
    assert resolve_medication(medication.name) is medication
    assert resolve_medication(medication.name.upper()) is medication
    for alias in medication.aliases:
        assert resolve_medication(alias) is medication


@pytest.mark.parametrize(("brand", "key"), BRANDS)
def test_brand_names_resolve_case_insensitively(brand, key):
    assert brand in MEDICATIONS[key].aliases
    for spelling in (brand, brand.lower(), brand.upper(), f"  {brand.swapcase()}\t"):
        assert resolve_medication(spelling).key == key


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("paroxetine-cr", "paroxetine_cr"),
        ("Paroxetine CR", "paroxetine_cr"),
        ("PAXIL_CR", "paroxetine_cr"),
        ("selegiline transdermal", "selegiline_transdermal"),
        ("Selegiline-Transdermal", "selegiline_transdermal"),
        ("olanzapine fluoxetine", "olanzapine_fluoxetine"),
        ("Olanzapine/fluoxetine", "olanzapine_fluoxetine"),
        ("wellbutrin-xl", "bupropion"),
        ("effexor   xr", "venlafaxine"),
        ("quetiapine xr", "quetiapine"),
    ],
)
def test_separators_do_not_matter(spelling, key):
    assert resolve_medication(spelling).key == key


def test_no_spelling_names_two_medications():
    seen = {}
    for medication in MEDICATIONS.values():
        for spelling in (medication.key, medication.name, *medication.aliases):
            normalised = " ".join(spelling.lower().replace("-", " ").replace("_", " ").split())
            assert seen.setdefault(normalised, medication.key) == medication.key


def test_suggestion_for_a_misspelt_generic_name():
    with pytest.raises(UnknownMedication) as caught:
        resolve_medication("sertralin")
    assert str(caught.value) == "Unknown medication 'sertralin'. Did you mean 'sertraline'?"
    assert caught.value.suggestion == "sertraline"
    assert caught.value.name == "sertralin"


def test_suggestion_for_a_misspelt_brand_maps_to_the_catalogue_key():
    with pytest.raises(UnknownMedication) as caught:
        resolve_medication("Zolof")
    assert str(caught.value) == "Unknown medication 'Zolof'. Did you mean 'sertraline'?"


def test_no_suggestion_when_nothing_is_close():
    with pytest.raises(UnknownMedication) as caught:
        resolve_medication("  xyzzy ")
    assert str(caught.value) == "Unknown medication 'xyzzy'."
    assert caught.value.suggestion is None


@pytest.mark.parametrize("name", ["", "   ", None, 42, ["sertraline"]])
def test_non_names_are_unknown(name):
    with pytest.raises(UnknownMedication) as caught:
        resolve_medication(name)
    assert caught.value.suggestion is None
    assert isinstance(caught.value, LookupError)


def test_a_long_name_is_not_echoed_in_full():
    with pytest.raises(UnknownMedication) as caught:
        resolve_medication("x" * 5000)
    assert len(str(caught.value)) < 100


# ---------------------------------------------------------------------------------------------
# API shape
# ---------------------------------------------------------------------------------------------


def test_to_dict_matches_the_contract_example():
    data = MEDICATIONS["sertraline"].to_dict()
    assert {k: data[k] for k in ("key", "name", "class", "min_adequate_daily_dose_mg")} == {
        "key": "sertraline",
        "name": "Sertraline",
        "class": "ssri",
        "min_adequate_daily_dose_mg": 50,
    }
    assert data["aliases"] == ["Zoloft"]
    assert data["role"] == "antidepressant"


@pytest.mark.parametrize("medication", list(MEDICATIONS.values()), ids=list(MEDICATIONS))
def test_every_to_dict_has_role_and_is_json(medication):
    data = medication.to_dict()
    assert {"key", "name", "class", "min_adequate_daily_dose_mg", "aliases", "role"} <= set(data)
    assert data["role"] in {"antidepressant", "augmentation"}
    assert isinstance(data["aliases"], list)
    json.dumps(data)


def test_augmentation_to_dict():
    data = MEDICATIONS["aripiprazole"].to_dict()
    assert data["role"] == "augmentation"
    assert data["class"] == "antipsychotic"
    assert data["min_adequate_daily_dose_mg"] is None


def test_paroxetine_cr_is_paroxetine_with_its_own_minimum():
    """clinical.md §3 "Paroxetine | 20 (CR 25)": one drug, two minimums; §1.2: a second
    course of the same drug is the same agent."""
    ir, cr = MEDICATIONS["paroxetine"], MEDICATIONS["paroxetine_cr"]
    assert (ir.agent, cr.agent) == ("paroxetine", "paroxetine")
    assert (ir.min_adequate_daily_dose_mg, cr.min_adequate_daily_dose_mg) == (20, 25)
    assert cr.to_dict()["agent"] == "paroxetine"
    others = [m for m in MEDICATIONS.values() if m.key not in ("paroxetine", "paroxetine_cr")]
    assert all(m.agent == m.key for m in others)  # every other entry is a drug of its own


def test_catalogue_rejects_inconsistent_rows():
    with pytest.raises(ValueError, match="minimum dose"):
        Medication(
            key="x",
            name="X",
            drug_class="ssri",
            role="antidepressant",
            min_adequate_daily_dose_mg=None,
            max_plausible_daily_dose_mg=10,
        )
    with pytest.raises(ValueError, match="unknown role"):
        Medication(
            key="x",
            name="X",
            drug_class="ssri",
            role="other",
            min_adequate_daily_dose_mg=1,
            max_plausible_daily_dose_mg=10,
        )
