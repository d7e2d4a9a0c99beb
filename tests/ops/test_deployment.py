"""The deployment files, checked without a Docker engine (none runs in CI): the compose file is
production by default and refuses to start without its secrets, the demo is an explicit
override, every service runs the documented production start, and the health checks use the
endpoints that tell the truth. (`docker compose config` itself was run by hand for both; README
"Production".)"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
DEMO = yaml.safe_load((ROOT / "docker-compose.demo.yml").read_text())
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRETS = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_SALT",
    "BLIND_INDEX_KEY",
    "POSTGRES_PASSWORD",
    "ONCALL_EMAILS",
    "ESCALATION_EMAILS",
)


def merged(base: dict, override: dict) -> dict:
    """Compose's merge of an override file, as far as these files use it: mappings merge key
    by key, anything else (a command, a list) is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = merged(base[key], value)
        else:
            out[key] = value
    return out


def test_compose_is_production_unless_told_otherwise():
    for name in APP_SERVICES:
        env = COMPOSE["services"][name]["environment"]
        assert env["DJANGO_ENV"] == "${DJANGO_ENV:-production}", name
        assert env["LOG_FORMAT"] == "json"


def test_compose_refuses_to_start_without_each_secret():
    for secret in SECRETS:
        # ${VAR:?message}: compose stops with the message when VAR is unset or empty.
        uses = re.findall(rf"\$\{{{secret}(:?[?-])([^}}]*)\}}", COMPOSE_TEXT)
        assert uses, secret
        assert all(op == ":?" and message.strip() for op, message in uses), (secret, uses)
    # No committed fallback for any key anywhere (the old file had compose-dev-* defaults).
    assert "change-me" not in COMPOSE_TEXT
    web_env = COMPOSE["services"]["web"]["environment"]
    assert web_env["DATABASE_URL"] == (
        "postgres://trd:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/trd"
    )


def test_every_app_service_runs_the_production_start_and_none_loads_demo_data():
    assert "load_demo" not in COMPOSE_TEXT
    services = COMPOSE["services"]
    for role in ("web", "worker", "beat"):
        assert services[role]["command"] == ["scripts/start-production.sh", role]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for role in ("web", "worker", "beat"):
        depends = services[role]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["scripts/start-production.sh", "web"]' in dockerfile


def test_web_is_published_on_loopback_by_default_and_checked_by_its_readiness():
    web = COMPOSE["services"]["web"]
    assert web["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]
    assert web["healthcheck"]["test"] == ["CMD", "curl", "-fsS", "http://localhost:8000/health/"]
    # The health check's Host must be allowed whatever the operator's ALLOWED_HOSTS.
    assert web["environment"]["ALLOWED_HOSTS"].endswith(",localhost")
    # Worker and beat do not wait for web's health: web's health waits for a worker heartbeat.
    for name in ("worker", "beat"):
        assert "web" not in COMPOSE["services"][name]["depends_on"]
    assert "inspect ping" in COMPOSE["services"]["worker"]["healthcheck"]["test"][1]


def test_the_demo_is_an_explicit_override_in_development_mode():
    services = {
        name: merged(COMPOSE["services"][name], DEMO["services"].get(name, {}))
        for name in COMPOSE["services"]
    }
    assert set(DEMO["services"]) <= set(COMPOSE["services"])
    for name in APP_SERVICES:
        assert services[name]["environment"]["DJANGO_ENV"] == "development", name
        # The secrets stay required: the demo's container network is beyond loopback.
        assert services[name]["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "load_demo" in " ".join(services["migrate"]["command"])
    assert services["web"]["environment"]["BIND"] == "0.0.0.0:8000"
    assert services["web"]["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]
    assert services["web"]["environment"]["DEBUG"] == "false"
    assert services["worker"]["command"][:3] == ["nice", "-n", "10"]


def test_the_production_script_refuses_anything_but_production():
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [str(ROOT / "scripts" / "start-production.sh"), "web"],
        env={**env, "DJANGO_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "DJANGO_ENV=production is required" in result.stderr


def test_the_image_never_contains_the_secrets_file_or_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "db.sqlite3*", "staticfiles", "var", ".git"):
        assert entry in ignored, entry
