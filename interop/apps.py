from django.apps import AppConfig


class InteropConfig(AppConfig):
    """FHIR R4B export and import (fhir.resources, R4B models only). Top layer: it may import
    intake, screening and referrals; nothing imports it."""

    name = "interop"
