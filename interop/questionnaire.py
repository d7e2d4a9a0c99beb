"""Each instrument of ``clinical.questionnaires`` as a FHIR R4B Questionnaire, and the answer
vocabulary shared by the export (QuestionnaireResponse) and the import.

The instrument data is the single source: item keys become ``linkId``s, LOINC item codes
``item.code``, options ``answerOption``s (each Coding with its ``ordinalValue``) and ``show_if``
``enableWhen`` (PHQ-15 ``q4``'s sex-at-birth condition: an SDC ``enableWhenExpression``). The
README's "FHIR" section ("Questionnaire") documents the answers and skip logic for partners.
Skip logic: AUDIT-C items 2-3 (not asked after item 1 = "Never") are two ``enableWhen``s with
``enableBehavior`` "all"; the MDQ's count condition (Q2 asked when two or more Q1 items are Yes)
is an SDC ``enableWhenExpression`` counting the Yes answers.
"""

from __future__ import annotations

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.expression import Expression
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
    QuestionnaireItemEnableWhen,
)

from clinical.questionnaires import (
    CountCondition,
    Instrument,
    Item,
    ItemCondition,
    Option,
    PatientCondition,
    get_instrument,
)
from interop.codes import (
    CS_ANSWER,
    EXT_ENABLE_WHEN_EXPRESSION,
    EXT_ITEM_CONTROL,
    EXT_MAX_VALUE,
    EXT_MIN_VALUE,
    EXT_ORDINAL_VALUE,
    EXT_SEX_AT_BIRTH,
    ITEM_CONTROL,
    LOINC,
    questionnaire_url,
)

PUBLISHER = "TRD intake screening service"
ITEM_TYPES = {"choice": "choice", "yes_no": "boolean", "count": "integer"}


def questionnaire_canonical(instrument: Instrument) -> str:
    """``url|version``, what a QuestionnaireResponse's ``questionnaire`` points at."""
    return f"{questionnaire_url(instrument.key)}|{instrument.version}"


def computable_name(instrument: Instrument) -> str:
    """``phq9`` -> ``PHQ9``, ``audit_c`` -> ``AUDIT_C`` (FHIR's computable-name pattern)."""
    return instrument.key.upper()


# --- Answer codings -------------------------------------------------------------------------


def option_coding(option: Option) -> Coding:
    """The Coding of a ``choice`` option: LOINC answer code if verified, else our code."""
    ordinal = Extension(url=EXT_ORDINAL_VALUE, valueDecimal=int(option.value))
    if option.loinc:
        return Coding(system=LOINC, code=option.loinc, display=option.label, extension=[ordinal])
    return Coding(
        system=CS_ANSWER, code=str(option.value), display=option.label, extension=[ordinal]
    )


def answer_fields(item: Item, value: int | bool) -> dict:
    """The ``value[x]`` of a QuestionnaireResponse answer for a stored API answer."""
    if item.kind == "yes_no":
        return {"valueBoolean": value}
    if item.kind == "count":
        return {"valueInteger": value}
    for option in item.options:
        if option.value == value and type(option.value) is type(value):
            return {"valueCoding": option_coding(option)}
    raise ValueError(f"{item.key}: stored answer is not one of the item's options")


class AnswerCodeError(ValueError):
    """A Coding that names none of the item's answer options (the message is safe to show)."""


def option_value_for_coding(item: Item, system: str | None, code: str | None) -> int | bool:
    """Our answer code for a Coding answer: LOINC answer code or ``CS_ANSWER`` code."""
    for option in item.options:
        if system == LOINC and option.loinc and code == option.loinc:
            return option.value
        if system == CS_ANSWER and code == _answer_code(option.value):
            return option.value
    allowed = ", ".join(
        f"{LOINC}|{o.loinc}" if o.loinc else f"{CS_ANSWER}|{_answer_code(o.value)}"
        for o in item.options
    )
    raise AnswerCodeError(f"Unknown answer code. Use one of: {allowed}.")


def _answer_code(value: int | bool) -> str:
    return str(value).lower()  # 2 -> "2", True -> "true"


# --- Questionnaire --------------------------------------------------------------------------


def _display(link_id: str, text: str, *, flyover: bool = False) -> QuestionnaireItem:
    extension = None
    if flyover:
        control = CodeableConcept(
            coding=[Coding(system=ITEM_CONTROL, code="flyover", display="Fly-over")]
        )
        extension = [Extension(url=EXT_ITEM_CONTROL, valueCodeableConcept=control)]
    return QuestionnaireItem(linkId=link_id, text=text, type="display", extension=extension)


