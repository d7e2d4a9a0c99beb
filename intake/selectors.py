"""Reads of the intake app."""

from django.db.models import QuerySet

from intake.models import Intake
from intake.permissions import sees_every_intake


def intakes_visible_to(user) -> QuerySet[Intake]:
    """Clinicians and superusers see every intake; other callers only those they submitted."""
    qs = Intake.objects.select_related("patient")
    if sees_every_intake(user):
        return qs
    return qs.filter(submitted_by=user)
