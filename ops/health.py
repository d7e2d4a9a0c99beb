"""``/health/``: database, cache and broker (django-health-check 4.8).

200 when every part answers; 503 naming each failing part otherwise. JSON by default (what
load balancers and ``docker compose`` health checks read), HTML or text on request.
"""

import dataclasses

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection within BROKER_TIMEOUT (in-process when eager)."""

    def __repr__(self):
        return "Broker"

    def run(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # embedded mode: tasks run in-process, there is no broker to reach
        from config.celery import app

        try:
            with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
                conn.ensure_connection(max_retries=1, timeout=settings.BROKER_TIMEOUT)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


class HealthView(HealthCheckView):
    checks = (
        ("health_check.checks.Database", {"alias": "default"}),
        ("health_check.checks.Cache", {"alias": "default"}),
        Broker,
    )

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # the library answers 500; a failing part is 503
            response.status_code = 503
        return response

    def render_to_response_json(self, status):
        from django.http import JsonResponse

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
    return {"Database": "database", "Cache": "cache", "Broker": "broker"}.get(
        type(check).__name__, repr(check)
    )
