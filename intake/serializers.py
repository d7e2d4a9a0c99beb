"""Validation at the edge for the v1 intake API (docs/api.md "Intakes").

Every bad input is a 400 whose body is keyed by field path, nested as the input is nested
(list items by their index as a string key, as the contract's examples show). Unknown keys are
rejected at every level, so a misspelt field never passes silently. Messages never echo a
patient's personal data back.
"""

import copy
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from clinical.answer_validation import validate_answers
from clinical.medications import (
    MICROGRAM_UNITS,
    MICROGRAMS_PER_MG,
    MILLIGRAM_UNITS,
    UnknownMedication,
    resolve_medication,
)
from intake import privacy_notice
from intake.geography import US_STATES, zip_state
from intake.models import (
    Adherence,
    EctPlacement,
    NeuromodulationType,
    PsychotherapyType,
    PsychoticFeaturesSource,
    SexAtBirth,
    TrialOutcome,
)
from intake.selectors import intakes_visible_to
from intake.services import baseline_of, follow_up_errors

ADULT_AGE = 18  # adult service: the instruments and TRD rules here are validated for adults
OLDEST_PLAUSIBLE_AGE = 120
MAX_BODY_BYTES = 256 * 1024
PHONE_ALLOWED = re.compile(r"^[0-9+()\-. ]+$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
PAYER_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PROVIDER_TYPES = ("psychiatrist", "psychiatric_np", "psychologist", "therapist")
MODALITIES = ("telehealth", "in_person", "either")


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class JSONBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false`` only: DRF's BooleanField also takes ``"true"``, ``1`` and
    ``"yes"``, which a body the contract calls JSON never needs (``"false"`` for a consent is a
    partner's bug that must not pass as an answer)."""

    default_error_messages = {"invalid": "Must be a JSON boolean: true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class NullableJSONBooleanField(JSONBooleanField):
    """true, false or null (null: not known)."""

    default_error_messages = {"invalid": "Must be a JSON boolean or null: true, false or null."}

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not declare, beside its fields' own errors."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {key: ["Unknown field."] for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class IndexedListSerializer(serializers.ListSerializer):
    """List errors keyed by item index (``{"1": {...}}``) instead of a list with blanks.

    Each item is validated whole, even in a partial update (``PATCH``): a list is replaced
    whole, so an item missing a required field is a 400, never a half-validated dict that a
    ``validate_*`` method then indexes (DRF skips required fields anywhere under a partial
    root)."""

    def run_child_validation(self, data):
        whole = copy.deepcopy(self.child)  # unbound: its own root, so never partial
        whole._context = self.context
        return whole.run_validation(data)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, list) and any(isinstance(d, dict) for d in exc.detail):
                raise serializers.ValidationError(
                    {str(i): detail for i, detail in enumerate(exc.detail) if detail}
                ) from exc
            raise


def language_list(**kwargs):
    return serializers.ListField(
        child=serializers.RegexField(
            LANGUAGE_CODE,
            max_length=20,
            error_messages={"invalid": "Use a language code such as 'en' or 'es'."},
        ),
        max_length=10,
        required=False,
        **kwargs,
    )


class InsuranceSerializer(StrictSerializer):
    payer = serializers.RegexField(
        PAYER_SLUG,
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use the payer's lower-case slug, e.g. 'aetna'."},
    )
    self_pay = JSONBooleanField(required=False, default=False)


class PatientSerializer(StrictSerializer):
    external_id = serializers.CharField(max_length=128, required=False, allow_blank=True)
    given_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    birth_date = serializers.DateField()
    sex_at_birth = serializers.ChoiceField(choices=SexAtBirth.values)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    state = serializers.CharField(max_length=2, min_length=2)
    postal_code = serializers.RegexField(
        r"^\d{5}(-\d{4})?$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use a 5-digit US ZIP code (or ZIP+4)."},
    )
    preferred_languages = language_list()
    insurance = InsuranceSerializer(required=False)

    def validate_birth_date(self, born):
        today = timezone.localdate()
        if born > today:
            raise serializers.ValidationError("Birth date cannot be in the future.")
        age = age_on(born, today)
        if age < ADULT_AGE:
            raise serializers.ValidationError(
                "This service is for adults (18 and over): its questionnaires and treatment "
                "rules are validated for adults only."
            )
        if age > OLDEST_PLAUSIBLE_AGE:
            raise serializers.ValidationError("Birth date is implausibly far in the past.")
        return born

    def validate_state(self, value):
        code = value.upper()
        if code not in US_STATES:
            raise serializers.ValidationError("Unknown US state or territory code.")
        return code

    def validate_phone(self, value):
        if not value:
            return value
        digits = re.sub(r"\D", "", value)
        if not PHONE_ALLOWED.match(value) or not 7 <= len(digits) <= 15:
            raise serializers.ValidationError("Enter a phone number of 7 to 15 digits.")
        return value.strip()

    def validate(self, attrs):
        code = attrs.get("postal_code")
        if code:
            state = zip_state(code)
            if state is None:
                raise serializers.ValidationError(
                    {"postal_code": ["This ZIP code does not exist."]}
                )
            if state != attrs.get("state"):
                raise serializers.ValidationError(
                    {"postal_code": [f"This ZIP code is not in {attrs.get('state')}."]}
                )
        return attrs


class ConsentSerializer(StrictSerializer):
    screening = JSONBooleanField()
    privacy_notice_version = serializers.CharField(
        max_length=32,
        help_text="A published version of the privacy notice: "
        + ", ".join(privacy_notice.PUBLISHED_VERSIONS)
        + ".",
    )

    def validate_screening(self, value):
        if value is not True:
            raise serializers.ValidationError("Consent to screening is required to submit.")
        return value

    def validate_privacy_notice_version(self, value):
        if value not in privacy_notice.PUBLISHED_VERSIONS:
            raise serializers.ValidationError(
                "Not a published privacy notice version. Published: "
                + ", ".join(privacy_notice.PUBLISHED_VERSIONS)
                + "."
            )
        return value


DOSE_UNITS = sorted(MILLIGRAM_UNITS | MICROGRAM_UNITS)


@extend_schema_serializer(deprecate_fields=["weeks_at_max_dose"])
class MedicationTrialSerializer(StrictSerializer):
    medication = serializers.CharField(
        max_length=80,
        help_text=(
            "A catalogue key, name or brand name; with unlisted=true, any name (a drug the "
            "catalogue does not list, kept and shown but never counted)."
        ),
    )
    unlisted = JSONBooleanField(
        required=False,
        default=False,
        help_text="true: the medication is not in the catalogue; keep it by name.",
    )
    max_daily_dose_mg = serializers.DecimalField(
        max_digits=10,
        decimal_places=4,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Highest daily dose; null or omitted when the dose is not known.",
    )
    dose_unit = serializers.ChoiceField(
        choices=DOSE_UNITS,
        required=False,
        help_text="mg (default) or µg (also mcg, ug): a dose in µg is stored in mg "
        "(liothyronine: 25 µg = 0.025 mg).",
    )
    weeks_at_adequate_dose = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=520,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Weeks taken at or above the drug's minimum adequate dose (counted).",
    )
    weeks_at_max_dose = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=520,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Deprecated: weeks at the highest dose; read only when "
        "weeks_at_adequate_dose is not given.",
    )
    adherence = serializers.ChoiceField(choices=Adherence.values)
    outcome = serializers.ChoiceField(choices=TrialOutcome.values)
    current_episode = NullableJSONBooleanField(
        required=False,
        default=None,
        help_text="Omitted or null: not known, counted as not in the current episode.",
    )
    ongoing = JSONBooleanField(
        required=False,
        allow_null=True,
        help_text="Still being taken at intake (optional; omitted or null = not said, read as "
        "not ongoing). A course still taken for under 4 weeks at its dose with no or partial "
        'response so far is "too early", not pseudo-resistance.',
    )

    class Meta:
        list_serializer_class = IndexedListSerializer

    def validate(self, attrs):
        name = attrs["medication"]
        try:
            attrs["medication"] = resolve_medication(name)
        except UnknownMedication as exc:
            if not attrs.get("unlisted"):
                # The contract's own example repeats a misspelled medication name (docs/api.md).
                raise serializers.ValidationError(
                    {"medication": [str(exc)]}, code="unknown_medication"
                ) from exc
            attrs["medication"] = None
            attrs["medication_name"] = " ".join(name.split())
            if not attrs["medication_name"]:
                raise serializers.ValidationError(
                    {"medication": ["Give the medication's name."]}
                ) from None
        weeks = (attrs.get("weeks_at_adequate_dose"), attrs.get("weeks_at_max_dose"))
        if weeks == (None, None):
            raise serializers.ValidationError(
                {"weeks_at_adequate_dose": ["Give the weeks taken at or above the minimum dose."]}
            )
        dose = attrs.get("max_daily_dose_mg")
        unit = attrs.pop("dose_unit", "mg")
        if dose is None:
            return attrs
        if unit in MICROGRAM_UNITS:
            dose = (dose / MICROGRAMS_PER_MG).quantize(Decimal("0.0001"))
            attrs["max_daily_dose_mg"] = dose
        if dose <= 0:
            raise serializers.ValidationError({"max_daily_dose_mg": ["Must be greater than 0."]})
        medication = attrs["medication"]
        if medication is None:
            return attrs
        ceiling = 10 * medication.max_plausible_daily_dose_mg
        if dose > ceiling:
            raise serializers.ValidationError(
                {
                    "max_daily_dose_mg": [
                        f"Implausible for {medication.name}: more than ten times its usual "
                        f"maximum ({medication.max_plausible_daily_dose_mg:g} mg/day)."
                    ]
                }
            )
        return attrs


class PsychotherapyTrialSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=PsychotherapyType.values)
    sessions = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    outcome = serializers.ChoiceField(choices=TrialOutcome.values)

    class Meta:
        list_serializer_class = IndexedListSerializer


class NeuromodulationSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=NeuromodulationType.values)
    placement = serializers.ChoiceField(choices=EctPlacement.values, required=False)
    sessions = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    outcome = serializers.ChoiceField(choices=TrialOutcome.values)
    current_episode = NullableJSONBooleanField(
        required=False,
        default=None,
        help_text="Omitted or null: not known, counted as not in the current episode.",
    )

    class Meta:
        list_serializer_class = IndexedListSerializer

    def validate(self, attrs):
        if attrs["type"] == NeuromodulationType.ECT:
            attrs.setdefault("placement", EctPlacement.UNKNOWN)
        elif "placement" in attrs:
            raise serializers.ValidationError(
                {"placement": ["Only ECT has an electrode placement."]}
            )
        return attrs


class TreatmentHistorySerializer(StrictSerializer):
    current_episode_months = serializers.IntegerField(
        min_value=0, max_value=1200, required=False, allow_null=True
    )
    psychotic_features = JSONBooleanField(required=False, default=False)
    psychotic_features_source = serializers.ChoiceField(
        choices=PsychoticFeaturesSource.values,
        required=False,
        allow_null=True,
        help_text=(
            "Who reported the psychotic features: `self_report` (the patient; the default when "
            "psychotic_features is true) or `clinician` (confirmed by a clinician: only then "
            "does Maudsley severity score 5). Null or absent when psychotic_features is false."
        ),
    )
    medication_trials = MedicationTrialSerializer(many=True, required=False, max_length=60)
    psychotherapy_trials = PsychotherapyTrialSerializer(many=True, required=False, max_length=60)
    neuromodulation = NeuromodulationSerializer(many=True, required=False, max_length=60)

    def validate(self, attrs):
        if attrs.get("psychotic_features_source") and not attrs.get("psychotic_features"):
            raise serializers.ValidationError(
                {
                    "psychotic_features_source": [
                        "Give a source only when psychotic_features is true."
                    ]
                }
            )
        return attrs


class CarePreferencesSerializer(StrictSerializer):
    modality = serializers.ChoiceField(choices=MODALITIES, required=False, default="either")
    provider_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PROVIDER_TYPES), required=False, max_length=4
    )
    max_distance_miles = serializers.IntegerField(min_value=1, max_value=500, required=False)
    languages = language_list()


class IntakeSubmissionSerializer(StrictSerializer):
    """The body of ``POST /api/v1/intakes/``."""

    patient = PatientSerializer()
    consent = ConsentSerializer()
    answers = serializers.DictField(
        help_text="Instrument key -> item key -> answer code (see GET /api/v1/instruments/)."
    )
    treatment_history = TreatmentHistorySerializer(required=False)
    care_preferences = CarePreferencesSerializer(required=False)

    def validate(self, attrs):
        sex = attrs["patient"]["sex_at_birth"]
        errors = validate_answers(attrs["answers"], sex_at_birth=sex)
        if errors:
            raise serializers.ValidationError({"answers": errors})
        return attrs


#: Blocks of a first submission that a follow-up takes from its baseline instead.
FOLLOW_UP_FROM_BASELINE = ("patient", "consent", "treatment_history", "care_preferences")


class FollowUpSubmissionSerializer(StrictSerializer):
    """The body of ``POST /api/v1/intakes/`` for a follow-up (measurement-based care).

    Only ``follow_up_of`` and ``answers`` (the follow-up instruments: ``phq9`` required,
    ``gad7`` and ``cssrs_screen`` optional). The patient, consent, treatment history and care
    preferences come from the baseline, so sending any of them is a 400 at that field. The
    baseline must be an intake the caller can see (context ``request``); an unknown id and one
    the caller cannot see get the same 400, so the answer never tells whether it exists."""

    follow_up_of = serializers.UUIDField(
        help_text="The baseline intake's id. A follow-up of a follow-up is stored against the "
        "original baseline."
    )
    answers = serializers.DictField(
        help_text="Only the follow-up instruments: phq9 (required), gad7 and cssrs_screen."
    )

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            sent = [key for key in FOLLOW_UP_FROM_BASELINE if key in data]
            if sent:
                errors = {
                    key: [
                        "A follow-up takes this from its baseline intake (follow_up_of): "
                        "do not send it."
                    ]
                    for key in sent
                }
                rest = {k: v for k, v in data.items() if k not in FOLLOW_UP_FROM_BASELINE}
                try:
                    super().to_internal_value(rest)
                except serializers.ValidationError as exc:
                    if isinstance(exc.detail, dict):
                        errors = {**exc.detail, **errors}
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def validate_follow_up_of(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        baseline = (
            intakes_visible_to(user).select_related("follow_up_of", "patient").filter(pk=value)
        ).first()
        if baseline is None:
            raise serializers.ValidationError(
                "No intake with this id that you can submit a follow-up for."
            )
        return baseline

    def validate(self, attrs):
        errors = follow_up_errors(baseline_of(attrs["follow_up_of"]), attrs["answers"])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
