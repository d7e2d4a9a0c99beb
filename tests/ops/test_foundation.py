"""The foundation: settings fail loudly, roles exist, health reports each part, the schema
generates, logging drops personal fields, the compose file has what deployment needs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from intake.models import Intake
from intake.selectors import intakes_visible_to
from ops import roles
from ops.logging import drop_phi

ROOT = Path(__file__).resolve().parents[2]


def _django_setup(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'config.settings'); django.setup(); print('started')",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"DJANGO_ENV": "production"}, "SECRET_KEY must be set"),
        ({"URGENT_ACK_MINUTES": "fifteen"}, "invalid literal for int"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or console"),
    ],
)
def test_settings_fail_loudly_on_a_bad_value(env, message):
    result = _django_setup(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_settings_start_with_no_environment_in_embedded_mode():
    result = _django_setup(CELERY_BROKER_URL="", REDIS_URL="")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_migrations_create_the_three_roles_with_their_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    coordinator = Group.objects.get(name=roles.INTAKE_COORDINATOR)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in coordinator.permissions.all()}
    assert codes == set(roles.ROLE_PERMISSIONS[roles.INTAKE_COORDINATOR])


def test_every_role_permission_names_a_real_permission(db):
    from django.contrib.auth.models import Permission

    existing = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    for role, codenames in roles.ROLE_PERMISSIONS.items():
        assert codenames <= existing, (role, sorted(codenames - existing))


def test_migrations_create_no_users(django_user_model, db):
    assert django_user_model.objects.count() == 0


def test_load_demo_creates_one_login_per_role_and_is_idempotent(db, django_user_model, capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in ("admin", "clinician", "coordinator", "directory"):
        assert username in out
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert (
        django_user_model.objects.get(username="clinician")
        .groups.filter(name=roles.CLINICIAN)
        .exists()
    )


def test_the_demo_coordinator_sees_the_demo_intakes_without_answers(db, client):
    """Coordinators of an organisation see its intakes (the demo's API intakes are submitted
    as the coordinator, its web intakes are routed to the coordinator's organisation)."""
    call_command("load_demo")
    coordinator = get_user_model().objects.get(username="coordinator")
    # 7 first intakes, and the follow-up demo patient's baseline with its 3 follow-ups
    assert intakes_visible_to(coordinator).count() == Intake.objects.count() == 11
    client.force_login(coordinator)
    page = client.get("/admin/intake/intake/").content.decode()
    assert "maya.okafor@example.org" in page  # contact details
    assert client.get("/admin/screening/case/").status_code == 403  # not answers or flags


def test_health_is_200_when_every_part_answers(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "static": "ok",
        "broker": "ok",
        "worker": "ok",
    }


def test_health_is_503_naming_the_broker_when_it_is_down(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "broker unreachable" in body["checks"]["broker"]
    assert body["checks"]["database"] == "ok"


def test_the_openapi_schema_generates_and_validates(tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    schema = json.loads(out.read_text())
    assert schema["info"]["title"] == "TRD intake screening API"


def test_api_docs_and_schema_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content  # assets are served locally (sidecar)


def test_api_root_needs_authentication(client, db):
    assert client.get("/api/v1/").status_code == 401


def test_patient_start_page_shows_the_crisis_line(client, db):
    response = client.get("/intake/")
    assert response.status_code == 200
    assert b'href="tel:988"' in response.content


def test_drop_phi_masks_personal_fields_in_log_events():
    event = drop_phi(None, "info", {"event": "x", "email": "ada@example.org", "intake_id": "1"})
    assert event == {"event": "x", "email": "[redacted]", "intake_id": "1"}


def test_celery_is_configured_for_reliability(settings):
    from config.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_ignore_result is True
    opts = app.conf.broker_transport_options
    assert 0 < opts["socket_timeout"] <= 5 and 0 < opts["socket_connect_timeout"] <= 5
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert app.conf.beat_schedule  # static schedule


def test_run_scheduler_runs_every_periodic_job_once(db):
    from ops.models import Heartbeat

    call_command("run_scheduler", "--once")
    assert Heartbeat.objects.filter(source="beat", worker_seen_at__isnull=False).count() == 1


class TestComposeFile:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    def test_has_every_service_with_a_health_check_where_it_matters(self):
        services = self.compose["services"]
        assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
        for name in ("postgres", "redis", "web", "worker"):
            assert "healthcheck" in services[name], name

    def test_uses_postgres_15_or_newer_with_a_volume_and_redis(self):
        services = self.compose["services"]
        image = services["postgres"]["image"]
        assert image.startswith("postgres:") and int(image.split(":")[1].split("-")[0]) >= 15
        assert any("/var/lib/postgresql/data" in v for v in services["postgres"]["volumes"])
        assert services["redis"]["image"].startswith("redis:")

    def test_app_services_run_the_right_commands_with_the_right_environment(self):
        services = self.compose["services"]
        # scripts/start-production.sh: web migrates, collects static, serves with gunicorn
        # (tests/ops/test_deployment.py); worker and beat are their own processes.
        assert services["web"]["command"] == ["scripts/start-production.sh", "web"]
        assert services["worker"]["command"] == ["scripts/start-production.sh", "worker"]
        assert services["beat"]["command"] == ["scripts/start-production.sh", "beat"]
        # Under contention the web container comes first (default weight 1024).
        assert services["worker"]["cpu_shares"] < services["web"].get("cpu_shares", 1024)
        for name in ("web", "worker", "beat"):
            env = services[name]["environment"]
            assert env["DATABASE_URL"].startswith("postgres://")
            assert env["CELERY_BROKER_URL"].startswith("redis://")
            assert env["REDIS_URL"].startswith("redis://")
            assert services[name]["build"] == "."

    def test_the_procfile_runs_the_worker_below_the_web_processes(self):
        lines = dict(
            line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
        )
        assert lines["web"].startswith("gunicorn config.wsgi")
        assert lines["worker"].startswith("nice -n 10 celery -A config worker")
        script = (ROOT / "scripts" / "start-production.sh").read_text()
        assert 'nice -n "${WORKER_NICE:-10}" celery -A config worker' in script

    def test_dockerfile_exists_and_serves_with_gunicorn(self):
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "requirements.txt" in dockerfile and "gunicorn" in dockerfile


def test_drop_phi_masks_resume_tokens_in_logged_paths():
    event = drop_phi(
        None, "info", {"event": "request_started", "request": "GET /intake/resume/abc.def-ghi/"}
    )
    assert event["request"] == "GET /intake/resume/[redacted]/"
