"""Production serves its pages: static files collected with the production storage (WhiteNoise's
manifest), every public page rendered with that manifest, and /health/ failing without it.

``collectstatic`` runs as an operator runs it (a subprocess with DJANGO_ENV=production and
the secrets), into a directory of the test's own. The pages are then rendered in-process with
the production storage, two-factor login and HTTPS redirect switched on as production has them
(the production smoke, tests/smoke/, renders them again from a real gunicorn).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.conftest import STEP_ORDER, complete_steps, step_url, valid_answers

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def production_env(**extra) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_", "PYTEST"))
    }
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(40),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "screening.example.org",
        "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.org:587",
        "ONCALL_EMAILS": "oncall@example.org",
        "ESCALATION_EMAILS": "lead@example.org",
        **extra,
    }


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """``manage.py collectstatic`` with the production settings into a fresh directory."""
    root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env(STATIC_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_collectstatic_in_production_writes_the_manifest_of_every_linked_file(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in (
        "css/site.css",
        "js/intake-wizard.js",
        "favicon.ico",
        "screening/vendor/chart-4.6.1.umd.min.js",
        "screening/case_trend.js",
        "admin/css/base.css",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    ):
        assert name in manifest, name
        hashed = collected / manifest[name]
        assert hashed.exists() and (collected / f"{manifest[name]}.gz").exists(), name


def test_no_collected_script_names_a_source_map_that_is_not_there(collected):
    """The manifest storage fails on a missing map; a map comment the storage does not rewrite
    would still send browsers' developer tools to a 404."""
    for script in collected.rglob("*.js"):
        tail = script.read_text(errors="replace")[-400:]
        for line in tail.splitlines():
            if line.startswith("//# sourceMappingURL="):
                target = line.split("=", 1)[1].strip()
                assert (script.parent / target).exists(), f"{script}: {target}"


@pytest.fixture
def production(settings, collected):
    """The settings DJANGO_ENV=production changes for serving pages."""
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/"]
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LOGIN_URL = "two_factor:login"
    settings.INTAKE_POST_RATE = "100000/1m"
    return settings


@pytest.fixture
def https():
    """A client behind the TLS terminator (every request over https)."""
    from django.test import Client

    return Client(headers={"X-Forwarded-Proto": "https"})


def get(client, url, expect=200):
    response = client.get(url)
    assert response.status_code == expect, (url, response.status_code)
    return response.content.decode()


def hashed(page: str, name: str) -> bool:
    stem, ext = name.rsplit(".", 1)
    return re.search(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{ext}", page) is not None


@pytest.mark.django_db
def test_every_public_page_renders_in_production_with_hashed_static_links(https, production):
    client = https
    start = get(client, "/intake/")
    assert hashed(start, "css/site.css") and hashed(start, "favicon.ico")
    # Every wizard step, once the steps before it are done (the review page last).
    complete_steps(client, until="review")
    for step in STEP_ORDER:
        page = get(client, step_url(step))
        assert hashed(page, "css/site.css"), step
    get(client, "/intake/saved/")
    get(client, "/intake/resume/not-a-token/", expect=404)
    # An urgent submission: the crisis page, then the confirmation.
    feeling = {
        **valid_answers("feeling"),
        "phq9__q9": "2",
        "cssrs_shown": "1",
        **{f"cssrs_screen__q{i}": "true" for i in (1, 2, 3, 4)},
        "cssrs_screen__q5": "false",
        "cssrs_screen__q6": "false",
    }
    client.cookies.clear()
    # The risk answer interrupts the unfinished intake at once (issue 16): 911 first.
    response = complete_steps(client, until="mood-history", overrides={"feeling": feeling})
    assert response["Location"] == "/intake/support/now/"
    interruption = get(client, "/intake/support/now/")
    assert 'href="tel:911"' in interruption and hashed(interruption, "css/site.css")
    response = complete_steps(client, overrides={"feeling": feeling})
    assert response["Location"] == "/intake/support/"
    assert "Call or text 988" in get(client, "/intake/support/")
    assert "A clinician on the care team reviews your answers" in get(client, "/intake/submitted/")
    # Staff: the admin sends to two_factor's login wizard in production.
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    login = get(client, "/account/login/")
    assert 'name="auth-username"' in login and 'name="auth-password"' in login
    docs = get(client, "/api/docs/")
    assert hashed(docs, "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    get(client, "/api/schema/")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and hashed(response["Location"], "favicon.ico")
    assert client.get("/no-such-page/").status_code == 404


@pytest.mark.django_db
def test_plain_http_is_redirected_but_the_health_probes_answer_it(client, production):
    assert client.get("/intake/").status_code == 301
    assert client.get("/health/live/").status_code == 200
    assert client.get("/health/").json()["checks"]["static"] == "ok"


@pytest.mark.django_db
def test_health_fails_while_the_static_manifest_is_missing(client, production, tmp_path):
    production.STATIC_ROOT = tmp_path  # nothing collected here
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["static"].endswith(
        "static manifest missing: run manage.py collectstatic, then restart"
    )
    assert client.get("/health/live/").status_code == 200  # liveness stays trivial


def test_the_dockerfile_collects_static_files_in_production_mode():
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect = next(line for line in dockerfile.splitlines() if "collectstatic" in line)
    assert "DJANGO_ENV=production" in collect


def test_the_production_start_checks_migrates_and_collects_before_it_serves():
    script = (ROOT / "scripts" / "start-production.sh").read_text()
    order = [script.index(s) for s in ("check --deploy", "migrate", "collectstatic", "gunicorn")]
    assert order == sorted(order)
