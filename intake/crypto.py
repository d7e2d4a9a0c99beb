"""Encryption at rest helpers, and HMAC blind indexes: exact-match lookups of encrypted values
without storing them in clear.

Encrypted columns (django-fernet-encrypted-fields) hold ciphertext that changes on every write,
so they cannot be searched. Beside each searchable one we store
``HMAC-SHA256(BLIND_INDEX_KEY, purpose + ":" + normalised value)``: equal inputs give equal
digests, and the digest reveals nothing without the key.
"""

import contextlib
import hashlib
import hmac
import json

from cryptography.fernet import InvalidToken
from django.conf import settings
from encrypted_fields.fields import EncryptedTextField


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_external_id(value: str) -> str:
    return value.strip()


def normalise_demographic(value: str) -> str:
    return " ".join(value.split()).lower()


NORMALISERS = {
    "email": normalise_email,
    "external_id": normalise_external_id,
    "demographic": normalise_demographic,
}


def keyed_digest(purpose: str, value: str) -> str:
    """``HMAC-SHA256(BLIND_INDEX_KEY, purpose + ":" + value)`` as hex, ``value`` as given."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def blind_index(purpose: str, value: str | None) -> str | None:
    """The hex digest indexing ``value`` for ``purpose`` (``email`` or ``external_id``)."""
    if value is None or not str(value).strip():
        return None
    return keyed_digest(purpose, NORMALISERS[purpose](str(value)))


def demographic_index(given, family, born, postal_code) -> str | None:
    """Blind index of name + birth date + 5-digit ZIP, or None when any part is missing."""
    parts = [given, family, born, postal_code]
    if any(part is None or not str(part).strip() for part in parts):
        return None
    zip5 = str(postal_code).strip()[:5]
    born_text = born.isoformat() if hasattr(born, "isoformat") else str(born)
    return blind_index("demographic", f"{given}|{family}|{born_text}|{zip5}")


class EncryptedNoteField(EncryptedTextField):
    """Free text staff write about a patient (case notes, reasons, referral notes): clinical
    notes name people and circumstances, so they are encrypted at rest like the patient's
    details. The library stores no ciphertext for an empty value (NULL instead), so the column
    is nullable and NULL reads back as ``""``: callers see a plain text field."""

    def __init__(self, *args, **kwargs):
        kwargs["null"] = True
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return "" if value is None else super().from_db_value(value, expression, connection)


class EncryptedJSONDocumentField(EncryptedTextField):
    """A JSON document encrypted whole (one Fernet token): keys are hidden too, and values
    keep their types (the library's EncryptedJSONField encrypts each leaf as text, so
    ``False`` and ``None`` would read back as ``"False"`` and ``"None"``)."""

    def get_prep_value(self, value):
        if value is None:
            return None
        text = json.dumps(value, sort_keys=True, default=str)
        return self.f.encrypt(text.encode()).decode()

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        with contextlib.suppress(InvalidToken):  # not a token: plain JSON text (a fixture)
            value = self.f.decrypt(value.encode()).decode()
        return json.loads(value)


def rewrite_existing(app_label: str, model_name: str, *fields: str, change=None):
    """A RunPython step that saves ``fields`` of every row again, in batches, after
    ``change(row)`` when one is given (a data migration of existing values)."""

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        batch = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=500):
            if change is not None:
                change(row)
            batch.append(row)
            if len(batch) == 500:
                model.objects.bulk_update(batch, fields)
                batch = []
        if batch:
            model.objects.bulk_update(batch, fields)

    return forwards


def encrypt_existing(app_label: str, model_name: str, *fields: str):
    """A RunPython step for a migration that turned plain columns into encrypted ones: rows
    written before it still hold plaintext (read back as is); saving them again encrypts."""
    return rewrite_existing(app_label, model_name, *fields)
