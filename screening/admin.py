"""The clinician review in the admin: the case queue, the case page and the review workflow.

* Queue (``/admin/screening/case/``): urgent first, then the highest flag level, then oldest;
  a constant number of queries per page (``selectors.case_queue``), no full result count.
* Case page (the case's "change" page, read-only): everything a clinician needs to review the
  intake, with the workflow's buttons; each view is an audit ``access`` entry.
* Workflow: buttons post to ``<case>/review/<action>/``, which calls a service in
  ``screening.review`` and reports its message. Nothing here writes a case directly.
* Search: one box, posted. A patient's email or external id is resolved through the blind
  index and only the patients' opaque ids go into the redirect; a case id (or its first 8
  characters) comes back as ``?q=<id>``. PHI never appears in a URL or a request log.
"""

import operator
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from intake.crypto import blind_index
from intake.models import MatchStatus, Patient, PossibleMatch
from ops.audit import record_access
from ops.labels import label
from ops.text import short_id, words
from screening import bulk_review, review, selectors, services
from screening.api_sections import FLAG_CODES
from screening.extensions import case_link, render_case_panels
from screening.models import CASE_LEVELS, Case, CaseStatus, MeasurementSettings
from screening.outcomes import outcomes_report, report_csv
from screening.selectors import REVIEW_TARGET

SHORT_ID = re.compile(r"^[0-9a-f]{8,32}$")


def case_id_query(term: str) -> Q | None:
    """A full case id, or the first 8+ hex characters of one (as the queue shows it)."""
    term = term.strip().lower()
    try:
        return Q(pk=uuid.UUID(term))
    except ValueError:
        pass
    compact = term.replace("-", "")
    if not SHORT_ID.match(compact):
        return None
    low = uuid.UUID(compact.ljust(32, "0"))
    high = uuid.UUID(compact.ljust(32, "f"))
    return Q(pk__gte=low, pk__lte=high)  # a range: served by the primary key's index


def patients_by_contact(term: str) -> list[str]:
    """Ids of the patients whose email or external id is exactly ``term`` (blind index)."""
    email, external_id = blind_index("email", term), blind_index("external_id", term)
    if not (email or external_id):
        return []
    return [
        str(pk)
        for pk in Patient.objects.filter(
            Q(email_index=email) | Q(external_id_index=external_id)
        ).values_list("pk", flat=True)[:20]
    ]


def unfinished_cases_by_contact(term: str) -> list[str]:
    """Ids of the cases before an intake (issue 16: an unfinished web intake, a rejected
    submission) whose safety event was given ``term`` as its email or external id."""
    email, external_id = blind_index("email", term), blind_index("external_id", term)
    if not (email or external_id):
        return []
    return [
        str(pk)
        for pk in Case.objects.filter(intake__isnull=True)
        .filter(Q(safety_event__email_index=email) | Q(safety_event__external_id_index=external_id))
        .values_list("pk", flat=True)[:20]
    ]


def duration_words(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


# --- Queue filters -------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """Open cases (new or in review) unless another status is chosen."""

    title = "status"
    parameter_name = "status"
    DEFAULT = "open"

    def lookups(self, request, model_admin):
        return [("open", "Open (new or in review)"), *CaseStatus.choices, ("all", "All")]

    def queryset(self, request, queryset):
        value = self.value() or self.DEFAULT
        if value == "all":
            return queryset
        if value == "open":
            return selectors.open_cases(queryset)
        return queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or self.DEFAULT
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class FlagFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [(code, selectors.flag_label(code)) for code in FLAG_CODES]

    def queryset(self, request, queryset):
        if self.value() in FLAG_CODES:
            return selectors.cases_with_flag(queryset, self.value())
        return queryset


class LevelFilter(admin.SimpleListFilter):
    title = "highest flag level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [(level, label("case_level", level)) for level in CASE_LEVELS]

    def queryset(self, request, queryset):
        if self.value() in CASE_LEVELS:
            return selectors.cases_at_level(queryset, self.value())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class WaitingFilter(admin.SimpleListFilter):
    title = "waiting"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("24h", "Longer than 24 hours")]

    def queryset(self, request, queryset):
        if self.value() == "24h":
            return selectors.cases_waiting_longer_than(queryset, REVIEW_TARGET)
        return queryset


