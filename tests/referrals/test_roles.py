"""The referrals permissions of the staff roles are real model permissions."""

import pytest
from django.contrib.auth.models import Group, Permission

from ops import roles

REFERRALS = {
    roles.CLINICIAN: {
        "view_provider",
        "add_referral",
        "change_referral",
        "view_referral",
        "view_supportresource",
    },
    roles.DIRECTORY_MANAGER: {
        "add_provider",
        "change_provider",
        "delete_provider",
        "view_provider",
        "add_supportresource",
        "change_supportresource",
        "delete_supportresource",
        "view_supportresource",
    },
    roles.INTAKE_COORDINATOR: set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(REFERRALS))
def test_each_role_holds_exactly_its_referrals_permissions(role):
    held = set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label="referrals")
        .values_list("codename", flat=True)
    )
    assert held == REFERRALS[role]


@pytest.mark.django_db
def test_every_named_permission_exists():
    named = {
        name.split(".", 1)[1]
        for perms in roles.ROLE_PERMISSIONS.values()
        for name in perms
        if name.startswith("referrals.")
    }
    existing = set(
        Permission.objects.filter(content_type__app_label="referrals").values_list(
            "codename", flat=True
        )
    )
    assert named <= existing
