"""Shared fixtures. Personas read like a story in permission tests:

* ``anon``: nobody logged in.
* ``cora``: an intake coordinator (submits intakes; sees status and contact details).
* ``cleo``: a clinician (reads screening results, reviews cases, refers).
* ``dirk``: a directory manager (the provider directory only).
* ``root``: a superuser.
* ``*_api``: a DRF client authenticated with that persona's token;
  ``deactivated_api`` holds the token of a user who has since been deactivated.
"""

import copy

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import Intake
from intake.serializers import IntakeSubmissionSerializer
from intake.services import intake_submit
from ops import roles
from tests.admin_html import no_nested_forms_in_admin_pages  # noqa: F401 (autouse)
from tests.factories import intake_payload


@pytest.fixture(autouse=True)
def _no_permission_cache_across_tests(settings):
    """In-process tests run inside transactions that roll back, so a permission change never
    commits and never invalidates (ops.auth): the cache stays off here, and
    tests/ops/test_permission_cache.py turns it on to test it."""
    settings.PERMISSIONS_CACHE_SECONDS = 0


def _staff(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username, is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def cora(db, django_user_model):
    return _staff(django_user_model, "cora", roles.INTAKE_COORDINATOR)


@pytest.fixture
def cleo(db, django_user_model):
    return _staff(django_user_model, "cleo", roles.CLINICIAN)


@pytest.fixture
def cleo2(db, django_user_model):
    """A second clinician, for two-reviewer races."""
    return _staff(django_user_model, "cleo2", roles.CLINICIAN)


@pytest.fixture
def dirk(db, django_user_model):
    return _staff(django_user_model, "dirk", roles.DIRECTORY_MANAGER)


@pytest.fixture
def root(db, django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root")


def _token_client(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def cora_api(cora):
    return _token_client(cora)


@pytest.fixture
def cleo_api(cleo):
    return _token_client(cleo)


@pytest.fixture
def dirk_api(dirk):
    return _token_client(dirk)


@pytest.fixture
def root_api(root):
    return _token_client(root)


@pytest.fixture
def deactivated_api(db, django_user_model):
    user = _staff(django_user_model, "gone", roles.CLINICIAN)
    client = _token_client(user)
    user.is_active = False
    user.save()
    return client


@pytest.fixture
def persona_api(request):
    """For indirect parametrisation: ``parametrize("persona_api", [...], indirect=True)``."""
    return request.getfixturevalue(f"{request.param}_api")


def login(client, user):
    client.force_login(user)
    return client


def submit(payload=None, *, by=None, screen=True, **patient) -> Intake:
    """Submit an API body through the real serializer and service, as ``by`` (None: anonymous
    API caller); ``patient`` fields override the payload's. With ``screen`` the on-commit work
    (screening, eager Celery) runs; without it nothing is captured (threads, transaction tests).
    """
    payload = copy.deepcopy(payload or intake_payload())
    payload["patient"].update(patient)
    serializer = IntakeSubmissionSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    if not screen:
        return intake_submit(data=serializer.validated_data, source="api", submitted_by=by).intake
    with TestCase.captureOnCommitCallbacks(execute=True):
        submitted = intake_submit(data=serializer.validated_data, source="api", submitted_by=by)
    return submitted.intake
