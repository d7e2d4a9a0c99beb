"""The questionnaire catalogue against docs/clinical-reference.md §4 and the v1 contract.

Expected wording and codes below are typed from clinical.md, not copied from the module.
"""

import dataclasses
import json
import subprocess
import sys

import pytest

from clinical.questionnaires import (
    INSTRUMENT_KEYS,
    INSTRUMENTS,
    Instrument,
    ItemCondition,
    PatientCondition,
    UnknownInstrument,
    get_instrument,
    visible_items,
)


def visible_keys(key, answers, sex_at_birth="female"):
    return [item.key for item in visible_items(key, answers, sex_at_birth=sex_at_birth)]


def texts(key):
    return {item.key: item.text for item in get_instrument(key).items}


# ---------------------------------------------------------------------------------------------
# The catalogue as a whole
# ---------------------------------------------------------------------------------------------


def test_twelve_instruments_in_contract_order():
    assert list(INSTRUMENTS) == [
        "phq9",
        "gad7",
        "mdq",
        "audit_c",
        "drug_screen",
        "scoff",
        "ocd_screen",
        "panic_screen",
        "pc_ptsd5",
        "ace",
        "cssrs_screen",
        "phq15",
    ]
    assert tuple(INSTRUMENTS) == INSTRUMENT_KEYS
    assert all(isinstance(instrument, Instrument) for instrument in INSTRUMENTS.values())


def q(count):
    return [f"q{number}" for number in range(1, count + 1)]


@pytest.mark.parametrize(
    ("key", "item_keys"),
    [
        ("phq9", [*q(9), "difficulty"]),
        ("gad7", [*q(7), "difficulty"]),
        ("mdq", [*(f"q1{letter}" for letter in "abcdefghijklm"), "q2", "q3", "q4", "q5"]),
        ("audit_c", q(3)),
        ("drug_screen", ["q1"]),
        ("scoff", q(5)),
        ("ocd_screen", q(6)),
        ("panic_screen", ["a1", "a2", "a3", "a4", *(f"b{n}" for n in range(1, 12))]),
        ("pc_ptsd5", ["exposure", *q(5)]),
        ("ace", q(10)),
        ("cssrs_screen", [*q(6), "q6a"]),
        ("phq15", q(15)),
    ],
)
def test_item_keys_in_published_order(key, item_keys):
    instrument = get_instrument(key)
    assert list(instrument.item_keys) == item_keys
    assert len(instrument.items) == len(item_keys)


@pytest.mark.parametrize("key", INSTRUMENT_KEYS)
def test_every_instrument_carries_its_metadata(key):
    instrument = get_instrument(key)
    assert instrument.key == key
    assert instrument.name and instrument.short_name and instrument.version
    assert instrument.source and instrument.licence and instrument.timeframe
    assert all(item.text.strip() == item.text and item.text for item in instrument.items)


def test_unknown_instrument_is_a_key_error_with_a_plain_message():
    with pytest.raises(UnknownInstrument) as caught:
        get_instrument("phq10")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "Unknown instrument 'phq10'."
    with pytest.raises(UnknownInstrument):
        get_instrument(["phq9"])  # unhashable input is still just "unknown"


def test_instruments_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_instrument("phq9").name = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_instrument("phq9").items[0].text = "changed"


