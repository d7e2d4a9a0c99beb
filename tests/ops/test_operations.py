"""What an operator meets: the committed development keys refused outside a developer's
machine, SITE_URL following PORT, the health endpoints telling the truth about the worker, no
broker warning in embedded mode, the favicon, and a scheduler start that sends no weekly email.

Settings are read at process start, so those tests start a fresh Python process each.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ops.binding import is_loopback, non_loopback
from ops.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]
OWN_KEYS = {
    "SECRET_KEY": "an-operators-own-secret-key-0123456789abcdef",
    "FIELD_ENCRYPTION_SALT": "an-operators-own-salt-0123456789abcdef",
    "BLIND_INDEX_KEY": "an-operators-own-blind-index-key-0123456789",
}
PRINT_SETTINGS = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "django.setup(); from django.conf import settings as s; print(s.SITE_URL)"
)


def start(**env) -> subprocess.CompletedProcess:
    """A fresh process with exactly this environment (on top of PATH and HOME)."""
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


POSTGRES = {"DATABASE_URL": "postgres://trd@db.example.internal:5432/trd"}


@pytest.mark.parametrize(
    ("configured", "reason"),
    [
        (POSTGRES, "DATABASE_URL is PostgreSQL"),
        ({"CELERY_BROKER_URL": "redis://cache.example.internal:6379/0"}, "CELERY_BROKER_URL"),
        ({"REDIS_URL": "redis://cache.example.internal:6379/1"}, "REDIS_URL is set"),
        ({"SERVER_BIND": "0.0.0.0:8000"}, "gunicorn binds 0.0.0.0:8000"),
    ],
)
def test_a_configured_deployment_refuses_the_committed_development_keys(configured, reason):
    result = start(**configured)
    assert result.returncode != 0
    assert "SECRET_KEY is the development key committed in the repository" in result.stderr
    assert reason in result.stderr
    assert "DJANGO_ENV=production" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_SALT", "BLIND_INDEX_KEY"])
def test_the_refusal_names_each_key_still_at_its_development_value(missing):
    keys = {k: v for k, v in OWN_KEYS.items() if k != missing}
    result = start(**POSTGRES, **keys)
    assert result.returncode != 0
    assert f"{missing} is the development key committed in the repository" in result.stderr


def test_a_configured_deployment_with_its_own_keys_starts():
    result = start(**POSTGRES, **OWN_KEYS, SERVER_BIND="0.0.0.0:8000")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {},  # embedded, on loopback: the demo on a developer's machine
        {"SERVER_BIND": "127.0.0.1:8000"},
        {"SERVER_BIND": "[::1]:8000,localhost:8001"},
        {**POSTGRES, "DJANGO_ENV": "test"},  # the test suite's private stacks
    ],
)
def test_the_development_keys_still_serve_a_developer(env):
    result = start(**env)
    assert result.returncode == 0, result.stderr


def test_site_url_follows_port_unless_set():
    assert start().stdout.strip() == "http://127.0.0.1:8000"
    assert start(PORT="8123").stdout.strip() == "http://127.0.0.1:8123"
    assert start(PORT="8123", SITE_URL="https://screening.example.org/").stdout.strip() == (
        "https://screening.example.org"
    )


def test_loopback_is_told_apart_from_every_other_address():
    assert all(is_loopback(a) for a in ("127.0.0.1:8000", "[::1]:80", "localhost:1", "unix:/x"))
    assert non_loopback(["0.0.0.0:8000", "10.1.2.3:80", ":8000", "[::]:8000"]) == [
        "0.0.0.0:8000",
        "10.1.2.3:80",
        ":8000",
        "[::]:8000",
    ]


def test_embedded_mode_logs_no_broker_warning():
    """In-process tasks still go through Celery's producer machinery; without a broker it
    used to be Celery's default amqp://localhost, with kombu's 'No hostname' warning."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from config.celery import app;\n"
        "with app.producer_or_acquire() as producer: print(producer.connection.as_uri())"
    )
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME"}}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("memory://")
    assert "hostname" not in (result.stdout + result.stderr).lower()


# --- health ---------------------------------------------------------------------------------


@pytest.fixture
def configured(settings):
    """Health as configured mode sees it (the broker check's answer is not these tests' point)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS = 180
    return settings


def worker_check(client) -> str:
    return client.get("/health/").json()["checks"]["worker"]


@pytest.mark.django_db
def test_health_fails_without_a_recent_worker_heartbeat(client, configured):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"].endswith("no worker heartbeat in the last 180 s")
    old = Heartbeat.objects.create(source="beat")
    Heartbeat.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=5),
        worker_seen_at=timezone.now() - timedelta(minutes=5),
    )
    assert worker_check(client).endswith("no worker heartbeat in the last 180 s")
    Heartbeat.objects.create(source="worker", worker_seen_at=timezone.now())
    assert client.get("/health/").json()["checks"]["worker"] == "ok"


@pytest.mark.django_db
def test_an_unconfirmed_heartbeat_is_no_sign_of_a_worker(client, configured):
    Heartbeat.objects.create(source="beat")  # sent, never taken by a worker
    assert worker_check(client).endswith("no worker heartbeat in the last 180 s")


@pytest.mark.django_db
def test_embedded_mode_has_no_worker_to_miss(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = client.get("/health/").json()
    assert body["checks"]["worker"] == "ok" and body["checks"]["broker"] == "ok"


def test_liveness_touches_nothing(client):
    response = client.get("/health/live/")  # no database here: any query would raise
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    assert (ROOT / "static" / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


# --- the in-process scheduler (embedded mode) ----------------------------------------------


@pytest.mark.django_db
def test_starting_the_scheduler_sends_no_weekly_email(dirk):
    from tests.referrals.conftest import make_provider

    dirk.email = "dirk@example.org"
    dirk.save()
    make_provider(name="Stale", availability_confirmed_at=None)
    call_command("run_scheduler", "--run-for", "0.5")
    assert mail.outbox == []  # the weekly re-confirmation waits for Monday 13:00
    # The interval jobs ran at once (the heartbeat is one of them).
    assert Heartbeat.objects.filter(source="beat").exists()
    call_command("run_scheduler", "--once")  # every job, as before
    assert [m.subject for m in mail.outbox] == ["1 directory listings to re-confirm"]
