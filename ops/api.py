"""DRF exception handling: error bodies never repeat what was sent, and an unreachable database
is a 503 the client may retry, never a 500.

DRF's messages quote the value they reject (``"Ada Rivera" is not a valid choice.``): a partner
that maps a column wrongly would get the patient's details back in an error, and error bodies
end up in integration logs. Every quoted repetition of a string the request sent is replaced
(choices: "Not one of the allowed values."; otherwise "the value sent"). The one exception is
the contract's documented medication message, which repeats a misspelled medication name.

A PostgreSQL restart or failover drops connections for a few seconds. Requests caught in that
window answer ``503 Service Unavailable`` with ``Retry-After``; no patient data is in the
response or the log line (the exception's text can hold SQL parameters, so only its class is
logged). Partners retry a submission with the same ``Idempotency-Key``, so a retry after a
commit whose response was lost returns the first intake instead of making a second.
"""

from collections.abc import Iterator

import structlog
from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (OperationalError, InterfaceError)
ECHO_ALLOWED = {"unknown_medication"}
CHOICE_MESSAGE = "Not one of the allowed values (the API schema lists them)."


def sent_strings(data) -> set[str]:
    """Every string value in a request body, however deeply nested (keys are field names: an
    unknown key is named back, as the contract asks)."""
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and item.strip():
            found.add(item)
    return found


def _child(data, key):
    if isinstance(data, dict):
        return data.get(key, data if key in ("non_field_errors", "detail") else None)
    if isinstance(data, list):  # an item by its index, else (unaligned) the whole list
        return data[int(key)] if str(key).isdecimal() and int(key) < len(data) else data
    return None


def without_echo(detail, data):
    """``detail`` with every quoted repetition of a string sent *at that field path* taken
    out (an error's path mirrors the body's, so an example in a message, such as 'NY', is left
    alone unless that field sent it)."""
    if isinstance(detail, dict):
        return {key: without_echo(value, _child(data, key)) for key, value in detail.items()}
    if isinstance(detail, list):
        # A list error mirrors a list body item by item when the lengths agree; otherwise each
        # message is checked against everything the list sent.
        aligned = isinstance(data, list) and len(data) == len(detail)
        return [without_echo(item, data[i] if aligned else data) for i, item in enumerate(detail)]
    return _scrub(detail, sent_strings(data)) if isinstance(detail, str) else detail


def flatten_errors(detail, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(field path, message) pairs of a DRF error structure, e.g.
    ``(("patient", "state"), "Not one of the allowed values.")``. List items that hold errors
    are indexed (``("trials", "1", "dose")``); a list of messages stays at its field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from flatten_errors(value, (*path, str(key)))
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list | tuple):
                yield from flatten_errors(value, (*path, str(index)))
            elif value is not None and value != "":
                yield path, str(value)
    elif detail is not None and detail != "":
        yield path, str(detail)


def error_lines(detail) -> list[str]:
    """A DRF error structure as ``field.path: message`` lines (a message without a field path
    alone)."""
    return [
        f"{'.'.join(path)}: {message}" if path else message
        for path, message in flatten_errors(detail)
    ]


def _scrub(message: str, sent: set[str]):
    code = getattr(message, "code", None)
    if code in ECHO_ALLOWED:
        return message
    text = str(message)
    echoed = [v for v in sent if f'"{v}"' in text or f"'{v}'" in text]
    if not echoed:
        return message
    if code == "invalid_choice":
        return ErrorDetail(CHOICE_MESSAGE, code=code)
    for value in sorted(echoed, key=len, reverse=True):
        text = text.replace(f'"{value}"', "the value sent").replace(f"'{value}'", "the value sent")
    return ErrorDetail(text[:1].upper() + text[1:], code=code)


def exception_handler(exc, context):
    if isinstance(exc, UNAVAILABLE):
        view = context.get("view")
        log.warning(
            "database_unavailable",
            error=type(exc).__name__,
            view=type(view).__name__ if view else None,
        )
        return Response(
            {
                "detail": "The service is briefly unavailable; retry after a few seconds.",
                "code": "service_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        request = context.get("request")
        try:
            data = request.data if request is not None else None
        except Exception:  # an unparsable body: nothing was sent that could be repeated
            data = None
        if request is not None and not isinstance(data, dict | list):
            data = dict(request.query_params)  # a GET's parameters are what it sent
        elif request is not None and request.query_params:
            data = {**dict(request.query_params), **data} if isinstance(data, dict) else data
        response.data = without_echo(response.data, data)
    return response
