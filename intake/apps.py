from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Patients, intakes, answers and treatment history; the web wizard and the intake API."""

    name = "intake"
