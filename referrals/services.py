"""Writes of the referrals app: directory listings, referrals and their moves, follow-ups.

Views, the API, the admin, commands and tasks call these. Every referral write happens in one
transaction with its ``ReferralEvent`` (the audit trail); a move the referral's state does
not allow raises :class:`MoveNotAllowed` naming the allowed ones, and nothing is written.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import structlog
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from intake.geography import zip_centroid
from intake.models import Intake
from referrals.followup import follow_up_due, follow_up_reason
from referrals.listings import listing_rows, refresh_listings, refreshed_after
from referrals.matching import Match
from referrals.models import (
    License,
    MatchListing,
    Provider,
    ProviderInsurance,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from referrals.selectors import next_match_after, provider_fit

log = structlog.get_logger(__name__)

REFER_PERMISSION = "referrals.add_referral"
MOVE_PERMISSION = "referrals.change_referral"

# --- Directory --------------------------------------------------------------------------------

_SCALARS = (
    "npi",
    "name",
    "credentials",
    "provider_type",
    "specialties",
    "treatments",
    "languages",
    "self_pay",
    "postal_code",
    "accepting_new_patients",
    "next_available",
    "availability_confirmed_at",
)


def locate(provider: Provider) -> None:
    """Set the practice's latitude and longitude from its ZIP code (offline, ``zipcodes``)."""
    location = zip_centroid(provider.postal_code) if provider.postal_code else None
    provider.latitude, provider.longitude = location if location else (None, None)


def _apply(provider: Provider, data: dict) -> None:
    for field in _SCALARS:
        if field in data:
            setattr(provider, field, data[field])
    if "modalities" in data:
        provider.offers_telehealth = "telehealth" in data["modalities"]
        provider.offers_in_person = "in_person" in data["modalities"]
    if "postal_code" in data:
        locate(provider)
    provider.save()
    if "licenses" in data:
        provider.licenses.all().delete()
        License.objects.bulk_create(
            License(provider=provider, state=lic["state"], expires_on=lic["expires_on"])
            for lic in data["licenses"]
        )
    if "insurance" in data:
        provider.insurance.all().delete()
        ProviderInsurance.objects.bulk_create(
            ProviderInsurance(provider=provider, payer=payer) for payer in data["insurance"]
        )


def provider_create(
    *, data: dict, synthetic: bool = False, provider: Provider | None = None
) -> Provider:
    """A new listing from validated data (``referrals.serializers.ProviderSerializer``).

    ``provider``: an unsaved instance to fill instead of a fresh one (the admin's provider form,
    whose inlines already point at its instance).
    """
    with transaction.atomic(), refreshed_after() as written:
        provider = provider or Provider(synthetic=synthetic)
        _apply(provider, data)
        written.add(provider.pk)
    log.debug("provider_created", provider_id=str(provider.pk), npi=provider.npi)
    return Provider.objects.prefetch_related("licenses", "insurance").get(pk=provider.pk)


def provider_update(*, provider: Provider, data: dict) -> Provider:
    """Change the given fields of a listing (a partial update leaves the rest alone)."""
    with transaction.atomic(), refreshed_after() as written:
        _apply(provider, data)
        written.add(provider.pk)
    log.debug("provider_updated", provider_id=str(provider.pk), fields=sorted(data))
    return Provider.objects.prefetch_related("licenses", "insurance").get(pk=provider.pk)


def directory_facts(provider: Provider) -> dict:
    """A listing's facts in a comparable form (import: "unchanged" when these are equal)."""
    return {
        **{field: getattr(provider, field) for field in _SCALARS},
        "modalities": sorted(provider.modalities),
        "licenses": sorted((lic.state, lic.expires_on) for lic in provider.licenses.all()),
        "insurance": sorted(row.payer for row in provider.insurance.all()),
    }


def _facts_of(data: dict) -> dict:
    return {
        **{field: data.get(field) for field in _SCALARS},
        "modalities": sorted(data["modalities"]),
        "licenses": sorted((lic["state"], lic["expires_on"]) for lic in data["licenses"]),
        "insurance": sorted(data["insurance"]),
    }


def provider_upsert(
    *, data: dict, existing: Provider | None, synthetic: bool = False
) -> tuple[Provider, str]:
    """Import one validated listing by NPI: ``created``, ``updated`` or ``unchanged``."""
    if existing is None:
        return provider_create(data=data, synthetic=synthetic), "created"
    if directory_facts(existing) == _facts_of(data):
        return existing, "unchanged"
    return provider_update(provider=existing, data=data), "updated"


