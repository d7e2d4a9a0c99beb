"""A clinician's review in a real browser (Playwright driving Debian's chromium).

cleo logs in, filters the queue to urgent cases, opens the top one, acknowledges it, writes a
note, starts the review and refers it. Self-contained fixtures (the shared e2e conftest belongs
to the patient wizard's tests). Set ``REVIEW_SCREENSHOTS=/some/dir`` to keep screenshots.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from intake.models import Intake
from ops.text import short_id
from screening import review
from screening.models import Case, CaseNote, CaseStatus
from tests.factories import intake_payload
from tests.screening.conftest import moderate_case, new_case, urgent_case

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


@pytest.fixture
def review_page():
    """A fresh chromium page (1280 x 900), closed after the test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/ensure-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
        page.js_errors = errors
        yield page
        context.close()
        browser.close()


def screenshot(page, name, *sections):
    folder = os.environ.get("REVIEW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
        page.screenshot(path=str(Path(folder) / f"{name}-top.png"))
        for section in sections:
            page.locator(f"#{section}").screenshot(path=str(Path(folder) / f"{name}-{section}.png"))


@pytest.fixture
def queue(transactional_db, cleo):
    """A queue with two urgent cases (the older one is the top case), a high and a moderate.
    The top case's patient came eight weeks earlier too (a second PHQ-9 point on the chart)."""
    earlier = new_case(
        intake_payload(
            answers={
                "phq9": {
                    "q1": 3,
                    "q2": 3,
                    "q3": 2,
                    "q4": 3,
                    "q5": 2,
                    "q6": 3,
                    "q7": 3,
                    "q8": 2,
                    "q9": 0,
                },
                "gad7": {"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 1, "q6": 2, "q7": 1},
            }
        ),
        given_name="Ada",
        family_name="Rivera",
        external_id="MRN-E1",
        email="ada.e2e@example.org",
    )
    Intake.objects.filter(pk=earlier.intake_id).update(
        submitted_at=timezone.now() - timedelta(weeks=8)
    )
    review.case_start_review(case=earlier, by=cleo)
    review.case_refer(case=earlier, by=cleo)
    older_urgent = urgent_case(
        given_name="Ada", family_name="Rivera", external_id="MRN-E1", email="ada.e2e@example.org"
    )
    newer_urgent = urgent_case(
        given_name="Ben", family_name="Okafor", external_id="MRN-E2", email="ben.e2e@example.org"
    )
    high = new_case(
        given_name="Chloe", family_name="Ng", external_id="MRN-E3", email="chloe.e2e@example.org"
    )
    moderate = moderate_case(
        given_name="Dev", family_name="Patel", external_id="MRN-E4", email="dev.e2e@example.org"
    )
    now = timezone.now()
    for case, hours in ((older_urgent, 3), (newer_urgent, 1), (high, 30), (moderate, 5)):
        Case.objects.filter(pk=case.pk).update(opened_at=now - timedelta(hours=hours))
    return {"top": older_urgent, "second": newer_urgent, "high": high, "moderate": moderate}


def test_clinician_acknowledges_notes_reviews_and_refers_the_top_urgent_case(
    review_page, live_server, queue, cleo
):
    page = review_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/screening/case/")
    page.fill("#id_username", "cleo")
    page.fill("#id_password", "pw-cleo")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/screening/case/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4
    screenshot(page, "queue")

    # Filter to urgent cases (highest flag level).
    page.locator("#changelist-filter").get_by_role("link", name="Urgent", exact=True).click()
    page.wait_for_url("**level=urgent**")
    assert rows.count() == 2
    top_ref = short_id(queue["top"].pk)
    assert rows.first.locator("td.field-case_ref").inner_text().startswith(top_ref)
    assert "Ada Rivera" in rows.first.inner_text()
    assert "not acknowledged" in rows.first.inner_text()

    # Open the top case: the patient's name is the row's link.
    rows.first.locator("th.field-patient a", has_text="Ada Rivera").click()
    page.wait_for_url(lambda url: f"/admin/screening/case/{queue['top'].pk}/change/" in url)
    status = page.get_by_test_id("case-status")
    assert status.inner_text() == "New"
    assert page.locator("[data-flag=suicide_risk]").is_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart') !== undefined")
    screenshot(page, "case", "trd", "trend", "answers")

    page.get_by_role("button", name="Acknowledge urgent case").click()
    assert page.locator(".messagelist").inner_text().startswith("Urgent case acknowledged")
    assert page.get_by_role("button", name="Acknowledge urgent case").count() == 0

    page.fill("#note-text", "Called the patient: safe, has a plan for tonight.")
    page.get_by_role("button", name="Save note").click()
    assert "Note added." in page.locator(".messagelist").inner_text()
    assert page.locator("#notes").get_by_text("Called the patient").is_visible()

    page.get_by_role("button", name="Start review").click()
    assert "Review started." in page.locator(".messagelist").inner_text()
    assert status.inner_text() == "In review"

    page.get_by_role("button", name="Refer", exact=True).click()
    # Decided: the next case in the queue (the other urgent one) opens, with a way back.
    page.wait_for_url(lambda url: f"/admin/screening/case/{queue['second'].pk}/change/" in url)
    assert "Case referred." in page.locator(".messagelist").inner_text()
    assert status.inner_text() == "New"
    assert page.get_by_role("link", name="Back to the queue").is_visible()
    screenshot(page, "next-case", "workflow")
    assert page.js_errors == []

    case = Case.objects.get(pk=queue["top"].pk)
    assert case.status == CaseStatus.REFERRED
    assert case.acknowledged_by.username == "cleo" and case.assigned_to.username == "cleo"
    assert CaseNote.objects.filter(case=case, author__username="cleo").count() == 1
    assert Case.objects.get(pk=queue["second"].pk).status == CaseStatus.NEW