class PatientFilter(admin.SimpleListFilter):
    """Set only by the patient lookup (POST): cases of the patients it found, and the cases
    before an intake it found (opaque ids of either). Shown in the sidebar only while active,
    so it can be cleared."""

    title = "patient"
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        return [(value, "The patient you looked up")] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        ids = []
        for part in value.split(","):
            try:
                ids.append(uuid.UUID(part))
            except ValueError:
                continue
        return queryset.filter(Q(intake__patient_id__in=ids) | Q(pk__in=ids))


# --- The admin -----------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = (
        "case_ref",
        "patient",
        "flag_badges",
        "phq9",
        "thase_rush",
        "maudsley",
        "status_badge",
        "assignee",
        "waiting",
    )
    list_display_links = ("patient",)  # the patient's name opens the case page
    list_filter = (
        StatusFilter,
        LevelFilter,
        FlagFilter,
        AssigneeFilter,
        WaitingFilter,
        PatientFilter,
    )
    list_select_related = ("intake__patient", "assigned_to")
    list_per_page = 50
    list_max_show_all = 200
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-urgent", "priority", "opened_at", "id")
    search_fields = ("id",)  # get_search_results below does the work
    search_help_text = (
        "A case id (or its first 8 characters), or a patient's exact email or external id. "
        "The search is posted: an email or external id never appears in the address bar."
    )
    actions = ["assign_to_me_in_bulk", "close_routine_in_bulk"]
    bulk_close_template = "admin/screening/case/bulk_close.html"
    change_list_template = "admin/screening/case/change_list.html"
    case_page_template = "admin/screening/case/case_page.html"

    # --- permissions: review happens through the workflow, never the generic form -------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- the queue ----------------------------------------------------------------------

    def get_queryset(self, request):
        return selectors.case_queue()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        patient_ids = patients_by_contact(term)
        unfinished = unfinished_cases_by_contact(term)
        conditions = [
            condition
            for condition in (
                case_id_query(term),
                Q(intake__patient_id__in=patient_ids) if patient_ids else None,
                Q(pk__in=unfinished) if unfinished else None,
            )
            if condition is not None
        ]
        if not conditions:
            return queryset.none(), False
        # Each alone is an index lookup; OR-ing in the patient join only when a patient matched.
        return queryset.filter(reduce(operator.or_, conditions)), False

    def changelist_view(self, request, extra_context=None):
        self._now = timezone.now()
        self._today = timezone.localdate()
        self._row.user_id = request.user.pk
        self._row.can_take = self.has_change_permission(request)
        extra_context = {
            "title": "Review queue",
            "is_nav_sidebar_enabled": False,  # the queue needs the width
            **(extra_context or {}),
            "search_url": reverse("admin:screening_case_search"),
            "case_id_term": _case_id_term(request.GET.get("q", "")),
            "patient_filter_active": bool(request.GET.get(PatientFilter.parameter_name)),
        }
        return super().changelist_view(request, extra_context)

    #: Per request (per thread): who looks at the queue, and whether they may take cases.
    _row = threading.local()

    def _clock(self):
        return getattr(self, "_now", None) or timezone.now()

    @admin.display(description="Case")
    def case_ref(self, case):
        marker = ""
        if case.needs_acknowledgement:
            marker = mark_safe(' <span class="rq-tag rq-tag--alert">not acknowledged</span>')
        return format_html("<code>{}</code>{}", short_id(case.pk), marker)

    @admin.display(description="Patient")
    def patient(self, case):
        if case.intake_id is None:  # a safety event's case: details on the (audited) page
            event = case.safety_event
            label = "unfinished intake" if event.source == "draft" else "rejected submission"
            return format_html(
                '<span class="rq-tag rq-tag--alert" data-testid="unfinished-badge">{}</span>',
                label,
            )
        patient = case.intake.patient
        today = getattr(self, "_today", None) or timezone.localdate()
        age = patient.age_on(today)
        if age is None:  # birth date erased on request: the age recorded at intake remains
            age = case.intake.age_years
        return f"{patient.display_name}, {age}"

    @admin.display(description="Flags", ordering="priority")
    def flag_badges(self, case):
        if case.intake_id is None:
            return mark_safe(
                '<span class="rq-flag rq-flag--urgent" title="urgent level">Suicide risk</span>'
            )
        flags = selectors.queue_flags(case)
        if not flags:
            return "—"
        return format_html_join(
            " ",
            '<span class="rq-flag rq-flag--{}" title="{} level: {}">{}</span>',
            # the summary (with possible_trd's bipolarity caveat) on hover
            ((f.level, f.level, f.summary, selectors.flag_label(f.code)) for f in flags),
        )

    def _summary(self, case) -> dict:
        return getattr(case, "screening_summary", None) or {}

    @admin.display(description="PHQ-9", ordering="phq9_sort")
    def phq9(self, case):
        summary = self._summary(case)
        if case.intake_id is None:
            return "—"
        if summary.get("run_status") == "failed":
            return mark_safe('<span class="rq-tag rq-tag--alert">screening failed</span>')
        if summary.get("phq9_total") in (None, ""):
            return mark_safe('<span class="rq-muted">pending</span>')
        return format_html(
            '<strong>{}</strong> <span class="rq-muted">{}</span>',
            summary["phq9_total"],
            words(summary.get("phq9_severity") or ""),
        )

    @admin.display(description="Thase\u2013Rush")
    def thase_rush(self, case):
        return self._summary(case).get("thase_rush_stage") or "—"

    @admin.display(description="Maudsley")
    def maudsley(self, case):
        summary = self._summary(case)
        band = summary.get("maudsley_band")
        if not band:
            return "—"
        if band == "not_applicable":
            return mark_safe('<span class="rq-muted">n/a</span>')
        return f"{band} ({summary.get('maudsley_total')})"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, case):
        return format_html(
            '<span class="rq-status rq-status--{}">{}</span>',
            case.status,
            label("state", case.status),
        )

    @admin.display(description="Assigned to")
    def assignee(self, case):
        who = case.assigned_to.get_username() if case.assigned_to_id else "—"
        if not getattr(self._row, "can_take", False):
            return who
        if not review.can_take(case, user_id=getattr(self._row, "user_id", None)):
            return who
        # Not a form of its own: the button submits the one take form outside the changelist
        # form (form=…), to this case's take URL (formaction=…), with the assignee it saw.
        return format_html(
            '{} <button type="submit" form="rq-take-form" formaction="{}" '
            'name="expected_assignee" value="{}" class="rq-btn rq-btn--small" '
            'data-action="take" data-case="{}" title="Acknowledge if urgent, assign to you, '
            'start the review">Take</button>',
            who,
            reverse("admin:screening_case_review", args=[case.pk, "take"]),
            case.assigned_to_id or "",
            short_id(case.pk),
        )

    @admin.display(description="Waiting", ordering="opened_at")
    def waiting(self, case):
        now = self._clock()
        text = duration_words(selectors.waited(case, now))
        if not case.is_open:
            return format_html('<span class="rq-muted" title="time to decision">{}</span>', text)
        if selectors.overdue_at(case, now):
            return format_html('<span class="rq-overdue">{}<br>overdue</span>', text)
        return text

    # --- bulk actions (issue 19): through screening.bulk_review -------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Assign the selected cases to me", permissions=["change"])
    def assign_to_me_in_bulk(self, request, queryset):
        result = bulk_review.cases_assign_to_me(cases=list(queryset), by=request.user)
        if result.done:
            count = len(result.done)
            self.message_user(
                request,
                f"{count} case{'s' if count != 1 else ''} assigned to you.",
                messages.SUCCESS,
            )
        if result.refused:
            self.message_user(request, result.refused_message("assigned"), messages.WARNING)

    @admin.action(
        description="Close the selected routine cases (one reason)", permissions=["change"]
    )
    def close_routine_in_bulk(self, request, queryset):
        """A confirmation page first (the cases, which are refused and why, the reason); its
        "Close" posts the action again with ``confirm``."""
        cases = list(queryset)
        error = ""
        if request.POST.get("confirm") == "yes":
            try:
                result = bulk_review.cases_close_routine(
                    cases=cases, by=request.user, reason=request.POST.get("reason", "")
                )
            except review.ReviewError as refused:
                error = str(refused)
            else:
                if result.done:
                    count = len(result.done)
                    self.message_user(
                        request,
                        f"{count} routine case{'s' if count != 1 else ''} closed.",
                        messages.SUCCESS,
                    )
                if result.refused:
                    self.message_user(request, result.refused_message("closed"), messages.ERROR)
                return None
        rows = [(case, bulk_review.close_refusal(case, request.user)) for case in cases]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Close routine cases",
            "closing": [case for case, why in rows if not why],
            "refused": [(case, why) for case, why in rows if why],
            "selected": [str(case.pk) for case in cases],
            "action": "close_routine_in_bulk",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "reason": request.POST.get("reason", ""),
            "error": error,
            "reason_max": review.REASON_MAX_LENGTH,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.bulk_close_template, context)

    # --- URLs ---------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("search/", wrap(self.search_view), name="screening_case_search"),
            path(
                "<path:object_id>/review/<slug:action>/",
                wrap(self.review_action_view),
                name="screening_case_review",
            ),
            *super().get_urls(),
        ]

    def search_view(self, request):
        """POST ``q``: a case id goes back to the queue as ``?q=<id>``; an email or external id
        is resolved through the blind index, and only opaque ids go into the redirect (the
        patients', and the cases' before an intake exists), so the term itself is never in a
        URL (nor in the request log)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:screening_case_changelist")
        term = request.POST.get("q", "").strip()
        if not term:
            return HttpResponseRedirect(changelist)
        # first: a numeric MRN may look like a case id
        ids = patients_by_contact(term) + unfinished_cases_by_contact(term)
        if ids:
            return HttpResponseRedirect(f"{changelist}?status=all&patient={','.join(ids)}")
        if case_id_query(term) is not None:
            return HttpResponseRedirect(f"{changelist}?{urlencode({'status': 'all', 'q': term})}")
        messages.warning(request, "No case id, and no patient with that email or external id.")
        return HttpResponseRedirect(changelist)

    # --- the case page ------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])  # changes go through review/<action>/
        if _is_short_id(object_id):
            return self._open_short_id(request, object_id)
        try:
            case = selectors.case_for_page(object_id)
        except ValidationError:
            case = None
        if case is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        record_access(case, user=request.user, view="case page")
        if case.intake_id is None:  # a safety event before its intake: risk answers, contact
            page = selectors.unfinished_case_page(case)
        else:
            page = selectors.case_page(case)
        can_review = self.has_change_permission(request, case)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Case {short_id(case.pk)}",
            "is_nav_sidebar_enabled": False,
            "subtitle": page.patient.display_name,
            "page": page,
            "case": case,
            "now": timezone.now(),
            "overdue": selectors.overdue_at(case, timezone.now()),
            "waited": duration_words(selectors.waited(case, timezone.now())),
            "can_review": can_review,
            "can_note": request.user.has_perm(review.NOTE_PERMISSION),
            "moves": review.available_moves(case) if can_review else [],
            "chart_data": selectors.trend_chart_data(getattr(page, "trend", [])),
            "history": selectors.case_history(case),
            "access": selectors.case_access_history(case),
            "find_providers_url": _find_providers_url(case) if case.intake_id else None,
            "queue_url": reverse("admin:screening_case_changelist"),
            "next_case_url": _case_url(selectors.next_open_case_id(case)),
            "previous_case_url": _case_url(selectors.previous_open_case_id(case)),
            "can_take": can_review and review.can_take(case, user_id=request.user.pk),
            "access_by_user_url": _url_or_none("admin:access_by_user"),
            "support_resources": selectors.support_resources(),
            "extra_panels": render_case_panels(request, case),
            "referrals": selectors.case_referrals(case),
            "open_matches": PossibleMatch.objects.filter(
                intake_id=case.intake_id, status=MatchStatus.OPEN
            ).count(),
            **(extra_context or {}),
        }
        context["urls"] = {
            action: reverse("admin:screening_case_review", args=[case.pk, action])
            for action in CASE_MOVES
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.case_page_template, context)

    def _open_short_id(self, request, term):
        """A case's first 8+ characters in the address (as the queue and messages name it):
        its page when exactly one case starts so; else the queue, searched, with a message."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = list(
            Case.objects.filter(case_id_query(term)).order_by("pk").values_list("pk", flat=True)[:2]
        )
        if len(found) == 1:
            return HttpResponseRedirect(reverse("admin:screening_case_change", args=[found[0]]))
        if found:
            messages.warning(request, f"More than one case starts with {term}: choose one.")
        else:
            messages.warning(request, f"No case starts with {term}.")
        changelist = reverse("admin:screening_case_changelist")
        return HttpResponseRedirect(f"{changelist}?{urlencode({'status': 'all', 'q': term})}")

    # --- the workflow -------------------------------------------------------------------

    def review_action_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            case = get_object_or_404(
                Case.objects.select_related("assigned_to", "acknowledged_by", "status_changed_by"),
                pk=object_id,
            )
        except ValidationError:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        move = CASE_MOVES.get(action)
        needed = (
            self.has_view_permission(request, case)
            if move is not None and move.readers_may
            else self.has_change_permission(request, case)
        )
        if not needed:
            raise PermissionDenied
        page = reverse("admin:screening_case_change", args=[case.pk])
        if move is None:
            messages.error(request, "Unknown action. Nothing was changed.")
            return HttpResponseRedirect(page)
        page += move.anchor
        done = move.done
        try:
            move.run(case, request.user, request.POST)
        except review.AlreadyMoved as error:
            messages.warning(request, str(error))
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            if move.next_case:
                # Decided: on to the next case in the queue (the page links back to the queue).
                following = selectors.next_open_case_id(case)
                if following is None:
                    messages.success(request, f"{done} The queue has no other open case.")
                    return HttpResponseRedirect(reverse("admin:screening_case_changelist"))
                messages.success(request, f"{done} This is the next case in the queue.")
                return HttpResponseRedirect(_case_url(following))
            messages.success(request, done)
        return HttpResponseRedirect(page)


