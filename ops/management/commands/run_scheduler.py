"""Run the periodic jobs of ``CELERY_BEAT_SCHEDULE`` in-process (embedded mode).

With a broker configured, ``celery beat`` sends these jobs to the workers instead; this command
refuses to run then, so a job is never run twice by two schedulers.
"""

import signal
import time

import structlog
from celery import current_app as app  # config.celery's app (ops never imports config)
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

log = structlog.get_logger(__name__)


def _as_schedule(value):
    if hasattr(value, "is_due"):
        return value
    return interval_schedule(run_every=value)


def started_runs(jobs: dict, now) -> dict:
    """When each job counts as last run, at start. Interval jobs (the sweeps, the heartbeat)
    run at once: a restart must not delay them. Calendar jobs (crontab: the nightly purges,
    the weekly directory re-confirmation email) wait for their next time, as celery beat
    does, instead of running on every start of ``make run``."""
    return {
        name: None if isinstance(sched, interval_schedule) else now
        for name, (_task, sched, _args) in jobs.items()
    }


class Command(BaseCommand):
    help = "Run the beat schedule in-process (embedded mode, no broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument(
            "--run-for", type=float, default=None, help="stop after this many seconds (tests)"
        )

    def handle(self, *args, once=False, run_for=None, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("A broker is configured: run `celery -A config beat` instead.")
        app.loader.import_default_modules()  # registers every app's tasks
        jobs = {
            name: (entry["task"], _as_schedule(entry["schedule"]), entry.get("args", ()))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        last_run = started_runs(jobs, timezone.now())
        stop_at = None if run_for is None else time.monotonic() + run_for
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"scheduler: {len(jobs)} periodic jobs, running in-process")
        while not stopping:
            next_in = 60.0
            for name, (task_name, sched, args) in jobs.items():
                due, wait = (True, 0.0) if last_run[name] is None else sched.is_due(last_run[name])
                if due or once:
                    self._run(name, task_name, args)
                    last_run[name] = timezone.now()
                    due, wait = sched.is_due(last_run[name])
                next_in = min(next_in, max(wait, 1.0))
            if once:
                return
            deadline = time.monotonic() + next_in
            if stop_at is not None:
                deadline = min(deadline, stop_at)
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)
            if stop_at is not None and time.monotonic() >= stop_at:
                return

    def _run(self, name, task_name, args):
        try:
            app.tasks[task_name].apply(args=args, throw=True)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("periodic_job_failed", job=name, error=type(exc).__name__)
