"""The twelve screening questionnaires as data (pure Python, stdlib only).

Every instrument, item, option and LOINC code here is transcribed from
``docs/clinical-reference.md`` §4 (instruments) and §4.13 (LOINC summary); item keys and value
codes follow the public API contract (``docs/api.md``, "Catalogues"). Item wording is the
published wording and must be shown exactly: do not edit it for style.

This module imports no Django so that forms, DRF serializers, the catalogue endpoints, the pure
screening rules and the FHIR export can all share it.

Skip logic (``show_if``)
------------------------
An item with ``show_if=None`` is always asked. Otherwise its condition is one of:

* :class:`ItemCondition` — asked only when an earlier item of the same instrument has a given
  answer. Serialised for the API exactly as the contract shows: ``{"item": "q2", "equals": true}``.
  Its ``not_equals`` form (``{"item": "q1", "not_equals": 0}``) is asked unless the earlier
  item has that answer: AUDIT-C items 2-3 after item 1 = "Never".
* :class:`CountCondition` — asked only when enough earlier items have a given answer
  (``{"items": [...], "equals": true, "at_least": 2}``): MDQ question 2, asked only when more
  than one question 1 symptom is endorsed.
* :class:`PatientCondition` — asked only when a fact about the patient differs from a value.
  This is an addition to the v1 contract (additions are allowed) and is serialised as
  ``{"patient": "sex_at_birth", "not_equals": "male"}``. Only PHQ-15 ``q4`` (the menstrual item)
  uses it. A patient whose ``sex_at_birth`` is unknown or not given is asked the item.

An item whose controlling item is hidden is hidden too (:func:`visible_items`).

The published skip patterns (AUDIT-C, MDQ question 2) carry ``skipped_answer``: the answer the
form implies when the item is not asked (0, and "No"). A partner whose form asks every item may
send that answer; any other answer to a skipped item is refused (``clinical.answer_validation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

ItemKind = Literal["choice", "yes_no", "count"]


class UnknownInstrument(KeyError):
    """Raised for an instrument key that is not in :data:`INSTRUMENTS`."""

    def __init__(self, key: object) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"Unknown instrument {_shorten(self.key)!r}."


def _shorten(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer choice: the stored value, the label shown, and its LOINC answer code."""

    value: int | bool
    label: str
    loinc: str | None = None  # LOINC answer (LA) code, only where clinical.md verified it

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "loinc": self.loinc}


@dataclass(frozen=True)
class ItemCondition:
    """Ask the item only when the earlier item ``item`` was answered ``equals`` — or, when
    ``not_equals`` is given instead, answered anything but ``not_equals``.

    ``skipped_answer`` is the answer the published form implies when the item is not asked
    (AUDIT-C items 2-3 score 0 after item 1 = "Never"). Such an answer to a skipped item is
    accepted (forms that ask every item keep working) and scores the same; any other answer to a
    skipped item is refused as contradicting the skip.
    """

    item: str
    equals: int | bool | None = None
    not_equals: int | bool | None = None
    skipped_answer: int | bool | None = None

    def __post_init__(self) -> None:
        if (self.equals is None) == (self.not_equals is None):
            raise ValueError(f"condition on {self.item}: give exactly one of equals/not_equals")

    @property
    def items(self) -> tuple[str, ...]:
        return (self.item,)

    def is_met_by(self, value: object) -> bool:
        # Strict: True must not match 1, nor 1 match True. An unanswered controller (None)
        # meets neither form of the condition.
        if self.not_equals is not None:
            if value is None:
                return False
            return not (type(value) is type(self.not_equals) and value == self.not_equals)
        return type(value) is type(self.equals) and value == self.equals

    def is_met(self, answers: Mapping[str, object]) -> bool:
        return self.is_met_by(answers.get(self.item))

    def describe(self) -> str:
        """Plain words for messages, e.g. ``"shown only when q2 is yes"``."""
        if self.not_equals is not None:
            return f"shown only when {self.item} is not {_answer_words(self.not_equals)}"
        return f"shown only when {self.item} is {_answer_words(self.equals)}"

    def to_dict(self) -> dict[str, Any]:
        if self.not_equals is not None:
            out: dict[str, Any] = {"item": self.item, "not_equals": self.not_equals}
        else:
            out = {"item": self.item, "equals": self.equals}
        if self.skipped_answer is not None:
            out["skipped_answer"] = self.skipped_answer
        return out


