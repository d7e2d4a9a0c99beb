"""Save and resume: drafts stored step by step (encrypted), signed expiring resume links that
work in another browser, friendly refusals of expired or tampered links, and the purge."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.utils import timezone

from intake import drafts
from intake.models import Intake, IntakeDraft
from intake.tasks import purge_expired_drafts
from tests.ciphertext import outside_ciphertext
from tests.intake.conftest import complete_steps, post_step, step_url, valid_answers

pytestmark = pytest.mark.django_db

RESUME_PATH = re.compile(r"https?://[^/\"]+(/intake/resume/([^/\"]+)/)")


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def resume_path(page_html: str) -> tuple[str, str]:
    """(path, token) of the resume link shown on a page."""
    match = RESUME_PATH.search(page_html)
    assert match, "no resume link on the page"
    return match.group(1), match.group(2)


class OldSigner(signing.TimestampSigner):
    """Signs as if it were ``days`` days ago (a link made on another day)."""

    def __init__(self, days, **kwargs):
        super().__init__(**kwargs)
        self.days = days

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - int(self.days * 86400))


def token_made_days_ago(draft, days) -> str:
    return OldSigner(days, salt=drafts.RESUME_SALT).sign(draft.pk.hex)


class TestSaving:
    def test_a_draft_starts_only_when_consent_is_given(self, client):
        client.get(step_url("welcome"))
        assert IntakeDraft.objects.count() == 0
        post_step(client, "welcome", valid_answers("welcome"))
        draft = IntakeDraft.objects.get()
        assert draft.current_step == "about-you"
        assert set(draft.data) == {"welcome"}
        assert (
            timedelta(days=29, hours=23) < draft.expires_at - timezone.now() <= timedelta(days=30)
        )

    def test_every_completed_step_is_stored(self, client):
        complete_steps(client, until="mood-history")
        draft = IntakeDraft.objects.get()
        assert set(draft.data) == {"welcome", "about-you", "feeling"}
        assert draft.data["about-you"]["about-you-given_name"] == ["Ada"]
        assert draft.data["feeling"]["feeling-phq9__q2"] == ["3"]
        assert draft.current_step == "mood-history"

    def test_only_the_steps_own_fields_are_stored(self, client):
        complete_steps(client, until="about-you")
        answers = {**valid_answers("about-you"), "not_a_field": "x"}
        post_step(client, "about-you", answers, csrfmiddlewaretoken="t", unrelated="y")
        stored = IntakeDraft.objects.get().data["about-you"]
        assert all(key.startswith("about-you-") for key in stored)
        assert "about-you-not_a_field" not in stored

    def test_the_session_holds_the_draft_id_and_no_answers(self, client):
        complete_steps(client, until="feeling")
        session = client.session
        assert set(session.keys()) <= {"intake_draft_id", "_csrftoken"}
        assert "Ada" not in str(dict(session.items()))

    def test_raw_database_row_holds_no_plaintext_phi(self, client):
        complete_steps(client, until="feeling")
        draft = IntakeDraft.objects.get()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data FROM intake_intakedraft WHERE id = %s",
                [draft.pk.hex if connection.vendor == "sqlite" else draft.pk],
            )
            (raw,) = cursor.fetchone()
        raw = raw.decode() if isinstance(raw, bytes | memoryview) else str(raw)
        text, tokens = outside_ciphertext(raw)
        assert tokens >= 6  # the row is there, its answers as Fernet tokens ...
        for secret in ("Ada", "Rivera", "ada@example.org", "10027", "1986-03-14", "212 555"):
            assert secret not in text  # ... and nowhere in clear
        assert IntakeDraft.objects.get().data["about-you"]["about-you-family_name"] == ["Rivera"]

    def test_saving_merges_steps_and_never_writes_to_a_closed_draft(self):
        draft = drafts.draft_start()
        stale = IntakeDraft.objects.get(pk=draft.pk)  # e.g. another browser tab
        assert drafts.draft_save_steps(draft=draft, steps={"welcome": {}}, current_step="a")
        assert drafts.draft_save_steps(draft=stale, steps={"feeling": {}}, current_step="b")
        draft.refresh_from_db()
        assert set(draft.data) == {"welcome", "feeling"}
        IntakeDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now())
        assert not drafts.draft_save_steps(draft=draft, steps={"body": {}}, current_step="c")
        draft.refresh_from_db()
        assert "body" not in draft.data


class TestResumeLink:
    def test_the_link_is_shown_on_every_step_after_the_first(self, client):
        page = client.get(step_url("welcome")).content.decode()
        assert "/intake/resume/" not in page
        complete_steps(client, until="about-you")
        page = client.get(step_url("about-you")).content.decode()
        path, token = resume_path(page)
        assert re.search(r'<textarea id="resume-link" class="resume-link" readonly', page)
        assert "Save and continue later" in page
        draft = IntakeDraft.objects.get()
        assert signing.TimestampSigner(salt="intake.resume").unsign(token) == draft.pk.hex
        # The link carries the draft's opaque id, a timestamp and a signature, nothing else
        # (searching it for "Ada" would fail by chance now and then: the signature is base64).
        assert path == f"/intake/resume/{token}/"
        assert token.split(":")[0] == draft.pk.hex and len(token.split(":")) == 3

    def test_save_and_continue_later_shows_the_link_prominently(self, client):
        complete_steps(client, until="feeling")
        response = post_step(client, "feeling", valid_answers("feeling"), save_for_later="1")
        assert response.status_code == 302
        assert response["Location"] == "/intake/saved/"
        page = client.get("/intake/saved/").content.decode()
        assert "Your answers are saved" in page
        assert re.search(r'<textarea id="resume-link" class="resume-link" readonly', page)
        resume_path(page)
        assert "feeling" in IntakeDraft.objects.get().data  # the valid page was kept

    def test_a_fresh_browser_resumes_where_the_patient_left(self, client):
        complete_steps(client, until="mood-history")
        _, token = resume_path(client.get(step_url("mood-history")).content.decode())

        other_browser = Client()
        response = other_browser.get(f"/intake/resume/{token}/")
        assert response.status_code == 302
        assert response["Location"] == step_url("mood-history")
        page = other_browser.get(step_url("feeling")).content.decode()
        assert re.search(r'name="feeling-phq9__q2" value="3"[^>]*checked', page)
        page = other_browser.get(step_url("about-you")).content.decode()
        assert 'value="Ada"' in page

        complete_steps(other_browser)
        assert Intake.objects.get().source == "web"

    def test_a_link_made_on_another_day_still_works(self):
        client = Client()
        complete_steps(client, until="body")
        draft = IntakeDraft.objects.get()
        response = Client().get(f"/intake/resume/{token_made_days_ago(draft, 12)}/")
        assert response.status_code == 302
        assert response["Location"] == step_url("body")

    def test_a_tampered_link_is_refused_kindly(self, client):
        complete_steps(client, until="feeling")
        _, token = resume_path(client.get(step_url("feeling")).content.decode())
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        for bad in (tampered, "not-a-token", f"{IntakeDraft.objects.get().pk.hex}"):
            response = Client().get(f"/intake/resume/{bad}/")
            assert response.status_code == 404
            page = response.content.decode()
            assert "This link does not work" in page
            assert 'href="/intake/"' in page

    def test_a_token_over_30_days_old_is_refused_with_410(self, client):
        complete_steps(client, until="feeling")
        draft = IntakeDraft.objects.get()
        response = Client().get(f"/intake/resume/{token_made_days_ago(draft, 31)}/")
        assert response.status_code == 410
        page = response.content.decode()
        assert "This link has expired" in page
        assert "Start the questionnaire again" in page

    def test_an_expired_draft_is_refused_with_410(self, client):
        complete_steps(client, until="feeling")
        draft = IntakeDraft.objects.get()
        token = drafts.resume_token(draft)
        IntakeDraft.objects.filter(pk=draft.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert Client().get(f"/intake/resume/{token}/").status_code == 410
        # and the browser that was filling it in starts again instead of writing to it
        assert client.get(step_url("feeling"))["Location"] == step_url("welcome")

    def test_a_purged_draft_is_refused_with_410(self, client):
        complete_steps(client, until="feeling")
        token = drafts.resume_token(IntakeDraft.objects.get())
        IntakeDraft.objects.all().delete()
        assert Client().get(f"/intake/resume/{token}/").status_code == 410

    def test_a_submitted_draft_cannot_be_resumed(self, client):
        complete_steps(client, until="review")
        token = drafts.resume_token(IntakeDraft.objects.get())
        complete_steps(client, overrides={})  # posts every step again, then submits
        response = Client().get(f"/intake/resume/{token}/")
        assert response.status_code == 410
        assert "already been sent" in response.content.decode()

    def test_resuming_replaces_the_session_key(self, client):
        complete_steps(client, until="feeling")
        token = drafts.resume_token(IntakeDraft.objects.get())
        other = Client()
        other.get("/intake/")
        other.session.save()
        before = other.session.session_key
        other.get(f"/intake/resume/{token}/")
        assert other.session.session_key != before


class TestPurge:
    def test_purge_deletes_expired_unsubmitted_drafts_only(self, client):
        now = timezone.now()
        expired = drafts.draft_start(now=now - timedelta(days=31))
        active = drafts.draft_start(now=now - timedelta(days=29))
        complete_steps(client)  # a submitted draft ...
        submitted = IntakeDraft.objects.get(submitted_intake__isnull=False)
        IntakeDraft.objects.filter(pk=submitted.pk).update(expires_at=now - timedelta(days=1))

        assert drafts.purge_expired_drafts(now=now) == 1
        remaining = set(IntakeDraft.objects.values_list("pk", flat=True))
        assert remaining == {active.pk, submitted.pk}
        assert expired.pk not in remaining

    def test_the_celery_task_purges_and_is_scheduled_daily(self):
        drafts.draft_start(now=timezone.now() - timedelta(days=40))
        assert purge_expired_drafts.delay().get() == 1
        assert IntakeDraft.objects.count() == 0
        assert purge_expired_drafts.delay().get() == 0  # repeating is harmless
        entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-intake-drafts"]
        assert entry["task"] == purge_expired_drafts.name == "intake.tasks.purge_expired_drafts"
