"""Follow-up of referrals that stall (beat job), and the weekly re-confirmation list."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from ops import roles
from ops.dates import day
from referrals import services, tasks
from referrals.followup import add_business_days, follow_up_due
from referrals.models import Referral
from referrals.selectors import follow_ups_for_intake, providers_to_reconfirm
from tests.referrals.conftest import make_provider

FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (FRIDAY, 3, datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),  # Wednesday
        (FRIDAY - timedelta(days=4), 3, datetime(2026, 11, 19, 10, 0, tzinfo=UTC)),  # Mon→Thu
        (FRIDAY + timedelta(days=1), 3, datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),  # Sat→Thu
        (FRIDAY + timedelta(days=2), 1, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),  # Sun→Tue
        (FRIDAY, 0, FRIDAY),
    ],
)
def test_business_days(start, days, due):
    assert add_business_days(start, days) == due


def test_due_dates_by_status():
    assert follow_up_due("sent", FRIDAY) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert follow_up_due("accepted", FRIDAY) == FRIDAY + timedelta(days=7)
    for status in ("draft", "declined", "scheduled", "completed", "cancelled"):
        assert follow_up_due(status, FRIDAY) is None


def _at(referral, status, when):
    Referral.objects.filter(pk=referral.pk).update(status=status, status_changed_at=when)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def referral(ada, cleo):
    return services.referral_create(intake=ada, provider=make_provider(), by=cleo)


@pytest.mark.django_db
class TestFlagging:
    def test_sent_and_not_accepted_within_three_business_days(self, referral):
        _at(referral, "sent", FRIDAY)
        wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
        assert services.flag_overdue_referrals(now=wednesday - timedelta(seconds=1)) == 0
        assert services.flag_overdue_referrals(now=wednesday) == 1
        referral.refresh_from_db()
        assert referral.follow_up_flagged_at == wednesday
        assert referral.follow_up_reason == (
            "Sent on 2026-11-20 and not accepted within 3 business days: contact the provider."
        )
        assert list(follow_ups_for_intake(referral.intake_id)) == [referral]

    def test_accepted_and_not_scheduled_within_seven_days(self, referral):
        _at(referral, "accepted", FRIDAY)
        assert services.flag_overdue_referrals(now=FRIDAY + timedelta(days=6, hours=23)) == 0
        assert services.flag_overdue_referrals(now=FRIDAY + timedelta(days=7)) == 1
        referral.refresh_from_db()
        assert referral.follow_up_reason.startswith("Accepted on 2026-11-20 and not scheduled")

    @pytest.mark.parametrize("status", ["draft", "declined", "scheduled", "completed", "cancelled"])
    def test_other_statuses_never_need_it(self, referral, status):
        _at(referral, status, FRIDAY - timedelta(days=60))
        assert services.flag_overdue_referrals(now=FRIDAY) == 0

    def test_flagging_again_changes_nothing(self, referral):
        _at(referral, "sent", FRIDAY - timedelta(days=30))
        assert services.flag_overdue_referrals(now=FRIDAY) == 1
        first = Referral.objects.get(pk=referral.pk).follow_up_flagged_at
        assert services.flag_overdue_referrals(now=FRIDAY + timedelta(days=1)) == 0
        assert Referral.objects.get(pk=referral.pk).follow_up_flagged_at == first

    def test_the_next_move_clears_the_flag(self, referral, cleo):
        _at(referral, "sent", FRIDAY - timedelta(days=30))
        services.flag_overdue_referrals(now=FRIDAY)
        referral.refresh_from_db()
        services.referral_move(referral=referral, to="accepted", by=cleo)
        referral.refresh_from_db()
        assert referral.follow_up_flagged_at is None
        assert referral.follow_up_reason == ""

    def test_the_beat_task_runs_the_service(self, referral):
        _at(referral, "sent", timezone.now() - timedelta(days=30))
        tasks.flag_overdue_referrals.delay()
        assert Referral.objects.get(pk=referral.pk).follow_up_flagged_at is not None


def test_both_jobs_are_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "referrals.tasks.flag_overdue_referrals",
        "referrals.tasks.list_providers_to_reconfirm",
    } <= tasks_scheduled


@pytest.mark.django_db
class TestReconfirmList:
    def test_who_is_listed_and_why(self):
        now = timezone.now()
        today = timezone.localdate()
        make_provider(name="Fresh")
        make_provider(name="Stale", availability_confirmed_at=now - timedelta(days=40))
        make_provider(name="Stale next week", availability_confirmed_at=now - timedelta(days=25))
        make_provider(name="Never", availability_confirmed_at=None)
        make_provider(
            name="Licence expiring",
            licenses=[{"state": "NY", "expires_on": today + timedelta(days=10)}],
        )
        make_provider(
            name="Licence expired",
            licenses=[
                {"state": "NY", "expires_on": today - timedelta(days=1)},
                {"state": "NJ", "expires_on": today + timedelta(days=300)},
            ],
        )
        due = {p.name: todo for p, todo in providers_to_reconfirm(now)}
        assert set(due) == {
            "Stale",
            "Stale next week",
            "Never",
            "Licence expiring",
            "Licence expired",
        }
        assert due["Never"] == ["availability never confirmed"]
        assert due["Stale"][0].endswith("(stale)")
        assert due["Stale next week"][0].endswith("(stale within a week)")
        assert due["Licence expired"] == [f"NY licence expired {day(today - timedelta(days=1))}"]

    def test_the_weekly_job_emails_the_directory_managers(self, dirk, cleo):
        dirk.email = "dirk@example.org"
        dirk.save()
        cleo.email = "cleo@example.org"
        cleo.save()
        stale = make_provider(name="Stale", availability_confirmed_at=None)
        assert tasks.list_providers_to_reconfirm() == 1
        (message,) = mail.outbox
        assert message.to == ["dirk@example.org"]
        assert f"Stale (NPI {stale.npi}): availability never confirmed" in message.body
        assert "/admin/referrals/provider/?freshness=attention" in message.body

    def test_nothing_to_send(self, dirk):
        assert Group.objects.get(name=roles.DIRECTORY_MANAGER).user_set.count() == 1
        make_provider(name="Fresh")
        assert tasks.list_providers_to_reconfirm() == 0
        assert mail.outbox == []