def test_modules_import_no_django():
    code = (
        "import sys\n"
        "import clinical.questionnaires, clinical.medications, clinical.answer_validation\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------
# Exact wording (clinical.md §4)
# ---------------------------------------------------------------------------------------------


def test_phq9_wording():
    phq9 = get_instrument("phq9")
    assert phq9.stem == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert texts("phq9") == {
        "q1": "Little interest or pleasure in doing things",
        "q2": "Feeling down, depressed, or hopeless",
        "q3": "Trouble falling or staying asleep, or sleeping too much",
        "q4": "Feeling tired or having little energy",
        "q5": "Poor appetite or overeating",
        "q6": "Feeling bad about yourself — or that you are a failure or have let yourself or "
        "your family down",
        "q7": "Trouble concentrating on things, such as reading the newspaper or watching "
        "television",
        "q8": "Moving or speaking so slowly that other people could have noticed? Or the "
        "opposite — being so fidgety or restless that you have been moving around a lot more "
        "than usual",
        "q9": "Thoughts that you would be better off dead or of hurting yourself in some way",
        "difficulty": "If you checked off any problems, how difficult have these problems made "
        "it for you to do your work, take care of things at home, or get along with other "
        "people?",
    }


def test_phq9_options_and_difficulty_options():
    phq9 = get_instrument("phq9")
    for item in phq9.items[:9]:
        assert [(o.value, o.label, o.loinc) for o in item.options] == [
            (0, "Not at all", "LA6568-5"),
            (1, "Several days", "LA6569-3"),
            (2, "More than half the days", "LA6570-1"),
            (3, "Nearly every day", "LA6571-9"),
        ]
        assert item.kind == "choice" and item.required and item.scored
    difficulty = phq9.item("difficulty")
    assert [(o.value, o.label) for o in difficulty.options] == [
        (0, "Not difficult at all"),
        (1, "Somewhat difficult"),
        (2, "Very difficult"),
        (3, "Extremely difficult"),
    ]
    assert difficulty.required is False and difficulty.scored is False
    assert difficulty.loinc == "69722-7"


def test_gad7_wording():
    assert get_instrument("gad7").stem == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    gad7 = texts("gad7")
    assert {key: gad7[key] for key in q(7)} == {
        "q1": "Feeling nervous, anxious, or on edge",
        "q2": "Not being able to stop or control worrying",
        "q3": "Worrying too much about different things",
        "q4": "Trouble relaxing",
        "q5": "Being so restless that it is hard to sit still",
        "q6": "Becoming easily annoyed or irritable",
        "q7": "Feeling afraid, as if something awful might happen",
    }
    difficulty = get_instrument("gad7").item("difficulty")
    assert difficulty.required is False and difficulty.scored is False
    assert [o.label for o in get_instrument("gad7").item("q1").options] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]


def test_cssrs_wording():
    assert texts("cssrs_screen") == {
        "q1": "Have you wished you were dead or wished you could go to sleep and not wake up?",
        "q2": "Have you actually had any thoughts of killing yourself?",
        "q3": "Have you been thinking about how you might do this?",
        "q4": "Have you had these thoughts and had some intention of acting on them?",
        "q5": "Have you started to work out or worked out the details of how to kill "
        "yourself? Do you intend to carry out this plan?",
        "q6": "Have you ever done anything, started to do anything, or prepared to do "
        "anything to end your life?",
        "q6a": "Was this within the past 3 months?",
    }
    for item in get_instrument("cssrs_screen").items:
        assert item.kind == "yes_no"
        assert [(o.value, o.label, o.loinc) for o in item.options] == [
            (True, "Yes", "LA33-6"),
            (False, "No", "LA32-8"),
        ]


def test_phq15_wording_and_options():
    phq15 = get_instrument("phq15")
    assert phq15.stem == (
        "During the past 4 weeks, how much have you been bothered by any of the following problems?"
    )
    assert phq15.item("q4").text == (
        "Menstrual cramps or other problems with your periods (women only)"
    )
    assert phq15.item("q1").text == "Stomach pain"
    assert phq15.item("q15").text == "Trouble sleeping"
    assert [(o.value, o.label, o.loinc) for o in phq15.item("q1").options] == [
        (0, "Not bothered at all", "LA18334-5"),
        (1, "Bothered a little", "LA18335-2"),
        (2, "Bothered a lot", "LA18336-0"),
    ]


def test_audit_c_items_have_their_own_option_labels():
    audit = get_instrument("audit_c")
    assert texts("audit_c") == {
        "q1": "How often do you have a drink containing alcohol?",
        "q2": "How many standard drinks containing alcohol do you have on a typical day when "
        "drinking?",
        "q3": "How often do you have six or more drinks on one occasion?",
    }
    labels = {item.key: [(o.value, o.label) for o in item.options] for item in audit.items}
    assert labels == {
        "q1": [
            (0, "Never"),
            (1, "Monthly or less"),
            (2, "2-4 times a month"),
            (3, "2-3 times a week"),
            (4, "4 or more times a week"),
        ],
        "q2": [(0, "1 or 2"), (1, "3 or 4"), (2, "5 or 6"), (3, "7 to 9"), (4, "10 or more")],
        "q3": [
            (0, "Never"),
            (1, "Less than monthly"),
            (2, "Monthly"),
            (3, "Weekly"),
            (4, "Daily or almost daily"),
        ],
    }


