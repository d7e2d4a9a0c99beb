"""HMAC blind indexes: exact-match lookups of encrypted values without storing them in clear.

Encrypted columns (django-fernet-encrypted-fields) hold ciphertext that changes on every write,
so they cannot be searched. Beside each searchable one we store
``HMAC-SHA256(BLIND_INDEX_KEY, purpose + ":" + normalised value)``: equal inputs give equal
digests, and the digest reveals nothing without the key.
"""

import hashlib
import hmac

from django.conf import settings


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_external_id(value: str) -> str:
    return value.strip()


NORMALISERS = {"email": normalise_email, "external_id": normalise_external_id}


def blind_index(purpose: str, value: str | None) -> str | None:
    """The hex digest indexing ``value`` for ``purpose`` (``email`` or ``external_id``)."""
    if value is None or not str(value).strip():
        return None
    normalised = NORMALISERS[purpose](str(value))
    message = f"{purpose}:{normalised}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()
