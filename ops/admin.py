"""The staff admin site: two-factor login in production, and the audit trail's reports.

``StaffAdminSite`` replaces the default admin site's class (config/urls.py). It decides at
request time, from ``settings.PRODUCTION``:

* production: every admin page needs an OTP-verified session (django-otp), and the admin's
  login page sends staff to django-two-factor-auth's login wizard;
* development and test (the demo): the ordinary admin login, two-factor optional (staff may
  still set it up at ``/account/two_factor/``).

django-axes locks an account out after repeated failures on either login.

It also serves the superuser's "access by user" report of the audit log's access entries.
"""

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import user_has_device

from ops import audit

ACCESS_PAGE_SIZE = 100


def otp_required() -> bool:
    """Two-factor login is required for staff in production only (the demo keeps it optional)."""
    return bool(settings.PRODUCTION)


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if otp_required():
            return request.user.is_verified()
        return True

    def login(self, request, extra_context=None):
        if not otp_required():
            return super().login(request, extra_context)
        # two_factor's wizard: password, then the OTP token; back to where the user was going.
        next_url = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME))
        if not next_url or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated and user.is_staff and not user_has_device(user):
            # Signed in with a password but no second factor yet: set one up first.
            return redirect_to_login(next_url, login_url=reverse("two_factor:setup"))
        return redirect_to_login(next_url, login_url=reverse("two_factor:login"))

    def get_urls(self):
        return [
            path(
                "audit/access-by-user/",
                self.admin_view(self.access_by_user_view),
                name="access_by_user",
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if request.user.is_superuser and app_label in (None, "auditlog"):
            for app in app_list:
                if app["app_label"] == "auditlog":
                    app["models"].append(
                        {
                            "model": None,
                            "name": "Access by user",
                            "object_name": "AccessByUser",
                            "perms": {"view": True},
                            "admin_url": reverse("admin:access_by_user"),
                            "add_url": None,
                            "view_only": True,
                        }
                    )
        return app_list

    def access_by_user_view(self, request):
        """Superusers only: every staff user's views of cases and intakes; ``?user=<id>``
        (or ``?user=none`` for entries without an actor) lists one user's views."""
        if not request.user.is_superuser:
            raise PermissionDenied
        context = {**self.each_context(request), "title": "Access by user"}
        chosen = request.GET.get("user")
        if chosen:
            user_id = None if chosen == "none" else _int_or_404(chosen)
            user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
            page = Paginator(audit.accesses_by(user_id), ACCESS_PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            context.update(
                {
                    "chosen_user": user,
                    "chosen_label": user.get_username() if user else "(system)",
                    "page_obj": page,
                    "rows": [(entry, _object_url(entry)) for entry in page.object_list],
                }
            )
        else:
            context["summaries"] = audit.access_by_user()
        request.current_app = self.name
        return TemplateResponse(request, "admin/screening/audit/access_by_user.html", context)


def _int_or_404(value: str) -> int:
    from django.http import Http404

    if not value.isdecimal():  # "²" is a digit that int() refuses
        raise Http404("No such user")
    return int(value)


def _object_url(entry: LogEntry) -> str | None:
    ct = entry.content_type
    try:
        return reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[entry.object_pk])
    except NoReverseMatch:
        return None
