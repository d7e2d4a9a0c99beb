"""v1 API: the provider directory, provider matches, referrals and support resources.

Contract: docs/api.md "Matching and referrals" and "Catalogues". Where it is silent the
choices are documented in the OpenAPI schema: the matches response is an object whose
``urgent_pathway`` and ``notes`` come before ``results`` (a suicide-risk flag puts the urgent
same-day pathway above any list); a referral ``PATCH`` moves one step and names the allowed
moves when refused.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from intake.geography import US_STATES
from intake.selectors import intakes_visible_to
from ops.filters import StrictBooleanFilter, StrictFilterSet
from ops.openapi import ERROR_RESPONSES
from ops.permissions import HasPermissions
from referrals import services
from referrals.matching.types import MODALITIES, SPECIALTIES
from referrals.models import (
    Audience,
    Provider,
    ProviderInsurance,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ResourceFormat,
    ResourceKind,
)
from referrals.selectors import json_list_contains, provider_matches, stale_q, support_resources_for
from referrals.serializers import (
    InlineChoiceField,
    ProviderSerializer,
    ReferralCreateSerializer,
    ReferralMoveSerializer,
    iso_date,
    provider_data,
    referral_data,
)

NOT_FOUND = {404: OpenApiResponse(description="Not found, or not visible to the caller.")}
ERRORS = {**ERROR_RESPONSES, **NOT_FOUND}
MAX_MATCHES = 50
UUID_REGEX = "[0-9a-f-]{36}"


def match_data(match, provider: Provider) -> dict:
    return {
        "rank": match.rank,
        "provider": provider_data(provider),
        "score": match.score,
        "reasons": list(match.reasons),
        "next_available": iso_date(match.next_available),
        "care_modes": list(match.care_modes),
        "distance_miles": match.distance_miles,
    }


# --- Providers --------------------------------------------------------------------------------


class ProviderPermissions(HasPermissions):
    required = {
        "list": ("referrals.view_provider",),
        "retrieve": ("referrals.view_provider",),
        "create": ("referrals.add_provider",),
        "partial_update": ("referrals.change_provider",),
        "destroy": ("referrals.delete_provider",),
    }
    default = ("referrals.change_provider",)


class ProviderFilter(StrictFilterSet):
    state = filters.ChoiceFilter(
        choices=[(code, code) for code in US_STATES],
        field_name="licenses__state",
        help_text="Licensed in this state (expired or not).",
    )
    specialty = filters.ChoiceFilter(choices=[(s, s) for s in SPECIALTIES], method="has_item")
    language = filters.CharFilter(method="has_item", max_length=20)
    insurance = filters.CharFilter(method="takes_payer", max_length=64)
    modality = filters.ChoiceFilter(choices=[(m, m) for m in MODALITIES], method="offers")
    accepting = StrictBooleanFilter(field_name="accepting_new_patients")
    stale = StrictBooleanFilter(
        method="is_stale", help_text="Availability not confirmed in the last 30 days."
    )
    npi = filters.CharFilter(max_length=10)

    class Meta:
        model = Provider
        fields = [
            "state",
            "specialty",
            "language",
            "insurance",
            "modality",
            "accepting",
            "stale",
            "npi",
        ]

    def has_item(self, queryset, name, value):
        field = {"specialty": "specialties", "language": "languages"}[name]
        return queryset.filter(json_list_contains(field, value))

    def takes_payer(self, queryset, name, value):
        return queryset.filter(
            Exists(ProviderInsurance.objects.filter(provider=OuterRef("pk"), payer=value))
        )

    def offers(self, queryset, name, value):
        return queryset.filter(**{f"offers_{value}": True})

    def is_stale(self, queryset, name, value):
        return queryset.filter(stale_q()) if value else queryset.exclude(stale_q())


@extend_schema_view(
    list=extend_schema(
        summary="The provider directory", responses={200: ProviderSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(summary="One listing", responses={200: ProviderSerializer, **ERRORS}),
    create=extend_schema(
        summary="Add a listing",
        request=ProviderSerializer,
        responses={201: ProviderSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a listing (only the fields given; lists are replaced whole)",
        request=ProviderSerializer,
        responses={200: ProviderSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove a listing",
        responses={
            204: None,
            409: OpenApiResponse(description="The provider has referrals."),
            **ERRORS,
        },
    ),
)
class ProviderViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ProviderPermissions]
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        return Provider.objects.prefetch_related("licenses", "insurance").order_by("name", "npi")

    def get_object(self):
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (Provider.DoesNotExist, DjangoValidationError, ValueError):
            raise Http404 from None

    def perform_destroy(self, instance):
        services.provider_delete(provider=instance)

    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except services.ProviderInUse as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


# --- Matches ----------------------------------------------------------------------------------


class MatchPermissions(HasPermissions):
    default = ("referrals.view_provider", "screening.view_flag")


class ProviderMatchSchema(serializers.Serializer):
    rank = serializers.IntegerField()
    provider = ProviderSerializer()
    score = serializers.FloatField(help_text="0–1; never increases down the list.")
    reasons = serializers.ListField(child=serializers.CharField())
    next_available = serializers.DateField(allow_null=True)
    care_modes = serializers.ListField(child=InlineChoiceField(choices=MODALITIES))
    distance_miles = serializers.FloatField(allow_null=True)


class ProviderMatchesSchema(serializers.Serializer):
    intake = serializers.UUIDField()
    urgent_pathway = serializers.BooleanField(
        help_text="True when the intake has a suicide_risk flag: the urgent same-day pathway "
        "comes first and matching is no substitute for it."
    )
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="To show above the list, in order."
    )
    count = serializers.IntegerField(help_text="Providers passing every hard constraint.")
    results = ProviderMatchSchema(many=True)


class ProviderMatchesView(APIView):
    permission_classes = [MatchPermissions]

    @extend_schema(
        summary="Ranked providers for an intake (clinicians)",
        description=(
            "Only providers that pass every hard constraint: an unexpired licence in the "
            "patient's state, accepting new patients, the patient's insurance (or self-pay, "
            "also assumed when no payer is on file), the wanted modality and provider types, "
            "in-person care within max_distance_miles (50 when not given) of the patient's ZIP "
            "centroid (no ZIP: telehealth only), and availability confirmed in the last 30 "
            "days. Ranked by fit with the screening flags, then soonest opening, distance and "
            "language; every result says why in `reasons`."
        ),
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="1–50, default 10")],
        responses={200: ProviderMatchesSchema, **ERRORS},
    )
    def get(self, request, intake_id):
        limit = self._limit(request.query_params.get("limit"))
        intake = intakes_visible_to(request.user).filter(pk=intake_id).first()
        if intake is None:
            raise Http404
        found = provider_matches(intake, limit=limit)
        return Response(
            {
                "intake": str(intake.pk),
                "urgent_pathway": found.result.urgent_pathway,
                "notes": list(found.result.notes),
                "count": found.result.eligible,
                "results": [match_data(m, found.provider(m)) for m in found.result.matches],
            }
        )

    @staticmethod
    def _limit(raw) -> int:
        if raw is None:
            return 10
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_MATCHES:
            raise ValidationError({"limit": [f"Use a whole number from 1 to {MAX_MATCHES}."]})
        return int(raw)


# --- Referrals --------------------------------------------------------------------------------


class ReferralPermissions(HasPermissions):
    required = {
        "list": ("referrals.view_referral",),
        "retrieve": ("referrals.view_referral",),
        "create": ("referrals.add_referral",),
        "partial_update": ("referrals.change_referral",),
    }
    default = ("referrals.change_referral",)


class ReferralFilter(StrictFilterSet):
    intake = filters.UUIDFilter(field_name="intake_id")
    provider = filters.UUIDFilter(field_name="provider_id")
    status = filters.ChoiceFilter(choices=ReferralStatus.choices)
    follow_up = StrictBooleanFilter(method="flagged", help_text="Flagged for follow-up.")

    def flagged(self, queryset, name, value):
        return (
            queryset.exclude(follow_up_flagged_at=None)
            if value
            else queryset.filter(follow_up_flagged_at=None)
        )

    class Meta:
        model = Referral
        fields = ["intake", "provider", "status", "follow_up"]


class ReferralSchema(serializers.Serializer):
    id = serializers.UUIDField()
    intake = serializers.UUIDField()
    provider = serializers.UUIDField()
    provider_name = serializers.CharField()
    status = InlineChoiceField(choices=ReferralStatus.values)
    allowed_moves = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    match = serializers.DictField(help_text="score, rank and reasons when referred")
    first_visit_on = serializers.DateField(allow_null=True)
    follow_up = serializers.DictField(allow_null=True, help_text="reason, flagged_at")
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    events = serializers.ListField(child=serializers.DictField())
    next_match = ProviderMatchSchema(
        required=False, allow_null=True, help_text="After a decline: the best match not yet tried."
    )


def _raise_as_field_error(error: services.ReferralError):
    raise ValidationError({error.field: [str(error)]})


@extend_schema_view(
    list=extend_schema(
        summary="Referrals, newest first", responses={200: ReferralSchema(many=True), **ERRORS}
    ),
    retrieve=extend_schema(
        summary="One referral with its history", responses={200: ReferralSchema, **ERRORS}
    ),
    create=extend_schema(
        summary="Refer an intake to a provider (a draft)",
        description="The provider must pass the intake's hard constraints; the match's rank, "
        "score and reasons are recorded with the referral.",
        request=ReferralCreateSerializer,
        responses={201: ReferralSchema, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Move a referral one step",
        description="draft → sent → accepted | declined → scheduled → completed, or cancelled "
        "from draft, sent, accepted or scheduled. An illegal move is a 400 naming "
        "the allowed ones; scheduling needs first_visit_on. After a decline the "
        "response carries the next match.",
        request=ReferralMoveSerializer,
        responses={
            200: ReferralSchema,
            409: OpenApiResponse(description="Someone else moved it first."),
            **ERRORS,
        },
    ),
)
class ReferralViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ReferralPermissions]
    filterset_class = ReferralFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = UUID_REGEX
    serializer_class = ReferralMoveSerializer  # for the schema's sake; bodies are built below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Referral.objects.none()
        return (
            Referral.objects.filter(intake__in=intakes_visible_to(self.request.user).values("pk"))
            .select_related("provider")
            .prefetch_related(Prefetch("events", ReferralEvent.objects.select_related("by")))
            .order_by("-created_at", "-id")
        )

    def get_object(self):
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (Referral.DoesNotExist, DjangoValidationError, ValueError):
            raise Http404 from None

    def _body(self, referral: Referral) -> dict:
        return referral_data(referral, allowed_moves=services.allowed_moves(referral))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([self._body(r) for r in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(self._body(self.get_object()))

    def create(self, request, *args, **kwargs):
        payload = ReferralCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        intake = intakes_visible_to(request.user).filter(pk=data["intake"]).first()
        provider = Provider.objects.filter(pk=data["provider"]).first()
        errors = {}
        if intake is None:
            errors["intake"] = ["No such intake."]
        if provider is None:
            errors["provider"] = ["No such provider."]
        if errors:
            raise ValidationError(errors)
        try:
            referral = services.referral_create(
                intake=intake, provider=provider, by=request.user, note=data["note"]
            )
        except services.ReferralError as error:
            _raise_as_field_error(error)
        return Response(
            self._body(self.get_queryset().get(pk=referral.pk)), status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        referral = self.get_object()
        payload = ReferralMoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            services.referral_move(
                referral=referral,
                to=data["status"],
                by=request.user,
                note=data["note"],
                first_visit_on=data["first_visit_on"],
            )
        except services.AlreadyMoved as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except services.ReferralError as error:
            _raise_as_field_error(error)
        referral = self.get_object()
        body = self._body(referral)
        if referral.status == ReferralStatus.DECLINED:
            following = services.next_match_after_decline(referral)
            body["next_match"] = (
                match_data(following.match, following.provider) if following else None
            )
        return Response(body)


# --- Support resources --------------------------------------------------------------------------


class SupportResourceSchema(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = InlineChoiceField(choices=ResourceKind.values)
    description = serializers.CharField()
    led_by = serializers.CharField()
    audience = InlineChoiceField(choices=Audience.values)
    format = InlineChoiceField(choices=ResourceFormat.values)
    url = serializers.URLField()
    contact = serializers.CharField()


def support_resource_data(resource) -> dict:
    return {
        "slug": resource.slug,
        "name": resource.name,
        "kind": resource.kind,
        "description": resource.description,
        "led_by": resource.led_by,
        "audience": resource.audience,
        "format": resource.format,
        "url": resource.url,
        "contact": resource.contact,
    }


class SupportResourceListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Peer support groups and crisis lines",
        description="Any authenticated caller. `audience=patient` (or `carer`) gives the "
        "resources for that audience and those for both; crisis lines first.",
        parameters=[
            OpenApiParameter("audience", OpenApiTypes.STR, enum=["patient", "carer", "both"])
        ],
        responses={200: SupportResourceSchema(many=True), **ERRORS},
    )
    def get(self, request):
        audience = request.query_params.get("audience", Audience.BOTH)
        if audience not in Audience.values:
            raise ValidationError({"audience": ["Use patient, carer or both."]})
        return Response([support_resource_data(r) for r in support_resources_for(audience)])
