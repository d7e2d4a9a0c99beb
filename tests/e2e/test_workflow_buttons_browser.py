"""The case page's workflow buttons that tests/e2e/test_review_browser.py does not click, and
the directory's "confirm availability" action, each clicked in chromium with the database
checked afterwards: assign to me, take over from another clinician, start review, close and
dismiss (with their reasons), and a directory manager confirming a stale listing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import MatchListing, Provider
from screening import review
from screening.models import Case, CaseStatus
from tests.e2e.staff import log_in, submit_and_wait
from tests.referrals.conftest import make_provider
from tests.screening.conftest import moderate_case

pytestmark = pytest.mark.e2e


@pytest.fixture
def cases(transactional_db, cleo2):
    first = moderate_case(
        given_name="Ines", family_name="Moreau", external_id="MRN-W1", email="w1@example.org"
    )
    second = moderate_case(
        given_name="Jon", family_name="Berg", external_id="MRN-W2", email="w2@example.org"
    )
    review.case_assign_to_me(case=second, by=cleo2)
    return {"first": first, "second": second}


def case_url(live_server, case):
    return f"{live_server.url}/admin/screening/case/{case.pk}/change/"


def test_assign_start_close_and_take_over_start_dismiss(
    staff_page, live_server, cases, cleo, cleo2
):
    page = staff_page
    first, second = cases["first"], cases["second"]
    log_in(staff_page, live_server, "cleo", f"/admin/screening/case/{first.pk}/change/")
    status = page.get_by_test_id("case-status")
    workflow = page.locator("#workflow")

    submit_and_wait(page, workflow.get_by_role("button", name="Assign to me"))
    assert Case.objects.get(pk=first.pk).assigned_to == cleo
    assert "Case assigned to you." in page.locator(".messagelist").inner_text()
    assert workflow.get_by_role("button", name="Assign to me").count() == 0

    submit_and_wait(page, workflow.get_by_role("button", name="Start review"))
    assert Case.objects.get(pk=first.pk).status == CaseStatus.IN_REVIEW
    assert status.inner_text() == "In review"

    page.fill("#close-reason", "Seen in clinic last week; no new concern.")
    submit_and_wait(page, workflow.get_by_role("button", name="Close", exact=True))
    closed = Case.objects.get(pk=first.pk)
    assert closed.status == CaseStatus.CLOSED
    assert closed.closed_reason == "Seen in clinic last week; no new concern."
    assert closed.status_changed_by == cleo
    assert "Case closed." in page.locator(".messagelist").inner_text()
    # Decided: the next open case (the second) opened.
    assert f"/admin/screening/case/{second.pk}/change/" in page.url

    # The second case is cleo2's: cleo takes it over, starts the review and dismisses it.
    page.goto(case_url(live_server, second))
    submit_and_wait(page, workflow.get_by_role("button", name="Take over from cleo2"))
    assert Case.objects.get(pk=second.pk).assigned_to == cleo

    submit_and_wait(page, workflow.get_by_role("button", name="Start review"))
    assert Case.objects.get(pk=second.pk).status == CaseStatus.IN_REVIEW

    page.fill("#dismiss-reason", "Duplicate submission of the same visit.")
    submit_and_wait(page, workflow.get_by_role("button", name="Dismiss"))
    dismissed = Case.objects.get(pk=second.pk)
    assert dismissed.status == CaseStatus.DISMISSED
    assert dismissed.closed_reason == "Duplicate submission of the same visit."
    # No other open case: back on the queue, which says so.
    assert page.url.endswith("/admin/screening/case/")
    assert (
        "Case dismissed. The queue has no other open case."
        in page.locator(".messagelist").inner_text()
    )
    assert page.js_errors == []


def test_a_directory_manager_confirms_a_stale_listing(
    staff_page, live_server, transactional_db, dirk
):
    page = staff_page
    stale = make_provider(
        name="Stale Practice", availability_confirmed_at=timezone.now() - timedelta(days=45)
    )
    fresh = make_provider(name="Fresh Practice")
    fresh_confirmed = fresh.availability_confirmed_at
    log_in(staff_page, live_server, "dirk", "/admin/referrals/provider/")

    row = page.locator("#result_list tbody tr", has_text="Stale Practice")
    assert "availability stale" in row.inner_text()
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "confirm_availability_today")
    submit_and_wait(page, page.locator("#changelist-form button[name=index]"))

    stale.refresh_from_db()
    assert timezone.now() - stale.availability_confirmed_at < timedelta(minutes=1)
    listing = MatchListing.objects.get(provider=stale)
    assert listing.availability_confirmed_at == stale.availability_confirmed_at
    assert Provider.objects.get(pk=fresh.pk).availability_confirmed_at == fresh_confirmed
    assert (
        "Availability confirmed today for 1 listings." in page.locator(".messagelist").inner_text()
    )
    row = page.locator("#result_list tbody tr", has_text="Stale Practice")
    assert "fresh" in row.locator("td.field-freshness").inner_text()
    assert page.js_errors == []
