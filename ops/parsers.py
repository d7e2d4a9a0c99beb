"""The one JSON parser of the v1 API: every request body goes through it (DEFAULT_PARSER_CLASSES).

What it guarantees to every view, so that no body a client sends can reach a view and end in a
500:

* **Content-Type**: ``application/json`` (the FHIR import also takes ``application/fhir+json``);
  any other type, a wildcard or none is a 415 before the body is read.
* **Size**: at most 256 KiB (DRF reads the stream itself, past Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is enforced here while reading): 413.
* **Strict JSON** in UTF-8: no NaN or Infinity, no byte-order mark; anything else is a 400.
* **Depth**: at most :data:`MAX_DEPTH` nested arrays and objects, counted before parsing, so
  the decoder (and every serializer, digest and renderer after it) never recurses into a
  hostile body: a 400, never a ``RecursionError``.
* **Text**: no unpaired UTF-16 surrogate (``"\\ud800"``) and no NUL character (``"\\u0000"``)
  in a key or a value. JSON's escapes can spell both, but neither is Unicode text: a
  surrogate cannot be encoded into the UTF-8 of a response, a log line or a database row, and
  PostgreSQL refuses NUL in text and jsonb. A 400 names the field (the value is never repeated).
"""

import json
import re
from itertools import accumulate

from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ParseError,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.parsers import BaseParser

MAX_BODY_BYTES = 256 * 1024
#: Deep enough for any body of the contract (a FHIR Bundle's nested questionnaire items reach
#: about a dozen levels), shallow enough that nothing downstream recurses dangerously.
MAX_DEPTH = 32

NOT_TEXT = re.compile(r"[\ud800-\udfff\x00]")
NOT_TEXT_MESSAGE = (
    "Not valid text: holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff) or a NUL "
    "character (\\u0000)."
)
NOT_TEXT_KEY_MESSAGE = (
    "A field name here is not valid text: it holds an unpaired UTF-16 surrogate (\\ud800 to "
    "\\udfff) or a NUL character (\\u0000)."
)
# A JSON string (the unrolled form of "(?:[^"\\]|\\.)*" that runs in linear time).
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is over the 256 KiB limit."
    default_code = "request_too_large"


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (JSON or not), brackets inside strings
    aside. Linear, and without recursion."""
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    return max(accumulate(DEPTH_STEP[b] for b in brackets), default=0)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def not_text_error(data) -> dict | None:
    """The error body naming the first key or string value that is not valid text, or None.

    Keys and list indexes (as strings) make the path, nested as the body is nested; a bad key
    is reported at its object's path (the key itself cannot be repeated)."""
    stack: list[tuple[tuple[str, ...], object]] = [((), data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if NOT_TEXT.search(item):
                return _nest(path or ("non_field_errors",), NOT_TEXT_MESSAGE)
        elif isinstance(item, dict):
            for key, value in item.items():
                if NOT_TEXT.search(key):
                    return _nest(path or ("non_field_errors",), NOT_TEXT_KEY_MESSAGE)
                stack.append(((*path, key), value))
        elif isinstance(item, list):
            stack.extend(((*path, str(i)), value) for i, value in enumerate(item))
    return None


def _nest(path: tuple[str, ...], message: str) -> dict:
    error: dict | list = [message]
    for key in reversed(path):
        error = {key: error}
    return error


class JSONBodyParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        if media_type and "*" in media_type:  # DRF matches a wildcard Content-Type to anything
            raise UnsupportedMediaType(media_type)
        if stream is None:
            raise ParseError("The request body is empty; send a JSON object.")
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise RequestTooLarge()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("The request body is not valid JSON: it is not UTF-8.") from exc
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(
                f"The request body nests arrays and objects more than {MAX_DEPTH} levels deep."
            )
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError as exc:  # unreachable after the depth check; never a 500
            raise ParseError("The request body nests too deeply.") from exc
        except ValueError as exc:
            raise ParseError("The request body is not valid JSON.") from exc
        if error := not_text_error(data):
            raise ValidationError(error)
        return data


class FHIRJSONParser(JSONBodyParser):
    """The same rules for ``application/fhir+json`` (the FHIR import)."""

    media_type = "application/fhir+json"
