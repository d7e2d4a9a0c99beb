"""What the referrals app shows on screening's case page (registered in screening.extensions)."""

from django.db import DatabaseError
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from referrals.models import Referral, SupportResource

AUDIENCE_WORDS = {
    "patient": "for patients",
    "carer": "for carers",
    "both": "for patients and carers",
}
FORMAT_WORDS = {"online": "online", "in_person": "in person", "both": "online or in person"}


def support_resource_rows(case=None, *, limit: int = 20) -> list[dict]:
    """Peer support groups and crisis lines (the same for every case)."""
    try:
        rows = list(SupportResource.objects.all()[:limit])
    except DatabaseError:  # an optional panel never breaks the case page
        return []
    return [
        {
            "name": r.name,
            "url": r.url,
            "audience": AUDIENCE_WORDS.get(r.audience, ""),
            "format": FORMAT_WORDS.get(r.format, ""),
        }
        for r in rows
    ]


def referral_rows(case) -> list[dict]:
    """The case's referrals with their status and any follow-up flag: those of every intake of
    the case (a later intake of the patient joins it)."""
    if case.intake_id is None:
        return []
    intakes = Q(intake_id=case.intake_id) | Q(intake__case_membership__case_id=case.pk)
    rows = Referral.objects.filter(intakes).distinct().select_related("provider")
    return [
        {
            "provider": r.provider.name,
            "status": r.get_status_display(),
            "follow_up": r.follow_up_reason if r.follow_up_flagged_at else "",
        }
        for r in rows.order_by("created_at")
    ]


def find_providers_url(case) -> str | None:
    """The matching page for this case (admin:referrals_case_matches)."""
    try:
        return reverse("admin:referrals_case_matches", kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return None


def register_case_panels() -> None:
    from screening.extensions import register_case_link, register_case_panel

    register_case_panel("support_resources", support_resource_rows)
    register_case_panel("referrals", referral_rows)
    register_case_link("find_providers", find_providers_url)
