"""Screening on the real services: PostgreSQL, Redis and a Celery worker process.

Faults: a worker process killed with SIGKILL mid-task, the broker down during a submit, a hung
broker, a duplicated delivery. In every case each intake ends with exactly one screening run.
"""

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from intake.models import Intake
from screening.models import Case, Flag, RunStatus, ScreeningRun
from screening.tasks import screen_intake, sweep_unscreened
from tests.factories import intake_payload, urgent_payload
from tests.intake.conftest import post
from tests.pipeline.conftest import use_broker, wait_until, worker_children

pytestmark = pytest.mark.pipeline


def screened(intake_id) -> bool:
    return ScreeningRun.objects.filter(intake_id=intake_id, status=RunStatus.COMPLETE).exists()


def assert_screened_exactly_once(intake_ids):
    for intake_id in intake_ids:
        runs = ScreeningRun.objects.filter(intake_id=intake_id)
        assert runs.count() == 1, intake_id
        assert runs.get().status == RunStatus.COMPLETE
        codes = list(Flag.objects.filter(run__intake_id=intake_id).values_list("code", flat=True))
        assert len(codes) == len(set(codes)), codes


def test_submit_then_the_worker_screens_and_flags(worker, cora_api):
    intake_id = post(cora_api, intake_payload()).json()["id"]
    wait_until(lambda: screened(intake_id), message="screening")
    intake = Intake.objects.get(pk=intake_id)
    assert intake.status == "screened"
    codes = set(Flag.objects.filter(run__intake=intake).values_list("code", flat=True))
    assert "possible_trd" in codes  # sertraline + escitalopram, adequate and failed
    assert Case.objects.filter(intake=intake).exists()
    assert_screened_exactly_once([intake_id])


def test_a_duplicated_delivery_makes_one_run(worker, cora_api):
    intake_id = post(cora_api, intake_payload()).json()["id"]
    screen_intake.delay(intake_id)
    screen_intake.delay(intake_id)
    wait_until(lambda: screened(intake_id), message="screening")
    marker = post(cora_api, intake_payload()).json()["id"]  # runs after the duplicates
    wait_until(lambda: screened(marker), message="the marker")
    assert worker.log().count("screening.tasks.screen_intake[") >= 3
    assert_screened_exactly_once([intake_id, marker])


def test_worker_killed_mid_task_screens_exactly_once_after_restart(worker, cora_api):
    """SIGKILL the pool process while its task waits on a lock we hold.

    Holding the screening-run table in EXCLUSIVE mode lets the submission commit (it writes no
    run) while the worker's task blocks mid-run on its INSERT of the run.
    """
    s = connection.settings_dict
    dsn = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={s['NAME']}"
    # pg_stat_activity is a snapshot per transaction: poll it from an autocommit connection.
    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as observer:
        blocker.execute("LOCK TABLE screening_screeningrun IN EXCLUSIVE MODE")
        intake_id = post(cora_api, intake_payload()).json()["id"]

        def waiting_on_lock():
            row = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
                "'Lock' AND query ILIKE '%%screening_screeningrun%%'",
                [s["NAME"]],
            ).fetchone()
            return row[0] > 0

        wait_until(waiting_on_lock, message="the task to block mid-run on the lock")
        children = worker_children(worker.proc.pid)
        assert len(children) == 1
        os.kill(children[0], signal.SIGKILL)
        wait_until(
            lambda: worker_children(worker.proc.pid) not in ([], children),
            message="the pool to replace its process",
        )
        assert not screened(intake_id)
        blocker.rollback()  # release the lock: the redelivered task can run
    wait_until(lambda: screened(intake_id), timeout=30, message="screening after the kill")
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()
    assert_screened_exactly_once([intake_id])


def test_broker_down_at_submit_still_answers_201_and_the_sweep_screens_later(
    broker_url, transactional_db, cora_api, tmp_path, settings
):
    use_broker("redis://127.0.0.1:1/0")  # nothing listens: the broker is down
    started = time.monotonic()
    normal = post(cora_api, intake_payload())
    urgent = post(cora_api, urgent_payload(item9=3))
    elapsed = time.monotonic() - started
    assert normal.status_code == urgent.status_code == 201
    assert elapsed < 15, elapsed
    urgent_id = urgent.json()["id"]
    # The urgent path never needed the broker: its flag and case exist at once.
    assert Flag.objects.filter(intake_id=urgent_id, code="suicide_risk", run=None).exists()
    assert Case.objects.get(intake_id=urgent_id).urgent
    ids = [normal.json()["id"], urgent_id]
    assert not ScreeningRun.objects.filter(intake_id__in=ids).exists()

    use_broker(broker_url)  # the broker is back; the beat's sweep finds what was missed
    from tests.pipeline.conftest import WorkerProcess

    proc = WorkerProcess(tmp_path)
    os.environ["SCREENING_SWEEP_AFTER_SECONDS"] = "0"
    try:
        proc.start()
    finally:
        del os.environ["SCREENING_SWEEP_AFTER_SECONDS"]
    try:
        sweep_unscreened.delay()
        wait_until(lambda: all(screened(i) for i in ids), timeout=30, message="the sweep")
        assert_screened_exactly_once(ids)
        # The urgent notification task was lost with the broker; the escalation job sends it.
        from screening.tasks import escalate_unacknowledged

        Case.objects.filter(intake_id=urgent_id).update(
            opened_at=timezone.now() - timedelta(minutes=2)
        )
        escalate_unacknowledged.delay()
        wait_until(
            lambda: Case.objects.get(intake_id=urgent_id).notified_at is not None,
            message="the urgent notification",
        )
    finally:
        proc.stop()


def test_a_hung_broker_does_not_hang_the_submit(broker_url, transactional_db, cora_api):
    """A socket that accepts and never answers: the submit still answers in bounded time."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept_and_stay_silent():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    try:
        use_broker(f"redis://127.0.0.1:{server.getsockname()[1]}/0")
        started = time.monotonic()
        response = post(cora_api, urgent_payload(item9=1))
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert response.status_code == 201
    assert accepted, "the broker socket was never contacted"
    assert elapsed < 15, elapsed
    assert Case.objects.get(intake_id=response.json()["id"]).urgent
