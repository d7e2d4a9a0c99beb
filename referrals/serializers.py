"""Validation and JSON shapes of the directory and referrals (docs/api.md "Matching and
referrals"). ``ProviderSerializer`` is the one validation of a listing: the API and
``manage.py import_providers`` both use it. Errors are keyed by field path, list items by
their index as a string (``{"licenses": {"1": {"state": [...]}}}``).
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from intake.geography import US_STATES, zip_record
from intake.serializers import (
    LANGUAGE_CODE,
    PAYER_SLUG,
    IndexedListSerializer,
    StrictSerializer,
)
from referrals.matching.constraints import availability_is_fresh
from referrals.matching.types import MODALITIES, SPECIALTIES, TREATMENTS
from referrals.models import Provider, ProviderType, Referral, ReferralStatus
from referrals.npi import npi_problem

FUTURE_SKEW = timedelta(minutes=5)
_datetime = serializers.DateTimeField()


def iso_datetime(value):
    return None if value is None else _datetime.to_representation(value)


def iso_date(value):
    return None if value is None else value.isoformat()


class InlineChoiceField(serializers.ChoiceField):
    """A choice field documented as an inline enum. Its choice sets (provider types,
    modalities, statuses) also occur in other apps' fields under other names, and
    drf-spectacular's enum postprocessing would warn about (and rename) the shared
    components; wrapped in a one-item ``anyOf`` the enum stays inline, with the same meaning
    (``ENUM_NAME_OVERRIDES`` in settings would be the alternative)."""


class InlineChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = InlineChoiceField

    def map_serializer_field(self, auto_schema, direction):
        return {"anyOf": [{"type": "string", "enum": list(self.target.choices)}]}


def provider_data(provider: Provider) -> dict:
    """A provider as the contract shows it (prefetch ``licenses`` and ``insurance``)."""
    confirmed = provider.availability_confirmed_at
    return {
        "id": str(provider.pk),
        "npi": provider.npi,
        "name": provider.name,
        "credentials": provider.credentials,
        "provider_type": provider.provider_type,
        "licenses": [
            {"state": lic.state, "expires_on": lic.expires_on.isoformat()}
            for lic in provider.licenses.all()
        ],
        "specialties": list(provider.specialties),
        "treatments": list(provider.treatments),
        "insurance": [row.payer for row in provider.insurance.all()],
        "self_pay": provider.self_pay,
        "modalities": provider.modalities,
        "languages": list(provider.languages),
        "postal_code": provider.postal_code,
        "accepting_new_patients": provider.accepting_new_patients,
        "next_available": iso_date(provider.next_available),
        "availability_confirmed_at": iso_datetime(confirmed),
        "availability_stale": not availability_is_fresh(confirmed, timezone.now()),
    }


def _choice_list(choices, **kwargs):
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices),
        required=False,
        default=list,
        max_length=len(choices),
        **kwargs,
    )


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


class LicenseSerializer(StrictSerializer):
    state = serializers.ChoiceField(
        choices=sorted(US_STATES),
        error_messages={"invalid_choice": "Use a US state or territory code such as 'NY'."},
    )
    expires_on = serializers.DateField()

    class Meta:
        list_serializer_class = IndexedListSerializer


class ProviderSerializer(StrictSerializer):
    """A listing in and out. Writes go through ``referrals.services``."""

    id = serializers.UUIDField(read_only=True)
    npi = serializers.CharField(max_length=10, min_length=10, help_text="10-digit NPI.")
    name = serializers.CharField(max_length=200)
    credentials = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    provider_type = InlineChoiceField(choices=ProviderType.values)
    licenses = LicenseSerializer(many=True, max_length=60)
    specialties = _choice_list(SPECIALTIES)
    treatments = _choice_list(TREATMENTS)
    insurance = serializers.ListField(
        child=serializers.RegexField(
            PAYER_SLUG, error_messages={"invalid": "Use a lower-case payer slug, e.g. 'aetna'."}
        ),
        required=False,
        default=list,
        max_length=100,
    )
    self_pay = serializers.BooleanField(required=False, default=False)
    modalities = serializers.ListField(
        child=InlineChoiceField(choices=MODALITIES),
        min_length=1,
        max_length=2,
        error_messages={"min_length": "Offer at least one: telehealth, in_person."},
    )
    languages = serializers.ListField(
        child=serializers.RegexField(
            LANGUAGE_CODE,
            max_length=20,
            error_messages={"invalid": "Use a language code such as 'en' or 'es'."},
        ),
        required=False,
        default=list,
        max_length=20,
    )
    postal_code = serializers.RegexField(
        r"^\d{5}(-\d{4})?$", error_messages={"invalid": "Use a 5-digit US ZIP code (or ZIP+4)."}
    )
    accepting_new_patients = serializers.BooleanField(required=False, default=True)
    next_available = serializers.DateField(required=False, allow_null=True, default=None)
    availability_confirmed_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the listing's availability was last confirmed; a listing not confirmed "
        "in the last 30 days is left out of matching.",
    )
    availability_stale = serializers.BooleanField(read_only=True)

    def validate_npi(self, value):
        problem = npi_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        others = Provider.objects.filter(npi=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A provider with this NPI already exists.")
        return value

    def validate_licenses(self, licenses):
        if not licenses:
            raise serializers.ValidationError("List at least one licence (state and expiry).")
        seen, errors = {}, {}
        for index, licence in enumerate(licenses):
            state = licence["state"]
            if state in seen:
                errors[str(index)] = {"state": [f"{state} is already listed (item {seen[state]})."]}
            seen.setdefault(state, index)
        if errors:
            raise serializers.ValidationError(errors)
        return licenses

    def validate_postal_code(self, value):
        if zip_record(value) is None:
            raise serializers.ValidationError("Unknown ZIP code.")
        return value

    def validate_availability_confirmed_at(self, value):
        if value is not None and value > timezone.now() + FUTURE_SKEW:
            raise serializers.ValidationError("Cannot be in the future.")
        return value

    def validate(self, attrs):
        for field in ("specialties", "treatments", "insurance", "modalities", "languages"):
            if field in attrs:
                attrs[field] = _unique(attrs[field])
        return attrs

    def to_representation(self, instance):
        return provider_data(instance)

    def create(self, validated_data):
        from referrals.services import provider_create

        return provider_create(data=validated_data)

    def update(self, instance, validated_data):
        from referrals.services import provider_update

        return provider_update(provider=instance, data=validated_data)


# --- Referrals --------------------------------------------------------------------------------


class ReferralCreateSerializer(StrictSerializer):
    intake = serializers.UUIDField()
    provider = serializers.UUIDField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReferralMoveSerializer(StrictSerializer):
    status = InlineChoiceField(choices=ReferralStatus.values)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why, recorded with the move (e.g. the provider's reason for declining).",
    )
    first_visit_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The first visit's date: required to move to scheduled.",
    )


def referral_data(referral: Referral, *, allowed_moves: list[str]) -> dict:
    return {
        "id": str(referral.pk),
        "intake": str(referral.intake_id),
        "provider": str(referral.provider_id),
        "provider_name": referral.provider.name,
        "status": referral.status,
        "allowed_moves": allowed_moves,
        "note": referral.note,
        "match": {
            "score": referral.match_score,
            "rank": referral.match_rank,
            "reasons": referral.match_reasons,
        },
        "first_visit_on": iso_date(referral.first_visit_on),
        "follow_up": (
            {
                "reason": referral.follow_up_reason,
                "flagged_at": iso_datetime(referral.follow_up_flagged_at),
            }
            if referral.follow_up_flagged_at
            else None
        ),
        "created_at": iso_datetime(referral.created_at),
        "status_changed_at": iso_datetime(referral.status_changed_at),
        "events": [
            {
                "from_status": e.from_status or None,
                "to_status": e.to_status,
                "by": e.by.get_username() if e.by_id else None,
                "at": iso_datetime(e.at),
                "note": e.note,
            }
            for e in referral.events.all()
        ],
    }
