"""A JSON parser with the API's body limit, for every content type of the intake endpoint.

DRF reads the request stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so the
256 KiB limit of the contract is enforced here while reading. Any body that is not JSON is a
400 saying so (whatever Content-Type was sent), never a 415 or a 500.
"""

import json

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

MAX_BODY_BYTES = 256 * 1024


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is over the 256 KiB limit."
    default_code = "request_too_large"


class LimitedJSONParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            raise ParseError("The request body is empty; send a JSON object.")
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise RequestTooLarge()
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError("The request body is not valid JSON.") from exc