def test_mdq_structure_and_wording():
    mdq = get_instrument("mdq")
    q1a = mdq.item("q1a")
    assert q1a.preamble == (
        "Has there ever been a period of time when you were not your usual self and..."
    )
    assert q1a.text == (
        "...you felt so good or so hyper that other people thought you were not your normal "
        "self or you were so hyper that you got into trouble?"
    )
    assert mdq.item("q1m").text == "...spending money got you or your family into trouble?"
    assert all(mdq.item(f"q1{letter}").kind == "yes_no" for letter in "abcdefghijklm")
    assert mdq.item("q2").text == (
        "If you checked YES to more than one of the above, have several of these ever "
        "happened during the same period of time?"
    )
    q3 = mdq.item("q3")
    assert [(o.value, o.label) for o in q3.options] == [
        (0, "No problem"),
        (1, "Minor problem"),
        (2, "Moderate problem"),
        (3, "Serious problem"),
    ]
    for key in ("q4", "q5"):
        assert mdq.item(key).kind == "yes_no"
        assert mdq.item(key).required is False and mdq.item(key).scored is False


def test_drug_screen_is_one_count_item():
    (item,) = get_instrument("drug_screen").items
    assert item.text == (
        "How many times in the past year have you used an illegal drug or used a prescription "
        "medication for nonmedical reasons?"
    )
    assert item.kind == "count" and item.options == ()
    assert (item.min_value, item.max_value) == (0, 10_000)


def test_scoff_ocd_panic_ptsd_ace_spot_checks():
    assert texts("scoff")["q1"] == "Do you make yourself Sick because you feel uncomfortably full?"
    assert texts("scoff")["q5"] == "Would you say that Food dominates your life?"
    ocd = get_instrument("ocd_screen")
    assert ocd.item("q1").text == "Do you wash or clean a lot?"
    assert ocd.item("q6").text == "Do these problems trouble you?"
    assert ocd.item("q6").required is False and ocd.item("q6").scored is False
    panic = texts("panic_screen")
    assert panic["a1"] == (
        "In the last 4 weeks, have you had an anxiety attack — suddenly feeling fear or panic?"
    )
    assert panic["b11"] == "Were you afraid you were dying?"
    ptsd = get_instrument("pc_ptsd5")
    assert ptsd.item("exposure").text == "Have you ever experienced this kind of event?"
    assert "unusually or especially frightening, horrible, or traumatic" in (
        ptsd.item("exposure").preamble
    )
    assert ptsd.item("q3").text == "been constantly on guard, watchful, or easily startled?"
    assert ptsd.item("q3").preamble == "In the past month, have you..."
    ace = get_instrument("ace")
    assert ace.stem == "While you were growing up, during your first 18 years of life:"
    assert ace.item("q10").text == "Did a household member go to prison?"


def test_only_the_documented_items_are_unscored():
    unscored = {
        (instrument.key, item.key)
        for instrument in INSTRUMENTS.values()
        for item in instrument.items
        if not item.scored
    }
    assert unscored == {
        ("phq9", "difficulty"),
        ("gad7", "difficulty"),
        ("mdq", "q4"),
        ("mdq", "q5"),
        ("ocd_screen", "q6"),
    }
    optional = {
        (instrument.key, item.key)
        for instrument in INSTRUMENTS.values()
        for item in instrument.items
        if not item.required
    }
    assert optional == unscored


# ---------------------------------------------------------------------------------------------
# LOINC (clinical.md §4.13 and the item tables)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "panel", "total"),
    [
        ("phq9", "44249-1", "44261-6"),
        ("gad7", "69737-5", "70274-6"),
        ("audit_c", "72109-2", "75626-2"),
        ("phq15", "69728-4", "70273-8"),
        ("cssrs_screen", "93373-9", "93374-7"),
        ("pc_ptsd5", None, "102017-1"),
        ("mdq", None, None),
        ("scoff", None, None),
        ("ocd_screen", None, None),
        ("ace", None, None),
        ("panic_screen", None, None),
        ("drug_screen", None, None),
    ],
)
def test_panel_and_total_loinc_codes(key, panel, total):
    instrument = get_instrument(key)
    assert (instrument.loinc_panel, instrument.loinc_total) == (panel, total)
    assert instrument.to_dict()["loinc"] == {"panel": panel, "total": total}


