"""API permissions from the staff roles' model permissions (ops.roles), for any app's views."""

from rest_framework.permissions import BasePermission


class HasPermissions(BasePermission):
    """Authenticated, active, and holding every permission of ``required[action]``."""

    required: dict[str, tuple[str, ...]] = {}
    default: tuple[str, ...] = ()

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        action = getattr(view, "action", None) or request.method.lower()
        return user.has_perms(self.required.get(action, self.default))
