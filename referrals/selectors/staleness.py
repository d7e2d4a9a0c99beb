"""Directory freshness: stale availability, expired licences, and who to ask to re-confirm."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ops.dates import day
from referrals.matching.constraints import FRESHNESS
from referrals.models import License, Provider

#: The weekly re-confirmation list looks this far ahead (listings about to go stale).
RECONFIRM_AHEAD = timedelta(days=7)
LICENSE_RENEWAL_AHEAD = timedelta(days=30)


def stale_q(now: datetime | None = None) -> Q:
    """Listings out of matching for staleness: availability unconfirmed for 30+ days."""
    now = now or timezone.now()
    return Q(availability_confirmed_at__isnull=True) | Q(
        availability_confirmed_at__lt=now - FRESHNESS
    )


def expired_license_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(Exists(License.objects.filter(provider=OuterRef("pk"), expires_on__lt=today)))


def providers_to_reconfirm(now: datetime | None = None) -> list[tuple[Provider, list[str]]]:
    """Listings to re-confirm this week, each with what needs doing: availability confirmed
    23+ days ago (stale within a week) or never, a licence expired or expiring in 30 days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon_stale = now - FRESHNESS + RECONFIRM_AHEAD
    licences_due = License.objects.filter(expires_on__lte=today + LICENSE_RENEWAL_AHEAD)
    qs = (
        Provider.objects.filter(
            Q(availability_confirmed_at__isnull=True)
            | Q(availability_confirmed_at__lt=soon_stale)
            | Q(Exists(licences_due.filter(provider=OuterRef("pk"))))
        )
        .prefetch_related("licenses")
        .order_by("availability_confirmed_at", "npi")
    )
    out = []
    for provider in qs:
        todo = []
        confirmed = provider.availability_confirmed_at
        if confirmed is None:
            todo.append("availability never confirmed")
        elif confirmed < now - FRESHNESS:
            todo.append(f"availability last confirmed {day(confirmed)} (stale)")
        elif confirmed < soon_stale:
            todo.append(f"availability last confirmed {day(confirmed)} (stale within a week)")
        for lic in provider.licenses.all():
            if lic.expires_on < today:
                todo.append(f"{lic.state} licence expired {day(lic.expires_on)}")
            elif lic.expires_on <= today + LICENSE_RENEWAL_AHEAD:
                todo.append(f"{lic.state} licence expires {day(lic.expires_on)}")
        out.append((provider, todo))
    return out