@pytest.mark.parametrize(
    ("key", "codes"),
    [
        (
            "phq9",
            {
                "q1": "44250-9",
                "q2": "44255-8",
                "q3": "44259-0",
                "q4": "44254-1",
                "q5": "44251-7",
                "q6": "44258-2",
                "q7": "44252-5",
                "q8": "44253-3",
                "q9": "44260-8",
                "difficulty": "69722-7",
            },
        ),
        (
            "gad7",
            {
                "q1": "69725-0",
                "q2": "68509-9",
                "q3": "69733-4",
                "q4": "69734-2",
                "q5": "69735-9",
                "q6": "69689-8",
                "q7": "69736-7",
                "difficulty": None,
            },
        ),
        ("audit_c", {"q1": "68518-0", "q2": "68519-8", "q3": "68520-6"}),
        (
            "cssrs_screen",
            {
                "q1": "93246-7",
                "q2": "93247-5",
                "q3": "93248-3",
                "q4": "93249-1",
                "q5": "93250-9",
                "q6": "93267-3",
                "q6a": "93269-9",
            },
        ),
        (
            "phq15",
            {
                "q1": "69671-6",
                "q2": "69672-4",
                "q3": "69673-2",
                "q4": "69674-0",
                "q5": "69675-7",
                "q6": "69676-5",
                "q7": "69677-3",
                "q8": "69678-1",
                "q9": "69679-9",
                "q10": "69680-7",
                "q11": "69717-7",
                "q12": "69681-5",
                "q13": "69682-3",
                "q14": "69731-8",
                "q15": "69732-6",
            },
        ),
        (
            "pc_ptsd5",
            {
                "exposure": None,
                "q1": "102012-2",
                "q2": "102013-0",
                "q3": "102014-8",
                "q4": "102015-5",
                "q5": "102016-3",
            },
        ),
    ],
)
def test_item_loinc_codes(key, codes):
    assert {item.key: item.loinc for item in get_instrument(key).items} == codes


def test_instruments_without_verified_item_codes_carry_none():
    for key in ("mdq", "drug_screen", "scoff", "ocd_screen", "panic_screen", "ace"):
        assert all(item.loinc is None for item in get_instrument(key).items)


# ---------------------------------------------------------------------------------------------
# Skip logic
# ---------------------------------------------------------------------------------------------


def test_cssrs_q3_to_q5_only_after_q2_yes():
    always = ["q1", "q2", "q6"]
    assert visible_keys("cssrs_screen", {}) == always
    assert visible_keys("cssrs_screen", {"q1": True, "q2": False}) == always
    assert visible_keys("cssrs_screen", {"q2": True}) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    # Strict: the integer 1 is not "yes".
    assert visible_keys("cssrs_screen", {"q2": 1}) == always


def test_cssrs_q6a_only_after_q6_yes():
    assert "q6a" not in visible_keys("cssrs_screen", {"q2": False, "q6": False})
    assert visible_keys("cssrs_screen", {"q2": False, "q6": True})[-1] == "q6a"


def test_cssrs_show_if_serialises_as_the_contract_shows():
    items = {item["key"]: item for item in get_instrument("cssrs_screen").to_dict()["items"]}
    assert items["q1"]["show_if"] is None
    for key in ("q3", "q4", "q5"):
        assert items[key]["show_if"] == {"item": "q2", "equals": True}
    assert items["q6a"]["show_if"] == {"item": "q6", "equals": True}


def test_pc_ptsd5_symptoms_only_after_exposure():
    assert visible_keys("pc_ptsd5", {}) == ["exposure"]
    assert visible_keys("pc_ptsd5", {"exposure": False}) == ["exposure"]
    assert visible_keys("pc_ptsd5", {"exposure": True}) == ["exposure", *q(5)]


