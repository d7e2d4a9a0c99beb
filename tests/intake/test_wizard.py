"""The patient web intake wizard, driven through Django's test client like a browser without
JavaScript: each step's validation, skip logic, the C-SSRS screen brought in by PHQ-9 item 9,
Back, "add another", the review page and the submission through the API's serializer."""

import ipaddress
import re
import uuid

import pytest
from django.test import Client

from intake.forms import AboutYouForm, FeelingForm, submission_from_forms
from intake.models import Intake, IntakeDraft, MedicationTrial, Patient, PossibleMatch
from intake.serializers import IntakeSubmissionSerializer
from ops.api import flatten_errors
from tests.intake.conftest import (
    STEP_ORDER,
    WIZARD_URL,
    complete_steps,
    form_data,
    post_step,
    step_url,
    valid_answers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def html(response) -> str:
    return response.content.decode()


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", html(response), re.S).group(1).strip()


def error_links(response) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html(response), re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def is_checked(response, name: str, value: str) -> bool:
    pattern = (
        rf'<input type="radio" name="{re.escape(name)}" value="{re.escape(value)}"[^>]*checked'
    )
    return re.search(pattern, html(response)) is not None


def stored_step(client, step):
    draft = IntakeDraft.objects.get(pk=client.session["intake_draft_id"])
    return draft.data.get(step)


class TestPages:
    def test_start_links_to_the_wizard_which_opens_on_step_one(self, client):
        assert 'href="/intake/questionnaire/"' in html(client.get("/intake/"))
        response = client.get(WIZARD_URL)
        assert response.status_code == 302
        assert response["Location"] == step_url("welcome")
        page = client.get(step_url("welcome"))
        assert page.status_code == 200
        assert "Step 1 of 11" in html(page)
        assert title(page).startswith("Welcome and consent (step 1 of 11)")
        assert '<html lang="en">' in html(page)
        assert 'href="tel:988"' in html(page)  # the crisis line on every page

    def test_every_step_names_itself_in_the_title_and_progress(self, client):
        complete_steps(client, until="review")
        for number, step in enumerate(STEP_ORDER, start=1):
            page = client.get(step_url(step))
            assert page.status_code == 200, step
            assert f"Step {number} of 11" in html(page)
            assert f"(step {number} of 11)" in title(page)

    def test_every_input_has_a_label_and_radio_groups_a_legend(self, client):
        complete_steps(client, until="review")
        for step in STEP_ORDER:
            page = html(client.get(step_url(step)))
            for input_id in re.findall(r'<(?:input|select)[^>]*\bid="(id_[^"]+)"', page):
                if re.search(rf'<input type="hidden"[^>]*id="{input_id}"', page):
                    continue
                assert f'for="{input_id}"' in page, (step, input_id)
            assert page.count("<fieldset") == page.count("<legend"), step

    def test_cannot_jump_ahead_of_unfinished_steps(self, client):
        response = client.get(step_url("review"))
        assert response["Location"] == step_url("welcome")
        response = post_step(client, "feeling", valid_answers("feeling"))
        assert response["Location"] == step_url("welcome")
        assert IntakeDraft.objects.count() == 0

    def test_csrf_is_enforced_on_wizard_posts(self):
        strict = Client(enforce_csrf_checks=True)
        response = strict.post(step_url("welcome"), form_data("welcome", {"screening": "on"}))
        assert response.status_code == 403


class TestStepValidation:
    def test_consent_is_required_and_the_error_summary_links_to_the_box(self, client):
        response = post_step(client, "welcome", {})
        assert response.status_code == 200
        assert title(response).startswith("Error: Welcome and consent")
        assert error_links(response) == ["id_welcome-screening"]
        assert 'id="error-summary" tabindex="-1" autofocus' in html(response)
        assert IntakeDraft.objects.count() == 0  # nothing is stored before consent

    def test_about_you_uses_the_api_rules(self, client):
        complete_steps(client, until="about-you")
        answers = valid_answers("about-you")
        answers.update(birth_date="2015-01-01", postal_code="", state="")
        response = post_step(client, "about-you", answers)
        assert response.status_code == 200
        assert set(error_links(response)) == {"id_about-you-birth_date", "id_about-you-state"}
        assert "This service is for adults" in html(response)

    def test_zip_code_must_be_in_the_state(self, client):
        complete_steps(client, until="about-you")
        answers = valid_answers("about-you")
        answers["state"] = "CA"
        response = post_step(client, "about-you", answers)
        assert error_links(response) == ["id_about-you-postal_code"]
        assert "This ZIP code is not in CA." in html(response)

    def test_phq9_is_required_in_full(self, client):
        complete_steps(client, until="feeling")
        answers = valid_answers("feeling")
        del answers["phq9__q3"], answers["phq9__q7"]
        response = post_step(client, "feeling", answers)
        assert response.status_code == 200
        assert error_links(response) == ["id_feeling-phq9__q3_0", "id_feeling-phq9__q7_0"]
        assert "PHQ-9 question 3: Choose an answer." in html(response)

    def test_an_optional_questionnaire_may_be_blank_but_not_half_done(self, client):
        complete_steps(client, until="feeling")
        answers = {k: v for k, v in valid_answers("feeling").items() if k.startswith("phq9")}
        assert post_step(client, "feeling", answers).status_code == 302
        assert "gad7" not in str(stored_step(client, "feeling"))

        answers["gad7__q1"] = "2"
        response = post_step(client, "feeling", answers)
        assert response.status_code == 200
        assert len(error_links(response)) == 6  # gad7 q2..q7
        assert "leave every GAD-7 question blank" in html(response)

    def test_an_invalid_option_is_refused(self, client):
        complete_steps(client, until="feeling")
        answers = valid_answers("feeling")
        answers["phq9__q1"] = "7"
        response = post_step(client, "feeling", answers)
        assert error_links(response) == ["id_feeling-phq9__q1_0"]
        assert "Select a valid choice" in html(response)

    def test_drug_screen_count_is_a_whole_number_in_range(self, client):
        complete_steps(client, until="alcohol-and-drugs")
        for bad in ("-1", "2.5", "lots", "99999999"):
            answers = {**valid_answers("alcohol-and-drugs"), "drug_screen__q1": bad}
            response = post_step(client, "alcohol-and-drugs", answers)
            assert error_links(response) == ["id_alcohol-and-drugs-drug_screen__q1"], bad


class TestSafetyQuestions:
    def test_item9_above_zero_brings_the_cssrs_into_the_same_step(self, client):
        complete_steps(client, until="feeling")
        answers = {**valid_answers("feeling"), "phq9__q9": "2"}
        response = post_step(client, "feeling", answers)
        assert response.status_code == 200  # the same step again
        page = html(response)
        assert 'id="section-cssrs_screen"' in page
        assert 'id="section-cssrs_screen" aria-labelledby="section-cssrs_screen-heading">' in page
        assert "A few more questions" in page
        assert "Have you actually had any thoughts of killing yourself?" in page
        assert is_checked(response, "feeling-phq9__q9", "2")  # answers kept
        assert is_checked(response, "feeling-gad7__q1", "1")
        assert not title(response).startswith("Error")  # a notice, not an error
        assert 'name="feeling-cssrs_shown" id="id_feeling-cssrs_shown" value="1"' in page

        # Posted again without answering them: now they are required.
        response = post_step(client, "feeling", {**answers, "cssrs_shown": "1"})
        assert error_links(response) == [
            "id_feeling-cssrs_screen__q1_0",
            "id_feeling-cssrs_screen__q2_0",
            "id_feeling-cssrs_screen__q6_0",
        ]

        # Q2 yes makes Q3-Q5 required; Q6 yes makes Q6a required.
        cssrs = {"cssrs_screen__q1": "true", "cssrs_screen__q2": "true", "cssrs_screen__q6": "true"}
        response = post_step(client, "feeling", {**answers, **cssrs, "cssrs_shown": "1"})
        assert error_links(response) == [
            "id_feeling-cssrs_screen__q3_0",
            "id_feeling-cssrs_screen__q4_0",
            "id_feeling-cssrs_screen__q5_0",
            "id_feeling-cssrs_screen__q6a_0",
        ]
        cssrs.update(
            cssrs_screen__q3="false",
            cssrs_screen__q4="false",
            cssrs_screen__q5="false",
            cssrs_screen__q6a="false",
        )
        response = post_step(client, "feeling", {**answers, **cssrs, "cssrs_shown": "1"})
        assert response.status_code == 302
        assert stored_step(client, "feeling")["feeling-cssrs_screen__q3"] == ["false"]

    def test_cssrs_section_is_hidden_when_item9_is_zero(self, client):
        complete_steps(client, until="feeling")
        page = html(client.get(step_url("feeling")))
        assert re.search(r'id="section-cssrs_screen"[^>]*\bhidden\b', page)
        assert 'data-show-when-name="feeling-phq9__q9"' in page

    def test_cssrs_answers_are_discarded_when_item9_is_zero(self, client):
        complete_steps(client, until="feeling")
        answers = {**valid_answers("feeling"), "cssrs_screen__q1": "true", "cssrs_shown": "1"}
        assert post_step(client, "feeling", answers).status_code == 302
        assert not any("cssrs" in key for key in stored_step(client, "feeling"))

    def test_answers_to_questions_not_asked_are_discarded(self, client):
        complete_steps(client, until="feeling")
        cssrs = {
            "cssrs_screen__q1": "true",
            "cssrs_screen__q2": "false",
            "cssrs_screen__q3": "true",  # asked only after Q2 yes
            "cssrs_screen__q6": "false",
            "cssrs_screen__q6a": "true",  # asked only after Q6 yes
            "cssrs_shown": "1",
        }
        answers = {**valid_answers("feeling"), "phq9__q9": "1", **cssrs}
        assert post_step(client, "feeling", answers).status_code == 302
        stored = stored_step(client, "feeling")
        assert "feeling-cssrs_screen__q3" not in stored
        assert "feeling-cssrs_screen__q6a" not in stored
        assert stored["feeling-cssrs_screen__q2"] == ["false"]

    def test_conditional_items_carry_a_hint_without_javascript(self, client):
        complete_steps(client, until="stressful-experiences")
        page = html(client.get(step_url("stressful-experiences")))
        assert "Answer only if you answered Yes to “Have you ever experienced this kind" in page
        complete_steps(client, until="eating-habits-worries")
        page = html(client.get(step_url("eating-habits-worries")))
        assert "Answer only if you answered Yes to “In the last 4 weeks, have you had" in page

    def test_panic_part_b_is_discarded_after_a1_no(self, client):
        complete_steps(client, until="eating-habits-worries")
        answers = {"panic_screen__a1": "false", "panic_screen__b1": "true"}
        assert post_step(client, "eating-habits-worries", answers).status_code == 302
        assert stored_step(client, "eating-habits-worries") == {
            "eating-habits-worries-panic_screen__a1": ["false"]
        }

    def test_ptsd_items_are_required_after_exposure_yes(self, client):
        complete_steps(client, until="stressful-experiences")
        response = post_step(client, "stressful-experiences", {"pc_ptsd5__exposure": "true"})
        assert error_links(response) == [
            f"id_stressful-experiences-pc_ptsd5__q{n}_0" for n in range(1, 6)
        ]


class TestOptionalSteps:
    def test_stressful_experiences_can_be_skipped_whole(self, client):
        complete_steps(client, until="stressful-experiences")
        page = html(client.get(step_url("stressful-experiences")))
        assert "This step is optional" in page
        answers = {"pc_ptsd5__exposure": "true"}  # half-answered, then skipped
        response = post_step(client, "stressful-experiences", answers, skip_step="1")
        assert response.status_code == 302
        assert response["Location"] == step_url("body")
        assert stored_step(client, "stressful-experiences") == {}

    @pytest.mark.parametrize(
        ("sex", "asked"), [("male", False), ("female", True), ("unknown", True)]
    )
    def test_phq15_menstrual_item_is_not_asked_of_males(self, client, sex, asked):
        about_you = {**valid_answers("about-you"), "sex_at_birth": sex}
        complete_steps(client, until="body", overrides={"about-you": about_you})
        page = html(client.get(step_url("body")))
        assert ("Menstrual cramps" in page) is asked
        assert ('name="body-phq15__q4"' in page) is asked


class TestNavigation:
    def test_back_keeps_answers(self, client):
        complete_steps(client, until="mood-history")
        response = post_step(client, "mood-history", {}, wizard_goto_step="feeling")
        assert response.status_code == 302
        assert response["Location"] == step_url("feeling")
        page = client.get(response["Location"])
        assert is_checked(page, "feeling-phq9__q2", "3")
        assert is_checked(page, "feeling-gad7__q7", "1")
        # ... and forward again keeps them too
        assert post_step(client, "feeling", valid_answers("feeling"))["Location"] == step_url(
            "mood-history"
        )

    def test_back_saves_the_current_step_when_it_is_valid(self, client):
        complete_steps(client, until="alcohol-and-drugs")
        answers = valid_answers("alcohol-and-drugs")
        post_step(client, "alcohol-and-drugs", answers, wizard_goto_step="mood-history")
        page = client.get(step_url("alcohol-and-drugs"))
        assert is_checked(page, "alcohol-and-drugs-audit_c__q1", "1")

    def test_about_you_values_come_back_on_the_page(self, client):
        complete_steps(client, until="feeling")
        page = html(client.get(step_url("about-you")))
        assert 'value="Ada"' in page
        assert 'value="1986-03-14"' in page
        assert re.search(r'value="NY" selected', page)


class TestTreatmentHistory:
    def test_add_another_trial_without_javascript(self, client):
        complete_steps(client, until="treatment-history")
        answers = {
            "medication_rows": "1",
            "med_name_0": "sertraline",
            "med_dose_0": "150",
            "med_weeks_0": "8",
            "med_adherence_0": "all",
            "med_outcome_0": "no_response",
            "med_current_0": "true",
        }
        response = post_step(client, "treatment-history", answers, row_action="add:medication")
        assert response.status_code == 200
        page = html(response)
        assert "Medication 2" in page
        assert 'name="treatment-history-med_name_1"' in page
        assert re.search(r'<option value="sertraline" selected>', page)  # row 1 kept
        assert 'name="treatment-history-medication_rows" value="2"' in page
        assert re.search(r'name="treatment-history-med_name_1"[^>]*autofocus', page)
        assert "There is a problem" not in page  # nothing validated yet
        assert not stored_step(client, "treatment-history")  # nor stored

    def test_remove_a_trial_shifts_the_rows_up(self, client):
        complete_steps(client, until="treatment-history")
        answers = valid_answers("treatment-history")
        response = post_step(client, "treatment-history", answers, row_action="remove:medication:0")
        page = html(response)
        assert 'name="treatment-history-medication_rows" value="1"' in page
        assert re.search(r'<option value="escitalopram" selected>', page)
        assert 'name="treatment-history-med_name_1"' not in page

    @pytest.mark.parametrize("row", ["\u00b2", "-1", "x"])
    def test_a_remove_button_with_an_odd_row_is_ignored_not_a_500(self, client, row):
        """ "²" is a digit to str.isdigit() that int() refuses (a crafted post was a 500)."""
        complete_steps(client, until="treatment-history")
        answers = valid_answers("treatment-history")
        response = post_step(
            client, "treatment-history", answers, row_action=f"remove:medication:{row}"
        )
        assert response.status_code == 200
        assert 'name="treatment-history-medication_rows" value="2"' in html(response)

    def test_a_half_filled_trial_is_reported_field_by_field(self, client):
        complete_steps(client, until="treatment-history")
        answers = {"medication_rows": "2", "med_name_1": "sertraline", "med_dose_1": "150"}
        response = post_step(client, "treatment-history", answers)
        assert response.status_code == 200
        assert error_links(response) == [
            "id_treatment-history-med_weeks_1",
            "id_treatment-history-med_adherence_1_0",
            "id_treatment-history-med_outcome_1",
        ]
        assert "Medication 2: How many weeks did you take it at a full dose?" in html(response)

    def test_dose_checks_come_from_the_api(self, client):
        complete_steps(client, until="treatment-history")
        answers = valid_answers("treatment-history")
        answers["med_dose_0"] = "99999"
        response = post_step(client, "treatment-history", answers)
        assert error_links(response) == ["id_treatment-history-med_dose_0"]
        assert "Implausible for Sertraline" in html(response)

    def test_blank_rows_are_ignored_and_placement_only_counts_for_ect(self, client):
        complete_steps(client, until="treatment-history")
        answers = {
            "medication_rows": "3",
            "med_name_1": "bupropion",
            "med_dose_1": "150",
            "med_weeks_1": "10",
            "med_adherence_1": "all",
            "med_outcome_1": "response",
            "med_current_1": "false",
            "neuromodulation_rows": "1",
            "neuro_type_0": "rtms",
            "neuro_placement_0": "bilateral",
            "neuro_outcome_0": "partial_response",
        }
        assert post_step(client, "treatment-history", answers).status_code == 302
        stored = stored_step(client, "treatment-history")
        assert "treatment-history-neuro_placement_0" not in stored
        assert "treatment-history-med_name_0" not in stored


class TestReviewAndSubmit:
    def test_review_page_shows_the_answers(self, client):
        complete_steps(client, until="review")
        response = client.get(step_url("review"))
        page = html(response)
        assert title(response).startswith("Check your answers and submit (step 11 of 11)")
        for expected in (
            "Ada",
            "14 March 1986",
            "ada@example.org",
            "English, Spanish (Español)",
            "Feeling down, depressed, or hopeless",
            "Nearly every day",
            "Sertraline (Zoloft)",
            "No response (under 25% better)",
            "Both sides of the head (bilateral)",
            "Skipped",
        ):
            assert expected in page, expected
        assert f'href="{step_url("about-you")}"' in page  # "Change" links

    def test_submit_creates_one_web_intake_and_closes_the_draft(self, client):
        response = complete_steps(client)
        assert response["Location"] == "/intake/submitted/"
        intake = Intake.objects.get()
        assert intake.source == "web"
        assert intake.urgent is False
        assert intake.patient.given_name == "Ada"
        assert intake.patient.email == "ada@example.org"
        assert intake.patient.preferred_languages == ["en", "es"]
        assert {r.instrument for r in intake.responses.all()} == {
            "phq9",
            "gad7",
            "audit_c",
            "drug_screen",
        }
        assert intake.responses.get(instrument="phq9").answers["q2"] == 3
        trials = list(intake.medication_trials.values_list("medication", flat=True))
        assert trials == ["sertraline", "escitalopram"]
        assert intake.neuromodulation.get().placement == "bilateral"
        assert intake.current_episode_months == 14
        assert intake.care_preferences["provider_types"] == ["psychiatrist"]
        draft = IntakeDraft.objects.get()
        assert draft.submitted_intake == intake
        assert draft.data == {}

        page = html(client.get("/intake/submitted/"))
        assert "A clinician on the care team reviews your answers" in page
        assert "not a\n    diagnosis" in page or "not a diagnosis" in page
        # Peer support for the patient and for carers (referrals' support resources).
        assert "NAMI Connection Recovery Support Group" in page
        assert "NAMI Family Support Group" in page
        assert "For family, friends and carers" in page

    def test_submitting_twice_stores_one_intake(self, client):
        complete_steps(client)
        again = post_step(client, "review", {})
        assert again.status_code == 302
        assert again["Location"] == "/intake/submitted/"
        assert Intake.objects.count() == 1

    def test_a_new_questionnaire_after_submitting_starts_empty(self, client):
        complete_steps(client)
        page = client.get(WIZARD_URL)
        assert page["Location"] == step_url("welcome")
        complete_steps(client)
        assert Intake.objects.count() == 2
        # The anonymous wizard never links on its own word: same email and birth date make a
        # second record and a possible match for a clinician.
        assert Patient.objects.count() == 2
        second = Intake.objects.order_by("submitted_at").last()
        assert PossibleMatch.objects.get().intake == second

    def test_urgent_submission_shows_the_crisis_page_first(self, client):
        feeling = {
            **valid_answers("feeling"),
            "phq9__q9": "2",
            "cssrs_shown": "1",
            "cssrs_screen__q1": "true",
            "cssrs_screen__q2": "true",
            "cssrs_screen__q3": "true",
            "cssrs_screen__q4": "true",
            "cssrs_screen__q5": "false",
            "cssrs_screen__q6": "false",
        }
        response = complete_steps(client, overrides={"feeling": feeling})
        assert response["Location"] == "/intake/support/"
        intake = Intake.objects.get()
        assert intake.urgent is True
        assert intake.risk_level == "high"
        page = html(client.get("/intake/support/"))
        assert page.index("Call 911") < page.index("Call or text 988")
        for expected in ("Chat at 988lifeline.org", "press 1", "press 2", "711", 'href="sms:988"'):
            assert expected in page, expected
        assert 'href="/intake/submitted/"' in page

    def test_item9_without_cssrs_risk_shows_988_but_not_911_first(self, client):
        feeling = {
            **valid_answers("feeling"),
            "phq9__q9": "1",
            "cssrs_shown": "1",
            "cssrs_screen__q1": "true",
            "cssrs_screen__q2": "false",
            "cssrs_screen__q6": "false",
        }
        response = complete_steps(client, overrides={"feeling": feeling})
        assert response["Location"] == "/intake/support/"
        page = html(client.get("/intake/support/"))
        assert page.index("Call or text 988") < page.index("Call 911")

    def test_an_invalid_stored_step_is_shown_with_its_error_and_nothing_is_saved(self, client):
        complete_steps(client, until="review")
        draft = IntakeDraft.objects.get()
        draft.data["feeling"]["feeling-phq9__q3"] = ["7"]  # changed behind the wizard's back
        draft.save()
        response = post_step(client, "review", {})
        assert response.status_code == 302
        assert response["Location"] == step_url("feeling")
        page = client.get(response["Location"])
        assert error_links(page) == ["id_feeling-phq9__q3_0"]
        assert Intake.objects.count() == 0
        assert Patient.objects.count() == 0

    def test_submission_errors_map_to_the_step_and_field_they_belong_to(self):
        """The API serializer's error paths name a step's form field."""
        about_you = AboutYouForm(
            data={
                f"about-you-{k}": v
                for k, v in valid_answers("about-you").items()
                if k != "languages"
            },
            prefix="about-you",
        )
        feeling = FeelingForm(
            data={f"feeling-{k}": v for k, v in valid_answers("feeling").items()}, prefix="feeling"
        )
        assert about_you.is_valid() and feeling.is_valid()
        consent = {"screening": True, "privacy_notice_version": "2026-01"}

        def routed_errors(change):
            body = {**submission_from_forms([about_you, feeling]), "consent": consent}
            change(body)
            serializer = IntakeSubmissionSerializer(data=body)
            assert not serializer.is_valid()
            errors = list(flatten_errors(serializer.errors))
            routed = {
                path: (form.prefix, form.error_field(path))
                for path, _message in errors
                for form in (about_you, feeling)
                if form.claims_error(path)
            }
            return errors, routed

        _, routed = routed_errors(lambda body: body["patient"].update(postal_code="90210"))
        assert routed == {("patient", "postal_code"): ("about-you", "postal_code")}
        errors, routed = routed_errors(lambda body: body["answers"]["phq9"].update(q3=7))
        assert routed == {("answers", "phq9", "q3"): ("feeling", "phq9__q3")}
        feeling.add_body_errors(errors)
        assert feeling.errors["phq9__q3"] == ["Must be one of 0, 1, 2, 3."]


class TestRateLimit:
    def test_too_many_posts_from_one_address_get_a_friendly_429(self, settings):
        settings.INTAKE_POST_RATE = "3/10m"
        # An address of its own (the counts live in Redis across runs): 1 in 250 runs would
        # share a 203.0.113.x address with a run less than 10 minutes before.
        address = str(ipaddress.IPv6Address(uuid.uuid4().int))
        client = Client(REMOTE_ADDR=address)
        for _ in range(3):
            assert post_step(client, "welcome", {}).status_code == 200
        response = post_step(client, "welcome", {"screening": "on"})
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 600
        assert "Please wait a moment" in html(response)
        assert 'href="tel:988"' in html(response)
        assert IntakeDraft.objects.count() == 0
        assert client.get(step_url("welcome")).status_code == 200  # reading is not limited
        other = Client(REMOTE_ADDR="198.51.100.7")
        assert post_step(other, "welcome", {"screening": "on"}).status_code == 302

    def test_a_forwarded_for_header_is_ignored_without_a_proxy(self, settings):
        """NUM_PROXIES 0 (the default): the header is the client's own to set, so setting it to
        something new on every post does not buy a new limit."""
        settings.INTAKE_POST_RATE = "2/10m"
        client = Client(REMOTE_ADDR=str(ipaddress.IPv6Address(uuid.uuid4().int)))
        codes = [
            post_step(client, "welcome", {}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
            for n in range(1, 4)
        ]
        assert codes == [200, 200, 429]

    def test_behind_a_proxy_each_patient_has_a_limit_of_their_own(self, settings):
        """NUM_PROXIES 1: every post arrives from the proxy's address, and the client's is the
        last one the proxy appended to X-Forwarded-For (what the client sent before it is not
        trusted)."""
        settings.INTAKE_POST_RATE = "2/10m"
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        proxy = str(ipaddress.IPv6Address(uuid.uuid4().int))
        first, second = (str(ipaddress.IPv6Address(uuid.uuid4().int)) for _ in range(2))

        def post_as(patient, spoofed=""):
            client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{spoofed}{patient}")
            return post_step(client, "welcome", {}).status_code

        assert [post_as(first), post_as(first, spoofed="192.0.2.9, ")] == [200, 200]
        assert post_as(first, spoofed="192.0.2.10, ") == 429  # a new prefix is no way round
        assert [post_as(second), post_as(second)] == [200, 200]  # the proxy is not the key
        assert post_as(second) == 429

    def test_a_malformed_rate_setting_fails_loudly(self, settings):
        from django.core.exceptions import ImproperlyConfigured

        from intake.views import post_rate

        settings.INTAKE_POST_RATE = "sixty per minute"
        with pytest.raises(ImproperlyConfigured):
            post_rate()
        settings.INTAKE_POST_RATE = "60/10m"
        assert post_rate() == (60, 600)


def test_medication_trials_of_the_web_intake_keep_their_order(client):
    treatment = valid_answers("treatment-history")
    treatment.update(
        medication_rows="3",
        med_name_2="lithium",
        med_dose_2="600",
        med_weeks_2="6",
        med_adherence_2="all",
        med_outcome_2="no_response",
        med_current_2="true",
    )
    complete_steps(client, overrides={"treatment-history": treatment})
    trials = MedicationTrial.objects.order_by("position")
    assert [t.medication for t in trials] == ["sertraline", "escitalopram", "lithium"]
