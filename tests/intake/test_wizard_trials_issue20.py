"""Issue 20 items 3, 4 and 6 in the wizard (Django client, no JavaScript): weeks at a full
dose, "other / not listed", "I don't remember" the dose, micrograms, and no pre-selected
answer for the current-episode question; each checked in the stored rows."""

import re
from decimal import Decimal

import pytest

from clinical.rules.engine import evaluate
from intake.models import Intake, MedicationTrial, NeuromodulationCourse
from screening.adapters import screening_input
from tests.intake.conftest import complete_steps, post_step, step_url, valid_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "100000/1m"


def trd_of_the_intake() -> dict:
    """The rules' TRD reading of the one stored intake (through the real adapter)."""
    return evaluate(screening_input(Intake.objects.get())).trd.to_dict()


def html(response) -> str:
    return response.content.decode()


def error_links(response) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html(response), re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def one_row(**row) -> dict:
    answers = valid_answers("treatment-history")
    for key in list(answers):
        if key.startswith("med_"):
            del answers[key]
    answers["medication_rows"] = "1"
    answers.update({f"med_{key}_0": value for key, value in row.items()})
    return answers


def test_the_episode_questions_start_unanswered(client):
    complete_steps(client, until="treatment-history")
    page = html(client.get(step_url("treatment-history")))
    for name in ("med_current_0", "neuro_current_0"):
        radios = re.findall(rf'<input type="radio" name="treatment-history-{name}"[^>]*>', page)
        assert len(radios) == 2, name
        assert not any("checked" in radio for radio in radios), name


def test_the_wizard_offers_other_not_listed_and_i_dont_remember(client):
    complete_steps(client, until="treatment-history")
    page = html(client.get(step_url("treatment-history")))
    assert '<option value="other">Other / not listed (type its name)</option>' in page
    assert "I don&#x27;t remember the dose" in page
    assert "How many weeks did you take it at a full dose?" in page
    assert "Sertraline (Zoloft) — full dose from 50 mg a day" in page


def test_unlisted_drug_unknown_dose_and_unanswered_episode_are_stored_as_such(client):
    answers = one_row(
        name="other",
        other="  Zuranolone ",
        dose_unknown="on",
        weeks="2",
        adherence="all",
        outcome="no_response",
    )
    del answers["neuro_current_0"]
    complete_steps(client, overrides={"treatment-history": answers})
    trial = MedicationTrial.objects.get()
    assert (trial.medication, trial.medication_name) == ("unlisted", "Zuranolone")
    assert trial.max_daily_dose_mg is None
    assert trial.weeks_at_adequate_dose == Decimal("2")
    assert trial.weeks_at_max_dose is None
    assert trial.current_episode is None
    assert NeuromodulationCourse.objects.get().current_episode is None
    review = trd_of_the_intake()["trials"]
    assert [(r["status"], r["current_episode"]) for r in review] == [("unlisted", None)]
    assert "verify this trial" in review[0]["description"]


def test_listed_drug_with_dose_unknown_is_kept_but_never_adequate(client):
    answers = one_row(
        name="sertraline",
        dose_unknown="on",
        weeks="12",
        adherence="all",
        outcome="no_response",
        current="true",
    )
    complete_steps(client, overrides={"treatment-history": answers})
    trial = MedicationTrial.objects.get()
    assert (trial.medication, trial.max_daily_dose_mg, trial.current_episode) == (
        "sertraline",
        None,
        True,
    )
    trd = trd_of_the_intake()
    assert trd["adequate_failed_trials"] == 0
    assert trd["inadequate_trials"] == [{"index": 0, "reasons": ["dose_unknown"]}]


def test_weeks_are_stored_as_weeks_at_the_adequate_dose(client):
    answers = one_row(
        name="sertraline",
        dose="150",
        weeks="12",
        adherence="all",
        outcome="no_response",
        current="true",
    )
    complete_steps(client, overrides={"treatment-history": answers})
    trial = MedicationTrial.objects.get()
    assert trial.weeks_at_adequate_dose == Decimal("12")
    assert trial.weeks_at_max_dose is None
    assert trd_of_the_intake()["failed_trials"] == [0]


def test_a_dose_in_micrograms_is_stored_in_mg(client):
    answers = one_row(
        name="liothyronine",
        dose="25",
        dose_unit="ug",
        weeks="8",
        adherence="all",
        outcome="partial_response",
        current="true",
    )
    complete_steps(client, overrides={"treatment-history": answers})
    assert MedicationTrial.objects.get().max_daily_dose_mg == Decimal("0.025")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # "other" chosen without a name
        (
            {"name": "other", "dose": "50", "weeks": "8", "adherence": "all"},
            "med_other_0",
        ),
        # neither a dose nor "I don't remember"
        ({"name": "sertraline", "weeks": "8", "adherence": "all"}, "med_dose_0"),
        # both a dose and "I don't remember"
        (
            {"name": "sertraline", "dose": "50", "dose_unknown": "on", "weeks": "8"},
            "med_dose_0",
        ),
        # no weeks
        ({"name": "sertraline", "dose": "50", "adherence": "all"}, "med_weeks_0"),
    ],
)
def test_incomplete_rows_are_sent_back(client, row, expected):
    complete_steps(client, until="treatment-history")
    response = post_step(client, "treatment-history", one_row(outcome="no_response", **row))
    assert response.status_code == 200
    assert f"id_treatment-history-{expected}" in error_links(response)
    assert not MedicationTrial.objects.exists()
