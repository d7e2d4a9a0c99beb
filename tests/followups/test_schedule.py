"""One plan walked day by day with a frozen clock: the invitation on day 14 (one per channel,
nothing personal in it), reminders on days 15-17, expiry on day 21; STOP and unsubscribe end
future sends; a send is claimed before it is sent and never sent twice."""

import re
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail

from followups import services, sms
from followups.models import Occurrence, PlanStatus, SendRecord
from intake.models import Patient
from tests.followups.helpers import DAY0, baseline_intake

pytestmark = pytest.mark.django_db(transaction=True)

#: The patient's name, email, phone, the baseline's score words: none may be in a message.
PERSONAL = (
    "Ada",
    "Lovelace",
    "ada@example.org",
    "0100",
    "212",
    "PHQ",
    "score",
    "depress",
    "diagnos",
)


def without_links(text: str) -> str:
    """The message less its two links (their random tokens could hold any digits)."""
    return re.sub(r"https?://\S+", "", text)


@pytest.fixture(autouse=True)
def _clear_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def run_day(day: int, hour: int = 9):
    """The beat's planner on ``day`` (eager Celery: the sends run as they are enqueued)."""
    with time_machine.travel(DAY0 + timedelta(days=day, hours=hour - 10), tick=False):
        services.plan_sends()


def start_plan(intake, channels=("email", "sms"), occurrences=2, by=None):
    with time_machine.travel(DAY0 + timedelta(hours=1), tick=False):
        return services.plan_start(
            intake=intake,
            instruments=["phq9"],
            every_days=14,
            occurrences=occurrences,
            channels=list(channels),
            by=by,
        )


def sent(kind=None):
    rows = SendRecord.objects.filter(status="sent")
    return rows.filter(kind=kind) if kind else rows


def test_walk_one_plan(cleo):
    intake = baseline_intake(cleo)
    plan = start_plan(intake, by=cleo)
    first = plan.occurrence_set.get(number=1)
    assert first.due_on == DAY0.date() + timedelta(days=14)

    for day in range(0, 14):
        run_day(day)
    assert not mail.outbox and not sms.outbox

    run_day(14)
    run_day(14, hour=15)  # the beat again the same day: nothing more
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert sorted(sent("invitation").values_list("channel", flat=True)) == ["email", "sms"]
    email, text = mail.outbox[0], sms.outbox[0]
    assert email.to == ["ada@example.org"] and text.to == "+12125550100"
    for body in (email.subject, without_links(email.body), without_links(text.body)):
        for word in PERSONAL:
            assert word.lower() not in body.lower(), (word, body)
    assert "988" in email.body and "988" in text.body
    assert "/checkin/" in email.body and "/checkin/" in text.body
    assert "/checkin-stop/" in email.body and "Reply STOP" in text.body
    first.refresh_from_db()
    assert first.state == "sent" and first.sent_at is not None

    for n, day in enumerate((15, 16, 17), start=1):
        run_day(day)
        run_day(day, hour=18)
        assert sent(f"reminder_{n}").count() == 2, day
        first.refresh_from_db()
        assert (first.state, first.reminders_sent) == ("reminded", n)
    assert len(mail.outbox) == 4 and len(sms.outbox) == 4

    for day in range(18, 21):
        run_day(day)
    assert len(mail.outbox) == 4 and len(sms.outbox) == 4
    first.refresh_from_db()
    assert first.state == "reminded"
    run_day(21)
    first.refresh_from_db()
    assert first.state == "expired" and first.expired_at is not None
    assert len(mail.outbox) == 4

    # Every send audited: its claim and its outcome.
    events = LogEntry.objects.filter(additional_data__event="follow_up_sent")
    assert events.count() == sent().count() == 8


def test_a_planner_that_was_down_sends_only_the_latest_reminder(cleo):
    plan = start_plan(baseline_intake(cleo), channels=["email"])
    run_day(14)
    run_day(17)
    assert list(sent().values_list("kind", flat=True)) == ["invitation", "reminder_3"]
    assert plan.occurrence_set.get(number=1).reminders_sent == 3


