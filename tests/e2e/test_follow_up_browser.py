"""Browser tests of the follow-up loop: the patient's check-in page on a 390 px phone (answer,
send, see their scores; item 9 brings the safety questions in and opens an urgent case), the
unsubscribe button, and the clinician's Start/Stop follow-up buttons on the case page. Each
checks the database after the click."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups import links, services
from followups.models import FollowUpPlan, Occurrence
from intake.models import Intake
from screening.models import Case
from tests.e2e.staff import log_in, submit_and_wait
from tests.followups.helpers import baseline_intake

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def baseline_due_today(user=None) -> Intake:
    intake = baseline_intake(user)
    Intake.objects.filter(pk=intake.pk).update(submitted_at=timezone.now() - timedelta(days=14))
    intake.refresh_from_db()
    return intake


def plan_due_today(user, instruments=("phq9",)):
    return services.plan_start(
        intake=baseline_due_today(user),
        instruments=list(instruments),
        every_days=14,
        occurrences=2,
        channels=["email"],
        by=user,
    )


def phone_page(new_context):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    return page


def answer(page, name, value):
    page.click(f"label[for='id_{name}_{value}']")


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_check_in_on_a_phone_submits_and_shows_the_scores(live_server, new_context, cleo):
    plan = plan_due_today(cleo, instruments=("phq9", "gad7"))
    occurrence = plan.occurrence_set.get(number=1)
    page = phone_page(new_context)
    page.goto(live_server.url + f"/checkin/{links.checkin_token(occurrence.pk)}/")
    assert page.get_by_role("heading", name="Your check-in").is_visible()
    no_sideways_scroll(page)
    for n in range(1, 10):
        answer(page, f"phq9__q{n}", 1 if n < 9 else 0)
    for n in range(1, 8):
        answer(page, f"gad7__q{n}", 2)
    assert not page.locator("#section-cssrs_screen").is_visible()
    submit_and_wait(page, page.get_by_role("button", name="Send my answers"))
    assert page.get_by_test_id("lower-is-better").is_visible()
    assert page.get_by_test_id("chart-phq9").is_visible()
    no_sideways_scroll(page)
    assert page.js_errors == []

    occurrence.refresh_from_db()
    assert occurrence.state == "completed"
    follow_up = occurrence.follow_up
    assert follow_up.follow_up_of_id == plan.intake_id and not follow_up.urgent
    answers = {r.instrument: r.answers for r in follow_up.responses.all()}
    assert answers["phq9"]["q1"] == 1 and answers["phq9"]["q9"] == 0
    assert answers["gad7"]["q7"] == 2


def test_item9_on_a_phone_asks_the_safety_questions_and_opens_an_urgent_case(
    live_server, new_context, cleo
):
    plan = plan_due_today(cleo)
    occurrence = plan.occurrence_set.get(number=1)
    page = phone_page(new_context)
    page.goto(live_server.url + f"/checkin/{links.checkin_token(occurrence.pk)}/")
    for n in range(1, 9):
        answer(page, f"phq9__q{n}", 1)
    answer(page, "phq9__q9", 2)
    page.locator("#section-cssrs_screen").wait_for(state="visible")
    page.click("label[for='id_cssrs_screen__q1_0']")  # yes
    page.click("label[for='id_cssrs_screen__q2_1']")  # no
    page.click("label[for='id_cssrs_screen__q6_1']")  # no
    submit_and_wait(page, page.get_by_role("button", name="Send my answers"))
    assert page.get_by_role("heading", name="Please reach out for support now").is_visible()
    assert page.locator("a[href='tel:988']").first.is_visible()

    occurrence.refresh_from_db()
    follow_up = occurrence.follow_up
    assert follow_up.urgent
    case = Case.objects.get(memberships__intake=follow_up)
    assert case.urgent and case.is_open


def test_the_unsubscribe_button(live_server, new_context, cleo):
    plan = plan_due_today(cleo)
    page = phone_page(new_context)
    page.goto(live_server.url + f"/checkin-stop/{links.unsubscribe_token(plan.pk)}/")
    submit_and_wait(page, page.get_by_role("button", name="Stop the messages"))
    assert page.get_by_test_id("unsubscribed").is_visible()
    plan.refresh_from_db()
    assert plan.status == "stopped" and plan.stop_reason == "unsubscribed"


def test_a_clinician_starts_and_stops_a_follow_up_on_the_case_page(live_server, staff_page, cleo):
    intake = baseline_due_today(cleo)
    case = Case.objects.get(memberships__intake=intake)
    path = f"/admin/screening/case/{case.pk}/change/"
    log_in(staff_page, live_server, "cleo", path)
    form = staff_page.locator("#start-follow-up")
    form.locator("input[name=gad7]").check()
    form.locator("#fu-every").fill("28")
    form.locator("#fu-times").fill("3")
    form.locator("input[name=channels][value=sms]").check()
    submit_and_wait(staff_page, staff_page.locator("[data-action=start_follow_up]"))
    plan = FollowUpPlan.objects.get(intake=intake)
    assert plan.status == "active" and plan.created_by == cleo
    assert plan.instruments == ["phq9", "gad7"] and plan.every_days == 28
    assert sorted(plan.channels) == ["email", "sms"]
    assert Occurrence.objects.filter(plan=plan).count() == 3
    assert "Plan active" in staff_page.get_by_test_id("follow-up-status").inner_text()

    submit_and_wait(staff_page, staff_page.locator("[data-action=stop_follow_up]"))
    plan.refresh_from_db()
    assert plan.status == "stopped" and plan.stopped_by == cleo
    assert staff_page.js_errors == []
