"""Authentication backend: Django's ``ModelBackend`` reading a user's permissions in one query,
and keeping them in the shared cache between requests.

Roles are groups (ops.roles), so a user's own and group permissions are read together and fill
the same per-request caches ``ModelBackend`` fills. With a shared cache
(``PERMISSIONS_CACHE_SECONDS`` > 0, on when ``REDIS_URL`` is set) every entry carries the random
*generation* it was read under; any change to who holds which permission replaces the generation
after its transaction commits, and an unreachable cache means a database read. Stale until the
time-out: a change made while Redis is unreachable, and changes made with raw SQL.
"""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "auth:permissions:generation"


def _entry_key(user_id) -> str:
    # The database's name too: a Redis shared by two databases (two deployments, or parallel
    # test processes each with its own test database) never mixes up their user ids.
    return f"auth:permissions:{connection.settings_dict['NAME']}:user:{user_id}"


def new_permissions_generation(**_) -> None:
    """Invalidate every cached permission set (after the current transaction commits)."""
    if settings.PERMISSIONS_CACHE_SECONDS:
        transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


def _current_generation(found: dict) -> str | None:
    generation = found.get(GENERATION_KEY)
    if generation is None:  # first use, or lost: start one (add: concurrent starts agree)
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _read_permissions(user_obj) -> tuple[set[str], set[str]]:
    if user_obj.is_superuser:
        rows = Permission.objects.values_list("content_type__app_label", "codename")
        everything = {f"{app}.{name}" for app, name in rows.order_by()}
        return everything, everything
    rows = (
        Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
        .values_list("content_type__app_label", "codename", "user__id", "group__user__id")
        .order_by()
    )
    user_perms, group_perms = set(), set()
    for app, name, direct, via_group in rows:
        if direct == user_obj.pk:
            user_perms.add(f"{app}.{name}")
        if via_group == user_obj.pk:
            group_perms.add(f"{app}.{name}")
    return user_perms, group_perms


def _permissions(user_obj) -> tuple[set[str], set[str]]:
    seconds = settings.PERMISSIONS_CACHE_SECONDS
    if not seconds:
        return _read_permissions(user_obj)
    key = _entry_key(user_obj.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = _current_generation(found)
    entry = found.get(key)
    if (
        generation is not None
        and isinstance(entry, dict)
        and entry.get("generation") == generation
        and entry.get("superuser") == user_obj.is_superuser
    ):
        return set(entry["user"]), set(entry["group"])
    user_perms, group_perms = _read_permissions(user_obj)
    if generation is not None:
        entry = {
            "generation": generation,
            "superuser": user_obj.is_superuser,
            "user": sorted(user_perms),
            "group": sorted(group_perms),
        }
        cache.set(key, entry, seconds)
    return user_perms, group_perms


class RoleModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_perms, group_perms = _permissions(user_obj)
            if not hasattr(user_obj, "_user_perm_cache"):
                user_obj._user_perm_cache = user_perms
            if not hasattr(user_obj, "_group_perm_cache"):
                user_obj._group_perm_cache = group_perms
            user_obj._perm_cache = {*user_obj._user_perm_cache, *user_obj._group_perm_cache}
        return user_obj._perm_cache


def _superuser_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or "is_superuser" in update_fields:
        new_permissions_generation()


def connect_permission_signals() -> None:
    """Called from ``OpsConfig.ready``: every ORM change to who holds a permission."""
    user_model = get_user_model()
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(new_permissions_generation, sender=through, weak=False)
        post_save.connect(new_permissions_generation, sender=through, weak=False)
        post_delete.connect(new_permissions_generation, sender=through, weak=False)
    for model in (Group, Permission):
        post_save.connect(new_permissions_generation, sender=model, weak=False)
        post_delete.connect(new_permissions_generation, sender=model, weak=False)
    post_save.connect(_superuser_changed, sender=user_model, weak=False)
