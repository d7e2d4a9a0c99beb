"""The review queue's sort headers and bulk actions (issue 19), clicked in chromium with the
database checked afterwards: sort by PHQ-9 and by flag level; select rows, "Assign the
selected cases to me"; select rows, "Close the selected routine cases", enter the reason on
the confirmation page and confirm (a flagged case among them is refused and stays open).
"""

import pytest

from ops.text import short_id
from screening.models import Case, CaseStatus, ScreeningRun
from tests.e2e.staff import log_in, submit_and_wait
from tests.factories import intake_payload, urgent_payload
from tests.screening.conftest import moderate_case, new_case, patient_fields, quiet_payload

pytestmark = pytest.mark.e2e

QUEUE = "/admin/screening/case/"


@pytest.fixture
def queue(transactional_db):
    """Four open cases of four patients: urgent, possible TRD (high), moderate, routine."""
    return {
        "urgent": new_case(urgent_payload(item9=2), **patient_fields()),
        "high": new_case(intake_payload(), **patient_fields()),
        "moderate": moderate_case(**patient_fields()),
        "routine": new_case(quiet_payload(), **patient_fields()),
    }


def shown_order(page) -> list[str]:
    return page.locator("#result_list tbody tr .field-case_ref code").all_inner_texts()


def phq9_of(case: Case) -> int:
    return ScreeningRun.objects.get(intake=case.intake).result["scores"]["phq9"]["total"]


def row(page, case):
    return page.locator("#result_list tbody tr").filter(
        has=page.locator(".field-case_ref code", has_text=short_id(case.pk))
    )


def choose_action(page, cases, action_label):
    for case in cases:
        row(page, case).locator("input.action-select").check()
    page.locator("select[name=action]").first.select_option(label=action_label)
    submit_and_wait(page, page.locator("button[name=index]").first)


def test_sort_by_phq9_and_by_flag_level(staff_page, live_server, queue, cleo):
    page = staff_page
    log_in(page, live_server, "cleo", QUEUE)
    cases = list(queue.values())
    # Default view: flagged first, routine last.
    assert shown_order(page)[-1] == short_id(queue["routine"].pk)

    submit_and_wait(page, page.locator("#result_list thead th.column-phq9 .text a"))
    totals = {short_id(c.pk): phq9_of(c) for c in cases}
    shown = [totals[ref] for ref in shown_order(page)]
    assert shown == sorted(shown) and len(shown) == 4
    # The header now toggles to the other direction.
    submit_and_wait(page, page.locator("#result_list thead th.column-phq9 a.toggle"))
    shown = [totals[ref] for ref in shown_order(page)]
    assert shown == sorted(shown, reverse=True)
    assert len(set(shown)) > 1  # the fixture's totals differ, so the order means something

    page.goto(f"{live_server.url}{QUEUE}")
    priorities = {short_id(c.pk): Case.objects.get(pk=c.pk).priority for c in cases}
    # The queue's default order is by flag level (the header shows it sorted); its header
    # sorts the other way, and back.
    assert [priorities[ref] for ref in shown_order(page)] == [0, 1, 2, 4]
    flags_header = page.locator("#result_list thead th.column-flag_badges")
    assert "sorted" in flags_header.get_attribute("class")
    submit_and_wait(page, flags_header.locator(".text a"))
    assert [priorities[ref] for ref in shown_order(page)] == [4, 2, 1, 0]
    submit_and_wait(page, page.locator("#result_list thead th.column-flag_badges a.toggle"))
    assert [priorities[ref] for ref in shown_order(page)] == [0, 1, 2, 4]
    assert page.js_errors == []


def test_bulk_assign_to_me(staff_page, live_server, queue, cleo):
    page = staff_page
    log_in(page, live_server, "cleo", QUEUE)
    choose_action(page, [queue["routine"], queue["moderate"]], "Assign the selected cases to me")
    assert "2 cases assigned to you." in page.locator(".messagelist").inner_text()
    for name in ("routine", "moderate"):
        assert Case.objects.get(pk=queue[name].pk).assigned_to == cleo
    assert Case.objects.get(pk=queue["high"].pk).assigned_to is None
    assert page.js_errors == []


def test_bulk_close_routine_with_one_reason_refuses_a_flagged_case(
    staff_page, live_server, queue, cleo
):
    page = staff_page
    second_routine = new_case(quiet_payload(), **patient_fields())
    log_in(page, live_server, "cleo", QUEUE)
    choose_action(
        page,
        [queue["routine"], second_routine, queue["high"]],
        "Close the selected routine cases (one reason)",
    )
    # The confirmation page: two to close, the flagged one refused with the reason why.
    assert page.get_by_test_id("bulk-close-cases").locator("li").count() == 2
    refused = page.get_by_test_id("bulk-close-refused").inner_text()
    assert short_id(queue["high"].pk) in refused and "only routine cases" in refused
    assert Case.objects.filter(status=CaseStatus.CLOSED).count() == 0  # nothing yet

    page.fill("#bulk-close-reason", "Routine screen, no concern; GP informed by letter.")
    submit_and_wait(page, page.locator("#bulk-close-confirm"))
    messages = page.locator(".messagelist").inner_text()
    assert "2 routine cases closed." in messages
    assert "1 case not closed" in messages
    for case in (queue["routine"], second_routine):
        closed = Case.objects.get(pk=case.pk)
        assert closed.status == CaseStatus.CLOSED
        assert closed.closed_reason == "Routine screen, no concern; GP informed by letter."
        assert closed.status_changed_by == cleo and closed.assigned_to == cleo
    assert Case.objects.get(pk=queue["high"].pk).status == CaseStatus.NEW
    assert page.js_errors == []


def test_bulk_close_of_flagged_cases_only_closes_nothing(staff_page, live_server, queue, cleo):
    page = staff_page
    log_in(page, live_server, "cleo", QUEUE)
    choose_action(
        page, [queue["urgent"], queue["moderate"]], "Close the selected routine cases (one reason)"
    )
    assert "only routine cases" in page.get_by_test_id("bulk-close-none").inner_text()
    assert page.locator("#bulk-close-confirm").count() == 0
    submit_and_wait(page, page.get_by_role("link", name="Back to the queue, nothing closed"))
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.NEW}
