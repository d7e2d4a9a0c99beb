"""Staff permissions kept in the shared cache between requests (ops.auth), and every way they
are invalidated: a fresh user object per check, as each request loads its own."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction

from ops import roles
from ops.auth import GENERATION_KEY

ADD_INTAKE = "intake.add_intake"
ANSWERS = "intake.view_intake_answers"


@pytest.fixture
def cached(settings):
    settings.PERMISSIONS_CACHE_SECONDS = 60
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db(transaction=True)
class TestCachedPermissions:
    def test_the_second_request_reads_no_permission_query(
        self, cached, cora, django_assert_num_queries
    ):
        with django_assert_num_queries(2):  # the user, then the permissions
            assert fresh(cora).has_perm(ADD_INTAKE)
        with django_assert_num_queries(1):  # the user only
            user = fresh(cora)
            assert user.has_perm(ADD_INTAKE)
            assert not user.has_perm(ANSWERS)
        assert user.get_group_permissions() >= {ADD_INTAKE}
        assert user.get_user_permissions() == set()

    def test_leaving_a_role_takes_effect_on_the_next_request(self, cached, cora):
        assert fresh(cora).has_perm(ADD_INTAKE)
        cora.groups.remove(Group.objects.get(name=roles.INTAKE_COORDINATOR))
        assert not fresh(cora).has_perm(ADD_INTAKE)

    def test_a_role_losing_a_permission_takes_effect_on_the_next_request(self, cached, cora):
        assert fresh(cora).has_perm(ADD_INTAKE)
        group = Group.objects.get(name=roles.INTAKE_COORDINATOR)
        group.permissions.remove(Permission.objects.get(codename="add_intake"))
        assert not fresh(cora).has_perm(ADD_INTAKE)

    def test_a_direct_permission_takes_effect_on_the_next_request(self, cached, cora):
        assert not fresh(cora).has_perm(ANSWERS)
        cora.user_permissions.add(Permission.objects.get(codename="view_intake_answers"))
        user = fresh(cora)
        assert user.has_perm(ANSWERS)
        assert user.get_user_permissions() == {ANSWERS}

    def test_a_deleted_role_takes_effect_on_the_next_request(self, cached, cora):
        assert fresh(cora).has_perm(ADD_INTAKE)
        Group.objects.filter(name=roles.INTAKE_COORDINATOR).delete()
        assert not fresh(cora).has_perm(ADD_INTAKE)

    def test_superuser_status_is_part_of_the_entry(self, cached, cora):
        User = type(cora)
        User.objects.filter(pk=cora.pk).update(is_superuser=True)  # no signal at all
        assert ANSWERS in fresh(cora).get_all_permissions()  # cached: every permission
        User.objects.filter(pk=cora.pk).update(is_superuser=False)
        user = fresh(cora)
        assert ANSWERS not in user.get_all_permissions()
        assert not user.has_perm(ANSWERS)
        assert user.has_perm(ADD_INTAKE)

    def test_a_lost_generation_discards_every_entry(self, cached, cora, django_assert_num_queries):
        assert fresh(cora).has_perm(ADD_INTAKE)
        cache.delete(GENERATION_KEY)  # Redis restarted or evicted the key
        with django_assert_num_queries(2):
            assert fresh(cora).has_perm(ADD_INTAKE)

    def test_a_change_is_invisible_to_the_cache_until_it_commits(self, cached, cora):
        assert fresh(cora).has_perm(ADD_INTAKE)
        generation = cache.get(GENERATION_KEY)
        with transaction.atomic():
            cora.groups.clear()
            assert cache.get(GENERATION_KEY) == generation  # not yet: nothing committed
        assert cache.get(GENERATION_KEY) != generation
        assert not fresh(cora).has_perm(ADD_INTAKE)


@pytest.mark.django_db
def test_off_without_a_shared_cache_every_request_reads_the_database(
    settings, cora, django_assert_num_queries
):
    settings.PERMISSIONS_CACHE_SECONDS = 0
    for _ in range(2):
        with django_assert_num_queries(2):
            assert fresh(cora).has_perm(ADD_INTAKE)


@pytest.mark.django_db
def test_an_unreachable_redis_means_the_database_answers(settings, cora, django_assert_num_queries):
    """The deployed cache (django-redis, exceptions ignored) pointed at a closed port."""
    settings.PERMISSIONS_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    for _ in range(2):
        with django_assert_num_queries(2):
            user = fresh(cora)
            assert user.has_perm(ADD_INTAKE)
            assert not user.has_perm(ANSWERS)
