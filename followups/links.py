"""Opaque signed links: the check-in and unsubscribe addresses carry only a signed random id.

Signed with Django's signing (SECRET_KEY, a salt per purpose); the payload is the row's
random UUID, never anything about the patient. Whether a link still works is decided by the
row (an occurrence expires 7 days after it was due; a stopped plan sends nothing), not by the
signature's age.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

CHECKIN_SALT = "followups.checkin"
UNSUBSCRIBE_SALT = "followups.unsubscribe"


def checkin_token(occurrence_id) -> str:
    return signing.dumps(str(occurrence_id), salt=CHECKIN_SALT)


def unsubscribe_token(plan_id) -> str:
    return signing.dumps(str(plan_id), salt=UNSUBSCRIBE_SALT)


def read_token(token: str, *, salt: str) -> str | None:
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    base = getattr(settings, "FOLLOWUPS_BASE_URL", "http://localhost:8000").rstrip("/")
    return base + path


def checkin_url(occurrence_id) -> str:
    return absolute(reverse("followups:checkin", args=[checkin_token(occurrence_id)]))


def unsubscribe_url(plan_id) -> str:
    return absolute(reverse("followups:unsubscribe", args=[unsubscribe_token(plan_id)]))
