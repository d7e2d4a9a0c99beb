"""Authentication backend: Django's ``ModelBackend`` reading a user's permissions in one query.

``ModelBackend`` loads a user's own permissions and their groups' permissions with two
queries on the first permission check of every request (every API call and admin page checks
one). Roles are groups here (ops.roles), so both sets are read together: one query, the same
permissions, the same per-request cache (``_perm_cache``, ``_user_perm_cache`` and
``_group_perm_cache`` are filled as ``ModelBackend`` fills them). Measured in README
"Performance": one query fewer on every request of a logged-in user.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class RoleModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
                everything = {f"{app}.{name}" for app, name in rows.order_by()}
                user_perms = group_perms = everything
            else:
                rows = (
                    Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                    .values_list(
                        "content_type__app_label", "codename", "user__id", "group__user__id"
                    )
                    .order_by()
                )
                user_perms, group_perms = set(), set()
                for app, name, direct, via_group in rows:
                    if direct == user_obj.pk:
                        user_perms.add(f"{app}.{name}")
                    if via_group == user_obj.pk:
                        group_perms.add(f"{app}.{name}")
            if not hasattr(user_obj, "_user_perm_cache"):
                user_obj._user_perm_cache = user_perms
            if not hasattr(user_obj, "_group_perm_cache"):
                user_obj._group_perm_cache = group_perms
            user_obj._perm_cache = {*user_obj._user_perm_cache, *user_obj._group_perm_cache}
        return user_obj._perm_cache
