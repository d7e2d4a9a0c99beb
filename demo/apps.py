from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``manage.py load_demo``): logins per role, sample intakes and providers."""

    name = "demo"
    verbose_name = "Demo data"
