"""Issue 20 wizard controls in a real browser (keyboard only): "Other / not listed" with its
name, "I don't remember the dose", the dose unit (µg), weeks at a full dose, and the
current-episode question with no pre-selected answer; the stored trial rows are checked."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from intake.models import Intake
from tests.e2e.patient import KeyboardUser, answer_phq9

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def reach_treatment_history(page, user, live_server):
    page.goto(f"{live_server.url}/intake/questionnaire/")
    user.tick("id_welcome-screening")
    user.press("Agree and start")
    user.type_into("id_about-you-given_name", "Ada")
    user.type_into("id_about-you-family_name", "Rivera")
    user.type_into("id_about-you-birth_date", "03141986")
    user.choose("about-you-sex_at_birth", 0)
    user.pick("id_about-you-state", "New York", "NY")
    user.press("Continue")
    user.expect_step(3, "How you have been feeling")
    answer_phq9(user, item9=0)
    user.press("Continue")
    user.expect_step(4, "Mood history")
    user.press("Continue")
    user.expect_step(5, "Alcohol and drugs")
    user.choose("alcohol-and-drugs-audit_c__q1", 1)
    user.choose("alcohol-and-drugs-audit_c__q2", 0)
    user.choose("alcohol-and-drugs-audit_c__q3", 0)
    user.type_into("id_alcohol-and-drugs-drug_screen__q1", "0")
    user.press("Continue")
    user.expect_step(6, "Eating, habits and worries")
    user.press("Continue")
    user.expect_step(7, "Stressful experiences")
    user.press("Skip this step")
    user.expect_step(8, "Your body")
    user.press("Continue")
    user.expect_step(9, "Treatment history")


def test_other_not_listed_dont_remember_and_no_default_episode(live_server, new_context):
    page = new_context().new_page()
    user = KeyboardUser(page)
    reach_treatment_history(page, user, live_server)

    # No answer is pre-selected for the episode questions (they feed the count).
    for name in ("treatment-history-med_current_0", "treatment-history-neuro_current_0"):
        radios = page.locator(f'input[type="radio"][name="{name}"]')
        expect(radios).to_have_count(2)
        for n in range(2):
            expect(radios.nth(n)).not_to_be_checked()

    # Row 1: a drug the list does not have, dose not remembered, episode left unanswered.
    other_name = page.locator("#id_treatment-history-med_other_0")
    expect(other_name).to_be_hidden()  # asked only after "Other / not listed"
    user.pick("id_treatment-history-med_name_0", "Other", "other")
    expect(other_name).to_be_visible()
    user.type_into("id_treatment-history-med_other_0", "Zuranolone")
    user.tick("id_treatment-history-med_dose_unknown_0")
    user.type_into("id_treatment-history-med_weeks_0", "2")
    user.choose("treatment-history-med_adherence_0", 0)
    user.pick("id_treatment-history-med_outcome_0", "No response", "no_response")

    # Row 2: sertraline, weeks at a full dose, current episode answered Yes.
    user.press("Add another medication")
    user.pick("id_treatment-history-med_name_1", "Sertraline", "sertraline")
    user.type_into("id_treatment-history-med_dose_1", "150")
    user.type_into("id_treatment-history-med_weeks_1", "12")
    user.choose("treatment-history-med_adherence_1", 0)
    user.pick("id_treatment-history-med_outcome_1", "No response", "no_response")
    user.choose("treatment-history-med_current_1", 0)  # Yes

    # Row 3: liothyronine in micrograms, current episode No.
    user.press("Add another medication")
    expect(page.locator("#id_treatment-history-med_other_0")).to_have_value("Zuranolone")
    expect(page.locator("#id_treatment-history-med_dose_unknown_0")).to_be_checked()
    user.pick("id_treatment-history-med_name_2", "Liothyronine", "liothyronine")
    user.type_into("id_treatment-history-med_dose_2", "25")
    user.pick("id_treatment-history-med_dose_unit_2", "micro", "ug")
    user.type_into("id_treatment-history-med_weeks_2", "6")
    user.choose("treatment-history-med_adherence_2", 0)
    user.pick("id_treatment-history-med_outcome_2", "Partial", "partial_response")
    user.choose("treatment-history-med_current_2", 1)  # No
    user.press("Continue")

    user.expect_step(10, "Care preferences")
    user.press("Continue")
    user.expect_step(11, "Check your answers and submit")
    expect(page.get_by_text("Zuranolone", exact=True).first).to_be_visible()
    user.press("Submit my answers")
    expect(page.locator("h1")).to_have_text("Thank you. Your answers have been sent.")

    rows = list(Intake.objects.get().medication_trials.order_by("position"))
    assert [
        (
            r.medication,
            r.medication_name,
            r.max_daily_dose_mg,
            r.weeks_at_adequate_dose,
            r.weeks_at_max_dose,
            r.current_episode,
        )
        for r in rows
    ] == [
        ("unlisted", "Zuranolone", None, Decimal("2"), None, None),
        ("sertraline", "", Decimal("150"), Decimal("12"), None, True),
        ("liothyronine", "", Decimal("0.025"), Decimal("6"), None, False),
    ]