def _expected_status(post) -> str | None:
    return post.get("expected_status") or None


def _expected_assignee(post) -> int | None:
    seen = post.get("expected_assignee", "")
    return int(seen) if seen.isdecimal() else None


@dataclass(frozen=True)
class CaseMove:
    """One button of the case page: the service it calls (with the posted fields it needs),
    the message when it worked, and where the page lands (``anchor``)."""

    run: Callable[[Case, object, object], object]
    done: str
    readers_may: bool = False  # a note needs only the view permission
    anchor: str = ""
    next_case: bool = False  # decided: the next case in the queue opens


#: Every move of the case page (and the queue's Take), by the action in its URL.
CASE_MOVES: dict[str, CaseMove] = {
    "take": CaseMove(
        lambda case, by, post: review.case_take(
            case=case, by=by, expected_assignee_id=_expected_assignee(post)
        ),
        "Case taken: it is yours, in review.",
    ),
    "acknowledge": CaseMove(
        lambda case, by, post: review.case_acknowledge(case=case, by=by),
        "Urgent case acknowledged: escalation stopped.",
    ),
    "assign_to_me": CaseMove(
        lambda case, by, post: review.case_assign_to_me(
            case=case, by=by, expected_assignee_id=_expected_assignee(post)
        ),
        "Case assigned to you.",
    ),
    "start_review": CaseMove(
        lambda case, by, post: review.case_start_review(
            case=case, by=by, expected_status=_expected_status(post)
        ),
        "Review started.",
    ),
    "refer": CaseMove(
        lambda case, by, post: review.case_refer(
            case=case, by=by, expected_status=_expected_status(post)
        ),
        "Case referred.",
        next_case=True,
    ),
    "close": CaseMove(
        lambda case, by, post: review.case_close(
            case=case, by=by, reason=post.get("reason", ""), expected_status=_expected_status(post)
        ),
        "Case closed.",
        next_case=True,
    ),
    "dismiss": CaseMove(
        lambda case, by, post: review.case_dismiss(
            case=case, by=by, reason=post.get("reason", ""), expected_status=_expected_status(post)
        ),
        "Case dismissed.",
        next_case=True,
    ),
    "confirm_psychotic_features": CaseMove(
        lambda case, by, post: services.confirm_psychotic_features(case=case, by=by),
        "Psychotic features confirmed: the screening was re-staged.",
        anchor="#patient",
    ),
    "note": CaseMove(
        lambda case, by, post: review.case_add_note(case=case, by=by, text=post.get("text", "")),
        "Note added.",
        readers_may=True,
        anchor="#notes",
    ),
}


