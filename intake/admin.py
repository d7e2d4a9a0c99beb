"""Intakes, patients and possible matches in the admin.

Intakes: read-only (a submitted intake never changes: corrections are amendments), with the
contact details the intake was submitted with (its identity snapshot, never the linked
record's). No answers, scores or flags for anyone here; clinicians read those on the review
case. Who sees which intakes follows the API (``intake.selectors.intakes_visible_to``):
clinicians and superusers all of them, a coordinator their own and their organisation's.

Patients: the stored record (edited deliberately, audited with the old values kept
encrypted: ``intake.linking.patient_edit``), its linked intakes and which values came from
which intake. Possible matches: a clinician sees the intake's and the patient's values side by
side and confirms or rejects; a coordinator sees only that a possible match exists.

Every view of an intake's, a patient's or a possible match's page is an audit ``access`` entry.
"""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from intake.linking import (
    COMPARED_FIELDS,
    EDITABLE_FIELDS,
    MatchAlreadyDecided,
    display_value,
    match_confirm,
    match_reject,
    patient_edit,
    patient_values,
    side_by_side,
)
from intake.models import Intake, MatchStatus, Organisation, Patient, PossibleMatch
from intake.permissions import sees_every_intake
from intake.selectors import intakes_visible_to, patients_visible_to
from ops.audit import record_access
from ops.dates import day
from ops.text import short_id

REASON_LABELS = dict(COMPARED_FIELDS)


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
    list_select_related = ("patient", "identity")
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
        ("Identity", {"fields": ("patient_record", "possible_matches")}),
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
        "patient_record",
        "possible_matches",
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
        return short_id(intake.pk)

    def _sent(self, intake) -> dict:
        identity = getattr(intake, "identity", None)
        return identity.values if identity is not None else {}

    @admin.display(description="Name (as submitted)")
    def patient_name(self, intake):
        sent = self._sent(intake)
        name = " ".join(p for p in (sent.get("given_name"), sent.get("family_name")) if p)
        return name or "—"

    @admin.display(description="External id")
    def external_id(self, intake):
        return self._sent(intake).get("external_id") or "—"

    @admin.display(description="Email")
    def email(self, intake):
        return self._sent(intake).get("email") or "—"

    @admin.display(description="Phone")
    def phone(self, intake):
        return self._sent(intake).get("phone") or "—"

    @admin.display(description="Location")
    def location(self, intake):
        sent = self._sent(intake)
        return " ".join(part for part in (sent.get("state"), sent.get("postal_code")) if part)

    @admin.display(description="Languages")
    def languages(self, intake):
        return display_value("preferred_languages", self._sent(intake).get("preferred_languages"))

    @admin.display(description="Insurance")
    def insurance(self, intake):
        return display_value("insurance", self._sent(intake).get("insurance"))

    @admin.display(description="Patient record")
    def patient_record(self, intake):
        url = reverse("admin:intake_patient_change", args=[intake.patient_id])
        return format_html('<a href="{}">{}</a>', url, f"Patient {short_id(intake.patient_id)}")

    @admin.display(description="Possible matches")
    def possible_matches(self, intake):
        open_count = intake.possible_matches.filter(status=MatchStatus.OPEN).count()
        if not open_count:
            return "none open"
        url = reverse("admin:intake_possiblematch_changelist") + f"?intake={intake.pk}"
        return format_html('<a href="{}">{} awaiting a clinician</a>', url, open_count)


class PatientIntakesMixin:
    """The linked intakes of a patient, and which value came from which intake."""

    @admin.display(description="Linked intakes (values as each intake sent them)")
    def linked_intakes(self, patient):
        visible = self._visible_intakes(patient)
        stored = patient_values(patient)
        header = format_html_join(
            "",
            "<th>{}</th>",
            [("Intake",), ("Submitted",)] + [(label,) for _, label in COMPARED_FIELDS],
        )
        rows = []
        for intake in visible:
            identity = getattr(intake, "identity", None)
            sent = identity.values if identity is not None else {}
            cells = []
            for field, _ in COMPARED_FIELDS:
                if field not in sent:
                    cells.append(format_html('<td class="lk-unsent">{}</td>', "not sent"))
                    continue
                value = display_value(field, sent[field])
                same = value == display_value(field, stored.get(field))
                cells.append(
                    format_html(
                        '<td class="{}">{}{}</td>',
                        "lk-same" if same else "lk-differs",
                        value,
                        "" if same else " (differs from the record)",
                    )
                )
            url = reverse("admin:intake_intake_change", args=[intake.pk])
            rows.append(
                format_html(
                    '<tr data-intake="{}"><td><a href="{}">{}</a></td><td>{}</td>{}</tr>',
                    intake.pk,
                    url,
                    short_id(intake.pk),
                    day(intake.submitted_at),
                    format_html_join("", "{}", ((c,) for c in cells)),
                )
            )
        return format_html(
            '<table id="linked-intakes"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            header,
            format_html_join("", "{}", ((r,) for r in rows)),
        )


