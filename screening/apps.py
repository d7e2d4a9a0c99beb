from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """Scoring, staging and flags (pure rules in screening.rules), review cases."""

    name = "screening"

    def ready(self):
        from intake.extensions import register_detail_section, register_list_filter
        from screening import receivers
        from screening.api_sections import FLAG_FILTER, SCREENING_SECTION

        receivers.connect()
        register_detail_section(SCREENING_SECTION)
        register_list_filter(FLAG_FILTER)
