"""The published skip patterns in a real browser (issue 20 item 5): AUDIT-C items 2-3 and MDQ
question 2 appear only when they apply, and a non-drinker submits without them."""

import pytest
from playwright.sync_api import expect

from clinical.rules.mdq import mdq_score
from intake.models import Intake
from tests.e2e.patient import KeyboardUser, answer_phq9

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YES, NO = 0, 1  # option positions of a yes/no question


def test_a_non_drinker_is_never_shown_items_2_and_3_and_submits(live_server, new_context):
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(f"{live_server.url}/intake/questionnaire/")
    user.tick("id_welcome-screening")
    user.press("Agree and start")
    user.type_into("id_about-you-birth_date", "07041990")
    user.choose("about-you-sex_at_birth", 1)
    user.pick("id_about-you-state", "California", "CA")
    user.press("Continue")
    user.expect_step(3, "How you have been feeling")
    answer_phq9(user, item9=0)
    user.press("Continue")

    # MDQ question 2 appears from the second symptom on, and goes again when it is taken back.
    user.expect_step(4, "Mood history")
    q2 = page.locator("#id_mood-history-mdq__q2_group")
    expect(q2).to_be_hidden()
    user.choose("mood-history-mdq__q1a", YES)
    expect(q2).to_be_hidden()
    user.choose("mood-history-mdq__q1b", YES)
    expect(q2).to_be_visible()
    user.choose("mood-history-mdq__q1b", NO)
    expect(q2).to_be_hidden()
    for letter in "cdefghijklm":
        user.choose(f"mood-history-mdq__q1{letter}", NO)
    user.choose("mood-history-mdq__q3", 2)  # moderate problem
    user.press("Continue")

    # AUDIT-C items 2-3 stay hidden for "Never" and appear for any drinking.
    user.expect_step(5, "Alcohol and drugs")
    items_2_3 = page.locator("#id_alcohol-and-drugs-audit_c__q2_group")
    expect(items_2_3).to_be_hidden()
    user.choose("alcohol-and-drugs-audit_c__q1", 1)  # monthly or less
    expect(items_2_3).to_be_visible()
    expect(page.get_by_text("How many standard drinks")).to_be_visible()
    user.choose("alcohol-and-drugs-audit_c__q1", 0)  # never
    expect(items_2_3).to_be_hidden()
    expect(page.get_by_text("How many standard drinks")).to_be_hidden()
    user.press("Continue")

    for number in range(6, 11):
        expect(page.locator("#progress")).to_have_text(f"Step {number} of 11")
        user.press("Continue")
    user.expect_step(11, "Check your answers and submit")
    user.press("Submit my answers")
    expect(page.get_by_text("A clinician on the care team reviews your answers")).to_be_visible()

    answers = {r.instrument: r.answers for r in Intake.objects.get().responses.all()}
    assert answers["audit_c"] == {"q1": 0}
    assert "q2" not in answers["mdq"] and answers["mdq"]["q1a"] is True
    assert mdq_score(answers["mdq"]).positive is False


def test_still_taking_it_is_answered_on_a_medication_row(live_server, new_context):
    """The new "Are you still taking it?" question: nothing chosen until the patient answers;
    Yes is stored as ongoing, and a 3-week course without response is then too early."""
    page = new_context().new_page()
    user = KeyboardUser(page)
    page.goto(f"{live_server.url}/intake/questionnaire/")
    user.tick("id_welcome-screening")
    user.press("Agree and start")
    user.type_into("id_about-you-birth_date", "07041990")
    user.choose("about-you-sex_at_birth", 1)
    user.pick("id_about-you-state", "California", "CA")
    user.press("Continue")
    answer_phq9(user, item9=0)
    user.press("Continue")
    for number in range(4, 9):
        expect(page.locator("#progress")).to_have_text(f"Step {number} of 11")
        user.press("Continue")

    user.expect_step(9, "Treatment history")
    ongoing = page.locator('input[name="treatment-history-med_ongoing_0"]')
    expect(ongoing).to_have_count(2)
    expect(ongoing.nth(0)).not_to_be_checked()
    expect(ongoing.nth(1)).not_to_be_checked()
    user.pick("id_treatment-history-med_name_0", "Sertraline", "sertraline")
    user.type_into("id_treatment-history-med_dose_0", "100")
    user.type_into("id_treatment-history-med_weeks_0", "3")
    user.choose("treatment-history-med_adherence_0", 0)
    user.pick("id_treatment-history-med_outcome_0", "No response", "no_response")
    user.choose("treatment-history-med_ongoing_0", YES)
    user.press("Continue")
    user.expect_step(10, "Care preferences")
    user.press("Continue")
    user.expect_step(11, "Check your answers and submit")
    expect(page.get_by_text("Are you still taking it?").first).to_be_visible()
    user.press("Submit my answers")
    expect(page.get_by_text("A clinician on the care team reviews your answers")).to_be_visible()

    trial = Intake.objects.get().medication_trials.get()
    assert (trial.medication, trial.ongoing) == ("sertraline", True)
