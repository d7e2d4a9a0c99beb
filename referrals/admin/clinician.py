"""The clinician's referral views in the admin.

* Find providers: ``admin:referrals_case_matches`` (kwargs ``case_id``), linked from the case
  page, shows the case's ranked matches with their reasons, the urgent same-day pathway first
  when the intake has a suicide-risk flag, and one button per provider that makes a draft
  referral.
* Referrals: a read-only page per referral whose buttons move it one step
  (``referrals.services.referral_move``), each a form of its own posting to the move URL; a
  decline offers the next match. The outcome report (``admin:referrals_referral_outcomes``):
  the share of referrals that reached a scheduled first visit and the median days to it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from clinical.rules.flag_catalogue import FLAG_CATALOGUE
from ops.audit import record_access
from ops.labels import label
from ops.text import short_id, words
from referrals import selectors, services
from referrals.matching.scoring import language_name
from referrals.models import Provider, Referral, ReferralStatus
from screening.models import Case

MATCHES_SHOWN = 20


def _status_label(code: str) -> str:
    return ReferralStatus(code).label if code in ReferralStatus.values else code


class FollowUpFilter(admin.SimpleListFilter):
    title = "follow-up"
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged for follow-up"), ("open", "Open (not closed)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(follow_up_flagged_at__isnull=False)
        if self.value() == "open":
            return queryset.exclude(status__in=["declined", "completed", "cancelled"])
        return queryset


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "provider",
        "status",
        "status_changed_at",
        "follow_up",
        "first_visit_on",
        "created_by",
        "created_at",
    )
    list_filter = ("status", FollowUpFilter)
    list_select_related = ("provider", "created_by")
    search_fields = ("id", "provider__npi", "provider__name")
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = None
    change_form_template = "admin/referrals/referral/referral_page.html"
    change_list_template = "admin/referrals/referral/change_list.html"

    def has_add_permission(self, request):
        return False  # made from a case's "Find providers" page

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled, never deleted: the history stays

    @admin.display(description="referral")
    def short_id(self, referral):
        return short_id(referral.pk)

    @admin.display(description="follow-up", boolean=True)
    def follow_up(self, referral):
        return referral.follow_up_flagged_at is not None

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "case/<uuid:case_id>/matches/",
                view(self.case_matches_view),
                name="referrals_case_matches",
            ),
            path("<uuid:referral_id>/move/", view(self.move_view), name="referrals_referral_move"),
            path("outcomes/", view(self.outcomes_view), name="referrals_referral_outcomes"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The referral page: read-only (nothing on it is edited as a form), the patient by
        name, the provider, the moves as buttons that each post to the move URL on their own
        (never inside another form: a browser drops a nested form and its button would submit
        the outer one), the next match after a decline, and the history."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])  # changes go through move/
        try:
            referral = (
                Referral.objects.select_related("intake__patient", "provider", "created_by")
                .filter(pk=object_id)
                .first()
            )
        except ValidationError:
            referral = None
        if referral is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, referral):
            raise PermissionDenied
        case = Case.objects.filter(intake_id=referral.intake_id).first()
        record_access(case or referral.intake, user=request.user, view="referral page")
        patient = referral.intake.patient
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Referral to {referral.provider.name}",
            "subtitle": patient.display_name,
            "is_nav_sidebar_enabled": False,
            "referral": referral,
            "original": referral,
            "patient": patient,
            "case": case,
            "moves": (
                services.allowed_moves(referral)
                if request.user.has_perm(services.MOVE_PERMISSION)
                else []
            ),
            "can_refer": request.user.has_perm(services.REFER_PERMISSION),
            "events": [
                {
                    "at": event.at,
                    "move": f"{_status_label(event.from_status) or 'Created'} → "
                    f"{_status_label(event.to_status)}",
                    "by": event.by.get_username() if event.by else "system",
                    "note": event.note,
                }
                for event in referral.events.select_related("by")
            ],
            "next_match": (
                services.next_match_after_decline(referral)
                if referral.status == ReferralStatus.DECLINED
                else None
            ),
            "today": timezone.localdate(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    def changelist_view(self, request, extra_context=None):
        extra = {
            **(extra_context or {}),
            "outcomes_url": reverse("admin:referrals_referral_outcomes"),
            "is_nav_sidebar_enabled": False,  # the list needs the width (fits 1280 px)
        }
        return super().changelist_view(request, extra_context=extra)

    # Find providers ---------------------------------------------------------------------------

    def case_matches_view(self, request, case_id):
        if not request.user.has_perm(services.REFER_PERMISSION):
            raise PermissionDenied
        case = get_object_or_404(Case.objects.select_related("intake__patient"), pk=case_id)
        page = reverse("admin:referrals_case_matches", kwargs={"case_id": case.pk})
        if request.method == "POST":
            return self._refer(request, case, page)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        record_access(case, user=request.user, view="find providers")
        found = selectors.provider_matches(case.intake, limit=MATCHES_SHOWN)
        referred = {
            str(r.provider_id): r
            for r in selectors.referrals_for_intake(case.intake_id)
            if r.is_open
        }
        rows = [
            {"match": m, "provider": found.provider(m), "referral": referred.get(m.provider.id)}
            for m in found.result.matches
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Find providers for case {short_id(case.pk)}",
            "case": case,
            "case_url": reverse("admin:screening_case_change", args=[case.pk]),
            "request_": found.request,
            "languages": [language_name(c) for c in found.request.languages],
            "payer": label("payer", found.request.payer),
            "flags": [
                info.label if (info := FLAG_CATALOGUE.get(code)) else words(code).capitalize()
                for code in sorted(found.request.flags)
            ],
            "result": found.result,
            "rows": rows,
            "referrals": selectors.referrals_for_intake(case.intake_id),
            "support_resources": selectors.support_resources_for("both"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/referrals/case_matches.html", context)

    def _refer(self, request, case, page):
        provider = Provider.objects.filter(pk=request.POST.get("provider")).first()
        if provider is None:
            messages.error(request, "No such provider. Nothing was changed.")
            return HttpResponseRedirect(page)
        try:
            referral = services.referral_create(
                intake=case.intake,
                provider=provider,
                by=request.user,
                note=request.POST.get("note", "")[:5000],
            )
        except services.ReferralError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(page)
        messages.success(request, f"Draft referral to {provider.name} made. Send it when ready.")
        return HttpResponseRedirect(reverse("admin:referrals_referral_change", args=[referral.pk]))

    # Moves ------------------------------------------------------------------------------------

    def move_view(self, request, referral_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        referral = get_object_or_404(Referral.objects.select_related("intake"), pk=referral_id)
        page = reverse("admin:referrals_referral_change", args=[referral.pk])
        first_visit_on = None
        if request.POST.get("first_visit_on"):
            try:
                first_visit_on = forms.DateField().clean(request.POST["first_visit_on"])
            except forms.ValidationError:
                messages.error(request, "Give the first visit's date as YYYY-MM-DD.")
                return HttpResponseRedirect(page)
        try:
            services.referral_move(
                referral=referral,
                to=request.POST.get("to", ""),
                by=request.user,
                note=request.POST.get("note", "")[:5000],
                first_visit_on=first_visit_on,
                expected_status=request.POST.get("expected_status") or None,
            )
        except services.ReferralError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Referral is now {referral.status}.")
        return HttpResponseRedirect(page)

    # Outcomes ---------------------------------------------------------------------------------

    def outcomes_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        overall, per_provider = selectors.referral_outcomes()
        counts = dict(Referral.objects.values_list("status").annotate(n=Count("id")).order_by())
        context = {
            **self.admin_site.each_context(request),
            "title": "Referral outcomes",
            "overall": overall,
            "per_provider": per_provider,
            "status_counts": [(s.label, counts.get(s.value, 0)) for s in ReferralStatus],
            "flagged": Referral.objects.filter(~Q(follow_up_flagged_at=None)).count(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/referrals/outcomes.html", context)

    class Media:
        css = {"all": ["referrals/referrals.css"]}
