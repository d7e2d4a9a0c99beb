"""Run the periodic jobs of ``CELERY_BEAT_SCHEDULE`` in-process (embedded mode).

With a broker configured, ``celery beat`` sends these jobs to the workers instead; this command
refuses to run then, so a job is never run twice by two schedulers.
"""

import signal
import time

import structlog
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.celery import app

log = structlog.get_logger(__name__)


def _as_schedule(value):
    if hasattr(value, "is_due"):
        return value
    return interval_schedule(run_every=value)


class Command(BaseCommand):
    help = "Run the beat schedule in-process (embedded mode, no broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once=False, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("A broker is configured: run `celery -A config beat` instead.")
        app.loader.import_default_modules()  # registers every app's tasks
        jobs = {
            name: (entry["task"], _as_schedule(entry["schedule"]), entry.get("args", ()))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        last_run = dict.fromkeys(jobs)
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
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)

    def _run(self, name, task_name, args):
        try:
            app.tasks[task_name].apply(args=args, throw=True)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("periodic_job_failed", job=name, error=type(exc).__name__)