def _case_url(case_id) -> str | None:
    return reverse("admin:screening_case_change", args=[case_id]) if case_id else None


def _is_short_id(object_id: str) -> bool:
    """8 to 31 hex characters (a prefix of a case id, not a whole one)."""
    compact = object_id.strip().lower().replace("-", "")
    return bool(SHORT_ID.match(compact)) and len(compact) < 32


def _case_id_term(term: str) -> str:
    """The search box's value after a case-id search (anything else is never echoed)."""
    term = term.strip()
    return term if term and case_id_query(term) is not None else ""


def _url_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _find_providers_url(case) -> str | None:
    """The matching page for this case, if an app registers one (referrals)."""
    return case_link("find_providers", case)


# --- Measurement-based care (issue 21) ---------------------------------------------------------


def may_read_outcomes(user) -> bool:
    """Staff with the clinician or clinical-lead role (both can view cases), or a superuser."""
    return user.is_active and user.is_staff and user.has_perm("screening.view_case")


@admin.register(MeasurementSettings)
class MeasurementSettingsAdmin(admin.ModelAdmin):
    """One row, edited by the clinical lead (``screening.change_measurementsettings``); the
    outcomes report hangs off it at ``outcomes/`` (clinicians and clinical leads)."""

    fields = ("not_improving_after_weeks", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return False  # the one row is made on first save

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if self.has_change_permission(request) and not MeasurementSettings.objects.exists():
            MeasurementSettings.current().save()  # the defaults, so there is a row to edit
        return HttpResponseRedirect(
            reverse(
                "admin:screening_measurementsettings_change",
                args=[MeasurementSettings.SINGLETON_PK],
            )
        )

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("outcomes/", wrap(self.outcomes_view), name="screening_outcomes_report"),
            *super().get_urls(),
        ]

    def outcomes_view(self, request):
        if not may_read_outcomes(request.user):
            raise PermissionDenied
        errors, start, end = [], None, None
        for key in ("start", "end"):
            value = request.GET.get(key, "").strip()
            if not value:
                continue
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                errors.append(f"The {'from' if key == 'start' else 'to'} date must be YYYY-MM-DD.")
                continue
            start, end = (parsed, end) if key == "start" else (start, parsed)
        report = outcomes_report(start=start, end=end)
        if request.GET.get("export") == "csv" and not errors:
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="outcomes-report.csv"'
            return response
        query = urlencode(
            {"start": start.isoformat() if start else "", "end": end.isoformat() if end else ""}
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Outcomes: depression remission or response",
            "report": report,
            "errors": errors,
            "start": request.GET.get("start", ""),
            "end": request.GET.get("end", ""),
            "csv_query": f"{query}&export=csv",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/screening/outcomes_report.html", context)
