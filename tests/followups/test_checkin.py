"""The check-in page: the plan's questionnaires only, the intake's accessibility and safety
behaviour (item 9 above 0: the urgent decision in the submission's transaction, the patient's
case made urgent and on-call paged), the patient's own scores afterwards, and a closed link
that still shows 988."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from followups import links, services
from followups.models import Occurrence
from intake.models import Intake
from screening.models import Case
from tests.followups.helpers import DAY0, baseline_intake

pytestmark = pytest.mark.django_db(transaction=True)

DAY14 = DAY0 + timedelta(days=14)


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "1000/1m"


@pytest.fixture
def occurrence(cleo):
    intake = baseline_intake(cleo)
    with time_machine.travel(DAY0, tick=False):
        plan = services.plan_start(
            intake=intake,
            instruments=["phq9", "gad7"],
            every_days=14,
            occurrences=3,
            channels=["email"],
            by=cleo,
        )
    return plan.occurrence_set.get(number=1)


def url(occurrence):
    return f"/checkin/{links.checkin_token(occurrence.pk)}/"


def answers(item9="0", phq9_each="1", gad7_each="1", **extra):
    data = {f"phq9__q{n}": phq9_each for n in range(1, 9)}
    data["phq9__q9"] = item9
    data.update({f"gad7__q{n}": gad7_each for n in range(1, 8)})
    data.update(extra)
    return data


def main(response) -> str:
    page = response.content.decode()
    return page[page.index("<h1") :]


def test_the_form_asks_only_the_plans_questionnaires(client, occurrence):
    with time_machine.travel(DAY14, tick=False):
        page = client.get(url(occurrence)).content.decode()
    assert 'name="phq9__q1"' in page and 'name="gad7__q7"' in page
    assert 'name="audit_c__q1"' not in page and 'name="mdq__q1"' not in page
    assert "<fieldset" in page and "<legend>" in page
    assert "Ada" not in page and "Lovelace" not in page  # nothing personal before answering


def test_missing_answers_are_linked_errors(client, occurrence):
    data = answers()
    del data["phq9__q3"]
    with time_machine.travel(DAY14, tick=False):
        response = client.post(url(occurrence), data)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in page
    assert 'href="#id_phq9__q3_0"' in page and 'id="id_phq9__q3_error"' in page
    assert not Intake.objects.filter(follow_up_of__isnull=False).exists()


def test_submitting_stores_a_follow_up_and_shows_the_scores_over_time(client, occurrence):
    with time_machine.travel(DAY14 + timedelta(hours=2), tick=False):
        response = client.post(url(occurrence), answers(), follow=True)
    page = main(response)
    follow_up = Intake.objects.get(follow_up_of=occurrence.plan.intake)
    occurrence.refresh_from_db()
    assert occurrence.state == "completed" and occurrence.follow_up_id == follow_up.pk
    assert not follow_up.urgent
    assert "Lower is better" in page and 'data-testid="chart-phq9"' in page
    assert page.count('data-testid="score-row"') == 2  # the baseline and this check-in
    assert ">18<" in page and ">8<" in page  # PHQ-9 totals: 18 then 8
    for word in ("diagnosis:", "depression", "remission", "response"):
        assert word not in page.lower().replace("not a diagnosis", "")
    # A second visit of the link: already sent, not a second intake.
    with time_machine.travel(DAY14 + timedelta(hours=3), tick=False):
        again = client.post(url(occurrence), answers(), follow=True)
    assert Intake.objects.filter(follow_up_of=occurrence.plan.intake).count() == 1
    assert again.status_code == 200


def test_item9_opens_the_urgent_case_in_the_submission_and_pages(
    client, occurrence, django_capture_on_commit_callbacks
):
    baseline = occurrence.plan.intake
    data = answers(
        item9="2",
        cssrs_shown="1",
        cssrs_screen__q1="true",
        cssrs_screen__q2="false",
        cssrs_screen__q6="false",
    )
    mail.outbox.clear()
    with (
        time_machine.travel(DAY14, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url(occurrence), data, follow=True)
    follow_up = Intake.objects.get(follow_up_of=baseline)
    assert follow_up.urgent
    case = Case.objects.get(memberships__intake=follow_up)
    assert case.urgent and case.is_open
    assert Case.objects.filter(memberships__intake=baseline).get() == case  # joined, not a 2nd
    assert any("urgent" in m.subject.lower() for m in mail.outbox)  # on-call paged
    page = main(response)
    assert "Please reach out for support now" in page and "tel:988" in page


def test_item9_without_javascript_brings_the_safety_questions_in_first(client, occurrence):
    with time_machine.travel(DAY14, tick=False):
        response = client.post(url(occurrence), answers(item9="1"))
    page = response.content.decode()
    assert 'id="cssrs-notice"' in page and 'name="cssrs_screen__q1"' in page
    assert not Intake.objects.filter(follow_up_of__isnull=False).exists()


def test_the_decision_and_the_completion_share_one_transaction(occurrence):
    """A failure after the follow-up was stored rolls back the intake, its urgent case and the
    occurrence's completion together."""
    item9 = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 1}
    with (
        time_machine.travel(DAY14, tick=False),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.checkin_submit(occurrence_id=occurrence.pk, answers={"phq9": item9})
        assert Intake.objects.get(follow_up_of__isnull=False).urgent
        assert Case.objects.filter(urgent=True).exists()
        raise RuntimeError("the request failed after the submission")
    assert not Intake.objects.filter(follow_up_of__isnull=False).exists()
    assert not Case.objects.filter(urgent=True).exists()
    assert Occurrence.objects.get(pk=occurrence.pk).state == "scheduled"


@pytest.mark.parametrize("day", [21, 30])
def test_an_expired_link_shows_988(client, occurrence, day):
    with time_machine.travel(DAY0 + timedelta(days=day), tick=False):
        response = client.get(url(occurrence))
    page = main(response)
    assert response.status_code == 410
    assert "This check-in link has closed" in page and "tel:988" in page
    assert 'name="phq9__q1"' not in page


def test_a_forged_link_is_not_found_and_shows_988(client, occurrence):
    token = links.checkin_token(occurrence.pk)[:-2] + "xx"
    response = client.get(f"/checkin/{token}/")
    assert response.status_code == 404 and "tel:988" in main(response)


def test_the_scores_are_shown_only_to_the_session_that_answered(client, occurrence):
    from django.test import Client

    with time_machine.travel(DAY14, tick=False):
        client.post(url(occurrence), answers())
        other = Client().get(url(occurrence) + "done/")
    assert "Lower is better" not in other.content.decode()
    assert "already been sent" in other.content.decode()
