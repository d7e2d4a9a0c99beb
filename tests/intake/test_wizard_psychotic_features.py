"""Issue 20 item 1 in the wizard: the patient's answer to the psychotic-features question is a
self-report, whatever the POST carries (only a clinician confirms, on the case page)."""

import pytest

from intake.models import Intake
from screening.models import Flag
from tests.intake.conftest import complete_steps, valid_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def submit_wizard(client, django_capture_on_commit_callbacks, **history):
    answers = {**valid_answers("treatment-history"), **history}
    with django_capture_on_commit_callbacks(execute=True):
        complete_steps(client, overrides={"treatment-history": answers})
    return Intake.objects.get()


def test_yes_is_stored_as_a_self_report_and_flagged(client, django_capture_on_commit_callbacks):
    intake = submit_wizard(client, django_capture_on_commit_callbacks, psychotic_features="true")
    assert intake.psychotic_features is True
    assert intake.psychotic_features_source == "self_report"
    assert Flag.objects.filter(intake=intake, code="possible_psychotic_features").exists()


def test_a_posted_clinician_source_is_ignored(client, django_capture_on_commit_callbacks):
    intake = submit_wizard(
        client,
        django_capture_on_commit_callbacks,
        psychotic_features="true",
        psychotic_features_source="clinician",
    )
    assert intake.psychotic_features_source == "self_report"


def test_no_is_no_report(client, django_capture_on_commit_callbacks):
    intake = submit_wizard(client, django_capture_on_commit_callbacks, psychotic_features="false")
    assert intake.psychotic_features is False
    assert intake.psychotic_features_source == ""
    assert not Flag.objects.filter(intake=intake, code="possible_psychotic_features").exists()
