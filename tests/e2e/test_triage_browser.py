"""One-step triage in chromium (issue 19): "Take" from a queue row and from the case page, the
next case opening after a close or a referral, the case page's keyboard shortcuts, and the
queue and referral list fitting a 1280 x 800 screen. Every click or key is followed by a look
at the database.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.services import referral_create
from screening.models import Case, CaseNote, CaseStatus
from tests.e2e.staff import log_in, submit_and_wait
from tests.referrals.conftest import make_provider
from tests.screening.conftest import moderate_case, new_case, urgent_case

pytestmark = pytest.mark.e2e

QUEUE = "/admin/screening/case/"


@pytest.fixture
def triage(transactional_db):
    """Four open cases in queue order: two urgent (older first), a possible-TRD one, a moderate
    one."""
    cases = {
        "urgent1": urgent_case(
            given_name="Ada", family_name="Rivera", external_id="MRN-K1", email="k1@example.org"
        ),
        "urgent2": urgent_case(
            given_name="Ben", family_name="Okafor", external_id="MRN-K2", email="k2@example.org"
        ),
        "trd": new_case(
            given_name="Chloe", family_name="Ng", external_id="MRN-K3", email="k3@example.org"
        ),
        "moderate": moderate_case(
            given_name="Dev", family_name="Patel", external_id="MRN-K4", email="k4@example.org"
        ),
    }
    now = timezone.now()
    for hours, case in zip((4, 3, 2, 1), cases.values(), strict=True):
        Case.objects.filter(pk=case.pk).update(opened_at=now - timedelta(hours=hours))
    return cases


def db(case) -> Case:
    return Case.objects.select_related("assigned_to", "acknowledged_by").get(pk=case.pk)


def case_path(case) -> str:
    return f"/admin/screening/case/{case.pk}/change/"


def on_case(page, case) -> bool:
    return case_path(case) in page.url


def press_and_wait(page, key):
    """Press a shortcut that loads a page; wait for it."""
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press(key)


def test_take_from_the_row_close_lands_on_the_next_case_take_there(
    staff_page, live_server, triage, cleo
):
    page = staff_page
    first, second = triage["urgent1"], triage["urgent2"]
    log_in(page, live_server, "cleo", QUEUE)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4
    assert "Ada Rivera" in rows.first.inner_text()
    # The patient's name is the row's link.
    assert rows.first.locator("th.field-patient a").inner_text().startswith("Ada Rivera")

    submit_and_wait(page, rows.first.get_by_role("button", name="Take", exact=True))
    assert on_case(page, first)
    case = db(first)
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
    assert case.acknowledged_by == cleo and case.acknowledged_at is not None
    assert "Case taken" in page.locator(".messagelist").inner_text()
    workflow = page.locator("#workflow")
    assert workflow.get_by_role("button", name="Take", exact=True).count() == 0

    page.fill("#close-reason", "Safe plan agreed on the phone; GP follows up.")
    submit_and_wait(page, workflow.get_by_role("button", name="Close", exact=True))
    assert db(first).status == CaseStatus.CLOSED
    assert on_case(page, second)  # the next case in the queue opened
    assert "Case closed." in page.locator(".messagelist").inner_text()
    assert page.get_by_role("link", name="Back to the queue").is_visible()
    assert db(second).status == CaseStatus.NEW

    submit_and_wait(page, workflow.get_by_role("button", name="Take", exact=True))
    assert on_case(page, second)
    case = db(second)
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
    assert case.acknowledged_by == cleo

    submit_and_wait(page, page.get_by_role("link", name="Back to the queue"))
    assert page.url.endswith(QUEUE)
    assert page.locator("#result_list tbody tr").count() == 3  # the closed one left the queue
    assert page.js_errors == []


def test_take_from_a_routine_row_does_not_acknowledge(staff_page, live_server, triage, cleo):
    page = staff_page
    log_in(page, live_server, "cleo", QUEUE)
    row = page.locator("#result_list tbody tr", has_text="Dev Patel")
    submit_and_wait(page, row.get_by_role("button", name="Take", exact=True))
    assert on_case(page, triage["moderate"])
    case = db(triage["moderate"])
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
    assert case.acknowledged_at is None
    assert page.js_errors == []


def test_every_keyboard_shortcut(staff_page, live_server, triage, cleo):
    page = staff_page
    first, second, trd = triage["urgent1"], triage["urgent2"], triage["trd"]
    log_in(page, live_server, "cleo", case_path(first))
    shortcuts = page.locator("#shortcuts")
    for key in ("j", "k", "t", "n", "r", "c", "q"):
        assert shortcuts.locator("kbd", has_text=key).count() >= 1

    # t: take.
    press_and_wait(page, "t")
    case = db(first)
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
    assert case.acknowledged_by == cleo

    # n: the note box; typing there never fires a shortcut (j, k, t, r, c, q are all typed).
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-text"
    page.keyboard.type("Talked: just quick check, track recovery")
    assert on_case(page, first)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Control+Enter")
    note = CaseNote.objects.get(case=first)
    assert note.text == "Talked: just quick check, track recovery" and note.author == cleo
    assert db(first).status == CaseStatus.IN_REVIEW  # no "r" or "c" fired while typing

    # j / k: next and previous case in the queue.
    press_and_wait(page, "j")
    assert on_case(page, second)
    press_and_wait(page, "k")
    assert on_case(page, first)

    # r: refer; the next case opens.
    press_and_wait(page, "r")
    assert db(first).status == CaseStatus.REFERRED
    assert on_case(page, second)

    # c: the closing reason; Ctrl+Enter closes; the next case opens.
    press_and_wait(page, "t")
    assert db(second).assigned_to == cleo
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "close-reason"
    page.keyboard.type("Known to the crisis team; care plan current.")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Control+Enter")
    case = db(second)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_reason == "Known to the crisis team; care plan current."
    assert on_case(page, trd)

    # q: back to the queue.
    press_and_wait(page, "q")
    assert page.url.endswith(QUEUE)
    assert page.js_errors == []


def test_queue_and_referral_list_fit_1280_by_800(new_context, live_server, triage, cleo):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    for case in list(triage.values())[:2]:  # one taken, one assigned to someone: both columns
        Case.objects.filter(pk=case.pk).update(assigned_to=cleo)
    provider = make_provider(name="A Rather Long Practice Name For Wrapping, Psychiatry")
    for case in triage.values():
        referral_create(intake=case.intake, provider=provider, by=cleo, note="Please see soon.")
    log_in(page, live_server, "cleo", QUEUE)

    def overflow(name):
        """Fails if the page, or the results box (the admin gives it its own horizontal
        scrollbar, which hides columns just the same), is wider than its window."""
        sizes = page.evaluate(
            """() => {
                const page = document.documentElement;
                const results = document.querySelector('#changelist .results');
                return [[page.scrollWidth, page.clientWidth],
                        [results.scrollWidth, results.clientWidth]];
            }"""
        )
        for (scroll, client), box in zip(sizes, ("page", "results"), strict=True):
            assert scroll <= client, f"{name} {box}: {scroll} px wide in {client} px"

    overflow("queue")
    assert page.locator("#result_list th.column-waiting").is_visible()
    assert page.locator("#result_list th.column-assignee").is_visible()
    page.goto(f"{live_server.url}/admin/referrals/referral/")
    assert page.locator("#result_list tbody tr").count() == 4
    overflow("referral list")
