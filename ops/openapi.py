"""OpenAPI post-processing: the error responses every v1 operation can give, documented once.

DRF answers 401 without credentials, 403 without the role, 429 when throttled, 400 for bad
parameters or bodies, 404 for an unknown id or a page past the end of a list, and 503 while
the database is unreachable (ops.api). Every operation that takes a body also answers 415 for a
Content-Type other than JSON and 413 over 256 KiB (ops.parsers). Views document their specific
responses; this hook adds the common ones they did not.
"""

from drf_spectacular.utils import OpenApiResponse

#: The error responses a view lists in its ``@extend_schema(responses=...)``.
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: an object keyed by field path."),
    401: OpenApiResponse(description="No or invalid credentials."),
    403: OpenApiResponse(description="Authenticated without the needed role."),
    429: OpenApiResponse(description="Rate-limited; see Retry-After."),
}

ERROR_BODY = {
    "type": "object",
    "description": 'DRF\'s error shape: {"detail": "..."} or an object keyed by field path '
    "whose values are lists of messages, nested as the input is nested.",
    "additionalProperties": True,
}
COMMON = {
    "400": "Invalid input or parameters: an object keyed by field path. Also: a body that is "
    "not JSON, nests more than 32 levels, or holds an unpaired UTF-16 surrogate or a NUL "
    "character; a query parameter given empty (`?status=`) or unreadable.",
    "401": "No or invalid credentials.",
    "403": "Authenticated without the needed role.",
    "429": "Rate-limited; retry after the number of seconds in the Retry-After header.",
    "503": "Briefly unavailable (the database is restarting or failing over); retry after the "
    "number of seconds in the Retry-After header. Retry a submission with the same "
    "Idempotency-Key: nothing is stored twice.",
}


WITH_BODY = {
    "413": "The request body is over the 256 KiB limit.",
    "415": "The Content-Type is not application/json (the FHIR import also takes "
    "application/fhir+json).",
}


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR_BODY}}}


def add_common_error_responses(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in COMMON.items():
                responses.setdefault(code, _error(description))
            if "requestBody" in operation:
                for code, description in WITH_BODY.items():
                    responses.setdefault(code, _error(description))
            params = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in params:
                responses.setdefault("404", _error("Not found (or a page past the end)."))
    return result
