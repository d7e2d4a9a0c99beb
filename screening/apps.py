from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """Scoring, staging and flags (pure rules in screening.rules), review cases."""

    name = "screening"
