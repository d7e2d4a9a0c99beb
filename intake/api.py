"""v1 API: intakes (submit, list, detail) and the read-only catalogues.

Contract: docs/api.md. Where it is silent the choices are documented in the OpenAPI
schema: callers without clinician rights see the intakes they submitted and their
organisation's, and never answers, treatment history or screening results. An intake's
``patient`` is the identity it was submitted with (intake.linking), never the linked record.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clinical.medications import MEDICATIONS, UNLISTED
from clinical.questionnaires import INSTRUMENTS
from intake.extensions import DETAIL_SECTIONS, LIST_FILTERS, safety_recorder
from intake.idempotency import IDEMPOTENCY_PARAMETER, submit_once
from intake.models import Intake, IntakeStatus
from intake.permissions import IntakePermissions, can_see_answers
from intake.safety_net import risk_answers
from intake.selectors import intakes_visible_to
from intake.serializers import FollowUpSubmissionSerializer, IntakeSubmissionSerializer
from intake.services import FollowUpRejected, follow_up_submit, intake_submit
from ops.audit import record_access
from ops.filters import StrictBooleanFilter, StrictFilterSet, UTCDateTimeFilter
from ops.openapi import ERROR_RESPONSES


def number(value):
    """A Decimal as the JSON number a client sent (150, not 150.0); None stays None."""
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


# --- Output -----------------------------------------------------------------------------------


#: The C-SSRS risk levels of a ``safety`` object (one enum in the schema: SafetyRiskLevelEnum,
#: settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
SAFETY_RISK_LEVELS = ["not_assessed", "none", "low", "moderate", "high"]


class SafetySerializer(serializers.Serializer):
    urgent = serializers.BooleanField()
    risk_level = serializers.ChoiceField(choices=SAFETY_RISK_LEVELS)
    crisis_resources = serializers.ListField(child=serializers.DictField())
    cssrs_complete = serializers.BooleanField(
        required=False,
        help_text="Present when the C-SSRS screen was given: false when a question its skip "
        "logic requires was left unanswered (the risk level is then at least moderate).",
    )
    cssrs_missing_items = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Present when the C-SSRS screen was given: the questions left unanswered.",
    )


class RejectedSafetySerializer(SafetySerializer):
    urgent = serializers.BooleanField(help_text="Always true: present only when urgent.")
    case = serializers.UUIDField(help_text="The urgent case opened (or joined) for it.")
    # A rejected body's C-SSRS completeness is kept with its safety event, not answered here.
    cssrs_complete = None
    cssrs_missing_items = None


REJECTED_400 = OpenApiResponse(
    inline_serializer(
        name="RejectedSubmission",
        fields={
            "safety": RejectedSafetySerializer(
                required=False,
                help_text="Only when the submission is rejected but its answers.phq9 and/or "
                "answers.cssrs_screen blocks are valid on their own and show risk: an urgent "
                "case exists for it (the body is kept encrypted for 30 days for the clinician) "
                "and the caller should show the crisis resources at once. A corrected retry "
                "for the same patient (same caller, external id else email, and birth date) "
                "joins that case.",
            )
        },
    ),
    description="Invalid input: an object keyed by field path (nested as the input), plus "
    "`safety` when the rejected answers show suicide risk.",
)


def rejected_safety(request, errors):
    """Issue 16: the safety decision on a rejected body's valid risk answers (or None)."""
    try:
        body = request.data
    except Exception:  # an unparsable body carries no answers
        return None
    if not isinstance(body, dict):
        return None
    answers = risk_answers(body.get("answers"))
    if not answers:
        return None
    return safety_recorder().record_rejected(
        source="api",
        body=body,
        errors=errors,
        answers=answers,
        patient=body.get("patient"),
        caller=request.user,
    )


def with_safety(response, notice):
    """A 400 response with the ``safety`` object beside the field errors."""
    if notice is None:
        return response
    data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    response.data = {**data, "safety": notice.as_response()}
    return response


class IntakeCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    safety = SafetySerializer()