@admin.register(Patient)
class PatientAdmin(PatientIntakesMixin, admin.ModelAdmin):
    list_display = ("patient_ref", "name", "created_at")
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-created_at",)
    actions = None
    fields = (*EDITABLE_FIELDS, "linked_intakes", "open_matches")
    readonly_fields = ("linked_intakes", "open_matches")

    def get_queryset(self, request):
        return patients_visible_to(request.user)

    def _visible_intakes(self, patient):
        return list(intakes_visible_to(self._user).filter(patient=patient).order_by("submitted_at"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        self._user = request.user
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        self._user = request.user
        if obj is not None and obj.erased_at is not None:
            return (*EDITABLE_FIELDS, *self.readonly_fields)
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # a patient record is made by an intake

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is ``manage.py erase_patient``

    def save_model(self, request, obj, form, change):
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        patient_edit(patient=obj, by=request.user, changes=changes)

    def log_change(self, request, obj, message):
        return None  # patient_edit wrote the audit entry (masked) and the revision

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            try:
                patient = self.get_object(request, object_id)
            except ValidationError:
                patient = None
            if patient is not None and self.has_view_permission(request, patient):
                record_access(patient, user=request.user, view="patient page")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Patient", ordering="created_at")
    def patient_ref(self, patient):
        return short_id(patient.pk)

    @admin.display(description="Name")
    def name(self, patient):
        return patient.display_name

    @admin.display(description="Possible matches")
    def open_matches(self, patient):
        count = PossibleMatch.objects.filter(patient=patient, status=MatchStatus.OPEN).count()
        return f"{count} open" if count else "none open"


@admin.register(PossibleMatch)
class PossibleMatchAdmin(admin.ModelAdmin):
    list_display = ("match_ref", "intake_ref", "status", "agreeing", "created_at")
    list_display_links = ("match_ref",)
    list_filter = ("status",)
    list_select_related = ("intake",)
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-created_at",)
    actions = None
    review_template = "admin/intake/possiblematch/review.html"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not sees_every_intake(request.user):
            qs = qs.filter(intake__in=intakes_visible_to(request.user).values("pk"))
        if intake_id := request.GET.get("intake"):
            try:
                qs = qs.filter(intake_id=uuid.UUID(intake_id))
            except ValueError:
                qs = qs.none()
        return qs

    def get_list_display(self, request):
        if can_decide(request.user):
            return self.list_display
        return ("match_ref", "intake_ref", "status", "created_at")  # that one exists, no more

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/<slug:decision>/",
                wrap(self.decide_view),
                name="intake_possiblematch_decide",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Possible match", ordering="created_at")
    def match_ref(self, match):
        return short_id(match.pk)

    @admin.display(description="Intake")
    def intake_ref(self, match):
        return short_id(match.intake_id)

    @admin.display(description="Agree on")
    def agreeing(self, match):
        return ", ".join(REASON_LABELS.get(r, r) for r in match.reasons) or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])  # decisions go through decide/<decision>/
        try:
            match = self.get_queryset(request).select_related("intake", "patient").get(pk=object_id)
        except (PossibleMatch.DoesNotExist, ValidationError, ValueError):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, match):
            raise PermissionDenied
        decide = can_decide(request.user)
        if decide:
            record_access(match.patient, user=request.user, view="possible match")
            record_access(match.intake, user=request.user, view="possible match")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Possible match {short_id(match.pk)}",
            "match": match,
            "can_decide": decide and match.status == MatchStatus.OPEN,
            "show_values": decide,
            "rows": side_by_side(match) if decide else [],
            "urls": {
                d: reverse("admin:intake_possiblematch_decide", args=[match.pk, d])
                for d in ("confirm", "reject")
            },
            "patient_url": reverse("admin:intake_patient_change", args=[match.patient_id]),
            "intake_url": reverse("admin:intake_intake_change", args=[match.intake_id]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.review_template, context)

    def decide_view(self, request, object_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("confirm", "reject") or not can_decide(request.user):
            raise PermissionDenied
        try:
            match = get_object_or_404(PossibleMatch, pk=object_id)
        except ValidationError:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            if decision == "confirm":
                match_confirm(match=match, by=request.user)
                messages.success(request, "Confirmed: the intake is linked to this patient.")
                return HttpResponseRedirect(
                    reverse("admin:intake_patient_change", args=[match.patient_id])
                )
            match_reject(match=match, by=request.user)
            messages.success(request, "Rejected: the intake keeps its own record.")
        except MatchAlreadyDecided as exc:
            messages.warning(request, str(exc))
        return HttpResponseRedirect(reverse("admin:intake_possiblematch_changelist"))


def can_decide(user) -> bool:
    return user.has_perm("intake.change_possiblematch")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Partner organisations and their members (superusers: the model's own permissions)."""

    list_display = ("name", "receives_web_intakes")
    filter_horizontal = ("members",)
    search_fields = ("name",)
