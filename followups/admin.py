"""Staff side: the plans (read-only list) and the case page's Start/Stop follow-up actions."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from followups import services
from followups.models import FollowUpPlan
from intake.models import Intake


def _case_url(intake) -> str:
    from django.apps import apps

    case = apps.get_model("screening", "Case").objects.filter(intake=intake).first()
    if case is None:
        return reverse("admin:followups_followupplan_changelist")
    return reverse("admin:screening_case_change", args=[case.pk])


def _int_or_none(raw):
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else raw or None


@admin.register(FollowUpPlan)
class FollowUpPlanAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "every_days", "occurrences", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in FollowUpPlan._meta.fields]

    def has_add_permission(self, request):
        return False  # started from the case page or the API

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/<uuid:intake_id>/", wrap(self.start_view), name="followups_start"),
            path("<uuid:plan_id>/stop/", wrap(self.stop_view), name="followups_stop"),
            *super().get_urls(),
        ]

    def start_view(self, request, intake_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("followups.add_followupplan"):
            raise PermissionDenied
        intake = get_object_or_404(Intake, pk=intake_id)
        instruments = ["phq9"] + (["gad7"] if request.POST.get("gad7") else [])
        try:
            services.plan_start(
                intake=intake,
                instruments=instruments,
                every_days=_int_or_none(request.POST.get("every_days")),
                occurrences=_int_or_none(request.POST.get("occurrences")),
                channels=request.POST.getlist("channels"),
                by=request.user,
            )
        except services.PlanRejected as exc:
            for field, problems in exc.errors.items():
                messages.error(request, f"Follow-up not started ({field}): {' '.join(problems)}")
        else:
            messages.success(request, "Follow-up started.")
        return HttpResponseRedirect(_case_url(intake) + "#follow-up")

    def stop_view(self, request, plan_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("followups.change_followupplan"):
            raise PermissionDenied
        plan = get_object_or_404(FollowUpPlan, pk=plan_id)
        services.plan_stop(plan=plan, by=request.user)
        messages.success(request, "Follow-up stopped: no more invitations will be sent.")
        return HttpResponseRedirect(_case_url(plan.intake) + "#follow-up")
