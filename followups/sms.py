"""Text messages through interchangeable backends, in the style of Django's email backends.

``settings.SMS_BACKEND`` names the class: :class:`ConsoleBackend` by default (prints, sends
nothing), :class:`LocmemBackend` in tests (``outbox``), :class:`TwilioBackend` for the real
provider (``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_FROM_NUMBER`` from the
environment), which sends and checks webhook signatures with Twilio's maintained client library
(``twilio``). The django-sms package was considered for the backend switch: its last release
(0.7.0, 2023) declares support up to Django 5.0 only, so this small interface stands in for it.

Numbers are validated and normalised to E.164 with ``phonenumbers`` (:func:`to_e164`).
"""

import sys
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from twilio.request_validator import RequestValidator

#: Messages the locmem backend "sent" (tests read and clear it, like mail.outbox).
outbox: list["TextMessage"] = []


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(raw: str | None, region: str = "US") -> str:
    """The number in E.164 (``+15551234567``), or :class:`InvalidPhoneNumber`."""
    if not raw or not str(raw).strip():
        raise InvalidPhoneNumber("No phone number.")
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("Not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164
    body: str


class BaseSmsBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Prints the message (the number masked but for its last two digits)."""

    def send(self, message):
        sys.stdout.write(f"SMS to ...{message.to[-2:]}: {message.body}\n")
        sys.stdout.flush()


class LocmemBackend(BaseSmsBackend):
    def send(self, message):
        outbox.append(message)


class TwilioBackend(BaseSmsBackend):
    """Twilio's Messages resource through Twilio's own client library (``twilio``)."""

    timeout = 10

    def __init__(self):
        self.sid = getattr(settings, "TWILIO_ACCOUNT_SID", "")
        self.token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
        self.sender = getattr(settings, "TWILIO_FROM_NUMBER", "")
        if not (self.sid and self.token and self.sender):
            raise ImproperlyConfigured(
                "The Twilio SMS backend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER."
            )

    def send(self, message):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(self.sid, self.token, http_client=TwilioHttpClient(timeout=self.timeout))
        client.messages.create(to=message.to, from_=self.sender, body=message.body)


def texts_configured() -> bool:
    """In production the console backend sends nothing: no plan may then choose texts."""
    path = getattr(settings, "SMS_BACKEND", "followups.sms.ConsoleBackend")
    return not (getattr(settings, "PRODUCTION", False) and path.endswith(".ConsoleBackend"))


def get_backend() -> BaseSmsBackend:
    path = getattr(settings, "SMS_BACKEND", "followups.sms.ConsoleBackend")
    return import_string(path)()


def send_text(*, to: str, body: str) -> None:
    get_backend().send(TextMessage(to=to_e164(to), body=body))


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature over the full URL Twilio requested and the POSTed form
    fields, as Twilio's library computes it."""
    return RequestValidator(auth_token).compute_signature(url, params)


def valid_twilio_request(*, auth_token: str, url: str, params: dict, signature: str) -> bool:
    """The webhook came from Twilio (Twilio's library, which also tries the URL with and
    without the port, as Twilio may sign either)."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
