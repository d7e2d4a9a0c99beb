"""No resume token (a secret in a URL path) and no client address in any log line, whoever
writes it: our structlog events, Django's ``django.request`` and ``django.server`` lines, and
gunicorn's access and error logs. Checked on the real output: the handlers as Django configures
them at start-up, and real runserver and gunicorn processes."""

import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.utils.log import configure_logging as django_configure_logging

from devstack import ROOT, free_port, port_open, wait_until
from ops.logging import RedactSecretPaths, redact_paths

TOKEN = "eyJkcmFmdCI6MTJ9:1vXyZq:Secr3tT0kenPart"  # the shape of a signed resume token
RESUME = f"/intake/resume/{TOKEN}/"


@pytest.fixture
def startup_logging(settings):
    """Django's logging as at start-up (its DEFAULT_LOGGING, then LOGGING) while DEBUG is on,
    writing to the captured stderr; restored afterwards."""

    def configure(debug: bool):
        settings.DEBUG = debug
        django_configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    yield configure
    settings.DEBUG = False
    django_configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.django_db
def test_a_tampered_resume_link_is_logged_without_its_token(client, capsys, startup_logging, debug):
    startup_logging(debug)
    assert client.get(RESUME).status_code == 404  # django.request: "Not Found: <path>"
    assert client.post(RESUME).status_code == 405  # "Method Not Allowed (POST): <path>"
    # runserver's request line, as django.core.servers.basehttp logs it
    logging.getLogger("django.server").warning(
        '"%s" %s %s', f"GET {RESUME} HTTP/1.1", "404", "1190", extra={"status_code": 404}
    )
    err = capsys.readouterr().err
    assert "Not Found: /intake/resume/[redacted]/" in err
    assert "GET /intake/resume/[redacted]/ HTTP/1.1" in err
    assert "Secr3tT0kenPart" not in err
    assert "Not Found: /intake/resume/" in err  # one line each: Django's own console is gone
    assert err.count("Not Found: /intake/resume/") == 1


@pytest.mark.django_db
def test_a_staff_search_by_patient_email_is_logged_without_it(client, capsys, startup_logging):
    startup_logging(True)
    client.get("/admin/screening/case/", {"q": "ada.rivera@example.org", "status": "open"})
    client.get("/api/v1/intakes/", {"status": "received"})
    err = capsys.readouterr().err
    assert "/admin/screening/case/?q=[redacted]&status=open" in err
    assert "/api/v1/intakes/?status=received" in err  # codes stay readable
    assert "rivera" not in err.lower()


def test_redaction_covers_the_shapes_a_path_is_logged_in():
    for line, expected in [
        (f"GET {RESUME}?x=1 HTTP/1.1", "GET /intake/resume/[redacted]/?x=[redacted] HTTP/1.1"),
        (f'"http://127.0.0.1:8000{RESUME}"', '"http://127.0.0.1:8000/intake/resume/[redacted]/"'),
        (f"/INTAKE/RESUME/{TOKEN}", "/INTAKE/RESUME/[redacted]"),
        ("/intake/questionnaire/welcome/", "/intake/questionnaire/welcome/"),
        ("GET /admin/?q=ada%40example.org&o=1 HTTP/1.1", "GET /admin/?q=[redacted]&o=1 HTTP/1.1"),
        ("/admin/login/?next=/admin/x/%3Fq%3Dada", "/admin/login/?next=[redacted]"),
        ("Did you mean 'sertraline'?", "Did you mean 'sertraline'?"),
    ]:
        assert redact_paths(line) == expected
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s: %s", ("Gone", RESUME), None)
    RedactSecretPaths().filter(record)
    assert record.getMessage() == "Gone: /intake/resume/[redacted]/"


def _serve(argv, port, log_path, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process below)
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: port_open(port), timeout=60, message="server up")
        for path, referer in [
            (RESUME, None),
            ("/intake/", f"http://127.0.0.1:{port}{RESUME}"),
            ("/admin/screening/case/?q=ada.rivera%40example.org", None),
        ]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            if referer:
                request.add_header("Referer", referer)
            try:
                urllib.request.urlopen(request, timeout=30).read()  # noqa: S310 (http, loopback)
            except urllib.error.HTTPError as error:
                assert error.code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    return log_path.read_text()


@pytest.mark.django_db
def test_runserver_lines_hold_no_token(tmp_path):
    port = free_port()
    argv = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    out = _serve(argv, port, tmp_path / "runserver.log", tmp_path)
    assert "/intake/resume/[redacted]/" in out, out
    assert "Secr3tT0kenPart" not in out, out


def test_gunicorn_access_and_error_logs_hold_no_token_and_no_client_address(tmp_path):
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
    ]
    out = _serve(argv, port, tmp_path / "gunicorn.log", tmp_path)
    access = [line for line in out.splitlines() if '"GET ' in line]

    # Workers write their lines in the order they finish, not the order sent: found by content.
    def line_with(text):
        found = [line for line in access if text in line]
        assert len(found) == 1, (text, access)
        return found[0]

    line_with('GET /intake/resume/[redacted]/ HTTP/1.1" 404')
    assert "/intake/resume/[redacted]/" in line_with('"GET /intake/ HTTP/1.1" 200')  # referer
    line_with('GET /admin/screening/case/?q=[redacted] HTTP/1.1" 302')
    assert all(line.startswith("- ") for line in access), access  # no client address
    assert "Secr3tT0kenPart" not in out, out
    assert "rivera" not in out.lower(), out