def test_panic_part_a_gate_and_part_b():
    assert visible_keys("panic_screen", {"a1": False}) == ["a1"]
    shown = visible_keys("panic_screen", {"a1": True})
    assert shown == ["a1", "a2", "a3", "a4", *(f"b{n}" for n in range(1, 12))]
    b1 = get_instrument("panic_screen").item("b1")
    assert b1.show_if == ItemCondition(item="a1", equals=True)
    assert b1.preamble == "Think about your last bad anxiety attack."


@pytest.mark.parametrize(
    ("sex_at_birth", "asked"),
    [("male", False), ("female", True), ("intersex", True), ("unknown", True), (None, True)],
)
def test_phq15_menstrual_item_by_sex_at_birth(sex_at_birth, asked):
    shown = visible_keys("phq15", {}, sex_at_birth=sex_at_birth)
    assert ("q4" in shown) is asked
    assert len(shown) == (15 if asked else 14)


def test_phq15_patient_condition_serialisation():
    q4 = get_instrument("phq15").item("q4")
    assert q4.show_if == PatientCondition(patient_field="sex_at_birth", not_equals="male")
    assert q4.to_dict()["show_if"] == {"patient": "sex_at_birth", "not_equals": "male"}
    assert q4.required is True


def test_item_hidden_when_its_controlling_item_is_hidden():
    nested = Instrument(
        key="nested",
        name="Nested",
        short_name="N",
        version="1",
        stem=None,
        timeframe="now",
        items=(
            get_instrument("cssrs_screen").item("q2"),
            dataclasses.replace(
                get_instrument("cssrs_screen").item("q3"),
                show_if=ItemCondition(item="q2", equals=True),
            ),
            dataclasses.replace(
                get_instrument("cssrs_screen").item("q4"),
                show_if=ItemCondition(item="q3", equals=True),
            ),
        ),
        source="test",
        licence="test",
    )
    answers = {"q2": False, "q3": True}
    assert [i.key for i in visible_items(nested, answers, sex_at_birth=None)] == ["q2"]
    answers = {"q2": True, "q3": True}
    assert [i.key for i in visible_items(nested, answers, sex_at_birth=None)] == [
        "q2",
        "q3",
        "q4",
    ]


def test_show_if_must_name_an_earlier_item():
    cssrs = get_instrument("cssrs_screen")
    with pytest.raises(ValueError, match="earlier item"):
        Instrument(
            key="bad",
            name="Bad",
            short_name="B",
            version="1",
            stem=None,
            timeframe="now",
            items=(cssrs.item("q3"), cssrs.item("q2")),
            source="test",
            licence="test",
        )


def test_visible_items_tolerates_non_mapping_answers():
    assert visible_keys("cssrs_screen", None) == ["q1", "q2", "q6"]
    assert visible_keys("cssrs_screen", ["q2"]) == ["q1", "q2", "q6"]


# ---------------------------------------------------------------------------------------------
# API shape
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", INSTRUMENT_KEYS)
def test_to_dict_has_the_contract_shape_and_is_json(key):
    data = get_instrument(key).to_dict()
    assert {"key", "name", "version", "items", "source"} <= set(data)
    assert {"short_name", "stem", "licence", "loinc", "timeframe"} <= set(data)
    for item in data["items"]:
        assert {"key", "text", "options", "required", "show_if"} <= set(item)
        assert {"kind", "scored", "min", "max", "loinc"} <= set(item)
        for option in item["options"]:
            assert {"value", "label"} <= set(option)
    json.dumps(data)  # serialisable as is


def test_to_dict_values():
    phq9 = get_instrument("phq9").to_dict()
    assert phq9["key"] == "phq9"
    assert phq9["items"][0]["options"][0] == {
        "value": 0,
        "label": "Not at all",
        "loinc": "LA6568-5",
    }
    assert phq9["items"][0]["required"] is True and phq9["items"][0]["show_if"] is None
    assert phq9["items"][-1]["key"] == "difficulty" and phq9["items"][-1]["required"] is False
    count = get_instrument("drug_screen").to_dict()["items"][0]
    assert (count["kind"], count["min"], count["max"], count["options"]) == (
        "count",
        0,
        10_000,
        [],
    )
    yes_no = get_instrument("scoff").to_dict()["items"][0]
    assert [o["value"] for o in yes_no["options"]] == [True, False]
