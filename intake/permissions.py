"""API permissions from the staff roles' model permissions (ops.roles)."""

from ops.permissions import HasPermissions


def can_see_answers(user) -> bool:
    return user.has_perm("intake.view_intake_answers")


def sees_every_intake(user) -> bool:
    """Clinicians and superusers see every intake; other callers what they submitted and their
    organisation's intakes (intake.selectors.intakes_visible_to)."""
    return user.is_superuser or user.has_perm("intake.view_intake_answers")


class IntakePermissions(HasPermissions):
    required = {
        "create": ("intake.add_intake",),
        "list": ("intake.view_intake",),
        "retrieve": ("intake.view_intake",),
    }
    default = ("intake.view_intake",)
