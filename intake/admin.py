"""Intakes in the admin: status and contact details, for coordinators and clinicians.

Read-only (a submitted intake never changes: corrections are amendments). It shows no answers,
scores or flags to anyone; clinicians read those on the review case. Who sees which intakes
follows the API (``intake.selectors.intakes_visible_to``): clinicians and superusers all of
them, a coordinator the ones they submitted. Every view of an intake's page is an audit
``access`` entry.
"""

import uuid

from django.contrib import admin
from django.core.exceptions import ValidationError

from intake.models import Intake
from intake.selectors import intakes_visible_to
from ops.audit import record_access


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = (
        "intake_ref",
        "patient_name",
        "email",
        "phone",
        "status",
        "source",
        "submitted_at",
    )
    list_display_links = ("intake_ref",)
    list_filter = ("status", "source")
    list_select_related = ("patient",)
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    search_fields = ("id",)
    search_help_text = "Intake id (or its first 8 characters)."
    ordering = ("-submitted_at",)
    actions = None
    fieldsets = (
        (
            "Intake",
            {
                "fields": (
                    "intake_ref",
                    "status",
                    "source",
                    "submitted_at",
                    "submitted_by",
                    "privacy_notice_version",
                )
            },
        ),
        (
            "Contact details",
            {
                "fields": (
                    "patient_name",
                    "external_id",
                    "email",
                    "phone",
                    "location",
                    "languages",
                    "insurance",
                )
            },
        ),
    )
    readonly_fields = (
        "intake_ref",
        "status",
        "source",
        "submitted_at",
        "submitted_by",
        "privacy_notice_version",
        "patient_name",
        "external_id",
        "email",
        "phone",
        "location",
        "languages",
        "insurance",
    )

    def get_queryset(self, request):
        return intakes_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lower().replace("-", "")
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            pass
        if len(term) < 8 or any(c not in "0123456789abcdef" for c in term) or len(term) > 32:
            return queryset.none(), False
        low, high = uuid.UUID(term.ljust(32, "0")), uuid.UUID(term.ljust(32, "f"))
        return queryset.filter(pk__gte=low, pk__lte=high), False

    def has_add_permission(self, request):
        return False  # intakes arrive through the API or the patient's web wizard

    def has_change_permission(self, request, obj=None):
        return False  # immutable once submitted

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            try:
                intake = self.get_object(request, object_id)
            except ValidationError:
                intake = None
            if intake is not None and self.has_view_permission(request, intake):
                record_access(intake, user=request.user, view="intake page")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Intake", ordering="submitted_at")
    def intake_ref(self, intake):
        return str(intake.pk)[:8]

    @admin.display(description="Patient")
    def patient_name(self, intake):
        return intake.patient.display_name

    @admin.display(description="External id")
    def external_id(self, intake):
        return intake.patient.external_id or "—"

    @admin.display(description="Email")
    def email(self, intake):
        return intake.patient.email or "—"

    @admin.display(description="Phone")
    def phone(self, intake):
        return intake.patient.phone or "—"

    @admin.display(description="Location")
    def location(self, intake):
        return " ".join(part for part in (intake.patient.state, intake.patient.postal_code) if part)

    @admin.display(description="Languages")
    def languages(self, intake):
        return ", ".join(intake.patient.preferred_languages) or "—"

    @admin.display(description="Insurance")
    def insurance(self, intake):
        patient = intake.patient
        payer = patient.insurance_payer or "none given"
        return f"{payer}{' · self-pay' if patient.self_pay else ''}"