def created_body(intake: Intake) -> dict:
    return IntakeCreatedSerializer(
        {
            "id": intake.id,
            "status": intake.status,
            "submitted_at": intake.submitted_at,
            "safety": intake.safety,
        }
    ).data


class IntakeListItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        fields = ["id", "status", "source", "submitted_at", "urgent", "risk_level"]


def patient_as_submitted(intake: Intake) -> dict:
    """The intake's identity exactly as its caller sent it (intake.models.IntakeIdentity):
    never the linked patient record, and never a field the caller did not send."""
    identity = getattr(intake, "identity", None)
    return dict(identity.values) if identity is not None else {}


def treatment_history_as_submitted(intake: Intake) -> dict:
    return {
        "current_episode_months": intake.current_episode_months,
        "psychotic_features": intake.psychotic_features,
        # who reported them (self_report | clinician, as a clinician may since have confirmed
        # them on the case page); only when they are reported
        **(
            {"psychotic_features_source": intake.psychotic_features_source}
            if intake.psychotic_features
            else {}
        ),
        "medication_trials": [
            {
                "medication": t.medication_name if t.medication == UNLISTED else t.medication,
                **({"unlisted": True} if t.medication == UNLISTED else {}),
                "max_daily_dose_mg": number(t.max_daily_dose_mg),
                # each weeks field only when given (the old one is deprecated)
                **{
                    name: number(value)
                    for name, value in (
                        ("weeks_at_adequate_dose", t.weeks_at_adequate_dose),
                        ("weeks_at_max_dose", t.weeks_at_max_dose),
                    )
                    if value is not None
                },
                "adherence": t.adherence,
                "outcome": t.outcome,
                "current_episode": t.current_episode,
                **({} if t.ongoing is None else {"ongoing": t.ongoing}),
            }
            for t in intake.medication_trials.all()
        ],
        "psychotherapy_trials": [
            {"type": t.type, "sessions": t.sessions, "outcome": t.outcome}
            for t in intake.psychotherapy_trials.all()
        ],
        "neuromodulation": [
            {
                "type": c.type,
                **({"placement": c.placement} if c.placement else {}),
                "sessions": c.sessions,
                "outcome": c.outcome,
                "current_episode": c.current_episode,
            }
            for c in intake.neuromodulation.all()
        ],
    }


def intake_detail(intake: Intake, user) -> dict:
    body = {
        "id": str(intake.id),
        "status": intake.status,
        "source": intake.source,
        "submitted_at": serializers.DateTimeField().to_representation(intake.submitted_at),
        "safety": intake.safety,
        "patient": patient_as_submitted(intake),
        "consent": {
            "screening": intake.consent_screening,
            "privacy_notice_version": intake.privacy_notice_version,
        },
        "care_preferences": intake.care_preferences,
        "follow_up_of": str(intake.follow_up_of_id) if intake.follow_up_of_id else None,
    }
    if can_see_answers(user):
        body["answers"] = {r.instrument: r.answers for r in intake.responses.all()}
        body["treatment_history"] = treatment_history_as_submitted(intake)
        body["amendments"] = [
            {
                "id": str(a.id),
                "created_at": a.created_at.isoformat(),
                "reason": a.reason,
                "changes": a.changes,
            }
            for a in intake.amendments.all()
        ]
    for section in DETAIL_SECTIONS.values():
        if user.has_perm(section.permission):
            body[section.key] = section.render(intake)
    return body


