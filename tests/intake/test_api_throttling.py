"""API throttles answer 429 with Retry-After (DRF throttles, rates from settings)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


@pytest.fixture
def tight_rates(monkeypatch):
    cache.clear()
    rates = {"anon": "2/min", "user": "3/min"}
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    yield
    cache.clear()


@pytest.mark.django_db
def test_an_authenticated_caller_is_limited_with_retry_after(tight_rates, cleo_api):
    codes = [cleo_api.get("/api/v1/instruments/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = cleo_api.get("/api/v1/instruments/")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60


@pytest.mark.django_db
def test_an_anonymous_caller_cannot_dodge_the_limit_with_a_forwarded_for_header(tight_rates):
    """Without proxies configured (NUM_PROXIES 0) X-Forwarded-For is the caller's own to set:
    a new value on every request must not make a new caller (DRF's default would). The API
    docs are the anonymous endpoint (the rest answer 401 before any throttle counts)."""
    client = APIClient(REMOTE_ADDR="192.0.2.50")
    codes = [
        client.get("/api/docs/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_behind_one_proxy_anonymous_callers_are_told_apart(tight_rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def get_as(address):
        client = APIClient(**proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.1, {address}")
        return client.get("/api/docs/").status_code

    assert [get_as("192.0.2.60"), get_as("192.0.2.60"), get_as("192.0.2.60")] == [200, 200, 429]
    assert get_as("192.0.2.61") == 200  # another patient behind the same proxy
