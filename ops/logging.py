"""Structured logging (structlog) for the web process, the workers and management commands.

Every line is a structlog event; django-structlog binds a ``request_id`` to every line of a
request and carries it into the Celery tasks the request enqueues. Patient data never goes into a
log line: code logs IDs only, and :func:`drop_phi` removes any key that names a
personal field, as a second line of defence.
"""

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


# Secrets that travel in a URL path: the patient's signed resume token.
SECRET_PATH_PARTS = re.compile(r"(/intake/resume/)[^/\s?]+")


def drop_phi(logger, method_name, event_dict):
    """structlog processor: mask PHI-named keys and secret parts of logged request paths."""
    for key in PHI_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    for key in ("request", "path", "event"):
        value = event_dict.get(key)
        if isinstance(value, str) and "/intake/resume/" in value:
            event_dict[key] = SECRET_PATH_PARTS.sub(r"\1[redacted]", value)
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
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # django.request logs the path of failing requests; our URLs carry no PHI.
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},  # its start-up banner on every command is noise
            "django_structlog": {"level": level},
            "celery": {"level": level},
        },
    }
