"""The review queue's search by email or external id finds the cases opened before an intake
exists (issue 16: an unfinished web intake, a rejected API submission), through blind indexes
kept on the safety event, and forgets them when the intake joins or the source is purged."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.crypto import blind_index
from intake.drafts import purge_expired_drafts
from intake.models import IntakeDraft
from screening.models import Case, SafetyEvent
from screening.safety_events import REJECTED_BODY_RETENTION, purge_rejected_bodies
from tests.conftest import login
from tests.factories import urgent_payload
from tests.intake.conftest import CSSRS_LOW, complete_steps, feeling, post_step, valid_answers
from tests.screening.conftest import QUEUE, case_ids, short

pytestmark = pytest.mark.django_db

SEARCH = "admin:screening_case_search"
NOT_FOUND = b"No case id, and no patient with that email or external id."


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


@pytest.fixture
def clinician(client, cleo):
    return login(client, cleo)


def search(clinician, term):
    """POST the search; the redirect (checked free of the term) and the cases it lists."""
    response = clinician.post(reverse(SEARCH), {"q": term})
    assert response.status_code == 302
    location = response["Location"]
    assert term.strip() not in location and "@" not in location
    return location, case_ids(clinician.get(location))


def wizard_draft_with_risk(email: str, commit) -> Case:
    """A patient gives their email on "about you", answers item 9 = 3, and stops there."""
    patient = Client()
    about_you = {**valid_answers("about-you"), "email": email}
    complete_steps(patient, until="feeling", overrides={"about-you": about_you})
    with commit(execute=True):
        response = post_step(patient, "feeling", {**feeling("3"), **CSSRS_LOW})
    assert response.status_code == 302
    return Case.objects.get(intake__isnull=True, safety_event__source="draft")


def rejected_api_submission(cora_api, commit, **patient) -> Case:
    payload = urgent_payload(item9=3, **patient)
    payload["treatment_history"]["medication_trials"][0]["medication"] = "sertralin"
    with commit(execute=True):
        response = cora_api.post(
            "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
        )
    assert response.status_code == 400 and response.json()["safety"]["urgent"] is True
    return Case.objects.get(pk=response.json()["safety"]["case"])


def test_an_unfinished_web_intake_is_found_by_its_email(
    clinician, django_capture_on_commit_callbacks
):
    case = wizard_draft_with_risk("draft7101@example.org", django_capture_on_commit_callbacks)
    event = case.safety_event
    assert event.email_index == blind_index("email", "draft7101@example.org")
    assert event.external_id_index == ""  # the web intake asks for no external id
    location, found = search(clinician, " Draft7101@Example.org ")
    assert location.endswith(f"?status=all&patient={case.pk}")
    assert found == [short(case)]
    assert case_ids(clinician.get(QUEUE, {"q": "draft7101@example.org"})) == [short(case)]
    # Someone else's email, or part of this one, finds nothing.
    response = clinician.post(reverse(SEARCH), {"q": "other@example.org"}, follow=True)
    assert NOT_FOUND in response.content
    assert case_ids(clinician.get(QUEUE, {"q": "draft7101"})) == []


def test_a_rejected_submission_is_found_by_email_or_external_id_until_its_intake_joins(
    clinician, cora_api, django_capture_on_commit_callbacks
):
    commit = django_capture_on_commit_callbacks
    case = rejected_api_submission(cora_api, commit)  # Ada, MRN-00042
    other = rejected_api_submission(
        cora_api, commit, external_id="MRN-77777", email="bo@example.org"
    )
    for term in ("MRN-00042", "ADA@example.org"):
        location, found = search(clinician, term)
        assert found == [short(case)]
    assert search(clinician, "MRN-77777")[1] == [short(other)]

    # The corrected retry joins the case: it is found through the patient from now on.
    with commit(execute=True):
        response = cora_api.post(
            "/api/v1/intakes/",
            data=json.dumps(urgent_payload(item9=3)),
            content_type="application/json",
        )
    assert response.status_code == 201
    case.refresh_from_db()
    assert str(case.intake_id) == response.json()["id"]
    event = SafetyEvent.objects.get(pk=case.safety_event_id)
    assert event.email_index == "" and event.external_id_index == ""
    location, found = search(clinician, "MRN-00042")
    assert location.endswith(f"?status=all&patient={case.intake.patient_id}")
    assert found == [short(case)]


def test_purges_take_the_indexes_with_the_body_and_the_draft(
    clinician, cora_api, django_capture_on_commit_callbacks
):
    commit = django_capture_on_commit_callbacks
    rejected = rejected_api_submission(cora_api, commit)
    draft_case = wizard_draft_with_risk("draft7102@example.org", commit)
    later = timezone.now() + REJECTED_BODY_RETENTION + timedelta(minutes=1)
    assert purge_rejected_bodies(now=later) == 1  # the body: its indexes go with it
    event = SafetyEvent.objects.get(pk=rejected.safety_event_id)
    assert event.email_index == "" and event.external_id_index == ""
    assert NOT_FOUND in clinician.post(reverse(SEARCH), {"q": "MRN-00042"}, follow=True).content
    assert search(clinician, "draft7102@example.org")[1] == [short(draft_case)]

    IntakeDraft.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert purge_expired_drafts() == 1
    purge_rejected_bodies()  # the daily job also drops the indexes of purged drafts
    event = SafetyEvent.objects.get(pk=draft_case.safety_event_id)
    assert event.draft_id is None and event.email_index == ""
    response = clinician.post(reverse(SEARCH), {"q": "draft7102@example.org"}, follow=True)
    assert NOT_FOUND in response.content
    assert Case.objects.filter(pk=draft_case.pk).exists()  # the case itself stays