def providers_confirm_availability(*, providers, now: datetime | None = None) -> int:
    """Confirm the availability of many listings at once (the admin's action)."""
    ids = [p.pk for p in providers]
    with transaction.atomic():
        count = Provider.objects.filter(pk__in=ids).update(
            availability_confirmed_at=now or timezone.now(), updated_at=timezone.now()
        )
        refresh_listings(ids)
    return count


def synthetic_directory_generate(
    *,
    count: int,
    seed: int,
    now: datetime | None = None,
    batch_size: int = 2000,
    progress=None,
) -> tuple[int, int]:
    """Make the first ``count`` synthetic listings of ``seed`` (``referrals.synthetic``) that do
    not exist yet, in bulk. Returns (created, already there). ``progress(done, total)``."""
    from referrals.synthetic import synthetic_listings

    now = now or timezone.now()
    created = existing = 0
    batch = []

    def flush():
        nonlocal created, existing
        npis = {item.data["npi"] for item in batch}
        there = set(Provider.objects.filter(npi__in=npis).values_list("npi", flat=True))
        fresh = [item for item in batch if item.data["npi"] not in there]
        with transaction.atomic():
            providers = Provider.objects.bulk_create(_synthetic_provider(item) for item in fresh)
            licences = [
                [
                    License(provider=p, state=lic["state"], expires_on=lic["expires_on"])
                    for lic in item.data["licenses"]
                ]
                for p, item in zip(providers, fresh, strict=True)
            ]
            License.objects.bulk_create(lic for group in licences for lic in group)
            ProviderInsurance.objects.bulk_create(
                ProviderInsurance(provider=p, payer=payer)
                for p, item in zip(providers, fresh, strict=True)
                for payer in item.data["insurance"]
            )
            # New providers: their listings from the rows in hand (no read back).
            MatchListing.objects.bulk_create(
                row
                for p, item, group in zip(providers, fresh, licences, strict=True)
                for row in listing_rows(p, group, item.data["insurance"])
            )
        created += len(fresh)
        existing += len(there)
        batch.clear()
        if progress:
            progress(created + existing, count)

    for item in synthetic_listings(count=count, seed=seed, now=now):
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    log.info("synthetic_directory_generated", created=created, existing=existing, seed=seed)
    return created, existing


def _synthetic_provider(item) -> Provider:
    data = item.data
    return Provider(
        **{field: data[field] for field in _SCALARS},
        offers_telehealth="telehealth" in data["modalities"],
        offers_in_person="in_person" in data["modalities"],
        latitude=item.latitude,
        longitude=item.longitude,
        synthetic=True,
    )


class ProviderInUse(Exception):
    """A listing with referrals cannot be deleted (the referrals' history needs it)."""


def provider_delete(*, provider: Provider) -> None:
    if provider.referrals.exists():
        raise ProviderInUse(
            "This provider has referrals and cannot be deleted; set accepting_new_patients to "
            "false instead."
        )
    provider.delete()


# --- Referrals --------------------------------------------------------------------------------


class ReferralError(Exception):
    """A referral write that changed nothing; ``str()`` is the message to show."""

    field = "non_field_errors"


class NotEligible(ReferralError):
    field = "provider"

    def __init__(self, unmet: tuple[str, ...]):
        self.unmet = unmet
        super().__init__(
            "This provider does not meet the intake's hard constraints: " + "; ".join(unmet) + "."
        )


class DuplicateReferral(ReferralError):
    field = "provider"


class MoveNotAllowed(ReferralError):
    field = "status"


class FirstVisitRequired(ReferralError):
    field = "first_visit_on"


class AlreadyMoved(ReferralError):
    field = "status"


def _require(user, permission: str) -> None:
    if not (user and user.is_active and user.has_perm(permission)):
        raise PermissionDenied("Only clinicians make and move referrals.")


def referral_create(*, intake: Intake, provider: Provider, by, note: str = "") -> Referral:
    """A draft referral recording the match as the clinician saw it (rank, score, reasons).

    Refused when the provider fails a hard constraint for this intake, or when an open
    referral to the same provider exists for it.
    """
    _require(by, REFER_PERMISSION)
    fit = provider_fit(intake, provider)
    if fit.match is None:
        raise NotEligible(fit.unmet)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                intake=intake,
                provider=provider,
                note=note,
                created_by=by,
                match_score=fit.match.score,
                match_rank=fit.match.rank,
                match_reasons=list(fit.match.reasons),
            )
            ReferralEvent.objects.create(
                referral=referral, to_status=referral.status, by=by, at=referral.status_changed_at
            )
    except IntegrityError:
        raise DuplicateReferral(
            "An open referral to this provider already exists for this intake."
        ) from None
    log.info(
        "referral_created",
        referral_id=str(referral.pk),
        intake_id=str(intake.pk),
        provider_id=str(provider.pk),
        rank=fit.match.rank,
    )
    return referral


