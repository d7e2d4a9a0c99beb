"""DJANGO_ENV=production: required secrets, HSTS, secure cookies, CSP, and check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(40),
    "BLIND_INDEX_KEY": secrets.token_urlsafe(40),
    "ALLOWED_HOSTS": "screening.example.org",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.org:587",
    "ONCALL_EMAILS": "oncall@example.org",
    "ESCALATION_EMAILS": "lead@example.org,medical-director@example.org",
}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "FIELD_ENCRYPTION_SALT",
        "BLIND_INDEX_KEY",
        "EMAIL_URL",
        "ONCALL_EMAILS",
        "ESCALATION_EMAILS",
    ],
)
def test_production_refuses_to_start_without_each_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_security_settings():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, "
        "s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, s.DEBUG)"
    )
    result = manage("shell", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "31536000",
        "True",
        "True",
        "True",
        "DENY",
        "same-origin",
        "1800",
        "True",
        "False",
    ]


def test_patient_pages_carry_a_strict_csp(client, db):
    policy = client.get("/intake/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_admin_gets_inline_styles_only(client, db):
    policy = client.get("/admin/login/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy + ";"


@pytest.mark.parametrize("name", ["ONCALL_EMAILS", "ESCALATION_EMAILS"])
def test_production_refuses_urgent_mail_to_this_machine(name):
    """The development default (…@localhost) would send urgent cases nowhere."""
    result = manage("check", **{**PRODUCTION_ENV, name: "oncall@example.org,pager@localhost"})
    assert result.returncode != 0
    assert name in result.stderr
    assert "pager" not in result.stderr  # the message names the variable, not its addresses
