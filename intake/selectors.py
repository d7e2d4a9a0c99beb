"""Reads of the intake app."""

from django.db.models import Q, QuerySet

from intake.models import Intake, Organisation, Patient
from intake.permissions import sees_every_intake


def intakes_visible_to(user) -> QuerySet[Intake]:
    """Clinicians and superusers see every intake; other staff the intakes they submitted and
    those of their organisations (including web-wizard intakes routed to one)."""
    qs = Intake.objects.select_related("patient", "identity")
    if sees_every_intake(user):
        return qs
    if not getattr(user, "pk", None):
        return qs.none()
    mine = Organisation.objects.filter(members=user).values("pk")
    return qs.filter(Q(submitted_by=user) | Q(organisation__in=mine))


def patients_visible_to(user) -> QuerySet[Patient]:
    """Clinicians and superusers: every patient. Other staff: the patients whose every linked
    intake they can see (their own organisation's patients), never a record another partner's
    intake is linked to."""
    if sees_every_intake(user):
        return Patient.objects.all()
    if not getattr(user, "pk", None):
        return Patient.objects.none()
    visible = intakes_visible_to(user)
    foreign = Intake.objects.exclude(pk__in=visible.values("pk")).values("patient_id")
    return Patient.objects.filter(pk__in=visible.values("patient_id")).exclude(pk__in=foreign)
