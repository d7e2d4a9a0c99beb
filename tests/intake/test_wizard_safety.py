"""Issue 16: a risk answer in the web intake is acted on when it is given (intake.safety_net,
screening.safety_events), driven through Django's test client like a browser without
JavaScript. Notifications run on commit (eager Celery), so the outbox counts pages to on-call."""

import pytest
from django.core import mail
from django.utils import timezone

from intake.models import Intake, IntakeDraft
from ops.audit import ACCESS, entries_for
from ops.text import short_id
from screening import review
from screening.models import Case, CaseStatus, Flag, SafetyEvent
from screening.selectors import case_history
from tests.conftest import login
from tests.intake.conftest import (
    CSSRS_LOW,
    STEP_ORDER,
    complete_steps,
    feeling,
    post_step,
    step_url,
    valid_answers,
)

pytestmark = pytest.mark.django_db

SAFETY_PAGE = "/intake/support/now/"
CSSRS_HIGH = {  # intent with a plan (Q4, Q5): high risk (clinical.md §4.11)
    "cssrs_shown": "1",
    "cssrs_screen__q1": "true",
    "cssrs_screen__q2": "true",
    "cssrs_screen__q3": "true",
    "cssrs_screen__q4": "true",
    "cssrs_screen__q5": "true",
    "cssrs_screen__q6": "false",
}


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def post(client, step, answers, commit, **buttons):
    with commit(execute=True):
        return post_step(client, step, answers, **buttons)


def main(response) -> str:
    """The page below its header (the header's 988 line is on every page)."""
    page = response.content.decode()
    return page[page.index("<h1") :]


def the_case() -> Case:
    (case,) = Case.objects.select_related("safety_event").all()
    return case


