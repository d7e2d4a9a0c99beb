from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    """Measurement-based care between visits: follow-up plans, invitations, the check-in page."""

    name = "followups"

    def ready(self):
        from followups.case_panel import FOLLOW_UP_PANEL
        from screening.extensions import register_rendered_panel

        register_rendered_panel(FOLLOW_UP_PANEL)
