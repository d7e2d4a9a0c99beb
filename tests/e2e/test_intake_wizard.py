"""The patient web intake in a real browser, with the keyboard only (no mouse clicks)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from intake.models import Intake, IntakeDraft
from screening.models import Case
from tests.e2e.patient import KeyboardUser, answer_phq9

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_whole_wizard_by_keyboard_with_a_break_and_resume_in_another_browser(
    live_server, new_context
):
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(f"{live_server.url}/intake/")
    link = page.get_by_role("link", name="Start the questionnaire")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/intake/questionnaire/welcome/$"))

    # 1. Consent: Space ticks the box, Tab reaches "Agree and start", Enter presses it.
    user.expect_step(1, "Welcome and consent")
    user.tick("id_welcome-screening")
    user.tab()
    assert user.focused()[2] == "Agree and start"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # 2. About you: an error first (keyboard focus goes to the summary), then fixed.
    user.expect_step(2, "About you")
    user.press("Continue")
    assert page.title().startswith("Error: About you")
    assert user.focused()[1] == "error-summary"
    user.type_into("id_about-you-given_name", "Ada")
    user.type_into("id_about-you-family_name", "Rivera")
    user.type_into("id_about-you-birth_date", "03141986")
    expect(page.locator("#id_about-you-birth_date")).to_have_value("1986-03-14")
    user.choose("about-you-sex_at_birth", 0)
    user.type_into("id_about-you-email", "ada@example.org")
    user.pick("id_about-you-state", "New York", "NY")
    user.type_into("id_about-you-postal_code", "10027")
    user.tick("id_about-you-languages_0")
    with page.expect_navigation():  # Enter in a text box continues (the default button)
        page.keyboard.press("Enter")

    # 3. How you have been feeling: PHQ-9 by arrow keys; GAD-7 left blank (optional).
    user.expect_step(3, "How you have been feeling")
    expect(page.locator("#section-cssrs_screen")).to_be_hidden()
    answer_phq9(user, item9=0)
    user.press("Continue")

    # 4. Mood history: the patient stops here and takes the resume link.
    user.expect_step(4, "Mood history")
    resume_url = page.locator("#resume-link").input_value()
    # Only the draft's opaque id, a timestamp and a signature: no answers, no name or email.
    assert re.fullmatch(
        rf"{re.escape(live_server.url)}/intake/resume/[0-9a-f]{{32}}:[0-9A-Za-z]+:[\w-]+/",
        resume_url,
    )
    user.press("Save and continue later")
    expect(page.locator("h1")).to_have_text("Your answers are saved")
    page.context.close()

    # Another browser (no cookies), another time: the link restores the wizard.
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(resume_url)
    user.expect_step(4, "Mood history")
    user.press("Back")
    user.expect_step(3, "How you have been feeling")
    expect(page.locator("#id_feeling-phq9__q2_3")).to_be_checked()  # answers came along
    user.press("Continue")
    user.expect_step(4, "Mood history")
    user.press("Continue")

    user.expect_step(5, "Alcohol and drugs")
    user.choose("alcohol-and-drugs-audit_c__q1", 1)
    user.choose("alcohol-and-drugs-audit_c__q2", 0)
    user.choose("alcohol-and-drugs-audit_c__q3", 0)
    user.type_into("id_alcohol-and-drugs-drug_screen__q1", "0")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    user.expect_step(6, "Eating, habits and worries")
    part_b = page.locator("#id_eating-habits-worries-panic_screen__a2_group")
    expect(part_b).to_be_hidden()  # with JavaScript, asked only after a yes to a1
    user.choose("eating-habits-worries-panic_screen__a1", 0)  # Yes
    expect(part_b).to_be_visible()
    user.choose("eating-habits-worries-panic_screen__a1", 1)  # changed mind: No
    expect(part_b).to_be_hidden()
    user.press("Continue")

    user.expect_step(7, "Stressful experiences")
    user.press("Skip this step")

    user.expect_step(8, "Your body")
    user.press("Continue")

    # 9. Treatment history: a medication via the catalogue picker, then "add another".
    user.expect_step(9, "Treatment history")
    user.pick("id_treatment-history-med_name_0", "Sertraline", "sertraline")
    user.type_into("id_treatment-history-med_dose_0", "150")
    user.type_into("id_treatment-history-med_weeks_0", "8")
    user.choose("treatment-history-med_adherence_0", 1)
    user.pick("id_treatment-history-med_outcome_0", "No response", "no_response")
    user.press("Add another medication")
    assert user.focused()[1] == "id_treatment-history-med_name_1"  # focus in the new row
    expect(page.locator("#id_treatment-history-med_dose_0")).to_have_value("150")
    user.pick("id_treatment-history-med_name_1", "Escitalopram", "escitalopram")
    user.type_into("id_treatment-history-med_dose_1", "20")
    user.type_into("id_treatment-history-med_weeks_1", "8")
    user.choose("treatment-history-med_adherence_1", 0)
    user.pick("id_treatment-history-med_outcome_1", "Partial", "partial_response")
    user.press("Continue")

    user.expect_step(10, "Care preferences")
    user.choose("care-preferences-modality", 2)
    user.press("Continue")

    user.expect_step(11, "Check your answers and submit")
    for text in ("Ada", "Sertraline (Zoloft)", "Escitalopram (Lexapro)", "Nearly every day"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    user.press("Submit my answers")

    expect(page.locator("h1")).to_have_text("Thank you. Your answers have been sent.")
    expect(page.get_by_text("A clinician on the care team reviews your answers")).to_be_visible()
    intake = Intake.objects.get()
    assert intake.source == "web"
    assert list(intake.medication_trials.values_list("medication", flat=True)) == [
        "sertraline",
        "escitalopram",
    ]
    assert IntakeDraft.objects.get().submitted_intake == intake


def test_item9_brings_the_safety_questions_and_ends_on_the_crisis_page(live_server, new_context):
    page = new_context(viewport={"width": 375, "height": 812}).new_page()
    user = KeyboardUser(page)
    page.goto(f"{live_server.url}/intake/questionnaire/")
    user.tick("id_welcome-screening")
    user.press("Agree and start")
    user.type_into("id_about-you-birth_date", "07041990")
    user.choose("about-you-sex_at_birth", 1)
    user.pick("id_about-you-state", "California", "CA")
    user.press("Continue")

    user.expect_step(3, "How you have been feeling")
    cssrs = page.locator("#section-cssrs_screen")
    expect(cssrs).to_be_hidden()
    answer_phq9(user, item9=2)
    expect(cssrs).to_be_visible()  # revealed at once, no page load
    expect(page.locator("#id_feeling-cssrs_shown")).to_have_value("1")
    user.choose("feeling-cssrs_screen__q1", 0)  # Yes
    user.choose("feeling-cssrs_screen__q2", 1)  # No
    expect(page.locator("#id_feeling-cssrs_screen__q3_group")).to_be_hidden()
    user.choose("feeling-cssrs_screen__q6", 1)  # No
    page.screenshot(path="/tmp/intake-feeling-375.png", full_page=True)
    user.press("Continue")

    # Lower risk: the 988 page at once (988 first, 911 last), then a clear way on.
    expect(page.locator("h1")).to_have_text("Please reach out for support now")
    expect(page.get_by_role("link", name="Call 988", exact=True).first).to_have_attribute(
        "href", "tel:988"
    )
    case = Case.objects.get()
    assert case.urgent and case.intake_id is None
    assert case.safety_event.risk_level == "low"
    page.get_by_role("link", name="Continue the questionnaire").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    user.expect_step(4, "Mood history")
    assert IntakeDraft.objects.get().current_step == "mood-history"

    for number in range(4, 11):
        expect(page.locator("#progress")).to_have_text(f"Step {number} of 11")
        user.press("Continue")
    user.expect_step(11, "Check your answers and submit")
    user.press("Submit my answers")

    expect(page.locator("h1")).to_have_text("Please reach out for support now")
    expect(page.get_by_text("Call or text 988", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Call 988", exact=True)).to_have_attribute(
        "href", "tel:988"
    )
    expect(page.get_by_text("Call 988 and press 1, or text 838255")).to_be_visible()
    expect(page.get_by_text("Call 988 and press 2")).to_be_visible()
    intake = Intake.objects.get()
    assert intake.urgent is True
    assert intake.risk_level == "low"
    assert Case.objects.get().intake == intake  # joined the case the mood step opened
    page.get_by_role("link", name="Continue: what happens next").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("A clinician on the care team reviews your answers")).to_be_visible()


def test_high_risk_on_the_mood_step_interrupts_and_reaches_on_call_even_if_abandoned(
    live_server, new_context, cleo
):
    """Issue 16: the patient answers high risk on step 3, sees "call 911 / 988 now", closes
    the browser. The queue shows an urgent unfinished-intake case, on-call was emailed once;
    resumed and submitted later, the intake joins that case (no second case or email)."""
    mail.outbox.clear()
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(f"{live_server.url}/intake/questionnaire/")
    user.tick("id_welcome-screening")
    user.press("Agree and start")
    user.type_into("id_about-you-given_name", "Ada")
    user.type_into("id_about-you-family_name", "Rivera")
    user.type_into("id_about-you-birth_date", "03141986")
    user.choose("about-you-sex_at_birth", 0)
    user.type_into("id_about-you-email", "ada@example.org")
    user.type_into("id_about-you-phone", "+1 212 555 0100")
    user.pick("id_about-you-state", "New York", "NY")
    user.press("Continue")

    user.expect_step(3, "How you have been feeling")
    resume_url = page.locator("#resume-link").input_value()
    answer_phq9(user, item9=3)  # nearly every day
    for item in ("q1", "q2", "q3", "q4", "q5"):  # thoughts, method, intent, plan: yes
        user.choose(f"feeling-cssrs_screen__{item}", 0)
    user.choose("feeling-cssrs_screen__q6", 1)
    user.press("Continue")

    expect(page.locator("h1")).to_have_text("Please call 911 or 988 now")
    call_911 = page.get_by_role("link", name="Call 911", exact=True).first
    expect(call_911).to_have_attribute("href", "tel:911")
    expect(page.get_by_role("link", name="Text 988", exact=True).first).to_have_attribute(
        "href", "sms:988"
    )
    box_911 = call_911.bounding_box()
    box_988 = page.locator("main").get_by_role("link", name="Call 988", exact=True).first
    assert box_911["y"] < box_988.bounding_box()["y"]  # 911 comes first
    expect(page.get_by_role("link", name="Continue the questionnaire")).to_be_visible()
    assert "Ada" not in page.url and "911" not in page.url
    page.context.close()  # the patient stops here

    case = Case.objects.select_related("safety_event").get()
    assert case.urgent and case.intake_id is None and case.safety_event.risk_level == "high"
    assert len(mail.outbox) == 1
    assert str(case.pk) in mail.outbox[0].body and "Ada" not in mail.outbox[0].body

    # The clinician's queue: an urgent unfinished-intake case, with what was given so far.
    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(f"{live_server.url}/admin/login/?next=/admin/screening/case/")
    staff.fill("#id_username", "cleo")
    staff.fill("#id_password", "pw-cleo")
    staff.click("input[type=submit]")
    staff.wait_for_url("**/admin/screening/case/")
    row = staff.locator("#result_list tbody tr").first
    expect(row.get_by_test_id("unfinished-badge")).to_have_text("unfinished intake")
    expect(row).to_contain_text("Suicide risk")
    expect(row).to_contain_text("not acknowledged")
    row.locator("th.field-patient a").click()
    staff.wait_for_url(f"**/admin/screening/case/{case.pk}/change/")
    contact = staff.locator("#contact-so-far")
    expect(contact).to_contain_text("Ada Rivera")
    expect(contact).to_contain_text("ada@example.org")
    expect(contact).to_contain_text("+1 212 555 0100")
    expect(staff.locator("[data-flag=suicide_risk]")).to_contain_text(
        "Possible suicide risk (C-SSRS high)"
    )

    # Later, another browser: the resume link, the rest of the steps, submit.
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(resume_url)
    user.expect_step(4, "Mood history")
    for number in range(4, 11):
        expect(page.locator("#progress")).to_have_text(f"Step {number} of 11")
        user.press("Skip this step" if number == 7 else "Continue")
    user.press("Submit my answers")
    expect(page.locator("h1")).to_have_text("Please reach out for support now")

    intake = Intake.objects.get()
    assert intake.urgent and intake.risk_level == "high"
    assert Case.objects.count() == 1
    assert Case.objects.get().intake == intake
    assert len(mail.outbox) == 1  # no second page to on-call