#: Target status -> the referral's transition method, in the order moves are offered.
MOVES = {
    ReferralStatus.SENT: "send",
    ReferralStatus.ACCEPTED: "accept",
    ReferralStatus.DECLINED: "decline",
    ReferralStatus.SCHEDULED: "schedule",
    ReferralStatus.COMPLETED: "complete",
    ReferralStatus.CANCELLED: "cancel",
}


def allowed_moves(referral: Referral) -> list[str]:
    return [str(to) for to, method in MOVES.items() if can_proceed(getattr(referral, method))]


def _not_allowed(referral: Referral, to: str) -> MoveNotAllowed:
    allowed = allowed_moves(referral)
    hint = (
        f"Allowed: {', '.join(allowed)}."
        if allowed
        else f"None: a {referral.status} referral is closed."
    )
    return MoveNotAllowed(f"Cannot move a referral from {referral.status} to {to}. {hint}")


def referral_move(
    *,
    referral: Referral,
    to: str,
    by,
    note: str = "",
    first_visit_on: date | None = None,
    expected_status: str | None = None,
) -> Referral:
    """One move along draft → sent → accepted | declined → scheduled → completed (or
    cancelled), with its ``ReferralEvent``, in one transaction. Scheduling needs the first
    visit's date (not before the intake). ``expected_status``: the status the caller saw."""
    _require(by, MOVE_PERMISSION)
    if expected_status is not None and referral.status != expected_status:
        raise AlreadyMoved(f"This referral is already {referral.status}. Nothing was changed.")
    if to not in MOVES:
        raise _not_allowed(referral, to)
    method = getattr(referral, MOVES[to])
    if not can_proceed(method):
        raise _not_allowed(referral, to)
    kwargs = {}
    if to == ReferralStatus.SCHEDULED:
        if first_visit_on is None:
            raise FirstVisitRequired("Give the first visit's date to schedule the referral.")
        if first_visit_on < timezone.localdate(referral.intake.submitted_at):
            raise FirstVisitRequired("The first visit cannot be before the intake.")
        kwargs["first_visit_on"] = first_visit_on
    before = referral.status
    try:
        with transaction.atomic():
            method(**kwargs)
            referral.save()
            ReferralEvent.objects.create(
                referral=referral,
                from_status=before,
                to_status=to,
                by=by,
                at=referral.status_changed_at,
                note=note,
            )
    except ConcurrentTransition:
        referral.refresh_from_db()
        raise AlreadyMoved(
            f"Someone else moved this referral first: it is now {referral.status}. "
            "Nothing was changed."
        ) from None
    log.info("referral_moved", referral_id=str(referral.pk), from_status=before, to=to)
    return referral


@dataclass(frozen=True)
class NextMatch:
    match: Match
    provider: Provider


def next_match_after_decline(referral: Referral) -> NextMatch | None:
    """The best match not yet referred to for a declined referral's intake."""
    if referral.status != ReferralStatus.DECLINED:
        return None
    found = next_match_after(referral)
    return NextMatch(*found) if found else None


# --- Follow-up --------------------------------------------------------------------------------

# Three business days are at least three calendar days (and seven days are seven): an
# indexed prefilter, with the exact check in referrals.followup.
_SHORTEST_WAIT = timedelta(days=3)


def flag_overdue_referrals(now: datetime | None = None) -> int:
    """Beat job: flag for follow-up the referrals sent and not accepted within 3 business
    days, or accepted and not scheduled within 7 days (``referrals.followup``). Idempotent:
    a flagged referral stays flagged until its next move clears it."""
    now = now or timezone.now()
    flagged = 0
    waiting = Referral.objects.filter(
        status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
        follow_up_flagged_at__isnull=True,
        status_changed_at__lte=now - _SHORTEST_WAIT,
    ).only("id", "status", "status_changed_at")
    for referral in waiting:
        since = timezone.localtime(referral.status_changed_at)
        if follow_up_due(referral.status, since) > now:
            continue
        flagged += Referral.objects.filter(
            pk=referral.pk, status=referral.status, follow_up_flagged_at__isnull=True
        ).update(
            follow_up_flagged_at=now, follow_up_reason=follow_up_reason(referral.status, since)
        )
    if flagged:
        log.info("referrals_flagged_for_follow_up", count=flagged)
    return flagged