@dataclass(frozen=True)
class CountCondition:
    """Ask the item only when at least ``at_least`` of the earlier ``items`` were answered
    ``equals`` (the MDQ's question 2: "If you checked YES to more than one of the above").

    Serialised as ``{"items": [...], "equals": true, "at_least": 2, "skipped_answer": false}``
    (an addition to the v1 ``show_if`` shape). ``skipped_answer`` as for :class:`ItemCondition`.
    """

    items: tuple[str, ...]
    equals: int | bool
    at_least: int
    skipped_answer: int | bool | None = None

    def count(self, answers: Mapping[str, object]) -> int:
        return sum(
            1
            for key in self.items
            if type(answers.get(key)) is type(self.equals) and answers.get(key) == self.equals
        )

    def is_met(self, answers: Mapping[str, object]) -> bool:
        return self.count(answers) >= self.at_least

    def describe(self) -> str:
        return (
            f"shown only when at least {self.at_least} of {self.items[0]}-{self.items[-1]} "
            f"are {_answer_words(self.equals)}"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "items": list(self.items),
            "equals": self.equals,
            "at_least": self.at_least,
        }
        if self.skipped_answer is not None:
            out["skipped_answer"] = self.skipped_answer
        return out


def _answer_words(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class PatientCondition:
    """Ask the item only when the patient's ``patient_field`` is not ``not_equals``.

    Serialised as ``{"patient": "sex_at_birth", "not_equals": "male"}`` (an addition to the
    v1 contract's ``show_if`` shape). An unknown or missing patient value meets the condition.
    """

    patient_field: str
    not_equals: str

    def is_met_by(self, value: object) -> bool:
        return value != self.not_equals

    def describe(self) -> str:
        return f"shown only when {self.patient_field.replace('_', ' ')} is not {self.not_equals}"

    def to_dict(self) -> dict[str, Any]:
        return {"patient": self.patient_field, "not_equals": self.not_equals}


ShowIf = ItemCondition | CountCondition | PatientCondition
#: The conditions on earlier answers of the same instrument.
AnswerCondition = ItemCondition | CountCondition


@dataclass(frozen=True)
class Item:
    """One question.

    ``kind`` decides the answer's JSON type: ``"choice"`` takes one of the integer option
    values, ``"yes_no"`` takes ``true``/``false``, ``"count"`` takes a whole number between
    ``min_value`` and ``max_value``. ``scored`` is False for items recorded but not added to a
    total (PHQ-9/GAD-7 difficulty, MDQ q4/q5, ZF-OCS q6). ``preamble`` is the section lead-in
    printed before the item (repeated on each item of a section so that a one-question-per-page
    form can show it); ``hint`` is a clarification that is *not* part of the published wording.
    """

    key: str
    text: str
    kind: ItemKind
    options: tuple[Option, ...] = ()
    required: bool = True
    scored: bool = True
    show_if: ShowIf | None = None
    loinc: str | None = None
    loinc_answer_list: str | None = None
    preamble: str | None = None
    hint: str | None = None
    min_value: int | None = None
    max_value: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "count":
            if self.options or self.min_value is None or self.max_value is None:
                raise ValueError(f"count item {self.key} needs min/max and no options")
            if self.min_value > self.max_value:
                raise ValueError(f"count item {self.key}: min_value above max_value")
        elif self.kind == "choice":
            if not self.options or any(type(o.value) is not int for o in self.options):
                raise ValueError(f"choice item {self.key} needs integer options")
        elif self.kind == "yes_no":
            if {o.value for o in self.options} != {True, False} or any(
                type(o.value) is not bool for o in self.options
            ):
                raise ValueError(f"yes_no item {self.key} needs exactly true/false options")
        else:
            raise ValueError(f"item {self.key}: unknown kind {self.kind!r}")
        if len({o.value for o in self.options}) != len(self.options):
            raise ValueError(f"item {self.key}: duplicate option values")

    @property
    def option_values(self) -> tuple[int | bool, ...]:
        return tuple(option.value for option in self.options)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "options": [option.to_dict() for option in self.options],
            "required": self.required,
            "show_if": None if self.show_if is None else self.show_if.to_dict(),
            # Additions to the v1 contract's item shape:
            "kind": self.kind,
            "scored": self.scored,
            "preamble": self.preamble,
            "hint": self.hint,
            "loinc": self.loinc,
            "loinc_answer_list": self.loinc_answer_list,
            "min": self.min_value,
            "max": self.max_value,
        }


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: its items in published order plus citation, licence and LOINC codes.

    ``loinc_panel``/``loinc_total`` are the §4.13 codes where clinical.md lists them and None
    otherwise (the service then uses local codes). For the C-SSRS screener the "total" is the
    risk-level code 93374-7, since that screener's result is a level, not a sum.
    """

    key: str
    name: str
    short_name: str
    version: str
    stem: str | None
    timeframe: str
    items: tuple[Item, ...]
    source: str
    licence: str
    loinc_panel: str | None = None
    loinc_total: str | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.items:
            if item.key in seen:
                raise ValueError(f"{self.key}: duplicate item key {item.key}")
            condition = item.show_if
            if (
                isinstance(condition, ItemCondition | CountCondition)
                and not set(condition.items) <= seen
            ):
                raise ValueError(f"{self.key}.{item.key}: show_if must name earlier items")
            seen.add(item.key)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """The API shape of ``GET /api/v1/instruments/`` (with additions)."""
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "items": [item.to_dict() for item in self.items],
            "source": self.source,
            # Additions to the v1 contract's instrument shape:
            "short_name": self.short_name,
            "stem": self.stem,
            "timeframe": self.timeframe,
            "licence": self.licence,
            "loinc": {"panel": self.loinc_panel, "total": self.loinc_total},
        }


# --------------------------------------------------------------------------------------------
# Shared option sets
# --------------------------------------------------------------------------------------------

# PHQ-9 frequency options with LOINC answers LA6568-5 … LA6571-9 (answer list LL358-3), §4.1.
PHQ9_FREQUENCY_OPTIONS = (
    Option(0, "Not at all", "LA6568-5"),
    Option(1, "Several days", "LA6569-3"),
    Option(2, "More than half the days", "LA6570-1"),
    Option(3, "Nearly every day", "LA6571-9"),
)
PHQ9_ANSWER_LIST = "LL358-3"

# GAD-7 uses the same options (§4.2 "Options as PHQ-9"); clinical.md does not verify LOINC
# answer codes for GAD-7 items, so none are attached here.
GAD7_FREQUENCY_OPTIONS = tuple(Option(o.value, o.label) for o in PHQ9_FREQUENCY_OPTIONS)

# The unscored functional ("difficulty") question, §4.1.
DIFFICULTY_TEXT = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)
DIFFICULTY_OPTIONS = (
    Option(0, "Not difficult at all"),
    Option(1, "Somewhat difficult"),
    Option(2, "Very difficult"),
    Option(3, "Extremely difficult"),
)

YES_NO_OPTIONS = (Option(True, "Yes"), Option(False, "No"))
# C-SSRS answers Yes LA33-6 / No LA32-8 [verified, §4.11].
CSSRS_YES_NO_OPTIONS = (Option(True, "Yes", "LA33-6"), Option(False, "No", "LA32-8"))

# PHQ-15 options, LOINC answers LA18334-5 / LA18335-2 / LA18336-0, §4.12.
PHQ15_OPTIONS = (
    Option(0, "Not bothered at all", "LA18334-5"),
    Option(1, "Bothered a little", "LA18335-2"),
    Option(2, "Bothered a lot", "LA18336-0"),
)

# MDQ question 3, §4.3.
MDQ_PROBLEM_OPTIONS = (
    Option(0, "No problem"),
    Option(1, "Minor problem"),
    Option(2, "Moderate problem"),
    Option(3, "Serious problem"),
)

# The only patient-level condition in use: PHQ-15 q4 is not asked of male patients (§4.12).
NOT_MALE = PatientCondition(patient_field="sex_at_birth", not_equals="male")

# Largest accepted answer to the drug screen's count item (times in the past year). A sanity
# bound against typos, not a clinical threshold (several uses a day for a year stay below it).
DRUG_SCREEN_MAX_TIMES = 10_000


def _yes_no(key: str, text: str, **fields: Any) -> Item:
    fields.setdefault("options", YES_NO_OPTIONS)
    return Item(key=key, text=text, kind="yes_no", **fields)


def _choice(key: str, text: str, options: tuple[Option, ...], **fields: Any) -> Item:
    return Item(key=key, text=text, kind="choice", options=options, **fields)


# --------------------------------------------------------------------------------------------
# §4.1 PHQ-9
# --------------------------------------------------------------------------------------------

_PHQ9_ITEMS = (
    ("Little interest or pleasure in doing things", "44250-9"),
    ("Feeling down, depressed, or hopeless", "44255-8"),
    ("Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("Feeling tired or having little energy", "44254-1"),
    ("Poor appetite or overeating", "44251-7"),
    (
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "44258-2",
    ),
    (
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    (
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "44253-3",
    ),
    ("Thoughts that you would be better off dead or of hurting yourself in some way", "44260-8"),
)

PHQ9 = Instrument(
    key="phq9",
    name="Patient Health Questionnaire-9",
    short_name="PHQ-9",
    version="2001",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    timeframe="Last 2 weeks",
    items=(
        *(
            _choice(
                f"q{number}",
                text,
                PHQ9_FREQUENCY_OPTIONS,
                loinc=loinc,
                loinc_answer_list=PHQ9_ANSWER_LIST,
            )
            for number, (text, loinc) in enumerate(_PHQ9_ITEMS, start=1)
        ),
        _choice(
            "difficulty",
            DIFFICULTY_TEXT,
            DIFFICULTY_OPTIONS,
            required=False,
            scored=False,
            loinc="69722-7",
        ),
    ),
    source="Kroenke K, Spitzer RL, Williams JBW 2001, J Gen Intern Med 16:606-613",
    licence=(
        '© Pfizer Inc.; "no permission required to reproduce, translate, display or distribute".'
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
)

# --------------------------------------------------------------------------------------------
# §4.2 GAD-7
# --------------------------------------------------------------------------------------------

_GAD7_ITEMS = (
    ("Feeling nervous, anxious, or on edge", "69725-0"),
    ("Not being able to stop or control worrying", "68509-9"),
    ("Worrying too much about different things", "69733-4"),
    ("Trouble relaxing", "69734-2"),
    ("Being so restless that it is hard to sit still", "69735-9"),
    ("Becoming easily annoyed or irritable", "69689-8"),
    ("Feeling afraid, as if something awful might happen", "69736-7"),
)

GAD7 = Instrument(
    key="gad7",
    name="Generalized Anxiety Disorder-7",
    short_name="GAD-7",
    version="2006",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    timeframe="Last 2 weeks",
    items=(
        *(
            _choice(f"q{number}", text, GAD7_FREQUENCY_OPTIONS, loinc=loinc)
            for number, (text, loinc) in enumerate(_GAD7_ITEMS, start=1)
        ),
        # Same unscored question as the PHQ-9; a GAD-7-specific LOINC code is not verified.
        _choice("difficulty", DIFFICULTY_TEXT, DIFFICULTY_OPTIONS, required=False, scored=False),
    ),
    source="Spitzer RL, Kroenke K, Williams JBW, Löwe B 2006, Arch Intern Med 166:1092-1097",
    licence="As PHQ: © Pfizer Inc.; no permission required.",
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

# --------------------------------------------------------------------------------------------
# §4.3 Mood Disorder Questionnaire
# --------------------------------------------------------------------------------------------

MDQ_Q1_PREAMBLE = "Has there ever been a period of time when you were not your usual self and..."
_MDQ_Q1_ITEMS = (
    "...you felt so good or so hyper that other people thought you were not your normal self or "
    "you were so hyper that you got into trouble?",
    "...you were so irritable that you shouted at people or started fights or arguments?",
    "...you felt much more self-confident than usual?",
    "...you got much less sleep than usual and found you didn't really miss it?",
    "...you were much more talkative or spoke much faster than usual?",
    "...thoughts raced through your head or you couldn't slow your mind down?",
    "...you were so easily distracted by things around you that you had trouble concentrating "
    "or staying on track?",
    "...you had much more energy than usual?",
    "...you were much more active or did many more things than usual?",
    "...you were much more social or outgoing than usual, for example, you telephoned friends "
    "in the middle of the night?",
    "...you were much more interested in sex than usual?",
    "...you did things that were unusual for you or that other people might have thought were "
    "excessive, foolish, or risky?",
    "...spending money got you or your family into trouble?",
)

MDQ = Instrument(
    key="mdq",
    name="Mood Disorder Questionnaire",
    short_name="MDQ",
    version="2000",
    stem=None,
    timeframe="Lifetime",
    items=(
        *(
            _yes_no(f"q1{letter}", text, preamble=MDQ_Q1_PREAMBLE)
            for letter, text in zip("abcdefghijklm", _MDQ_Q1_ITEMS, strict=True)
        ),
        # Published skip: "If you checked YES to more than one of the above" — not asked when
        # fewer than two symptoms are endorsed, and then not a positive screen (the screen
        # needs Q2 = Yes; Hirschfeld 2000). An explicit "No" is the implied answer.
        _yes_no(
            "q2",
            "If you checked YES to more than one of the above, have several of these ever "
            "happened during the same period of time?",
            show_if=CountCondition(
                items=tuple(f"q1{letter}" for letter in "abcdefghijklm"),
                equals=True,
                at_least=2,
                skipped_answer=False,
            ),
        ),
        _choice(
            "q3",
            "How much of a problem did any of these cause you — like being unable to work; "
            "having family, money or legal troubles; getting into arguments or fights?",
            MDQ_PROBLEM_OPTIONS,
        ),
        # Q4 and Q5 are recorded but not scored (§4.3). clinical.md paraphrases them; the
        # wording below is the published MDQ's.
        _yes_no(
            "q4",
            "Have any of your blood relatives (ie, children, siblings, parents, grandparents, "
            "aunts, uncles) had manic-depressive illness or bipolar disorder?",
            required=False,
            scored=False,
        ),
        _yes_no(
            "q5",
            "Has a health professional ever told you that you have manic-depressive illness or "
            "bipolar disorder?",
            required=False,
            scored=False,
        ),
    ),
    source="Hirschfeld RMA, Williams JBW, Spitzer RL, et al. 2000, Am J Psychiatry 157:1873-1875",
    licence=(
        '© 2000 The University of Texas Medical Branch, reprinted "with permission"; freely '
        "distributed for clinical screening but not public domain — confirm permission before "
        "embedding in a commercial product."
    ),
)

# --------------------------------------------------------------------------------------------
# §4.4 AUDIT-C
# --------------------------------------------------------------------------------------------

# Published skip (Bush 1998; the VA/WHO AUDIT-C forms): a patient who answers item 1 "Never" is
# not asked items 2 and 3, which score 0. An explicit 0 is the implied answer.
_AUDIT_C_DRINKER = ItemCondition(item="q1", not_equals=0, skipped_answer=0)

AUDIT_C = Instrument(
    key="audit_c",
    name="Alcohol Use Disorders Identification Test - Consumption",
    short_name="AUDIT-C",
    version="1998",
    stem=None,
    # The items state no period; the WHO AUDIT is conventionally about the past year.
    timeframe="Past year (AUDIT convention; the items state no period)",
    items=(
        _choice(
            "q1",
            "How often do you have a drink containing alcohol?",
            (
                Option(0, "Never"),
                Option(1, "Monthly or less"),
                Option(2, "2-4 times a month"),
                Option(3, "2-3 times a week"),
                Option(4, "4 or more times a week"),
            ),
            loinc="68518-0",
            loinc_answer_list="LL2179-1",
        ),
        _choice(
            "q2",
            # The LOINC display wording (§4.4 table), kept consistently.
            "How many standard drinks containing alcohol do you have on a typical day when "
            "drinking?",
            (
                Option(0, "1 or 2"),
                Option(1, "3 or 4"),
                Option(2, "5 or 6"),
                Option(3, "7 to 9"),
                Option(4, "10 or more"),
            ),
            loinc="68519-8",
            loinc_answer_list="LL2180-9",
            show_if=_AUDIT_C_DRINKER,
        ),
        _choice(
            "q3",
            "How often do you have six or more drinks on one occasion?",
            (
                Option(0, "Never"),
                Option(1, "Less than monthly"),
                Option(2, "Monthly"),
                Option(3, "Weekly"),
                Option(4, "Daily or almost daily"),
            ),
            loinc="68520-6",
            loinc_answer_list="LL2181-7",
            show_if=_AUDIT_C_DRINKER,
        ),
    ),
    source=(
        "Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA 1998, Arch Intern Med "
        "158:1789-1795; Bradley KA, et al. 2003, Arch Intern Med 163:821-829; Bradley KA, et al. "
        "2007, Alcohol Clin Exp Res 31:1208-1217"
    ),
    licence="AUDIT items are WHO, public domain.",
    loinc_panel="72109-2",
    loinc_total="75626-2",
)

# --------------------------------------------------------------------------------------------
# §4.5 Single-item drug screen
# --------------------------------------------------------------------------------------------

DRUG_SCREEN = Instrument(
    key="drug_screen",
    name="Single-Question Screening Test for Drug Use",
    short_name="Single-item drug screen",
    version="2010",
    stem=None,
    timeframe="Past year",
    items=(
        Item(
            key="q1",
            text="How many times in the past year have you used an illegal drug or used a "
            "prescription medication for nonmedical reasons?",
            kind="count",
            min_value=0,
            max_value=DRUG_SCREEN_MAX_TIMES,
        ),
    ),
    source=(
        "Smith PC, Schmidt SM, Allensworth-Davies D, Saitz R 2010, Arch Intern Med 170:1155-1160"
    ),
    licence="Unrestricted (published single screening question).",
)

# --------------------------------------------------------------------------------------------
# §4.6 SCOFF
# --------------------------------------------------------------------------------------------

SCOFF = Instrument(
    key="scoff",
    name="SCOFF questionnaire",
    short_name="SCOFF",
    version="1999",
    stem=None,
    timeframe="Current (item 3: a 3-month period)",
    items=(
        _yes_no("q1", "Do you make yourself Sick because you feel uncomfortably full?"),
        _yes_no("q2", "Do you worry you have lost Control over how much you eat?"),
        _yes_no(
            "q3",
            "Have you recently lost more than One stone in a 3 month period?",
            hint="One stone = 14 lb (about 6.35 kg).",
        ),
        _yes_no("q4", "Do you believe yourself to be Fat when others say you are too thin?"),
        _yes_no("q5", "Would you say that Food dominates your life?"),
    ),
    source="Morgan JF, Reid F, Lacey JH 1999, BMJ 319:1467-1468",
    licence="Published screening questions, freely used with citation (no formal licence found).",
)

# --------------------------------------------------------------------------------------------
# §4.7 Zohar-Fineberg Obsessive-Compulsive Screen
# --------------------------------------------------------------------------------------------

OCD_SCREEN = Instrument(
    key="ocd_screen",
    name="Zohar-Fineberg Obsessive-Compulsive Screen",
    short_name="ZF-OCS",
    version="2003",
    stem=None,
    timeframe="Current",
    items=(
        _yes_no("q1", "Do you wash or clean a lot?"),
        _yes_no("q2", "Do you check things a lot?"),
        _yes_no(
            "q3",
            "Is there any thought that keeps bothering you that you would like to get rid of "
            "but can't?",
        ),
        _yes_no("q4", "Do your daily activities take a long time to finish?"),
        _yes_no(
            "q5",
            "Are you concerned about putting things in a special order or are you very upset by "
            "mess?",
        ),
        _yes_no("q6", "Do these problems trouble you?", required=False, scored=False),
    ),
    source=(
        "Fineberg NA, et al. 2003, J Clin Psychiatry 64:152-155; the same questions are "
        "recommended in NICE CG31 (2005)"
    ),
    licence="Free to use (published screening questions).",
)

# --------------------------------------------------------------------------------------------
# §4.8 PHQ panic module
# --------------------------------------------------------------------------------------------

_PANIC_GATE = ItemCondition(item="a1", equals=True)  # "If No, stop." after a1
PANIC_PART_B_PREAMBLE = "Think about your last bad anxiety attack."
_PANIC_PART_B = (
    "Were you short of breath?",
    "Did your heart race, pound, or skip?",
    "Did you have chest pain or pressure?",
    "Did you sweat?",
    "Did you feel as if you were choking?",
    "Did you have hot flashes or chills?",
    "Did you have nausea or an upset stomach, or the feeling that you were going to have diarrhea?",
    "Did you feel dizzy, unsteady, or faint?",
    "Did you have tingling or numbness in parts of your body?",
    "Did you tremble or shake?",
    "Were you afraid you were dying?",
)

PANIC_SCREEN = Instrument(
    key="panic_screen",
    name="Patient Health Questionnaire panic module",
    short_name="PHQ panic",
    version="1999",
    stem=None,
    timeframe="Last 4 weeks",
    items=(
        _yes_no(
            "a1",
            "In the last 4 weeks, have you had an anxiety attack — suddenly feeling fear or panic?",
        ),
        _yes_no("a2", "Has this ever happened before?", show_if=_PANIC_GATE),
        _yes_no(
            "a3",
            "Do some of these attacks come suddenly out of the blue — that is, in situations "
            "where you don't expect to be nervous or uncomfortable?",
            show_if=_PANIC_GATE,
        ),
        _yes_no(
            "a4",
            "Do these attacks bother you a lot or are you worried about having another attack?",
            show_if=_PANIC_GATE,
        ),
        *(
            _yes_no(f"b{number}", text, show_if=_PANIC_GATE, preamble=PANIC_PART_B_PREAMBLE)
            for number, text in enumerate(_PANIC_PART_B, start=1)
        ),
    ),
    source="Spitzer RL, Kroenke K, Williams JBW 1999, JAMA 282:1737-1744 (full PHQ)",
    licence="© Pfizer Inc.; no permission required.",
)

# --------------------------------------------------------------------------------------------
# §4.9 PC-PTSD-5
# --------------------------------------------------------------------------------------------

PC_PTSD5_EXPOSURE_PREAMBLE = (
    "Sometimes things happen to people that are unusually or especially frightening, horrible, "
    "or traumatic. For example: a serious accident or fire; a physical or sexual assault or "
    "abuse; an earthquake or flood; a war; seeing someone be killed or seriously injured; "
    "having a loved one die through homicide or suicide."
)
PC_PTSD5_SYMPTOM_PREAMBLE = "In the past month, have you..."
_PTSD_EXPOSED = ItemCondition(item="exposure", equals=True)  # "If No → score 0, stop."
# Item LOINC codes: §4.9 gives the run 102012-2 … 102016-3; the middle three codes were
# checked against a public FHIR implementation of the screen. The exposure item's code
# (102011-4, "probably") is not confirmed, so it is left out.
_PC_PTSD5_ITEMS = (
    (
        "had nightmares about the event(s) or thought about the event(s) when you did not want to?",
        "102012-2",
    ),
    (
        "tried hard not to think about the event(s) or went out of your way to avoid "
        "situations that reminded you of the event(s)?",
        "102013-0",
    ),
    ("been constantly on guard, watchful, or easily startled?", "102014-8"),
    ("felt numb or detached from people, activities, or your surroundings?", "102015-5"),
    (
        "felt guilty or unable to stop blaming yourself or others for the event(s) or any "
        "problems the event(s) may have caused?",
        "102016-3",
    ),
)

PC_PTSD5 = Instrument(
    key="pc_ptsd5",
    name="Primary Care PTSD Screen for DSM-5",
    short_name="PC-PTSD-5",
    version="2016",
    stem=None,
    timeframe="Exposure: lifetime; symptoms: past month",
    items=(
        _yes_no(
            "exposure",
            "Have you ever experienced this kind of event?",
            preamble=PC_PTSD5_EXPOSURE_PREAMBLE,
        ),
        *(
            _yes_no(
                f"q{number}",
                text,
                show_if=_PTSD_EXPOSED,
                preamble=PC_PTSD5_SYMPTOM_PREAMBLE,
                loinc=loinc,
            )
            for number, (text, loinc) in enumerate(_PC_PTSD5_ITEMS, start=1)
        ),
    ),
    source=(
        "Prins A, Bovin MJ, Smolenski DJ, et al. 2016, J Gen Intern Med 31:1206-1211; "
        "Bovin MJ, et al. 2021, JAMA Netw Open 4:e2036733"
    ),
    licence="US Department of Veterans Affairs National Center for PTSD — public domain.",
    loinc_panel=None,  # panel code not confirmed (§4.13)
    loinc_total="102017-1",
)

# --------------------------------------------------------------------------------------------
# §4.10 Adverse Childhood Experiences
# --------------------------------------------------------------------------------------------

_ACE_ITEMS = (
    "Did a parent or other adult in the household often or very often… Swear at you, insult "
    "you, put you down, or humiliate you? or Act in a way that made you afraid that you might "
    "be physically hurt?",
    "Did a parent or other adult in the household often or very often… Push, grab, slap, or "
    "throw something at you? or Ever hit you so hard that you had marks or were injured?",
    "Did an adult or person at least 5 years older than you ever… Touch or fondle you or have "
    "you touch their body in a sexual way? or Attempt or actually have oral, anal, or vaginal "
    "intercourse with you?",
    "Did you often or very often feel that… No one in your family loved you or thought you "
    "were important or special? or Your family didn't look out for each other, feel close to "
    "each other, or support each other?",
    "Did you often or very often feel that… You didn't have enough to eat, had to wear dirty "
    "clothes, and had no one to protect you? or Your parents were too drunk or high to take "
    "care of you or take you to the doctor if you needed it?",
    "Were your parents ever separated or divorced?",
    "Was your mother or stepmother: Often or very often pushed, grabbed, slapped, or had "
    "something thrown at her? or Sometimes, often, or very often kicked, bitten, hit with a "
    "fist, or hit with something hard? or Ever repeatedly hit over at least a few minutes or "
    "threatened with a gun or knife?",
    "Did you live with anyone who was a problem drinker or alcoholic, or who used street drugs?",
    "Was a household member depressed or mentally ill, or did a household member attempt suicide?",
    "Did a household member go to prison?",
)

ACE = Instrument(
    key="ace",
    name="Adverse Childhood Experiences questionnaire",
    short_name="ACE-10",
    version="1998",
    stem="While you were growing up, during your first 18 years of life:",
    timeframe="First 18 years of life",
    items=tuple(_yes_no(f"q{number}", text) for number, text in enumerate(_ACE_ITEMS, start=1)),
    source="Felitti VJ, Anda RF, Nordenberg D, et al. 1998, Am J Prev Med 14:245-258",
    licence="Freely available (CDC-Kaiser Permanente ACE Study; reproduced by ACEs Aware).",
)

# --------------------------------------------------------------------------------------------
# §4.11 C-SSRS screener
# --------------------------------------------------------------------------------------------

_CSSRS_Q2_YES = ItemCondition(item="q2", equals=True)
# Section headers as on the Columbia form (Q1-Q5 past month; Q6 lifetime with a
# past-3-months follow-up). They are headers, not question wording.
CSSRS_PAST_MONTH = "Past month"
CSSRS_LIFETIME = "Lifetime"


def _cssrs(key: str, text: str, loinc: str, **fields: Any) -> Item:
    return _yes_no(key, text, options=CSSRS_YES_NO_OPTIONS, loinc=loinc, **fields)


CSSRS_SCREEN = Instrument(
    key="cssrs_screen",
    name="Columbia-Suicide Severity Rating Scale - Screen version",
    short_name="C-SSRS screener",
    version="2011",
    stem=None,
    timeframe="Questions 1-5: past month; question 6: lifetime, with a past-3-months follow-up",
    items=(
        _cssrs(
            "q1",
            "Have you wished you were dead or wished you could go to sleep and not wake up?",
            "93246-7",
            preamble=CSSRS_PAST_MONTH,
        ),
        _cssrs(
            "q2",
            "Have you actually had any thoughts of killing yourself?",
            "93247-5",
            preamble=CSSRS_PAST_MONTH,
        ),
        _cssrs(
            "q3",
            "Have you been thinking about how you might do this?",
            "93248-3",
            show_if=_CSSRS_Q2_YES,
            preamble=CSSRS_PAST_MONTH,
        ),
        _cssrs(
            "q4",
            "Have you had these thoughts and had some intention of acting on them?",
            "93249-1",
            show_if=_CSSRS_Q2_YES,
            preamble=CSSRS_PAST_MONTH,
        ),
        _cssrs(
            "q5",
            "Have you started to work out or worked out the details of how to kill yourself? "
            "Do you intend to carry out this plan?",
            "93250-9",
            show_if=_CSSRS_Q2_YES,
            preamble=CSSRS_PAST_MONTH,
        ),
        _cssrs(
            "q6",
            "Have you ever done anything, started to do anything, or prepared to do anything "
            "to end your life?",
            "93267-3",
            preamble=CSSRS_LIFETIME,
        ),
        _cssrs(
            "q6a",
            "Was this within the past 3 months?",
            "93269-9",
            show_if=ItemCondition(item="q6", equals=True),
            preamble=CSSRS_LIFETIME,
        ),
    ),
    source=(
        "Posner K, Brown GK, Stanley B, et al. 2011, Am J Psychiatry 168:1266-1277; Columbia "
        "Lighthouse Project screener and triage guidance"
    ),
    licence=(
        "Free for clinical, community and non-profit research use; commercial/for-profit use "
        "requires permission from the Columbia Lighthouse Project (confirm current terms)."
    ),
    loinc_panel="93373-9",
    loinc_total="93374-7",  # the risk level, not a sum
)

# --------------------------------------------------------------------------------------------
# §4.12 PHQ-15 (item order: the §4.12 table)
# --------------------------------------------------------------------------------------------

_PHQ15_ITEMS = (
    ("Stomach pain", "69671-6"),
    ("Back pain", "69672-4"),
    ("Pain in your arms, legs, or joints (knees, hips, etc.)", "69673-2"),
    ("Menstrual cramps or other problems with your periods (women only)", "69674-0"),
    ("Headaches", "69675-7"),
    ("Chest pain", "69676-5"),
    ("Dizziness", "69677-3"),
    ("Fainting spells", "69678-1"),
    ("Feeling your heart pound or race", "69679-9"),
    ("Shortness of breath", "69680-7"),
    ("Pain or problems during sexual intercourse", "69717-7"),
    ("Constipation, loose bowels, or diarrhea", "69681-5"),
    ("Nausea, gas, or indigestion", "69682-3"),
    ("Feeling tired or having low energy", "69731-8"),
    ("Trouble sleeping", "69732-6"),
)
PHQ15_MENSTRUAL_ITEM = "q4"

PHQ15 = Instrument(
    key="phq15",
    name="Patient Health Questionnaire-15",
    short_name="PHQ-15",
    version="2002",
    stem=(
        "During the past 4 weeks, how much have you been bothered by any of the following problems?"
    ),
    timeframe="Past 4 weeks",
    items=tuple(
        _choice(
            f"q{number}",
            text,
            PHQ15_OPTIONS,
            loinc=loinc,
            show_if=NOT_MALE if f"q{number}" == PHQ15_MENSTRUAL_ITEM else None,
        )
        for number, (text, loinc) in enumerate(_PHQ15_ITEMS, start=1)
    ),
    source="Kroenke K, Spitzer RL, Williams JBW 2002, Psychosom Med 64:258-266",
    licence="© Pfizer Inc.; no permission required.",
    loinc_panel="69728-4",
    loinc_total="70273-8",
)

# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------

INSTRUMENTS: dict[str, Instrument] = {
    instrument.key: instrument
    for instrument in (
        PHQ9,
        GAD7,
        MDQ,
        AUDIT_C,
        DRUG_SCREEN,
        SCOFF,
        OCD_SCREEN,
        PANIC_SCREEN,
        PC_PTSD5,
        ACE,
        CSSRS_SCREEN,
        PHQ15,
    )
}
#: The instrument keys in catalogue order (docs/api.md "Catalogues").
INSTRUMENT_KEYS: tuple[str, ...] = tuple(INSTRUMENTS)


def get_instrument(key: str) -> Instrument:
    """The instrument for ``key``; raises :class:`UnknownInstrument` (a KeyError) otherwise."""
    if isinstance(key, str) and key in INSTRUMENTS:
        return INSTRUMENTS[key]
    raise UnknownInstrument(key)


def visible_items(
    instrument: Instrument | str,
    answers: Mapping[str, object] | None,
    *,
    sex_at_birth: str | None,
) -> list[Item]:
    """The items asked, in order, given the answers so far and the patient's sex at birth.

    An item with an :class:`ItemCondition` is visible when its controlling item is visible and
    was answered with exactly the condition's value (``True`` does not match ``1``), or, for
    ``not_equals``, answered with anything else; a :class:`CountCondition` item when enough of
    its (visible) controlling items have the value. An item whose controlling item is hidden is
    hidden too. Answers that are not a mapping count as no
    answers.
    """
    if isinstance(instrument, str):
        instrument = get_instrument(instrument)
    if not isinstance(answers, Mapping):
        answers = {}
    shown: list[Item] = []
    shown_keys: set[str] = set()
    for item in instrument.items:
        if is_item_visible(item, answers, shown_keys, sex_at_birth=sex_at_birth):
            shown.append(item)
            shown_keys.add(item.key)
    return shown


def is_item_visible(
    item: Item,
    answers: Mapping[str, object],
    visible_keys: set[str] | frozenset[str],
    *,
    sex_at_birth: str | None,
) -> bool:
    """Whether ``item`` is asked, given the keys of the earlier items that were asked."""
    condition = item.show_if
    if condition is None:
        return True
    if isinstance(condition, PatientCondition):
        return condition.is_met_by(sex_at_birth)
    if not set(condition.items) <= visible_keys:
        return False
    return condition.is_met(answers)
