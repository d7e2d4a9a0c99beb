"""A database that cannot be reached answers 503 with Retry-After, never 500, and leaks nothing.

The real fault (PostgreSQL restarted under a stream of submissions) is proved end to end in
tests/pipeline/test_faults.py; these pin the response shape and that nothing is half-saved.
"""

from django.db import OperationalError

from intake import api as intake_api
from intake.models import Intake
from tests.factories import intake_payload
from tests.intake.conftest import post, post_step


def test_database_unreachable_mid_submit_is_a_503_with_retry_after(cora_api, monkeypatch):
    def lost_connection(**kwargs):
        raise OperationalError("server closed the connection unexpectedly MRN-00042 Rivera")

    monkeypatch.setattr(intake_api, "intake_submit", lost_connection)
    response = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="retry-me")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"
    assert "Rivera" not in response.content.decode()  # the driver's text never reaches the client
    assert not Intake.objects.exists()

    monkeypatch.undo()  # the database is back: the retry with the same key makes one intake
    retried = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="retry-me")
    again = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="retry-me")
    assert retried.status_code == 201
    assert again.json()["id"] == retried.json()["id"]
    assert Intake.objects.count() == 1


def test_the_schema_documents_the_503(cora_api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"]["/api/v1/intakes/"]["post"]["responses"]
    assert "503" in responses
    assert "Idempotency-Key" in responses["503"]["description"]


def test_redis_cache_unreachable_rate_limits_fail_open_not_500(settings, cora_api, client):
    """The production cache backend, pointed at a port nothing listens on: the API throttle and
    the wizard's per-address limit both read the cache, and both let the request through."""
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
        }
    }
    settings.INTAKE_POST_RATE = "1/10m"
    response = post(cora_api, intake_payload())
    assert response.status_code == 201
    for _ in range(2):  # over the limit, but nothing can count: the patient is not turned away
        assert post_step(client, "welcome", {}).status_code == 200  # the form, not a 429
