"""The steps of the patient web intake, as Django forms.

Every questionnaire field is built from ``clinical.questionnaires`` (item wording, options,
required, ``show_if``): nothing here retypes a question. Each step form knows

* which part of the API body (``docs/api.md`` "Intakes") it fills
  (:meth:`IntakeStepForm.submission_part`), so the wizard can assemble the very dict a partner
  would post and validate it with ``IntakeSubmissionSerializer``;
* which of its fields an error path of that serializer belongs to
  (:meth:`IntakeStepForm.error_field`), so an error found at the end is shown on the right step
  and field;
* how to validate itself with the same rules as the API: the section's own serializer
  (``PatientSerializer``, ``TreatmentHistorySerializer``, …) and, for questionnaires,
  ``clinical.answer_validation``.

Skip logic without JavaScript: a conditional item is always on the page with a hint ("Answer
only if you answered Yes to …"), and an answer to an item that turns out hidden is discarded
before validation (:attr:`InstrumentStepForm.discarded_fields`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from clinical.answer_validation import (
    NON_FIELD_ERRORS,
    REQUIRED_INSTRUMENTS,
    REQUIRED_MESSAGE,
    validate_instrument_answers,
)
from clinical.medications import ANTIDEPRESSANT_CLASSES, AUGMENTATION_CLASSES, MEDICATIONS
from clinical.questionnaires import (
    INSTRUMENTS,
    AnswerCondition,
    CountCondition,
    Instrument,
    Item,
    ItemCondition,
    PatientCondition,
    visible_items,
)
from intake import privacy_notice
from intake.geography import US_STATES
from intake.models import (
    Adherence,
    EctPlacement,
    NeuromodulationType,
    PsychotherapyType,
    SexAtBirth,
    TrialOutcome,
)
from intake.serializers import (
    MODALITIES,
    PROVIDER_TYPES,
    CarePreferencesSerializer,
    ConsentSerializer,
    PatientSerializer,
    TreatmentHistorySerializer,
)
from ops.api import flatten_errors
from ops.labels import LANGUAGE_CHOICES, PAYER_CHOICES

PRIVACY_NOTICE_VERSION = privacy_notice.CURRENT_VERSION

NOT_GIVEN = "Not answered"

# --------------------------------------------------------------------------------------------
# Choices shown to patients (codes are the API's)
# --------------------------------------------------------------------------------------------

SEX_AT_BIRTH_CHOICES = [
    (SexAtBirth.FEMALE, "Female"),
    (SexAtBirth.MALE, "Male"),
    (SexAtBirth.INTERSEX, "Intersex"),
    (SexAtBirth.UNKNOWN, "Unknown, or I prefer not to say"),
]
STATE_CHOICES = [
    ("", "Choose your state or territory"),
    *sorted(US_STATES.items(), key=lambda pair: pair[1]),
]
ADHERENCE_CHOICES = [
    (Adherence.ALL, "Every day, as prescribed"),
    (Adherence.MOST_DAYS, "Most days"),
    (Adherence.ABOUT_HALF, "About half the days"),
    (Adherence.RARELY, "Rarely"),
]
OUTCOME_CHOICES = [("", "Choose one"), *TrialOutcome.choices]
PSYCHOTHERAPY_CHOICES = [
    ("", "Choose one"),
    (PsychotherapyType.CBT, "Cognitive behavioural therapy (CBT)"),
    (PsychotherapyType.MBCT, "Mindfulness-based cognitive therapy (MBCT)"),
    (PsychotherapyType.BEHAVIOURAL_ACTIVATION, "Behavioural activation"),
    (PsychotherapyType.INTERPERSONAL, "Interpersonal therapy (IPT)"),
    (PsychotherapyType.PSYCHODYNAMIC, "Psychodynamic therapy"),
    (PsychotherapyType.DBT, "Dialectical behaviour therapy (DBT)"),
    (PsychotherapyType.OTHER, "Another talking therapy"),
]
NEUROMODULATION_CHOICES = [
    ("", "Choose one"),
    (NeuromodulationType.ECT, "Electroconvulsive therapy (ECT)"),
    (NeuromodulationType.RTMS, "Transcranial magnetic stimulation (TMS)"),
    (NeuromodulationType.ESKETAMINE, "Esketamine nasal spray (Spravato)"),
    (NeuromodulationType.KETAMINE, "Ketamine infusions"),
    (NeuromodulationType.VNS, "Vagus nerve stimulation (VNS)"),
    (NeuromodulationType.OTHER, "Another brain stimulation treatment"),
]
ECT_PLACEMENT_CHOICES = [
    ("", "Choose one"),
    (EctPlacement.BILATERAL, "Both sides of the head (bilateral)"),
    (EctPlacement.RIGHT_UNILATERAL, "One side of the head (right unilateral)"),
    (EctPlacement.UNKNOWN, "I don't know"),
]
MODALITY_CHOICES = [
    ("telehealth", "By video or phone (telehealth)"),
    ("in_person", "In person"),
    ("either", "Either is fine"),
]
PROVIDER_TYPE_CHOICES = [
    ("psychiatrist", "Psychiatrist (a medical doctor who can prescribe)"),
    ("psychiatric_np", "Psychiatric nurse practitioner (can prescribe)"),
    ("psychologist", "Psychologist"),
    ("therapist", "Therapist or counselor"),
]
assert [code for code, _ in MODALITY_CHOICES] == list(MODALITIES)
assert [code for code, _ in PROVIDER_TYPE_CHOICES] == list(PROVIDER_TYPES)
YES_NO_CHOICES = [("true", "Yes"), ("false", "No")]

MEDICATION_CLASS_LABELS = {
    "ssri": "SSRI antidepressants",
    "snri": "SNRI antidepressants",
    "tca": "Tricyclic and tetracyclic antidepressants",
    "maoi": "MAO inhibitor antidepressants",
    "other": "Other antidepressants",
    "lithium": "Lithium (added to an antidepressant)",
    "antipsychotic": "Antipsychotics (added to an antidepressant)",
    "thyroid": "Thyroid hormone (added to an antidepressant)",
    "nmda_antagonist": "Esketamine",
    "anxiolytic": "Buspirone (added to an antidepressant)",
    "anticonvulsant": "Lamotrigine (added to an antidepressant)",
    "wakefulness": "Modafinil (added to an antidepressant)",
    "dopamine_agonist": "Pramipexole (added to an antidepressant)",
}


#: The wizard's "other / not listed" choice (sent to the API as ``unlisted: true``).
OTHER_MEDICATION = "other"
DOSE_UNIT_CHOICES = [("mg", "mg"), ("ug", "micrograms (µg)")]


def _medication_label(medication, *, with_minimum: bool = True) -> str:
    aliases = ", ".join(medication.aliases[:2])
    label = f"{medication.name} ({aliases})" if aliases else medication.name
    minimum = medication.min_adequate_daily_dose_mg
    if minimum is not None and with_minimum:
        unit = "mg per 24 hours" if medication.dose_unit == "mg/24 h" else "mg a day"
        label += f" — full dose from {minimum:g} {unit}"
    return label


def medication_choices() -> list:
    """The catalogue as ``<select>`` choices grouped by class (optgroups), in catalogue order."""
    groups = []
    for drug_class in (*ANTIDEPRESSANT_CLASSES, *AUGMENTATION_CLASSES):
        members = [
            (medication.key, _medication_label(medication))
            for medication in MEDICATIONS.values()
            if medication.drug_class == drug_class
        ]
        if members:
            groups.append((MEDICATION_CLASS_LABELS[drug_class], members))
    other = ("Not in this list", [(OTHER_MEDICATION, "Other / not listed (type its name)")])
    return [("", "Choose a medication"), *groups, other]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def to_bool(value: str) -> bool:
    return value == "true"


def yes_no_field(**kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=YES_NO_CHOICES,
        coerce=to_bool,
        empty_value=None,
        widget=forms.RadioSelect,
        **kwargs,
    )


def item_field_name(instrument_key: str, item_key: str) -> str:
    return f"{instrument_key}__{item_key}"


def item_number(item: Item) -> str:
    """The printed number of a questionnaire item ("3", "1a", "6a"), or "" when it has none."""
    key = item.key
    if key.startswith("q") and key[1:2].isdigit():
        return key[1:]
    return ""


def _option_label(item: Item, value) -> str:
    for option in item.options:
        if type(option.value) is type(value) and option.value == value:
            return option.label
    return str(value)


def condition_hint(instrument: Instrument, condition: AnswerCondition) -> str:
    if isinstance(condition, CountCondition):
        # MDQ question 2: the published wording already says when to answer it.
        answer = _option_label(instrument.item(condition.items[0]), condition.equals)
        return (
            f"Answer only if you answered {answer} to {condition.at_least} or more of the "
            "questions above"
        )
    controller = instrument.item(condition.item)
    number = item_number(controller)
    question = f"question {number}, “{controller.text}”" if number else f"“{controller.text}”"
    if condition.not_equals is not None:
        answer = _option_label(controller, condition.not_equals)
        return f"Skip if you answered {answer} to {question}"
    answer = _option_label(controller, condition.equals)
    return f"Answer only if you answered {answer} to {question}"


def _html_value(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def condition_shown_values(instrument: Instrument, condition: AnswerCondition) -> str:
    """The controlling answers (as submitted in HTML) that show the conditional questions."""
    if isinstance(condition, ItemCondition) and condition.not_equals is not None:
        controller = instrument.item(condition.item)
        return " ".join(
            _html_value(option.value)
            for option in controller.options
            if condition.is_met_by(option.value)
        )
    return _html_value(condition.equals)


def is_blank(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def display_value(bound_field, value) -> str:
    """A cleaned value as the patient would read it on the review page."""
    if is_blank(value):
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    choices = getattr(bound_field.field, "choices", None)
    if choices:
        labels = {}
        for key, label in choices:
            if isinstance(label, list | tuple):
                labels.update({str(k): str(v) for k, v in label})
            else:
                labels[str(key)] = str(label)
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        if isinstance(value, bool):
            value = "true" if value else "false"
        return labels.get(str(value), str(value))
    return str(value)


@dataclass
class ReviewSection:
    heading: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class ErrorLink:
    anchor: str
    text: str


# --------------------------------------------------------------------------------------------
# Base
# --------------------------------------------------------------------------------------------


class IntakeStepForm(forms.Form):
    """A wizard step: one part of the API body, validated with the API's own rules."""

    title = ""
    section = ""  # top-level key of the API body this step fills
    section_serializer_class = None  # DRF serializer of that section, if the step has one
    # Field name for a path inside the section, e.g. {("state",): "state"}.
    error_fields: dict[tuple[str, ...], str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.discarded_fields: set[str] = set()

    # --- the API body ----------------------------------------------------------------------

    def section_data(self) -> dict | None:
        """This step's part of the body (only called on a valid form), None when empty."""
        return None

    def submission_part(self) -> dict:
        data = self.section_data()
        return {self.section: data} if data is not None else {}

    def claims_error(self, path: tuple[str, ...]) -> bool:
        return bool(path) and path[0] == self.section

    def error_field(self, path: tuple[str, ...]) -> str | None:
        """The field an error at ``path`` (a full body path) belongs to; None: the whole step."""
        inner = tuple(p for p in path[1:] if p != NON_FIELD_ERRORS)
        while inner:
            if inner in self.error_fields:
                return self.error_fields[inner]
            inner = inner[:-1]
        return None

    def add_body_errors(self, errors: Iterable[tuple[tuple[str, ...], str]]) -> None:
        """Attach errors found on the whole body (paths from the body's root)."""
        for path, message in errors:
            name = self.error_field(path)
            if name is not None and name not in self.fields:
                name = None
            if name is not None and name in self.errors:
                continue  # the field already says what is wrong with it
            self.add_error(name, message)

    def clean(self):
        cleaned = super().clean()
        if self.section_serializer_class is not None:
            data = self.section_data_for_validation()
            serializer = self.section_serializer_class(data=data)
            if not serializer.is_valid():
                self.add_body_errors(flatten_errors(serializer.errors, (self.section,)))
        return cleaned

    def section_data_for_validation(self) -> dict:
        return self.section_data() or {}

    # --- rendering -------------------------------------------------------------------------

    def error_anchor(self, name: str) -> str:
        bound = self[name]
        if bound.widget_type in {"radioselect", "checkboxselectmultiple"}:
            return f"{bound.auto_id}_0"
        return bound.auto_id

    def error_links(self) -> list[ErrorLink]:
        """The error summary: one link per message, to the field it is about."""
        links = [ErrorLink("step-errors", message) for message in self.step_error_messages()]
        for name in self.fields:
            if name in self.errors:
                label = getattr(self.fields[name], "summary_label", None) or self[name].label
                for message in self.errors[name]:
                    links.append(ErrorLink(self.error_anchor(name), f"{label}: {message}"))
        return links

    def step_error_messages(self) -> list[str]:
        """Errors about the step as a whole (not the C-SSRS notice, which is not an error)."""
        return [
            " ".join(error.messages)
            for error in self.non_field_errors().as_data()
            if error.code != "cssrs_added"
        ]

    def has_real_errors(self) -> bool:
        return bool(self.is_bound and self.error_links())

    def review_sections(self) -> list[ReviewSection]:
        rows = [
            (bound.label, display_value(bound, self.cleaned_data.get(name)))
            for name, bound in ((n, self[n]) for n in self.fields)
            if not bound.is_hidden
        ]
        return [ReviewSection(self.title, rows)]


# --------------------------------------------------------------------------------------------
# 1. Welcome and consent
# --------------------------------------------------------------------------------------------


class ConsentForm(IntakeStepForm):
    title = "Welcome and consent"
    section = "consent"
    section_serializer_class = ConsentSerializer
    error_fields = {("screening",): "screening"}

    screening = forms.BooleanField(
        label=(
            "I agree to answer these questions, and for the care team to read my answers to "
            "screen and plan my care."
        ),
        error_messages={"required": "Tick the box to agree before you continue."},
    )

    def section_data(self):
        return {
            "screening": bool(self.cleaned_data.get("screening")),
            "privacy_notice_version": PRIVACY_NOTICE_VERSION,
        }

    def review_sections(self):
        return [ReviewSection(self.title, [("Consent to screening", "Yes")])]


# --------------------------------------------------------------------------------------------
# 2. About you
# --------------------------------------------------------------------------------------------


class AboutYouForm(IntakeStepForm):
    title = "About you"
    section = "patient"
    section_serializer_class = PatientSerializer
    error_fields = {
        ("given_name",): "given_name",
        ("family_name",): "family_name",
        ("birth_date",): "birth_date",
        ("sex_at_birth",): "sex_at_birth",
        ("email",): "email",
        ("phone",): "phone",
        ("state",): "state",
        ("postal_code",): "postal_code",
        ("preferred_languages",): "languages",
        ("insurance", "payer"): "insurance_payer",
        ("insurance", "self_pay"): "self_pay",
        ("insurance",): "insurance_payer",
    }

    given_name = forms.CharField(
        label="First name",
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label="Date of birth",
        help_text="For example, 03/14/1986. This service is for adults (18 and over).",
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter a real date, for example 03/14/1986.",
        },
    )
    sex_at_birth = forms.ChoiceField(
        label="Sex assigned at birth",
        help_text="Some health questions depend on this.",
        choices=SEX_AT_BIRTH_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your sex assigned at birth."},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    state = forms.ChoiceField(
        label="State or territory where you live",
        choices=STATE_CHOICES,
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
        error_messages={"required": "Choose the state or territory where you live."},
    )
    postal_code = forms.CharField(
        label="ZIP code (optional)",
        help_text="5 digits, for example 10027.",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    languages = forms.MultipleChoiceField(
        label="Languages you would like care in (optional)",
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    insurance_payer = forms.ChoiceField(
        label="Health insurance (optional)",
        choices=PAYER_CHOICES,
        required=False,
    )
    self_pay = forms.BooleanField(
        label="I would pay for care myself (self-pay)",
        required=False,
    )

    def section_data(self):
        cd = self.cleaned_data
        data = {
            "birth_date": cd["birth_date"].isoformat() if cd.get("birth_date") else None,
            "sex_at_birth": cd.get("sex_at_birth"),
            "state": cd.get("state"),
        }
        for name in ("given_name", "family_name", "email", "phone", "postal_code"):
            value = (cd.get(name) or "").strip()
            if value:
                data[name] = value
        if cd.get("languages"):
            data["preferred_languages"] = list(cd["languages"])
        if cd.get("insurance_payer") or cd.get("self_pay"):
            data["insurance"] = {
                "payer": cd.get("insurance_payer") or "",
                "self_pay": bool(cd.get("self_pay")),
            }
        return {key: value for key, value in data.items() if value is not None}


# --------------------------------------------------------------------------------------------
# Questionnaire steps
# --------------------------------------------------------------------------------------------

INSTRUMENT_HEADINGS = {
    "phq9": "Your mood",
    "gad7": "Worry and nerves",
    "cssrs_screen": "Your safety",
    "mdq": "Times of very high energy or mood",
    "audit_c": "Alcohol",
    "drug_screen": "Drugs",
    "scoff": "Eating",
    "ocd_screen": "Habits and unwanted thoughts",
    "panic_screen": "Anxiety attacks",
    "pc_ptsd5": "Very stressful events",
    "ace": "Your childhood",
    "phq15": "Your body",
}


def item_form_field(instrument: Instrument, item: Item) -> forms.Field:
    """The form field of one questionnaire item: wording, options and limits from the data."""
    if item.kind == "count":
        form_field = forms.IntegerField(
            required=False,
            min_value=item.min_value,
            max_value=item.max_value,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={"invalid": "Enter a whole number, for example 0 or 3."},
        )
    elif item.kind == "yes_no":
        form_field = forms.TypedChoiceField(
            required=False,
            choices=[("true" if o.value else "false", o.label) for o in item.options],
            coerce=to_bool,
            empty_value=None,
            widget=forms.RadioSelect,
        )
    else:
        form_field = forms.TypedChoiceField(
            required=False,
            choices=[(str(o.value), o.label) for o in item.options],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
        )
    form_field.label = item.text
    form_field.help_text = item.hint or ""
    form_field.instrument = instrument
    form_field.item = item
    number = item_number(item)
    form_field.number = number
    if number:
        form_field.summary_label = f"{instrument.short_name} question {number}"
    else:
        text = item.text if len(item.text) <= 60 else item.text[:57].rstrip() + "…"
        form_field.summary_label = f"{instrument.short_name}: “{text}”"
    return form_field


@dataclass
class QuestionGroup:
    """Consecutive items asked under the same condition (``show_if``)."""

    condition: AnswerCondition | None
    hint: str
    controller_name: str  # the controlling fields' HTML names, for progressive enhancement
    controller_value: str  # the answers that show the group (space-separated)
    at_least: int = 1  # how many controlling fields must have one of those answers
    questions: list = field(default_factory=list)  # (preamble or "", bound field)

    @property
    def dom_id(self) -> str:
        return f"{self.questions[0][1].auto_id}_group"


@dataclass
class InstrumentSection:
    instrument: Instrument
    heading: str
    stem: str
    optional: bool
    groups: list[QuestionGroup]
    hidden: bool = False  # shown only when needed (the C-SSRS screen)
    note: str = ""

    @property
    def dom_id(self) -> str:
        return f"section-{self.instrument.key}"


class InstrumentStepForm(IntakeStepForm):
    """A step asking whole questionnaires. Fields are named ``<instrument>__<item>``."""

    section = "answers"
    instrument_keys: tuple[str, ...] = ()
    intro = ""
    optional_step = False

    def __init__(self, *args, sex_at_birth: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sex_at_birth = sex_at_birth
        self.answers: dict[str, dict] = {}
        for key in self.instrument_keys:
            instrument = INSTRUMENTS[key]
            for item in instrument.items:
                condition = item.show_if
                if isinstance(condition, PatientCondition) and not condition.is_met_by(
                    sex_at_birth
                ):
                    continue  # never asked of this patient (PHQ-15 q4 for males)
                self.fields[item_field_name(key, item.key)] = item_form_field(instrument, item)

    # --- data -------------------------------------------------------------------------------

    def raw_value(self, name: str):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name)
        return None if value is None else str(value)

    def instrument_required(self, key: str) -> bool:
        return key in REQUIRED_INSTRUMENTS

    def _field_names(self, instrument: Instrument) -> dict[str, str]:
        names = {}
        for item in instrument.items:
            name = item_field_name(instrument.key, item.key)
            if name in self.fields:
                names[item.key] = name
        return names

    def discard_instrument(self, instrument: Instrument) -> None:
        for name in self._field_names(instrument).values():
            self._discard(name)

    def _discard(self, name: str) -> None:
        self.discarded_fields.add(name)
        self.cleaned_data.pop(name, None)
        if name in self._errors:
            del self._errors[name]

    def _friendly(self, instrument: Instrument, message: str, required: bool) -> str:
        if message != REQUIRED_MESSAGE:
            return message
        if required:
            return "Choose an answer."
        return (
            f"Choose an answer, or leave every {instrument.short_name} question blank to skip them."
        )

    def clean_instrument(self, instrument: Instrument, *, required: bool = False) -> None:
        """Validate one questionnaire as the API does; keep its answers in ``self.answers``."""
        names = self._field_names(instrument)
        invalid = {key for key, name in names.items() if name in self._errors}
        answers = {
            key: self.cleaned_data[name]
            for key, name in names.items()
            if self.cleaned_data.get(name) is not None
        }
        shown = {
            item.key for item in visible_items(instrument, answers, sex_at_birth=self.sex_at_birth)
        }
        for key in list(answers):
            if key not in shown:  # a skipped question's answer is dropped, never stored
                del answers[key]
                self._discard(names[key])
        invalid &= shown
        required = required or self.instrument_required(instrument.key)
        if not answers and not invalid and not required:
            return  # the whole questionnaire was left blank: skipped
        errors = validate_instrument_answers(
            instrument.key, answers, sex_at_birth=self.sex_at_birth
        )
        for item_key, messages in errors.items():
            name = names.get(item_key)
            if name is not None and name in self._errors:
                continue
            self.add_error(name, [self._friendly(instrument, m, required) for m in messages])
        if not errors and not invalid:
            self.answers[instrument.key] = answers

    def clean(self):
        cleaned = super().clean()
        for key in self.instrument_keys:
            self.clean_instrument(INSTRUMENTS[key])
        return cleaned

    def section_data(self):
        return dict(self.answers) if self.answers else None

    def submission_part(self) -> dict:
        return {"answers": dict(self.answers)}

    def claims_error(self, path):
        return len(path) >= 2 and path[0] == "answers" and path[1] in self.instrument_keys

    def error_field(self, path):
        if len(path) >= 3:
            name = item_field_name(path[1], path[2])
            return name if name in self.fields else None
        return None

    # --- rendering -------------------------------------------------------------------------

    def instrument_note(self, instrument: Instrument) -> str:
        if self.instrument_required(instrument.key):
            return ""
        return (
            "You can leave all of these questions blank. If you answer some, please answer "
            "them all."
        )

    def instrument_sections(self) -> list[InstrumentSection]:
        sections = []
        for key in self.instrument_keys:
            instrument = INSTRUMENTS[key]
            groups: list[QuestionGroup] = []
            last_preamble = None
            for item in instrument.items:
                name = item_field_name(key, item.key)
                if name not in self.fields:
                    continue
                condition = (
                    item.show_if
                    if isinstance(item.show_if, ItemCondition | CountCondition)
                    else None
                )
                if not groups or groups[-1].condition != condition:
                    groups.append(
                        QuestionGroup(
                            condition=condition,
                            hint=condition_hint(instrument, condition) if condition else "",
                            controller_name=(
                                " ".join(
                                    self.add_prefix(item_field_name(key, controller))
                                    for controller in condition.items
                                )
                                if condition
                                else ""
                            ),
                            controller_value=(
                                condition_shown_values(instrument, condition) if condition else ""
                            ),
                            at_least=(
                                condition.at_least if isinstance(condition, CountCondition) else 1
                            ),
                        )
                    )
                preamble = item.preamble if item.preamble != last_preamble else ""
                last_preamble = item.preamble
                groups[-1].questions.append((preamble or "", self[name]))
            sections.append(
                InstrumentSection(
                    instrument=instrument,
                    heading=INSTRUMENT_HEADINGS[key],
                    stem=instrument.stem or "",
                    optional=not self.instrument_required(key),
                    groups=groups,
                    note=self.instrument_note(instrument),
                )
            )
        return sections

    def review_sections(self):
        sections = []
        for key in self.instrument_keys:
            instrument = INSTRUMENTS[key]
            answers = self.answers.get(key)
            heading = INSTRUMENT_HEADINGS[key]
            if not answers:
                if key == "cssrs_screen":
                    continue
                sections.append(ReviewSection(heading, note="Skipped"))
                continue
            rows = []
            for item in instrument.items:
                if item.key in answers:
                    number = item_number(item)
                    label = f"{number}. {item.text}" if number else item.text
                    rows.append((label, _option_label(item, answers[item.key])))
            sections.append(ReviewSection(heading, rows))
        return sections


class FeelingForm(InstrumentStepForm):
    """PHQ-9 and GAD-7; PHQ-9 item 9 above 0 brings the C-SSRS screen into this step."""

    title = "How you have been feeling"
    instrument_keys = ("phq9", "gad7", "cssrs_screen")
    intro = "These questions are about the last 2 weeks."

    cssrs_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cssrs_added = False

    @property
    def cssrs_needed(self) -> bool:
        """PHQ-9 item 9 answered above 0 (in what was posted or stored)."""
        return self.raw_value(item_field_name("phq9", "q9")) in {"1", "2", "3"}

    def instrument_required(self, key):
        return key == "cssrs_screen" or super().instrument_required(key)

    def clean(self):
        cleaned = forms.Form.clean(self)
        for key in ("phq9", "gad7"):
            self.clean_instrument(INSTRUMENTS[key])
        cssrs = INSTRUMENTS["cssrs_screen"]
        if not self.cssrs_needed:
            self.discard_instrument(cssrs)
            self._discard("cssrs_shown")
        elif self.raw_value("cssrs_shown") != "1":
            # Posted without the safety questions on the page (no JavaScript): show the step
            # again with them added, every answer kept.
            self.cssrs_added = True
            self.add_error(
                None,
                ValidationError(
                    "Please answer a few more questions about your safety below.",
                    code="cssrs_added",
                ),
            )
        else:
            self.clean_instrument(cssrs, required=True)
        return cleaned

    def instrument_note(self, instrument):
        if instrument.key == "cssrs_screen":
            return "Because of your answer to question 9, please answer these questions too."
        return super().instrument_note(instrument)

    def instrument_sections(self):
        sections = super().instrument_sections()
        for section in sections:
            if section.instrument.key == "cssrs_screen":
                section.optional = False
                section.hidden = not self.cssrs_needed
        return sections


class MoodHistoryForm(InstrumentStepForm):
    title = "Mood history"
    instrument_keys = ("mdq",)
    intro = "These questions are about any time in your life, not only now."


class AlcoholDrugsForm(InstrumentStepForm):
    title = "Alcohol and drugs"
    instrument_keys = ("audit_c", "drug_screen")
    intro = "Your answers are confidential and help the care team choose safe treatment."


class EatingHabitsWorriesForm(InstrumentStepForm):
    title = "Eating, habits and worries"
    instrument_keys = ("scoff", "ocd_screen", "panic_screen")


class StressfulExperiencesForm(InstrumentStepForm):
    title = "Stressful experiences"
    instrument_keys = ("pc_ptsd5", "ace")
    optional_step = True
    intro = (
        "This step is optional. Some people find these questions upsetting. You can skip the "
        "whole step, skip any question, or take a break and come back with your link. "
        "Answering can help the care team understand what you have been through, but you do "
        "not need to give any details."
    )


class BodyForm(InstrumentStepForm):
    title = "Your body"
    instrument_keys = ("phq15",)


# --------------------------------------------------------------------------------------------
# Treatment history (repeatable rows)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowGroup:
    """A repeatable set of fields, e.g. one medication trial per row."""

    key: str  # "medication"; also the value of the add/remove buttons
    body_key: str  # the list in treatment_history
    count_field: str
    stems: tuple[str, ...]  # row field name stems; a row's fields are f"{stem}_{n}"
    body_names: tuple[str, ...]  # the same, as keys of the API's list item
    significant: tuple[str, ...]  # stems whose answer makes a row count as filled in
    noun: str
    max_rows: int = 30


MEDICATION_ROWS = RowGroup(
    key="medication",
    body_key="medication_trials",
    count_field="medication_rows",
    stems=(
        "med_name",
        "med_other",
        "med_dose",
        "med_dose_unit",
        "med_dose_unknown",
        "med_weeks",
        "med_adherence",
        "med_outcome",
        "med_current",
        "med_ongoing",
    ),
    body_names=(
        "medication",
        "medication_name",
        "max_daily_dose_mg",
        "dose_unit",
        "dose_unknown",
        "weeks_at_adequate_dose",
        "adherence",
        "outcome",
        "current_episode",
        "ongoing",
    ),
    significant=(
        "med_name",
        "med_other",
        "med_dose",
        "med_weeks",
        "med_adherence",
        "med_outcome",
        "med_current",
    ),
    noun="Medication",
)
THERAPY_ROWS = RowGroup(
    key="therapy",
    body_key="psychotherapy_trials",
    count_field="therapy_rows",
    stems=("therapy_type", "therapy_sessions", "therapy_outcome"),
    body_names=("type", "sessions", "outcome"),
    significant=("therapy_type", "therapy_sessions", "therapy_outcome"),
    noun="Talking therapy",
)
NEUROMODULATION_ROWS = RowGroup(
    key="neuromodulation",
    body_key="neuromodulation",
    count_field="neuromodulation_rows",
    stems=("neuro_type", "neuro_placement", "neuro_sessions", "neuro_outcome", "neuro_current"),
    body_names=("type", "placement", "sessions", "outcome", "current_episode"),
    significant=(
        "neuro_type",
        "neuro_placement",
        "neuro_sessions",
        "neuro_outcome",
        "neuro_current",
    ),
    noun="Brain stimulation or ketamine treatment",
)
ROW_GROUPS = {group.key: group for group in (MEDICATION_ROWS, THERAPY_ROWS, NEUROMODULATION_ROWS)}


def _row_field(stem: str) -> forms.Field:
    """A fresh field for one cell of a repeatable row."""
    if stem == "med_name":
        return forms.ChoiceField(label="Medication", choices=medication_choices(), required=False)
    if stem == "med_other":
        return forms.CharField(
            label="Name of the medication (if it is not in the list)",
            help_text="As written on the box or prescription. The clinician will check it.",
            required=False,
            max_length=80,
        )
    if stem == "med_dose":
        return forms.DecimalField(
            label="Highest dose you took each day",
            help_text="For a skin patch, mg per 24 hours. Liothyronine (T3) is usually in "
            "micrograms (µg): choose µg below.",
            required=False,
            max_digits=10,
            decimal_places=4,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        )
    if stem == "med_dose_unit":
        return forms.ChoiceField(label="Dose unit", choices=DOSE_UNIT_CHOICES, required=False)
    if stem == "med_dose_unknown":
        return forms.BooleanField(label="I don't remember the dose", required=False)
    if stem == "med_weeks":
        return forms.DecimalField(
            label="How many weeks did you take it at a full dose?",
            help_text="Count only the weeks at or above the full dose shown next to the "
            "medication's name, not the first weeks while the dose was being raised. Your "
            "best guess is fine.",
            required=False,
            max_digits=5,
            decimal_places=1,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        )
    if stem == "med_adherence":
        return forms.ChoiceField(
            label="How often did you take it?",
            choices=ADHERENCE_CHOICES,
            required=False,
            widget=forms.RadioSelect,
        )
    if stem in {"med_outcome", "therapy_outcome", "neuro_outcome"}:
        return forms.ChoiceField(
            label="How much did it help?", choices=OUTCOME_CHOICES, required=False
        )
    if stem in {"med_current", "neuro_current"}:
        return yes_no_field(
            label="Was this during your current episode of depression?",
            help_text="Leave it unanswered if you are not sure; the clinician will ask.",
            required=False,
        )
    if stem == "med_ongoing":  # no answer pre-selected: a blank is "not said"
        return yes_no_field(label="Are you still taking it? (optional)", required=False)
    if stem == "therapy_type":
        return forms.ChoiceField(
            label="Type of therapy", choices=PSYCHOTHERAPY_CHOICES, required=False
        )
    if stem in {"therapy_sessions", "neuro_sessions"}:
        return forms.IntegerField(
            label="Number of sessions (optional)",
            required=False,
            min_value=0,
            max_value=1000,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )
    if stem == "neuro_type":
        return forms.ChoiceField(label="Treatment", choices=NEUROMODULATION_CHOICES, required=False)
    if stem == "neuro_placement":
        return forms.ChoiceField(
            label="ECT only: where were the electrodes placed?",
            help_text="Answer only if the treatment was ECT.",
            choices=ECT_PLACEMENT_CHOICES,
            required=False,
        )
    raise KeyError(stem)


@dataclass
class Row:
    group: RowGroup
    number: int  # 0-based
    fields: list  # bound fields, in the order of ``group.stems``

    @property
    def cells(self) -> dict:
        """The row's bound fields by stem, for templates (``row.cells.med_dose``)."""
        return dict(zip(self.group.stems, self.fields, strict=True))

    @property
    def heading(self) -> str:
        return f"{self.group.noun} {self.number + 1}"

    @property
    def dom_id(self) -> str:
        return f"{self.group.key}-row-{self.number}"


class TreatmentHistoryForm(IntakeStepForm):
    title = "Treatment history"
    section = "treatment_history"
    section_serializer_class = TreatmentHistorySerializer
    row_groups = ROW_GROUPS

    current_episode_months = forms.IntegerField(
        label="How many months has your current episode of depression lasted? (optional)",
        help_text="Your best guess is fine, for example 14 for just over a year.",
        required=False,
        min_value=0,
        max_value=1200,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    psychotic_features = yes_no_field(
        label=(
            "During this episode, have you heard or seen things other people could not, or "
            "believed things that others told you were not true? (optional)"
        ),
        required=False,
    )
    medication_rows = forms.IntegerField(required=False, widget=forms.HiddenInput)
    therapy_rows = forms.IntegerField(required=False, widget=forms.HiddenInput)
    neuromodulation_rows = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = dict(self.initial)
        self.row_counts = {}
        self.row_positions: dict[str, list[int]] = {}  # body list index -> row number
        for group in self.row_groups.values():
            count = self._row_count(group)
            self.row_counts[group.key] = count
            for n in range(count):
                for stem in group.stems:
                    row_field = _row_field(stem)
                    row_field.summary_label = f"{group.noun} {n + 1}: {row_field.label}"
                    # No pre-selected answer for anything that feeds a count (issue 20 item 6):
                    # "current episode" starts unanswered; unanswered is "not known".
                    self.fields[f"{stem}_{n}"] = row_field
            self.initial[group.count_field] = count

    def _row_count(self, group: RowGroup) -> int:
        if self.is_bound:
            raw = self.data.get(self.add_prefix(group.count_field))
        else:
            raw = self.initial.get(group.count_field)
        try:
            count = int(str(raw))
        except (TypeError, ValueError):
            count = 1
        return max(1, min(count, group.max_rows))

    def clean(self):
        for group in self.row_groups.values():
            self.cleaned_data[group.count_field] = self.row_counts[group.key]
        for n in range(self.row_counts[MEDICATION_ROWS.key]):
            self._check_medication_row(n)
        return super().clean()

    def _check_medication_row(self, n: int) -> None:
        """A filled-in medication row needs a dose or "I don't remember" (not both), and a
        name when "other / not listed" is chosen."""
        values = self._row_values(MEDICATION_ROWS, n)
        unknown = bool(values["med_dose_unknown"])
        if not unknown and all(is_blank(values[s]) for s in MEDICATION_ROWS.significant):
            return
        if any(f"{stem}_{n}" in self._errors for stem in ("med_dose", "med_name", "med_other")):
            return
        if unknown and not is_blank(values["med_dose"]):
            self.add_error(f"med_dose_{n}", "Give the dose or tick “I don't remember”, not both.")
        elif not unknown and is_blank(values["med_dose"]):
            self.add_error(f"med_dose_{n}", "Give the dose, or tick “I don't remember”.")
        if is_blank(values["med_weeks"]) and f"med_weeks_{n}" not in self._errors:
            self.add_error(f"med_weeks_{n}", "Give the number of weeks (your best guess).")
        if values["med_name"] == OTHER_MEDICATION and is_blank(values["med_other"]):
            self.add_error(f"med_other_{n}", "Type the name of the medication.")

    def _row_values(self, group: RowGroup, n: int) -> dict:
        return {stem: self.cleaned_data.get(f"{stem}_{n}") for stem in group.stems}

    def _rows_for_body(self, group: RowGroup) -> list[dict]:
        items, positions = [], []
        for n in range(self.row_counts[group.key]):
            values = self._row_values(group, n)
            invalid = any(f"{stem}_{n}" in self._errors for stem in group.significant)
            unanswered = all(is_blank(values[stem]) for stem in group.significant)
            if group is MEDICATION_ROWS and values["med_dose_unknown"]:
                unanswered = False
            if not invalid and unanswered:
                for stem in group.stems:  # an empty row: nothing to keep
                    self._discard(f"{stem}_{n}")
                continue
            item = {}
            for stem, body_name in zip(group.stems, group.body_names, strict=True):
                value = values[stem]
                if stem == "neuro_placement" and values["neuro_type"] != "ect":
                    if not is_blank(value):
                        self._discard(f"{stem}_{n}")  # only ECT has a placement
                    continue
                if not is_blank(value):
                    item[body_name] = value
            if group is MEDICATION_ROWS:
                self._medication_item(item, n)
            items.append(item)
            positions.append(n)
        self.row_positions[group.key] = positions
        return items

    def _medication_item(self, item: dict, n: int) -> None:
        """The wizard's medication row as the API's: "other / not listed" with its name is
        ``unlisted: true``; "I don't remember" sends no dose; a dose in µg says so."""
        name = item.pop("medication_name", "")
        if item.get("medication") == OTHER_MEDICATION:
            item["medication"] = name
            item["unlisted"] = True
        elif name:
            self._discard(f"med_other_{n}")  # a listed drug was chosen: the name is not used
        if item.pop("dose_unknown", False):
            item.pop("max_daily_dose_mg", None)
        unit = item.pop("dose_unit", "mg")
        if unit == "ug" and "max_daily_dose_mg" in item:
            item["dose_unit"] = "µg"

    def _discard(self, name):
        self.discarded_fields.add(name)
        self.cleaned_data.pop(name, None)

    def section_data(self):
        cd = self.cleaned_data
        data = {}
        if cd.get("current_episode_months") is not None:
            data["current_episode_months"] = cd["current_episode_months"]
        if cd.get("psychotic_features") is not None:
            data["psychotic_features"] = cd["psychotic_features"]
        for group in self.row_groups.values():
            items = self._rows_for_body(group)
            if items:
                data[group.body_key] = items
        return data or None

    def error_field(self, path):
        inner = [p for p in path[1:] if p != NON_FIELD_ERRORS]
        if not inner:
            return None
        for group in self.row_groups.values():
            if inner[0] != group.body_key:
                continue
            if len(inner) < 2 or not inner[1].isdecimal():
                return None
            positions = self.row_positions.get(group.key, [])
            index = int(inner[1])
            if index >= len(positions):
                return None
            n = positions[index]
            if len(inner) >= 3 and inner[2] in group.body_names:
                stem = group.stems[group.body_names.index(inner[2])]
                return f"{stem}_{n}"
            return f"{group.significant[0]}_{n}"
        if inner[0] in {"current_episode_months", "psychotic_features"}:
            return inner[0]
        return None

    # --- rendering -------------------------------------------------------------------------

    def rows(self, group_key: str) -> list[Row]:
        group = self.row_groups[group_key]
        return [
            Row(group, n, [self[f"{stem}_{n}"] for stem in group.stems])
            for n in range(self.row_counts[group_key])
        ]

    def medication_row_list(self):
        return self.rows("medication")

    def therapy_row_list(self):
        return self.rows("therapy")

    def neuromodulation_row_list(self):
        return self.rows("neuromodulation")

    def can_add(self, group_key: str) -> bool:
        return self.row_counts[group_key] < self.row_groups[group_key].max_rows

    def can_add_medication(self):
        return self.can_add("medication")

    def can_add_therapy(self):
        return self.can_add("therapy")

    def can_add_neuromodulation(self):
        return self.can_add("neuromodulation")

    def row_count_inputs(self) -> list[tuple[str, int]]:
        """(HTML name, count) of the hidden row counters, always the counts in use."""
        return [
            (self.add_prefix(group.count_field), self.row_counts[key])
            for key, group in self.row_groups.items()
        ]

    @classmethod
    def data_with_row_change(cls, data, prefix: str, action: str) -> dict[str, list[str]]:
        """The posted values after "add another" (``add:<group>``) or ``remove:<group>:<n>``.

        Only this step's own values are kept; nothing is validated or stored.
        """
        values = {key: list(data.getlist(key)) for key in data if key.startswith(f"{prefix}-")}
        parts = action.split(":")
        group = cls.row_groups.get(parts[1]) if len(parts) >= 2 else None
        if group is None:
            return values
        count_key = f"{prefix}-{group.count_field}"
        try:
            count = max(1, min(int(values.get(count_key, ["1"])[0]), group.max_rows))
        except ValueError:
            count = 1
        if parts[0] == "add" and count < group.max_rows:
            count += 1
        elif parts[0] == "remove" and len(parts) == 3 and parts[2].isdecimal():
            removed = int(parts[2])
            if removed < count:
                for n in range(removed, count):
                    for stem in group.stems:
                        source = f"{prefix}-{stem}_{n + 1}"
                        target = f"{prefix}-{stem}_{n}"
                        if source in values and n + 1 < count:
                            values[target] = values[source]
                        else:
                            values.pop(target, None)
                count = max(1, count - 1)
        values[count_key] = [str(count)]
        return values

    def review_sections(self):
        cd = self.cleaned_data
        sections = [
            ReviewSection(
                "Your current episode",
                [
                    (
                        "Months this episode has lasted",
                        display_value(
                            self["current_episode_months"], cd.get("current_episode_months")
                        ),
                    ),
                    (
                        "Heard or seen things others could not, or unusual beliefs",
                        display_value(self["psychotic_features"], cd.get("psychotic_features")),
                    ),
                ],
            )
        ]
        for group in self.row_groups.values():
            positions = self.row_positions.get(group.key)
            if positions is None:
                self._rows_for_body(group)
                positions = self.row_positions[group.key]
            if not positions:
                sections.append(ReviewSection(f"{group.noun}s", note="None listed"))
                continue
            for index, n in enumerate(positions, start=1):
                rows = []
                for stem in group.stems:
                    name = f"{stem}_{n}"
                    skipped = stem == "neuro_placement" and is_blank(cd.get(name))
                    if name in self.discarded_fields or skipped:
                        continue
                    value = display_value(self[name], cd.get(name))
                    if stem == "med_name" and cd.get(name) in MEDICATIONS:
                        # the review shows the drug, not the "full dose from" hint of the list
                        value = _medication_label(MEDICATIONS[cd[name]], with_minimum=False)
                    rows.append((self[name].label, value))
                sections.append(ReviewSection(f"{group.noun} {index}", rows))
        return sections


# --------------------------------------------------------------------------------------------
# Care preferences
# --------------------------------------------------------------------------------------------


class CarePreferencesForm(IntakeStepForm):
    title = "Care preferences"
    section = "care_preferences"
    section_serializer_class = CarePreferencesSerializer
    error_fields = {
        ("modality",): "modality",
        ("provider_types",): "provider_types",
        ("max_distance_miles",): "max_distance_miles",
        ("languages",): "languages",
    }

    modality = forms.ChoiceField(
        label="How would you like to see someone? (optional)",
        choices=MODALITY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    provider_types = forms.MultipleChoiceField(
        label="Who would you like to see? (optional)",
        help_text="Choose any that apply.",
        choices=PROVIDER_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_distance_miles = forms.IntegerField(
        label="How far could you travel for in-person care, in miles? (optional)",
        required=False,
        min_value=1,
        max_value=500,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    languages = forms.MultipleChoiceField(
        label="Languages your clinician should speak (optional)",
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def section_data(self):
        cd = self.cleaned_data
        data = {}
        if cd.get("modality"):
            data["modality"] = cd["modality"]
        if cd.get("provider_types"):
            data["provider_types"] = list(cd["provider_types"])
        if cd.get("max_distance_miles") is not None:
            data["max_distance_miles"] = cd["max_distance_miles"]
        if cd.get("languages"):
            data["languages"] = list(cd["languages"])
        return data or None


# --------------------------------------------------------------------------------------------
# Review and submit
# --------------------------------------------------------------------------------------------


class ReviewForm(IntakeStepForm):
    """No questions: posting it submits the intake."""

    title = "Check your answers and submit"
    section = "review"

    def submission_part(self):
        return {}

    def claims_error(self, path):
        return False

    def review_sections(self):
        return []


def submission_from_forms(step_forms: Iterable[IntakeStepForm]) -> dict:
    """The API body (docs/api.md "Intakes") assembled from every valid step form."""
    body: dict = {"answers": {}}
    for form in step_forms:
        for key, value in form.submission_part().items():
            if key == "answers":
                body["answers"].update(value)
            else:
                body[key] = value
    return body
