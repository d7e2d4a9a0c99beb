from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Provider directory, matching, referrals and support resources."""

    name = "referrals"

    def ready(self):
        from intake.extensions import PatientPageSection, register_confirmation_section
        from referrals.case_panels import register_case_panels
        from referrals.listings import connect_listing_signals
        from referrals.patient_data import register as register_patient_data
        from referrals.selectors import support_resources_for

        connect_listing_signals()
        register_case_panels()
        register_patient_data()
        register_confirmation_section(
            PatientPageSection(
                key="support_resources",
                template="referrals/_confirmation_support.html",
                context=lambda: {
                    "for_patients": support_resources_for("patient"),
                    "for_carers": support_resources_for("carer"),
                },
            )
        )
