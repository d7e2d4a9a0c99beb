"""``/health/``: can this process serve patients? ``/health/live/``: is it running at all?

``/health/`` (readiness, django-health-check) checks the database, the cache, the static files
this process serves (production: WhiteNoise's manifest, without which every page is a 500),
and in configured mode the broker and a recent worker heartbeat (no worker: intakes are never
screened). 200 when every part answers; 503 naming each failing part otherwise. JSON by
default (what load balancers and ``docker compose`` health checks read), HTML or text on
request. Embedded mode has no broker and no worker: those two are reported ``ok``.

``/health/live/`` touches nothing: 200 while the process answers requests (a liveness probe
that restarts the process would not mend a database outage).
"""

import dataclasses
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import JsonResponse
from django.utils import timezone
from django.views import View
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

#: A file every patient page links: its hashed name must be in the manifest.
STATIC_PROBE = "css/site.css"


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection within BROKER_TIMEOUT (in-process when eager)."""

    def __repr__(self):
        return "Broker"

    def run(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # embedded mode: tasks run in-process, there is no broker to reach
        from celery import current_app as app  # config.celery's app (ops never imports config)

        try:
            with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
                conn.ensure_connection(max_retries=1, timeout=settings.BROKER_TIMEOUT)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass
class StaticFiles(HealthCheck):
    """With the manifest storage (production), the manifest this process loaded names the
    files the pages link; a missing manifest makes every ``{% static %}`` a 500."""

    def __repr__(self):
        return "StaticFiles"

    def run(self):
        storage = staticfiles_storage
        if not hasattr(storage, "manifest_name"):
            return  # development: files are served by name, nothing to collect first
        try:
            storage.stored_name(STATIC_PROBE)
        except ValueError as exc:
            raise ServiceUnavailable(
                "static manifest missing: run manage.py collectstatic, then restart"
            ) from exc


@dataclasses.dataclass
class Worker(HealthCheck):
    """A Celery worker confirmed a heartbeat within HEALTH_HEARTBEAT_MAX_AGE_SECONDS (beat
    sends one a minute; a worker records one as it starts). Embedded mode: tasks run
    in-process, there is no worker to miss."""

    def __repr__(self):
        return "Worker"

    async def run(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        max_age = settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS
        if not await sync_to_async(_worker_seen_since, thread_sensitive=True)(max_age):
            raise ServiceUnavailable(f"no worker heartbeat in the last {max_age} s")


def _worker_seen_since(seconds: int) -> bool:
    from ops.models import Heartbeat

    since = timezone.now() - timedelta(seconds=seconds)
    # created_at (indexed) bounds the scan; a heartbeat is confirmed soon after it is written.
    return Heartbeat.objects.filter(
        created_at__gte=since - timedelta(hours=1), worker_seen_at__gte=since
    ).exists()


class LiveView(View):
    """Liveness: the process answers. Nothing else is touched."""

    def get(self, request):
        return JsonResponse({"status": "ok"})


class HealthView(HealthCheckView):
    checks = (
        ("health_check.checks.Database", {"alias": "default"}),
        ("health_check.checks.Cache", {"alias": "default"}),
        StaticFiles,
        Broker,
        Worker,
    )

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # the library answers 500; a failing part is 503
            response.status_code = 503
        return response

    def render_to_response_json(self, status):
        return JsonResponse(
            {
                "status": "ok" if status == 200 else "unavailable",
                "checks": {
                    _part(result.check): "ok" if not result.error else str(result.error)
                    for result in self.results
                },
            },
            status=status,
        )

    async def dispatch(self, request, *args, **kwargs):
        if "format" not in request.GET and "text/html" not in request.headers.get("accept", ""):
            request.GET = request.GET.copy()
            request.GET["format"] = "json"
        return await super().dispatch(request, *args, **kwargs)


def _part(check) -> str:
    return {
        "Database": "database",
        "Cache": "cache",
        "StaticFiles": "static",
        "Broker": "broker",
        "Worker": "worker",
    }.get(type(check).__name__, repr(check))
