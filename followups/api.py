"""``/api/v1/intakes/{id}/follow-up-plan/``: start (POST), read (GET) and stop (DELETE) the
intake's follow-up plan (clinicians). Field-level 400s; the intake must be one the caller sees."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from followups import services
from followups.models import Channel, FollowUpPlan, OccurrenceState, PlanStatus
from followups.selectors import plan_summary
from intake.permissions import HasPermissions
from intake.selectors import intakes_visible_to
from ops.audit import record_access


class PlanPermissions(HasPermissions):
    required = {
        "post": ("followups.add_followupplan", "intake.view_intake_answers"),
        "get": ("followups.view_followupplan",),
        "delete": ("followups.change_followupplan",),
    }
    default = ("followups.view_followupplan",)


class PlanRequestSerializer(serializers.Serializer):
    instruments = serializers.ListField(
        child=serializers.ChoiceField(choices=list(services.INSTRUMENTS)),
        help_text='"phq9" (required) and optionally "gad7".',
    )
    every_days = serializers.IntegerField(
        min_value=services.MIN_EVERY_DAYS, max_value=services.MAX_EVERY_DAYS
    )
    occurrences = serializers.IntegerField(
        min_value=1, max_value=services.MAX_OCCURRENCES, required=False
    )
    end_date = serializers.DateField(required=False, help_text="Instead of occurrences.")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.values),
        help_text="Only channels whose contact detail the patient gave.",
    )


class OccurrenceSchema(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=OccurrenceState.values)
    sent_at = serializers.DateTimeField(allow_null=True)
    reminders_sent = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    follow_up_intake = serializers.UUIDField(allow_null=True)


class PlanSchema(serializers.Serializer):
    id = serializers.UUIDField()
    intake = serializers.UUIDField()
    status = serializers.ChoiceField(choices=PlanStatus.values)
    stop_reason = serializers.CharField(help_text="clinician, unsubscribed, sms_stop or empty.")
    instruments = serializers.ListField(child=serializers.CharField())
    every_days = serializers.IntegerField()
    occurrences = serializers.IntegerField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    channels = serializers.ListField(child=serializers.CharField())
    active_channels = serializers.ListField(
        child=serializers.CharField(), help_text="Channels still sending (after any STOP)."
    )
    created_at = serializers.DateTimeField()
    due_dates = serializers.ListField(child=serializers.DateField())
    occurrence_list = OccurrenceSchema(many=True)


ERRORS = {
    400: OpenApiResponse(description="Invalid input: an object keyed by field."),
    401: OpenApiResponse(description="No or invalid credentials."),
    403: OpenApiResponse(description="Authenticated without the needed role."),
    404: OpenApiResponse(description="No such intake visible to you (or no plan)."),
}


class FollowUpPlanView(APIView):
    permission_classes = [PlanPermissions]

    def _intake(self, request, intake_id):
        intake = intakes_visible_to(request.user).filter(pk=intake_id).first()
        if intake is None:
            raise Http404
        return intake

    @staticmethod
    def _latest(intake):
        return (
            FollowUpPlan.objects.filter(intake=intake)
            .prefetch_related("occurrence_set")
            .order_by("-created_at")
            .first()
        )

    @extend_schema(
        summary="Start a follow-up plan (clinicians)",
        description=(
            "Re-screens the patient every `every_days` days after this (baseline) intake, "
            "`occurrences` times or until `end_date`, by the channels the patient gave contact "
            "details for. Invitations carry only an opaque link; reminders 1, 2 and 3 days "
            "after a due date; a link expires 7 days after it. One active plan per intake."
        ),
        request=PlanRequestSerializer,
        responses={201: PlanSchema, **ERRORS},
    )
    def post(self, request, intake_id):
        intake = self._intake(request, intake_id)
        body = PlanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            plan = services.plan_start(
                intake=intake,
                instruments=data["instruments"],
                every_days=data["every_days"],
                occurrences=data.get("occurrences"),
                end_date=data.get("end_date"),
                channels=data["channels"],
                by=request.user,
            )
        except services.PlanRejected as exc:
            raise ValidationError(exc.errors) from None
        return Response(plan_summary(self._latest(plan.intake)), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The intake's follow-up plan and each occurrence's state",
        responses={200: PlanSchema, **ERRORS},
    )
    def get(self, request, intake_id):
        plan = self._latest(self._intake(request, intake_id))
        if plan is None:
            raise Http404
        record_access(plan, user=request.user, view="follow-up plan API")
        return Response(plan_summary(plan))

    @extend_schema(
        summary="Stop the follow-up plan (no more invitations)",
        responses={200: PlanSchema, **ERRORS},
    )
    def delete(self, request, intake_id):
        plan = self._latest(self._intake(request, intake_id))
        if plan is None:
            raise Http404
        services.plan_stop(plan=plan, by=request.user)
        return Response(plan_summary(self._latest(plan.intake)))
