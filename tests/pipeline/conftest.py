"""Real services for the pipeline tests: PostgreSQL, Redis and a Celery worker process.

The worker is a separate ``celery worker`` process reading the same queue (``CELERY_QUEUE``, unique
per test run) on the Redis broker given by ``CELERY_BROKER_URL``, against the test database
that pytest-django created. These tests need committed data, so they use ``transactional_db``.
"""

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from devstack import descendants, worker_argv

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout=20.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def database_url_of_test_db() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess; its log goes to a file the test can read."""

    def __init__(self, tmp_path: Path):
        self.name = f"pipeline-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = tmp_path / f"{self.name}.log"
        self.proc = None

    def start(self, timeout=30.0):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "test",
            "DATABASE_URL": database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "LOG_FORMAT": "console",
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            worker_argv(name=self.name, queue=settings.CELERY_TASK_DEFAULT_QUEUE),
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.is_ready, timeout=timeout, interval=0.3, message="the worker to answer")
        return self

    def is_ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited early:\n{self.log()}")
        return bool(app.control.ping(destination=[self.name], timeout=0.5))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """Warm shutdown, then SIGKILL to anything left: no worker outlives its test."""
        if self.proc is None:
            return
        family = [self.proc.pid, *descendants(self.proc.pid)]
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        self._log.close()


@pytest.fixture
def broker(settings):
    """The real Redis broker: tasks are published, not run in-process."""
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.fail("pipeline tests need PostgreSQL and CELERY_BROKER_URL (run `make test`)")
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:  # start from an empty test queue
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def worker(broker, transactional_db, tmp_path):
    proc = WorkerProcess(tmp_path).start()
    yield proc
    proc.stop()
    print(f"--- worker log {proc.name} ---\n{proc.log()}")  # shown when a test fails


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker URL (drops pooled connections)."""
    from kombu import pools

    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # pooled producers are keyed by broker; start afresh


@pytest.fixture
def broker_url(broker, settings):
    """Restores the real broker after a test pointed the app elsewhere."""
    real = settings.CELERY_BROKER_URL
    yield real
    use_broker(real)


def worker_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []
