"""Keeping ``MatchListing`` (what matching reads) in step with the directory.

Every write of a provider, its licences or its payers refreshes that provider's listings in
the same transaction, so matching never sees a half-written or stale listing:

- the directory services (``referrals.services``: create, update, import, the admin's
  "confirm availability") call ``refresh_listings`` themselves, and the bulk synthetic
  generator writes the ``listing_rows`` of what it creates;
- any other ``save()`` or ``delete()`` of a ``Provider``, ``License`` or ``ProviderInsurance``
  (the admin's inlines, a shell) is caught by the signals ``connect_listing_signals`` wires
  (the admin's provider form refreshes once, after its inlines);
- a provider's deletion cascades to its listings.

A bulk ``QuerySet.update()`` or raw SQL outside the services bypasses all of that:
``manage.py rebuild_match_listings`` rebuilds every listing from the directory.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from referrals.matching.masks import listing_columns
from referrals.models import License, MatchListing, Provider, ProviderInsurance

BATCH = 2000


def listing_rows(provider, licences, payers) -> list[MatchListing]:
    """The listings of one provider (none unless it accepts new patients)."""
    if not provider.accepting_new_patients:
        return []
    common = listing_columns(provider, payers)
    return [
        MatchListing(
            provider_id=provider.pk, state=lic.state, licence_expires_on=lic.expires_on, **common
        )
        for lic in licences
    ]


def refresh_listings(provider_ids: Iterable) -> int:
    """Rewrite the listings of these providers from their rows; returns how many exist now."""
    ids = list(dict.fromkeys(provider_ids))
    made = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            MatchListing.objects.filter(provider_id__in=chunk).delete()
            providers = Provider.objects.filter(pk__in=chunk).prefetch_related(
                "licenses", "insurance"
            )
            rows = [
                row
                for p in providers
                for row in listing_rows(p, p.licenses.all(), [i.payer for i in p.insurance.all()])
            ]
            MatchListing.objects.bulk_create(rows, batch_size=BATCH)
            made += len(rows)
    return made


def rebuild_all_listings() -> int:
    """Every listing rebuilt from the directory (``manage.py rebuild_match_listings``)."""
    with transaction.atomic():
        MatchListing.objects.all().delete()
        ids = Provider.objects.filter(accepting_new_patients=True).values_list("pk", flat=True)
        return refresh_listings(ids.order_by("pk").iterator(chunk_size=BATCH))


# --- Refreshing once per write ---------------------------------------------------------------

_pending: ContextVar[set | None] = ContextVar("listings_pending", default=None)


@contextmanager
def refreshed_after() -> Iterator[set]:
    """Collect the providers a block writes (add ids to the yielded set; the signals add
    theirs) and refresh each one's listings once, when the block ends without an error.
    Use inside the block's transaction."""
    pending: set = set()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    refresh_listings(pending)


def _changed(provider_id) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.add(provider_id)
    else:
        refresh_listings([provider_id])


# --- Signals: any other ORM save or delete ----------------------------------------------------


def _provider_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _changed(instance.pk)


def _row_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _changed(instance.provider_id)


def _row_deleted(sender, instance, origin=None, **kwargs):
    # Not when the provider itself is being deleted: its listings go with it (CASCADE).
    if isinstance(origin, Provider) or (isinstance(origin, QuerySet) and origin.model is Provider):
        return
    _changed(instance.provider_id)


def connect_listing_signals() -> None:
    """Wired in ``ReferralsConfig.ready``."""
    uid = "referrals.listings"
    post_save.connect(_provider_saved, sender=Provider, dispatch_uid=f"{uid}.provider")
    for model in (License, ProviderInsurance):
        post_save.connect(_row_saved, sender=model, dispatch_uid=f"{uid}.{model.__name__}.save")
        post_delete.connect(
            _row_deleted, sender=model, dispatch_uid=f"{uid}.{model.__name__}.delete"
        )
