"""Follow-up sends on the real stack: a `celery beat` process (planner every second) and a
worker on Redis. The beat is killed and started again mid-way: each invitation is sent once per
channel, and a send whose task was lost before it was claimed is delivered by the sweep."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from followups import services
from followups.models import SendRecord
from intake.models import Intake
from tests.followups.helpers import baseline_intake
from tests.pipeline.conftest import ROOT, database_url_of_test_db, wait_until

pytestmark = pytest.mark.pipeline


class Beat:
    def __init__(self, tmp_path, n):
        self.log_path = tmp_path / f"beat-{n}.log"
        self.schedule = tmp_path / "celerybeat-schedule"
        self.proc = None

    def start(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "test",
            "DATABASE_URL": database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "FOLLOWUP_INTERVAL_SECONDS": "1",
            "LOG_FORMAT": "console",
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in kill()
        argv = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]
        self.proc = subprocess.Popen(
            [*argv, "--schedule", str(self.schedule)],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: "beat: Starting" in self.log(), timeout=30, message="beat to start")
        return self

    def log(self):
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """As a crash or a deploy would: no warm shutdown."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._log.close()


def test_a_beat_restart_never_sends_twice_and_the_sweep_finds_a_lost_send(worker, tmp_path):
    intake = baseline_intake()
    Intake.objects.filter(pk=intake.pk).update(submitted_at=timezone.now() - timedelta(days=14))
    intake.refresh_from_db()
    plan = services.plan_start(
        intake=intake,
        instruments=["phq9"],
        every_days=14,
        occurrences=2,
        channels=["email", "sms"],
        by=None,
    )
    occurrence = plan.occurrence_set.get(number=1)
    assert occurrence.due_on == timezone.localdate()
    # The email invitation's task was lost before any worker claimed it (a broker outage).
    lost = SendRecord.objects.create(occurrence=occurrence, kind="invitation", channel="email")
    SendRecord.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    first = Beat(tmp_path, 1).start()
    try:
        wait_until(
            lambda: SendRecord.objects.filter(status="sent").count() == 2,
            timeout=40,
            message="both invitations to be sent",
        )
        time.sleep(2)  # more planner ticks
    finally:
        first.kill()
    second = Beat(tmp_path, 2).start()
    try:
        wait_until(
            lambda: second.log().count("followups.tasks.plan_follow_up_sends") >= 3,
            timeout=40,
            message="three ticks of the restarted beat",
        )
        time.sleep(2)
    finally:
        second.kill()

    sends = SendRecord.objects.filter(occurrence=occurrence)
    assert sorted(sends.values_list("channel", "status")) == [("email", "sent"), ("sms", "sent")]
    assert sends.get(channel="email").pk == lost.pk  # the sweep delivered the lost one
    log = worker.log()
    assert log.count("Subject: Your check-in questionnaire") == 1  # console email backend
    assert log.count("SMS to ...00:") == 1  # console SMS backend
    occurrence.refresh_from_db()
    assert occurrence.state == "sent"