def test_a_completed_occurrence_gets_no_reminder(cleo):
    plan = start_plan(baseline_intake(cleo), channels=["email"])
    run_day(14)
    occurrence = plan.occurrence_set.get(number=1)
    with time_machine.travel(DAY0 + timedelta(days=14, hours=5), tick=False):
        services.checkin_submit(
            occurrence_id=occurrence.pk, answers={"phq9": {f"q{n}": 1 for n in range(1, 10)}}
        )
    run_day(15)
    assert list(sent().values_list("kind", flat=True)) == ["invitation"]
    occurrence.refresh_from_db()
    assert (
        occurrence.state == "completed" and occurrence.follow_up.follow_up_of_id == plan.intake_id
    )


def test_stop_reply_ends_texts_but_not_email(cleo):
    plan = start_plan(baseline_intake(cleo))
    run_day(14)
    assert services.sms_stop(phone="(212) 555-0100") == 1  # any spelling of the number
    run_day(15)
    assert list(sent("reminder_1").values_list("channel", flat=True)) == ["email"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.active_channels == ["email"]


def test_stop_reply_on_a_text_only_plan_stops_it(cleo):
    plan = start_plan(baseline_intake(cleo), channels=["sms"])
    run_day(14)
    services.sms_stop(phone="+12125550100")
    run_day(15)
    run_day(28)  # the second occurrence's day
    assert sent().count() == 1
    plan.refresh_from_db()
    assert (plan.status, plan.stop_reason) == ("stopped", "sms_stop")
    assert plan.occurrence_set.get(number=2).state == "cancelled"


def test_unsubscribe_ends_every_send(cleo):
    plan = start_plan(baseline_intake(cleo))
    run_day(14)
    services.unsubscribe(plan_id=plan.pk)
    for day in (15, 16, 28, 29):
        run_day(day)
    assert sent().count() == 2  # the invitation by email and by text, nothing after
    plan.refresh_from_db()
    assert plan.unsubscribed_at is not None and plan.stop_reason == "unsubscribed"


def test_a_send_opted_out_between_planning_and_delivery_is_skipped(cleo):
    plan = start_plan(baseline_intake(cleo), channels=["email"])
    record = SendRecord.objects.create(
        occurrence=plan.occurrence_set.get(number=1), kind="invitation", channel="email"
    )
    services.unsubscribe(plan_id=plan.pk)
    with time_machine.travel(DAY0 + timedelta(days=14), tick=False):
        assert services.deliver(str(record.pk)) == "skipped"
    assert not mail.outbox


def test_a_claimed_send_is_never_sent_again(cleo):
    plan = start_plan(baseline_intake(cleo), channels=["email"])
    record = SendRecord.objects.create(
        occurrence=plan.occurrence_set.get(number=1), kind="invitation", channel="email"
    )
    with time_machine.travel(DAY0 + timedelta(days=14), tick=False):
        assert services.deliver(str(record.pk)) == "sent"
        assert services.deliver(str(record.pk)) == "sent"  # a redelivered task
        SendRecord.objects.filter(pk=record.pk).update(status="claimed")  # died mid-send
        assert services.deliver(str(record.pk)) == "claimed"
    assert len(mail.outbox) == 1


def test_due_dates_follow_the_baseline(cleo):
    plan = start_plan(baseline_intake(cleo), occurrences=6)
    days = [(o.due_on - DAY0.date()).days for o in Occurrence.objects.filter(plan=plan)]
    assert days == [14, 28, 42, 56, 70, 84]


def test_a_plan_started_late_schedules_only_dates_to_come(cleo):
    intake = baseline_intake(cleo)
    with time_machine.travel(DAY0 + timedelta(days=30), tick=False):
        plan = services.plan_start(
            intake=intake,
            instruments=["phq9"],
            every_days=14,
            occurrences=2,
            channels=["email"],
            by=cleo,
        )
    days = [(o.due_on - DAY0.date()).days for o in plan.occurrence_set.all()]
    assert days == [42, 56]


def test_an_erased_patient_is_sent_nothing(cleo):
    plan = start_plan(baseline_intake(cleo))
    Patient.objects.filter(pk=plan.intake.patient_id).update(erased_at=DAY0)
    run_day(14)
    assert not mail.outbox and not sms.outbox
    assert set(SendRecord.objects.values_list("status", "detail")) == {
        ("skipped", "contact details erased")
    }


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(212) 555-0100", "+12125550100"),
        ("+1 212 555 0100", "+12125550100"),
        ("2125550100", "+12125550100"),
    ],
)
def test_numbers_are_normalised_to_e164(raw, e164):
    assert sms.to_e164(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "not a number", "+1 000 000 0000"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.to_e164(raw)
