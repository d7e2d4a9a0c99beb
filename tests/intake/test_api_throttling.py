"""API throttles answer 429 with Retry-After (DRF throttles, rates from settings)."""

import pytest
from django.core.cache import cache
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
