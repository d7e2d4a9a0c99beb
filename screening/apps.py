from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """Scoring, staging and flags (pure rules in clinical.rules), review cases."""

    name = "screening"

    def ready(self):
        from intake.extensions import (
            register_detail_section,
            register_list_filter,
            register_safety_recorder,
        )
        from screening import patient_data, receivers
        from screening.api_sections import FLAG_FILTER, SCREENING_SECTION
        from screening.measurement import MEASUREMENT_SECTION
        from screening.safety_events import RECORDER

        receivers.connect()
        patient_data.register()
        register_safety_recorder(RECORDER)
        register_detail_section(SCREENING_SECTION)
        register_detail_section(MEASUREMENT_SECTION)
        register_list_filter(FLAG_FILTER)
