from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Provider directory, matching, referrals and support resources."""

    name = "referrals"
