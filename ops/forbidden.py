"""The 403 page staff see: which role can use the page, instead of a bare "403 Forbidden".

``config.urls.handler403`` points here. For an admin page the model and the action come from
its address (``/admin/<app>/<model>/...``: ``add/``, ``delete/``, else viewing), and the roles
whose permissions (``ops.roles.ROLE_PERMISSIONS``) include that action on that model are
named. Nothing about the record asked for is shown.
"""

from django.apps import apps
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from ops.roles import ROLE_PERMISSIONS

ROLE_WORDS = {
    "intake_coordinator": "intake coordinator",
    "clinician": "clinician",
    "directory_manager": "directory manager",
    "clinical_lead": "clinical lead",
}


def _admin_target(path: str) -> tuple[str, str, str] | None:
    """(app label, model name, action) of an admin model page, or None."""
    try:
        prefix = reverse("admin:index")
    except NoReverseMatch:
        return None
    if not path.startswith(prefix):
        return None
    parts = [part for part in path[len(prefix) :].split("/") if part]
    if len(parts) < 2:
        return None
    try:
        model = apps.get_model(parts[0], parts[1])
    except (LookupError, ValueError):
        return None
    action = "view"
    if parts[-1] in ("add", "delete"):
        action = parts[-1]
    return model._meta.app_label, model._meta.model_name, action


def roles_for(app_label: str, model_name: str, action: str) -> list[str]:
    """The roles (in words) whose permissions allow ``action`` on the model."""
    wanted = {f"{app_label}.{action}_{model_name}"}
    if action == "view":  # change implies view in the admin
        wanted.add(f"{app_label}.change_{model_name}")
    return [
        ROLE_WORDS.get(role, role)
        for role, permissions in ROLE_PERMISSIONS.items()
        if wanted & permissions
    ]


def permission_denied(request, exception=None):
    target = _admin_target(request.path_info)
    context = {"title": "You cannot open this page"}
    if hasattr(request, "user"):  # refused before authentication: no site context to add
        context = {**admin.site.each_context(request), **context}
    if target is not None:
        app_label, model_name, action = target
        model = apps.get_model(app_label, model_name)
        context.update(
            known_page=True,
            roles=roles_for(app_label, model_name, action),
            action={"add": "add", "delete": "delete"}.get(action, "see"),
            things=model._meta.verbose_name_plural,
        )
    return TemplateResponse(request, "403.html", context, status=403).render()
