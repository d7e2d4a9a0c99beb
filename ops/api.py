"""DRF exception handling: an unreachable database is a 503 the client may retry, never a 500.

A PostgreSQL restart or failover drops connections for a few seconds. Requests caught in that
window answer ``503 Service Unavailable`` with ``Retry-After``; no patient data is in the
response or the log line (the exception's text can hold SQL parameters, so only its class is
logged). Partners retry a submission with the same ``Idempotency-Key``, so a retry after a
commit whose response was lost returns the first intake instead of making a second.
"""

import structlog
from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (OperationalError, InterfaceError)


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
    return drf_exception_handler(exc, context)
