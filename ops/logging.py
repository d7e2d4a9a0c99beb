"""Structured logging (structlog) for the web process, the workers and management commands.

Every line is a structlog event; django-structlog binds a ``request_id`` to every line of a
request and carries it into the Celery tasks the request enqueues. Patient data never goes into a
log line: code logs IDs only, and :func:`drop_phi` removes any key that names a
personal field, as a second line of defence.

A patient's resume link (``/intake/resume/<signed token>/``) opens their draft answers, so the
token is a secret that travels in a URL path; a staff member's admin search (``?q=``) may hold a
patient's email, so query values outside :data:`SAFE_QUERY_PARAMETERS` are masked too. Paths
are logged by code that is not ours: Django's ``django.request`` ("Not Found: <path>") and
``django.server`` (runserver's request lines), gunicorn's access and error logs
(:mod:`ops.access_log`). Every handler here carries :class:`RedactSecretPaths`, Django's own
default handlers (a plain console handler while DEBUG is on, ``mail_admins`` with the whole
request otherwise) are replaced by ours, and structlog events pass :func:`drop_phi`: the token
and those values are masked in every line, whoever wrote it.
"""

import logging
import re

import structlog

# Keys that would carry protected health information if someone bound them by mistake.
PHI_KEYS = frozenset(
    {
        "given_name",
        "family_name",
        "name",
        "email",
        "phone",
        "birth_date",
        "external_id",
        "postal_code",
        "address",
        "ip",
        "answers",
        "patient",
        "body",
        "data",
    }
)


# Secrets that travel in a URL path: the patient's signed resume token, and the signed
# check-in and unsubscribe tokens of follow-up invitations (followups.links).
SECRET_PATH_PARTS = re.compile(
    r"(/intake/resume/|/checkin/|/checkin-stop/)[^/\s?#\"']+", re.IGNORECASE
)


# Query parameters whose values are codes, ids or dates, never a patient's details: the API's
# filters and pagination, the admin's list filters and ordering. Every other parameter's value
# is masked in a logged URL: the admin's search box (``?q=``) takes a patient's email or
# external id, and a value nobody anticipated is masked by default.
SAFE_QUERY_PARAMETERS = frozenset(
    {
        "status", "urgent", "flag", "submitted_after", "page", "limit", "audience", "state",
        "specialty", "modality", "accepting", "stale", "language", "insurance", "npi",
        "follow_up", "intake", "provider", "format", "lang",
        "o", "p", "level", "assigned", "waiting", "freshness", "e",
    }
)  # fmt: skip
QUERY_STRING = re.compile(r"\?([^\s\"'#]+)")


def _mask_query(match: re.Match) -> str:
    pairs = []
    for pair in match.group(1).split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and name not in SAFE_QUERY_PARAMETERS:
            value = "[redacted]"
        pairs.append(f"{name}{equals}{value}")
    return "?" + "&".join(pairs)


def redact_paths(text: str) -> str:
    """``text`` with the secret part of every resume path masked, and the value of every query
    parameter not known to be safe."""
    if "/resume/" in text.lower() or "/checkin" in text.lower():
        text = SECRET_PATH_PARTS.sub(r"\1[redacted]", text)
    if "?" in text and "=" in text:
        text = QUERY_STRING.sub(_mask_query, text)
    return text


class RedactSecretPaths(logging.Filter):
    """On every handler (and gunicorn's loggers): a standard-library record's message with the
    resume tokens in it masked. structlog's own events carry a dict and are left to
    :func:`drop_phi`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return True
        redacted = redact_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def drop_phi(logger, method_name, event_dict):
    """structlog processor: mask PHI-named keys and secret parts of logged request paths."""
    for key in PHI_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    for key in ("request", "path", "event", "referer", "url"):
        value = event_dict.get(key)
        if isinstance(value, str):
            event_dict[key] = redact_paths(value)
    return event_dict


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    drop_phi,
]


def configure_logging(*, level: str, fmt: str) -> dict:
    """Configure structlog and return Django's ``LOGGING`` dict routing stdlib logs through it."""
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processor": renderer,
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "filters": {"redact_secret_paths": {"()": RedactSecretPaths}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["redact_secret_paths"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give these their own handlers (an unfiltered console while DEBUG
            # is on, mail_admins with the whole request otherwise): ours only, through the root.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},  # its start-up banner on every command is noise
            "django_structlog": {"level": level},
            "celery": {"level": level},
        },
    }