IntakeDetailSchema = inline_serializer(
    name="IntakeDetail",
    fields={
        "id": serializers.UUIDField(),
        "status": serializers.ChoiceField(choices=IntakeStatus.values),
        "source": serializers.ChoiceField(choices=["web", "api"]),
        "submitted_at": serializers.DateTimeField(),
        "safety": SafetySerializer(),
        "patient": serializers.DictField(
            help_text="The identity this intake was submitted with: only the fields sent."
        ),
        "consent": serializers.DictField(),
        "care_preferences": serializers.DictField(),
        "follow_up_of": serializers.UUIDField(
            allow_null=True, help_text="A follow-up intake's baseline intake (else null)."
        ),
        "answers": serializers.DictField(required=False, help_text="Clinicians only."),
        "treatment_history": serializers.DictField(required=False, help_text="Clinicians only."),
        "amendments": serializers.ListField(child=serializers.DictField(), required=False),
        "screening": serializers.DictField(
            required=False,
            help_text="Clinicians only: status, ruleset_version, scores, trd, flags. "
            "trd.alternative_counts.label_dose is the label-dose count (R-LABEL); each "
            'trd.trials entry has notes ("verify dose: …", "too early: …").',
        ),
        "measurement": serializers.DictField(
            required=False,
            allow_null=True,
            help_text="Clinicians only; null unless a follow-up: baseline_phq9, phq9, "
            "change_pct (negative is better), outcome (remission, response, partial_response, "
            "no_response, worse).",
        ),
    },
)


# --- Filters ----------------------------------------------------------------------------------


class IntakeFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=IntakeStatus.choices)
    urgent = StrictBooleanFilter()
    submitted_after = UTCDateTimeFilter(
        field_name="submitted_at",
        lookup_expr="gte",
        help_text="ISO 8601 date-time (no offset: UTC; offsets up to ±15:59).",
    )
    flag = filters.CharFilter(method="filter_flag", help_text="A flag code (clinicians only).")

    class Meta:
        model = Intake
        fields = ["status", "urgent", "submitted_after", "flag"]

    def filter_flag(self, queryset, name, value):
        registered = LIST_FILTERS.get("flag")
        if registered is None:
            raise ValidationError({"flag": ["Filtering by flag is not available."]})
        if not self.request.user.has_perm(registered.permission):
            raise PermissionDenied("Filtering by flag needs the clinician role.")
        return registered.apply(queryset, value)