class TestTheDecisionIsMadeOnTheMoodStep:
    def test_high_risk_opens_an_urgent_case_pages_once_and_interrupts(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        response = post(
            client, "feeling", feeling("3", CSSRS_HIGH), django_capture_on_commit_callbacks
        )
        assert response.status_code == 302
        assert response["Location"] == SAFETY_PAGE

        case = the_case()
        assert case.urgent and case.priority == 0 and case.intake is None
        assert case.status == CaseStatus.NEW
        event = case.safety_event
        assert event.source == "draft"
        assert event.draft_id == IntakeDraft.objects.get().pk
        assert event.risk_level == "high"
        assert event.answers["phq9"]["q9"] == 3 and event.answers["cssrs_screen"]["q5"] is True
        assert len(mail.outbox) == 1
        assert str(case.pk) in mail.outbox[0].body
        # The case's id is random hex ("…-4555-…" happens): searched without it.
        text = (mail.outbox[0].subject + mail.outbox[0].body).replace(str(case.pk), "")
        for phi in ("Ada", "Rivera", "ada@example.org", "1986", "555"):
            assert phi not in text
        assert Case.objects.get(pk=case.pk).notified_at is not None

        page = main(client.get(SAFETY_PAGE))
        assert "Please call 911 or 988 now" in page
        assert page.index('href="tel:911"') < page.index('href="tel:988"')  # 911 first
        assert 'href="sms:988"' in page
        assert f'href="{step_url("mood-history")}"' in page  # continue where they were going
        assert "Continue the questionnaire" in page
        # The step itself was saved, and the wizard goes on from the crisis page.
        assert IntakeDraft.objects.get().data["feeling"]["feeling-phq9__q9"] == ["3"]
        assert client.get(step_url("mood-history")).status_code == 200

    def test_lower_risk_shows_988_then_continue(self, client, django_capture_on_commit_callbacks):
        complete_steps(client, until="feeling")
        response = post(
            client, "feeling", feeling("1", CSSRS_LOW), django_capture_on_commit_callbacks
        )
        assert response["Location"] == SAFETY_PAGE
        page = main(client.get(SAFETY_PAGE))
        assert "Please reach out for support now" in page
        assert "Please call 911 or 988 now" not in page
        assert page.index('href="tel:988"') < page.index('href="tel:911"')  # 988 first
        assert the_case().safety_event.risk_level == "low"

    def test_save_for_later_with_risk_is_decided_and_interrupts_before_the_saved_page(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        response = post(
            client,
            "feeling",
            feeling("2", CSSRS_LOW),
            django_capture_on_commit_callbacks,
            save_for_later="1",
        )
        assert response["Location"] == SAFETY_PAGE
        assert 'href="/intake/saved/"' in client.get(SAFETY_PAGE).content.decode()
        assert the_case().urgent and len(mail.outbox) == 1

    def test_back_with_risk_is_decided_too(self, client, django_capture_on_commit_callbacks):
        complete_steps(client, until="feeling")
        response = post(
            client,
            "feeling",
            feeling("2", CSSRS_LOW),
            django_capture_on_commit_callbacks,
            wizard_goto_step="about-you",
        )
        assert response["Location"] == SAFETY_PAGE
        assert step_url("about-you") in client.get(SAFETY_PAGE).content.decode()
        assert the_case().urgent

    def test_without_javascript_item9_alone_opens_the_case_and_the_cssrs_raises_it(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        # The C-SSRS is not on the page yet: the step comes back with it, but item 9 counts.
        response = post(client, "feeling", feeling("2"), django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert (
            "Have you actually had any thoughts of killing yourself?" in response.content.decode()
        )
        event = the_case().safety_event
        assert event.risk_level == "not_assessed"
        assert len(mail.outbox) == 1

        response = post(
            client, "feeling", feeling("2", CSSRS_HIGH), django_capture_on_commit_callbacks
        )
        assert response["Location"] == SAFETY_PAGE
        event.refresh_from_db()
        assert event.risk_level == "high"  # raised on the same case
        assert "Please call 911 or 988 now" in client.get(SAFETY_PAGE).content.decode()
        assert Case.objects.count() == 1 and len(mail.outbox) == 1  # never a second page

    def test_the_interruption_is_shown_once_per_risk_level(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("2", CSSRS_LOW), django_capture_on_commit_callbacks)
        client.get(step_url("mood-history"))
        client.get(step_url("feeling"))
        response = post(
            client, "feeling", feeling("2", CSSRS_LOW), django_capture_on_commit_callbacks
        )
        assert response["Location"] == step_url("mood-history")  # seen already: straight on
        assert Case.objects.count() == 1 and len(mail.outbox) == 1

    def test_a_later_not_at_all_never_closes_or_lowers_the_case(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("3", CSSRS_HIGH), django_capture_on_commit_callbacks)
        response = post(client, "feeling", feeling("0"), django_capture_on_commit_callbacks)
        assert response["Location"] == step_url("mood-history")
        case = the_case()
        assert case.is_open and case.urgent
        assert case.safety_event.risk_level == "high"
        assert case.safety_event.answers["phq9"]["q9"] == 3
        assert len(mail.outbox) == 1

    def test_a_draft_without_risk_answers_is_never_a_case(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        response = post(client, "feeling", feeling("0"), django_capture_on_commit_callbacks)
        assert response["Location"] == step_url("mood-history")
        assert not Case.objects.exists() and not SafetyEvent.objects.exists()
        assert client.get(SAFETY_PAGE)["Location"] == step_url("mood-history")
        assert mail.outbox == []


class TestSubmittingTheDraftJoinsTheCase:
    def test_the_intake_joins_the_open_case_without_a_second_page(
        self, client, django_capture_on_commit_callbacks
    ):
        overrides = {"feeling": feeling("3", CSSRS_HIGH)}
        with django_capture_on_commit_callbacks(execute=True):
            complete_steps(client, overrides=overrides)
        case = the_case()
        intake = Intake.objects.get()
        assert case.intake_id == intake.pk
        assert case.safety_event.intake_id == intake.pk
        assert intake.urgent and intake.risk_level == "high"
        assert Flag.objects.filter(intake=intake, code="suicide_risk").exists()
        assert len(mail.outbox) == 1
        history = [e.what for e in case_history(Case.objects.get(pk=case.pk))]
        assert history[0] == (
            "Case opened (urgent: suicide-risk answers in an unfinished web intake)"
        )
        assert "The submitted intake joined this case" in history

    def test_changed_to_not_at_all_the_intake_still_joins_and_the_case_stays_urgent(
        self, client, django_capture_on_commit_callbacks
    ):
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("2", CSSRS_LOW), django_capture_on_commit_callbacks)
        post(client, "feeling", feeling("0"), django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            for step in STEP_ORDER[3:]:
                post_step(client, step, valid_answers(step))
        intake = Intake.objects.get()
        assert not intake.urgent
        case = the_case()
        assert case.intake_id == intake.pk and case.urgent and case.is_open
        assert len(mail.outbox) == 1

    def test_a_case_a_clinician_closed_is_not_joined(
        self, client, django_capture_on_commit_callbacks, cleo
    ):
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("2", CSSRS_LOW), django_capture_on_commit_callbacks)
        case = the_case()
        review.case_start_review(case=case, by=cleo)
        review.case_close(case=Case.objects.get(pk=case.pk), by=cleo, reason="Called, safe.")
        with django_capture_on_commit_callbacks(execute=True):
            for step in STEP_ORDER[3:]:
                post_step(client, step, valid_answers(step))
        intake = Intake.objects.get()
        assert Case.objects.get(pk=case.pk).intake_id is None
        assert Case.objects.get(intake=intake).urgent  # new information, its own urgent case
        assert len(mail.outbox) == 2


class TestTheClinicianSeesTheUnfinishedIntake:
    def test_queue_badge_and_case_page_with_answers_and_contact_details_audited(
        self, client, django_capture_on_commit_callbacks, cleo
    ):
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("3", CSSRS_HIGH), django_capture_on_commit_callbacks)
        case = the_case()
        staff = login(type(client)(), cleo)

        queue = staff.get("/admin/screening/case/").content.decode()
        assert "unfinished intake" in queue
        assert short_id(case.pk) in queue
        assert "Ada" not in queue  # names only on the audited case page
        assert "not acknowledged" in queue
        assert (
            short_id(case.pk)
            in staff.get("/admin/screening/case/?flag=suicide_risk").content.decode()
        )

        page = staff.get(f"/admin/screening/case/{case.pk}/change/").content.decode()
        assert 'data-testid="unfinished-badge"' in page
        for given in ("Ada Rivera", "ada@example.org", "+1 212 555 0100", "1986-03-14"):
            assert given in page
        assert "Nearly every day" in page  # item 9 as answered
        assert "C-SSRS screen: high risk)" in page  # the level in words, not a code
        assert (
            "Possible suicide risk (C-SSRS high): immediate safety review; 911 if in danger" in page
        )
        assert entries_for(case).filter(action=ACCESS, actor=cleo).count() == 1

        # The workflow works on it like on any case: acknowledging stops escalation.
        response = staff.post(f"/admin/screening/case/{case.pk}/review/acknowledge/")
        assert response.status_code == 302
        assert Case.objects.get(pk=case.pk).acknowledged_at is not None

    def test_escalation_covers_unfinished_intake_cases(
        self, client, django_capture_on_commit_callbacks, settings
    ):
        from datetime import timedelta

        from screening import services

        settings.ESCALATION_EMAILS = ["second@example.net"]
        complete_steps(client, until="feeling")
        post(client, "feeling", feeling("2", CSSRS_LOW), django_capture_on_commit_callbacks)
        later = timezone.now() + timedelta(minutes=settings.URGENT_ACK_MINUTES + 1)
        assert services.escalate_unacknowledged(now=later) == 1
        assert "second@example.net" in mail.outbox[-1].to
        assert len(mail.outbox) == 2
