"""The follow-up panel of the case page (registered on screening's extension point)."""

from django.urls import reverse

from followups.models import FollowUpPlan
from followups.selectors import plan_summary
from followups.services import reachable_channels
from screening.extensions import CasePanel

START_PERMISSION = "followups.add_followupplan"
VIEW_PERMISSION = "followups.view_followupplan"


def panel_context(request, case) -> dict | None:
    if case.intake_id is None or not request.user.has_perm(VIEW_PERMISSION):
        return None
    intake = case.intake
    plan = FollowUpPlan.objects.filter(intake=intake).order_by("-created_at").first()
    missing = reachable_channels(intake)
    return {
        "plan": plan_summary(plan) if plan else None,
        "can_start": request.user.has_perm(START_PERMISSION)
        and (plan is None or plan.status != "active"),
        "start_url": reverse("admin:followups_start", args=[intake.pk]),
        "stop_url": reverse("admin:followups_stop", args=[plan.pk]) if plan else "",
        "channels": [
            {"value": c, "label": "Email" if c == "email" else "Text message (SMS)", "why_not": w}
            for c, w in (("email", missing.get("email")), ("sms", missing.get("sms")))
        ],
    }


FOLLOW_UP_PANEL = CasePanel(
    key="follow_up", template="followups/case_panel.html", context=panel_context
)
