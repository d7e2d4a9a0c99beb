"""Check-in and unsubscribe links are secrets in a URL path: masked in every log line, as the
intake's resume link is."""

import pytest
from django.utils.log import configure_logging

from followups import links
from ops.logging import redact_paths


@pytest.mark.parametrize("path_of", [links.checkin_token, links.unsubscribe_token])
def test_follow_up_tokens_are_masked(path_of):
    token = path_of("5b0c7f3e-0000-4000-8000-000000000001")
    for line, expected in [
        (f"GET /checkin/{token}/ HTTP/1.1", "GET /checkin/[redacted]/ HTTP/1.1"),
        (f"POST /checkin/{token}/done/", "POST /checkin/[redacted]/done/"),
        (f"GET /checkin-stop/{token}/ HTTP/1.1", "GET /checkin-stop/[redacted]/ HTTP/1.1"),
    ]:
        assert redact_paths(line) == expected
        assert token not in redact_paths(line)


@pytest.fixture
def startup_logging(settings):
    """Django's logging as configured at start-up, writing to the captured stderr."""

    def configure(debug: bool):
        settings.DEBUG = debug
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    yield configure
    settings.DEBUG = False
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.django_db
def test_a_check_in_request_is_logged_without_its_token(client, capsys, startup_logging):
    startup_logging(True)
    token = links.checkin_token("5b0c7f3e-0000-4000-8000-000000000001")
    client.get(f"/checkin/{token}/")
    err = capsys.readouterr().err
    assert "/checkin/[redacted]/" in err and token not in err
