"""A clinician tracks referrals in a real browser (Playwright driving Debian's chromium) and
every button that moves one is clicked, with the database checked after each click.

cleo opens the case, finds providers and refers to Alpha (a draft); marks it sent, accepted,
scheduled (with the first visit's date and a note) and completed. Then she refers to Beta,
marks it sent and declined, refers to the next match the declined page offers, and cancels
that one. The referral page used to render its move forms inside the admin's change form:
the browser dropped them and "Mark sent" saved the change form instead, leaving the referral
in draft, which tests posting to the move URL never saw.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops.text import short_id
from referrals.models import Referral, ReferralEvent
from tests.conftest import submit
from tests.e2e.staff import log_in, submit_and_wait
from tests.referrals.conftest import case_of, make_provider

pytestmark = pytest.mark.e2e


def move_buttons_post_to_the_move_url(page) -> bool:
    """Each "Mark ..." button belongs (in the browser's DOM) to a form posting to move/."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#moves button')]
               .filter(b => b.textContent.startsWith('Mark '))
               .every(b => b.form && b.form.getAttribute('action').endsWith('/move/'))"""
    )


@pytest.fixture
def referral_world(transactional_db, cleo):
    intake = submit(given_name="Grace", family_name="Hopper")
    providers = {name: make_provider(name=name) for name in ("Alpha", "Beta", "Gamma")}
    return {"intake": intake, "case": case_of(intake), **providers}


def status_of(referral_id) -> str:
    return Referral.objects.get(pk=referral_id).status


def test_a_clinician_clicks_every_referral_move(staff_page, live_server, referral_world, cleo):
    page = staff_page
    case = referral_world["case"]
    log_in(staff_page, live_server, "cleo", f"/admin/screening/case/{case.pk}/change/")

    # From the case, find providers and refer to Alpha: a draft.
    submit_and_wait(page, page.get_by_role("link", name="Find providers"))
    alpha_row = page.locator("#matches tbody tr", has_text="Alpha")
    submit_and_wait(page, alpha_row.get_by_role("button", name="Refer (draft)"))
    alpha = Referral.objects.get(intake=referral_world["intake"], provider=referral_world["Alpha"])
    assert alpha.status == "draft" and alpha.created_by == cleo
    assert f"/admin/referrals/referral/{alpha.pk}/change/" in page.url

    # The referral page: the patient by name, nothing to save, a breadcrumb through the case.
    assert page.get_by_test_id("referral-patient").inner_text() == "Grace Hopper"
    assert page.get_by_role("button", name="Save").count() == 0
    crumbs = page.locator(".breadcrumbs").inner_text()
    assert "Review queue" in crumbs and f"Case {short_id(case.pk)}" in crumbs
    assert move_buttons_post_to_the_move_url(page)
    status = page.get_by_test_id("referral-status")
    assert status.inner_text() == "Draft"

    submit_and_wait(page, page.get_by_role("button", name="Mark sent"))
    assert status_of(alpha.pk) == "sent"
    assert "Referral is now sent." in page.locator(".messagelist").inner_text()
    assert status.inner_text() == "Sent"

    submit_and_wait(page, page.get_by_role("button", name="Mark accepted"))
    assert status_of(alpha.pk) == "accepted"

    visit = timezone.localdate() + timedelta(days=5)
    scheduled = page.locator("form[data-move=scheduled]")
    scheduled.locator("input[name=first_visit_on]").fill(visit.isoformat())
    scheduled.get_by_label("Note for mark scheduled").fill("First visit booked by phone.")
    submit_and_wait(page, scheduled.get_by_role("button", name="Mark scheduled"))
    alpha.refresh_from_db()
    assert (alpha.status, alpha.first_visit_on) == ("scheduled", visit)
    event = ReferralEvent.objects.get(referral=alpha, to_status="scheduled")
    assert (event.note, event.by) == ("First visit booked by phone.", cleo)

    submit_and_wait(page, page.get_by_role("button", name="Mark completed"))
    assert status_of(alpha.pk) == "completed"
    assert status.inner_text() == "Completed"
    assert page.locator("#moves button").count() == 0
    history = page.locator("#history tbody tr")
    assert [history.nth(i).locator("td").nth(1).inner_text() for i in range(5)] == [
        "Created → Draft",
        "Draft → Sent",
        "Sent → Accepted",
        "Accepted → Scheduled",
        "Scheduled → Completed",
    ]

    # Refer to Beta, which declines; the page offers the next match, referred in one click.
    submit_and_wait(page, page.get_by_role("link", name="Find providers"))
    beta_row = page.locator("#matches tbody tr", has_text="Beta")
    submit_and_wait(page, beta_row.get_by_role("button", name="Refer (draft)"))
    beta = Referral.objects.get(intake=referral_world["intake"], provider=referral_world["Beta"])
    assert beta.status == "draft"
    submit_and_wait(page, page.get_by_role("button", name="Mark sent"))
    assert status_of(beta.pk) == "sent"
    assert move_buttons_post_to_the_move_url(page)
    submit_and_wait(page, page.get_by_role("button", name="Mark declined"))
    assert status_of(beta.pk) == "declined"
    assert "Next match: Gamma" in page.locator("#next-match").inner_text()

    submit_and_wait(page, page.get_by_role("button", name="Refer to Gamma (draft)"))
    gamma = Referral.objects.get(intake=referral_world["intake"], provider=referral_world["Gamma"])
    assert gamma.status == "draft"
    assert f"/admin/referrals/referral/{gamma.pk}/change/" in page.url

    submit_and_wait(page, page.get_by_role("button", name="Mark cancelled"))
    assert status_of(gamma.pk) == "cancelled"
    assert page.get_by_test_id("referral-status").inner_text() == "Cancelled"

    assert {r.provider.name: r.status for r in Referral.objects.select_related("provider")} == {
        "Alpha": "completed",
        "Beta": "declined",
        "Gamma": "cancelled",
    }
    assert page.js_errors == []
