"""Every admin page, rendered as a superuser and as the role that works there, has no HTML
form inside another (a browser drops the inner form and its button submits the outer one).

The pages: each registered model's changelist, add page and the change page of its first row,
the case page, the referral page in every status (with the declined page's next-match
button), "Find providers", the outcome report and the access report. ``tests/admin_html.py``
checks every other admin page the suite renders as well.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Referral, SupportResource
from tests.admin_html import nested_forms
from tests.conftest import login, submit
from tests.referrals.conftest import case_of, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_nested_forms_in_admin_pages():
    """Here every page is checked below, all of them before the test fails."""


def test_the_checker_sees_a_nested_form():
    page = '<form id="outer"><div><form action="/move/"><button>Go</button></form></div></form>'
    assert nested_forms(page) == ['line 1: <form action="/move/"> inside <form id="outer">']
    assert nested_forms('<form id="a"></form><form id="b"></form>') == []


@pytest.fixture
def world(cleo):
    """A case with referrals in every status (and a second provider, the declined one's next
    match), so each referral page shows its own moves."""
    intake = submit()
    providers = [make_provider(name=f"Provider {n}") for n in range(8)]
    visit = timezone.localdate() + timedelta(days=3)
    paths = {
        "draft": [],
        "sent": ["sent"],
        "accepted": ["sent", "accepted"],
        "declined": ["sent", "declined"],
        "scheduled": ["sent", "accepted", "scheduled"],
        "completed": ["sent", "accepted", "scheduled", "completed"],
        "cancelled": ["cancelled"],
    }
    referrals = {}
    for provider, (status, moves) in zip(providers, paths.items(), strict=False):
        referral = services.referral_create(intake=intake, provider=provider, by=cleo)
        for to in moves:
            first_visit = visit if to == "scheduled" else None
            services.referral_move(referral=referral, to=to, by=cleo, first_visit_on=first_visit)
        referrals[status] = referral
    assert {s: Referral.objects.get(pk=r.pk).status for s, r in referrals.items()} == {
        s: s for s in paths
    }
    return {"case": case_of(intake), "intake": intake, "referrals": referrals}


def registered_pages():
    """Each registered model's changelist, add page and first row's change page."""
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])


def custom_pages(world):
    case = world["case"]
    yield reverse("admin:index")
    yield reverse("admin:screening_case_change", args=[case.pk])
    yield reverse("admin:referrals_case_matches", kwargs={"case_id": case.pk})
    yield reverse("admin:referrals_referral_outcomes")
    yield reverse("admin:access_by_user")
    for referral in world["referrals"].values():
        yield reverse("admin:referrals_referral_change", args=[referral.pk])


@pytest.mark.parametrize("persona", ["root", "cleo", "dirk", "cora"])
def test_no_admin_page_nests_a_form(request, client, world, persona):
    login(client, request.getfixturevalue(persona))
    assert SupportResource.objects.exists()  # seeded: its change page is rendered too
    pages = [*registered_pages(), *custom_pages(world)]
    rendered = 0
    problems = {}
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        rendered += 1
        found = nested_forms(response.content.decode())
        if found:
            problems[path] = found
    assert problems == {}
    assert rendered >= {"root": 15, "cleo": 10, "dirk": 4, "cora": 2}[persona]
