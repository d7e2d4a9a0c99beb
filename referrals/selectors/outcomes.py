"""Referrals of an intake, their follow-ups, and the outcome report."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from referrals.models import Referral, ReferralEvent, ReferralStatus


def referrals_for_intake(intake_id) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(intake_id=intake_id)
        .select_related("provider")
        .order_by("-created_at")
    )


def follow_ups_for_intake(intake_id) -> QuerySet[Referral]:
    """The intake's referrals flagged for follow-up (for the case page)."""
    return referrals_for_intake(intake_id).filter(follow_up_flagged_at__isnull=False)


@dataclass(frozen=True)
class Outcome:
    label: str
    sent: int
    scheduled: int
    median_days_to_first_visit: float | None

    @property
    def share_scheduled(self) -> float | None:
        return self.scheduled / self.sent if self.sent else None


def referral_outcomes() -> tuple[Outcome, list[Outcome]]:
    """Overall and per provider: of the referrals ever sent, how many reached a scheduled
    first visit, and the median days from the intake's submission to that visit."""
    sent = Exists(
        ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=ReferralStatus.SENT)
    )
    rows = Referral.objects.filter(sent).values_list(
        "provider_id",
        "provider__name",
        "provider__npi",
        "first_visit_on",
        "intake__submitted_at",
    )
    per_provider = defaultdict(list)
    labels = {}
    for provider_id, name, npi, first_visit_on, submitted_at in rows:
        labels[provider_id] = f"{name} ({npi})"
        days = None
        if first_visit_on is not None:
            days = (first_visit_on - timezone.localdate(submitted_at)).days
        per_provider[provider_id].append(days)

    def outcome(label, days_list):
        reached = [d for d in days_list if d is not None]
        return Outcome(
            label, len(days_list), len(reached), statistics.median(reached) if reached else None
        )

    providers = sorted(
        (outcome(labels[pid], days) for pid, days in per_provider.items()),
        key=lambda o: (-o.sent, o.label),
    )
    overall = outcome("All providers", [d for days in per_provider.values() for d in days])
    return overall, providers
