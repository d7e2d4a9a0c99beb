"""The wizard's "Are you still taking it?" on a medication row (issue 20 item 7): optional, no
answer pre-selected, stored as ``ongoing``; a short ongoing course is then "too early"."""

import pytest

from intake.models import Intake
from screening.api_sections import screening_block
from tests.intake.conftest import complete_steps, step_url, valid_answers

pytestmark = pytest.mark.django_db

STEP = "treatment-history"


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def test_the_question_is_on_each_row_with_nothing_selected(client):
    complete_steps(client, until=STEP)
    page = client.get(step_url(STEP)).content.decode()
    assert "Are you still taking it? (optional)" in page
    assert 'name="treatment-history-med_ongoing_0"' in page
    assert 'name="treatment-history-med_ongoing_0" value="true" required' not in page
    assert 'name="treatment-history-med_ongoing_0" value="true" checked' not in page
    assert 'name="treatment-history-med_ongoing_0" value="false" checked' not in page


@pytest.mark.parametrize(("answer", "stored"), [("true", True), ("false", False), ("", None)])
def test_the_answer_is_stored_as_ongoing(
    client, django_capture_on_commit_callbacks, answer, stored
):
    history = valid_answers(STEP)
    history["med_weeks_0"] = "3"
    history["med_ongoing_0"] = answer
    with django_capture_on_commit_callbacks(execute=True):
        complete_steps(client, overrides={STEP: history})
    intake = Intake.objects.get()
    first = intake.medication_trials.get(position=0)
    assert first.ongoing is stored
    status = {t["index"]: t["status"] for t in screening_block(intake)["trd"]["trials"]}[0]
    assert status == ("too_early_to_tell" if stored else "inadequate")