def _enable_when(
    instrument: Instrument, condition: ItemCondition
) -> list[QuestionnaireItemEnableWhen]:
    controller = instrument.item(condition.item)
    value = condition.equals if condition.not_equals is None else condition.not_equals
    if isinstance(value, bool):
        answer = {"answerBoolean": value}
    else:
        answer = answer_fields(controller, value)
        answer = {"answerCoding": answer["valueCoding"]}
    if condition.not_equals is None:
        return [QuestionnaireItemEnableWhen(question=condition.item, operator="=", **answer)]
    return [
        QuestionnaireItemEnableWhen(question=condition.item, operator="exists", answerBoolean=True),
        QuestionnaireItemEnableWhen(question=condition.item, operator="!=", **answer),
    ]


def _enable_fields(instrument: Instrument, condition: ItemCondition) -> dict:
    """``enableWhen`` (and ``enableBehavior`` when there are several) for an item condition."""
    enable_when = _enable_when(instrument, condition)
    fields: dict = {"enableWhen": enable_when}
    if len(enable_when) > 1:
        fields["enableBehavior"] = "all"
    return fields


def _count_condition_expression(condition: CountCondition) -> Extension:
    link_ids = " | ".join(f"'{key}'" for key in condition.items)
    value = (
        str(condition.equals).lower() if isinstance(condition.equals, bool) else condition.equals
    )
    fhirpath = (
        f"%resource.repeat(item).where(linkId in ({link_ids}))"
        f".answer.where(value = {value}).count() >= {condition.at_least}"
    )
    return Extension(
        url=EXT_ENABLE_WHEN_EXPRESSION,
        valueExpression=Expression(
            language="text/fhirpath",
            expression=fhirpath,
            description=condition.describe().capitalize(),
        ),
    )


def _patient_condition_expression(condition: PatientCondition) -> Extension:
    if condition.patient_field != "sex_at_birth":  # the only patient condition in use
        raise ValueError(f"no FHIR mapping for patient field {condition.patient_field!r}")
    fhirpath = (
        f"%patient.extension.where(url = '{EXT_SEX_AT_BIRTH}' "
        f"and value = '{condition.not_equals}').empty()"
    )
    return Extension(
        url=EXT_ENABLE_WHEN_EXPRESSION,
        valueExpression=Expression(
            language="text/fhirpath",
            expression=fhirpath,
            description=condition.describe().capitalize(),
        ),
    )


def _question(instrument: Instrument, item: Item) -> QuestionnaireItem:
    fields: dict = {
        "linkId": item.key,
        "text": item.text,
        "type": ITEM_TYPES[item.kind],
        "required": item.required,
        "repeats": False,
    }
    if item.loinc:
        fields["code"] = [Coding(system=LOINC, code=item.loinc, display=item.text)]
    if item.kind == "choice":
        fields["answerOption"] = [
            QuestionnaireItemAnswerOption(valueCoding=option_coding(option))
            for option in item.options
        ]
    extensions = []
    if item.kind == "count":
        extensions += [
            Extension(url=EXT_MIN_VALUE, valueInteger=item.min_value),
            Extension(url=EXT_MAX_VALUE, valueInteger=item.max_value),
        ]
    if isinstance(item.show_if, ItemCondition):
        fields.update(_enable_fields(instrument, item.show_if))
    elif isinstance(item.show_if, CountCondition):
        extensions.append(_count_condition_expression(item.show_if))
    elif isinstance(item.show_if, PatientCondition):
        extensions.append(_patient_condition_expression(item.show_if))
    if extensions:
        fields["extension"] = extensions
    if item.hint:
        fields["item"] = [_display(f"{item.key}-hint", item.hint, flyover=True)]
    return QuestionnaireItem(**fields)


def _items(instrument: Instrument) -> list[QuestionnaireItem]:
    items: list[QuestionnaireItem] = []
    if instrument.stem:
        items.append(_display("stem", instrument.stem))
    previous_preamble = None
    for item in instrument.items:
        if item.preamble and item.preamble != previous_preamble:
            preamble = _display(f"{item.key}-preamble", item.preamble)
            if isinstance(item.show_if, ItemCondition):  # shown with the items it introduces
                for name, value in _enable_fields(instrument, item.show_if).items():
                    setattr(preamble, name, value)
            items.append(preamble)
        previous_preamble = item.preamble
        items.append(_question(instrument, item))
    return items


def instrument_questionnaire(instrument: Instrument | str) -> Questionnaire:
    """The FHIR R4B Questionnaire of one instrument."""
    if isinstance(instrument, str):
        instrument = get_instrument(instrument)
    code = None
    if instrument.loinc_panel:
        code = [Coding(system=LOINC, code=instrument.loinc_panel, display=instrument.name)]
    return Questionnaire(
        id=instrument.key.replace("_", "-"),
        url=questionnaire_url(instrument.key),
        version=instrument.version,
        name=computable_name(instrument),
        title=f"{instrument.name} ({instrument.short_name})",
        status="active",
        subjectType=["Patient"],
        publisher=PUBLISHER,
        description=(
            f"{instrument.name}. Time frame: {instrument.timeframe}. Source: {instrument.source}."
        ),
        copyright=instrument.licence,
        code=code,
        item=_items(instrument),
    )