# --- Views ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List intakes, newest first",
        description="Clinicians see every intake; other callers see the intakes they submitted "
        "and those of their organisation.",
        responses={200: IntakeListItemSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="An intake as submitted, with its screening (clinicians)",
        responses={
            200: IntakeDetailSchema,
            404: OpenApiResponse(description="Not found."),
            **ERROR_RESPONSES,
        },
    ),
    create=extend_schema(
        summary="Submit an intake, or a follow-up of one",
        description="A body with `follow_up_of` (a baseline intake's id) is a follow-up "
        "intake: only `answers` for the follow-up instruments (phq9 required; gad7, "
        "cssrs_screen optional); the patient, consent, treatment history and care "
        "preferences come from the baseline, and sending any of them is a 400 at that field. "
        "A baseline that does not exist or that the caller cannot see is a 400 at "
        "`follow_up_of` (the same message for both). The safety decision and screening are "
        "those of any intake; a clinician's detail of a follow-up carries `measurement`.",
        request=PolymorphicProxySerializer(
            component_name="IntakeOrFollowUpSubmission",
            serializers=[IntakeSubmissionSerializer, FollowUpSubmissionSerializer],
            resource_type_field_name=None,
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: IntakeCreatedSerializer,
            200: OpenApiResponse(IntakeCreatedSerializer, description="Idempotent replay."),
            409: OpenApiResponse(description="Idempotency-Key reused with a different body."),
            413: OpenApiResponse(description="Body over 256 KiB."),
            **ERROR_RESPONSES,
            400: REJECTED_400,
        },
    ),
)
class IntakeViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IntakePermissions]
    filterset_class = IntakeFilter
    serializer_class = IntakeListItemSerializer
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Intake.objects.none()
        return intakes_visible_to(self.request.user).order_by("-submitted_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return IntakeSubmissionSerializer
        return IntakeListItemSerializer

    def retrieve(self, request, *args, **kwargs):
        qs = self.get_queryset().prefetch_related(
            "responses",
            "medication_trials",
            "psychotherapy_trials",
            "neuromodulation",
            "amendments",
        )
        for section in DETAIL_SECTIONS.values():
            if request.user.has_perm(section.permission):
                qs = section.prefetch(qs)
        self.queryset = qs
        intake = self.get_object()
        record_access(intake, user=request.user, view="api intake detail")
        return Response(intake_detail(intake, request.user))

    def get_object(self):
        queryset = self.queryset if self.action == "retrieve" else self.get_queryset()
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (Intake.DoesNotExist, ValueError, DjangoValidationError):
            raise Http404 from None

    def create(self, request, *args, **kwargs):
        def submit():
            if isinstance(request.data, dict) and "follow_up_of" in request.data:
                follow_up = FollowUpSubmissionSerializer(
                    data=request.data, context={"request": request}
                )
                follow_up.is_valid(raise_exception=True)
                try:
                    return follow_up_submit(
                        baseline=follow_up.validated_data["follow_up_of"],
                        answers=follow_up.validated_data["answers"],
                        source="api",
                        submitted_by=request.user,
                    ).intake
                except FollowUpRejected as exc:  # e.g. the patient was erased meanwhile
                    raise ValidationError(exc.errors) from exc
            serializer = IntakeSubmissionSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            return intake_submit(
                data=serializer.validated_data, source="api", submitted_by=request.user
            ).intake

        try:
            intake, created = submit_once(request, submit)
        except ValidationError as exc:
            # A rejected body's valid risk answers are still acted on (issue 16): the 400
            # carries the safety decision beside the field errors (as scrubbed for the reply).
            response = self.handle_exception(exc)
            return with_safety(response, rejected_safety(request, response.data))
        return Response(
            created_body(intake), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class OptionSchema(serializers.Serializer):
    value = serializers.JSONField(help_text="The published code: an integer, or true/false.")
    label = serializers.CharField()


class ItemSchema(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    options = OptionSchema(many=True)
    required = serializers.BooleanField()
    show_if = serializers.DictField(
        allow_null=True,
        help_text='{"item": "q2", "equals": true}; {"item": "q1", "not_equals": 0} (asked unless '
        "item q1 has that answer); "
        '{"items": ["q1a", …], "equals": true, "at_least": 2} (asked when at least that many '
        'of the items have the answer); or {"patient": "sex_at_birth", "not_equals": "male"} '
        "for an item shown by a patient attribute. A published skip (AUDIT-C q2-q3, MDQ q2) "
        'adds "skipped_answer": the answer it implies, accepted when the item was not asked.',
    )


class InstrumentSchema(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    items = ItemSchema(many=True)
    source = serializers.CharField()


class MedicationSchema(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    drug_class = serializers.CharField()
    role = serializers.ChoiceField(choices=["antidepressant", "augmentation"])
    min_adequate_daily_dose_mg = serializers.FloatField(allow_null=True)
    aliases = serializers.ListField(child=serializers.CharField())
    agent = serializers.CharField(
        help_text="The drug, when trials are counted: this key, or the drug this entry is "
        'another formulation of ("paroxetine" for paroxetine_cr). Courses of one agent are '
        "one failed agent (a second course is dose optimisation)."
    )
    label_max_daily_dose_mg = serializers.FloatField(
        allow_null=True,
        help_text="Label maximum daily dose (US labelling); a course above it is noted "
        '"verify dose". Null when the label gives none.',
    )
    label_min_daily_dose_mg = serializers.FloatField(
        allow_null=True,
        help_text="The label's lowest effective daily dose, used by the label-dose count "
        "(R-LABEL); equal to min_adequate_daily_dose_mg except venlafaxine (75) and "
        "vilazodone (20). Null for augmentation agents.",
    )

    def get_fields(self):  # "class" is a Python keyword
        fields = super().get_fields()
        fields["class"] = fields.pop("drug_class")
        return fields


class InstrumentListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Every questionnaire, with items, options and skip logic",
        responses={200: InstrumentSchema(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        return Response([instrument.to_dict() for instrument in INSTRUMENTS.values()])


class MedicationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The medication catalogue with MGH-ATRQ minimum doses",
        responses={200: MedicationSchema(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        return Response([medication.to_dict() for medication in MEDICATIONS.values()])
