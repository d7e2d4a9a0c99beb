"""Matching's listing rows (``referrals.MatchListing``) follow every write of the directory in
the same transaction: the services, plain ORM saves and deletes (the admin's inlines), the
bulk generator and the admin's bulk action; ``rebuild_match_listings`` repairs what bypassed
them, and a stale row never reaches a clinician (the pure re-check falls back)."""

from datetime import timedelta
from io import StringIO

import pytest
import structlog
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from referrals import selectors
from referrals.listings import rebuild_all_listings
from referrals.matching.masks import mask, specialties_mask, treatments_mask
from referrals.matching.scoring import FLAG_PREFERENCES
from referrals.matching.types import SPECIALTIES, TREATMENTS
from referrals.models import License, MatchListing, Provider, ProviderInsurance
from referrals.services import (
    provider_delete,
    provider_update,
    providers_confirm_availability,
    synthetic_directory_generate,
)
from tests.referrals.conftest import make_provider

pytestmark = pytest.mark.django_db


def listings(provider=None) -> dict:
    """state -> the row's facts, of one provider (or every provider: (npi, state) keys)."""
    rows = (
        MatchListing.objects.all()
        if provider is None
        else MatchListing.objects.filter(provider=provider)
    )
    return {
        (row.state if provider else (row.npi, row.state)): (
            row.licence_expires_on,
            row.npi,
            row.provider_type,
            row.payers,
            row.self_pay,
            row.offers_telehealth,
            row.offers_in_person,
            row.latitude,
            row.longitude,
            row.next_available,
            row.availability_confirmed_at,
            row.specialties_mask,
            row.treatments_mask,
            row.languages,
        )
        for row in rows
    }


def test_masks_set_one_bit_per_known_code_and_ignore_the_rest():
    assert mask([], SPECIALTIES) == 0
    assert specialties_mask(["trd"]) == 1
    assert specialties_mask(["bipolar", "trd", "trd"]) == 0b11
    assert specialties_mask(["chronic_pain"]) == 1 << (len(SPECIALTIES) - 1)
    assert treatments_mask(["esketamine", "unknown"]) == 1 << TREATMENTS.index("esketamine")


def test_every_ranking_term_names_codes_a_mask_can_hold():
    """The database adds up fit points from the masks: a term naming a code outside the
    vocabularies would silently score nothing there."""
    for preference in FLAG_PREFERENCES.values():
        for term in preference.terms:
            assert set(term.specialties) <= set(SPECIALTIES)
            assert set(term.treatments) <= set(TREATMENTS)


def test_a_new_provider_is_listed_in_each_licensed_state_with_its_facts():
    today = timezone.localdate()
    p = make_provider(
        licenses=[
            {"state": "NY", "expires_on": today + timedelta(days=30)},
            {"state": "NJ", "expires_on": today + timedelta(days=90)},
        ],
        insurance=["cigna", "aetna"],
        specialties=["trd", "bipolar"],
        treatments=["esketamine"],
        languages=["en", "es"],
        modalities=["telehealth"],
        self_pay=True,
    )
    rows = listings(p)
    assert set(rows) == {"NY", "NJ"}
    ny = rows["NY"]
    assert ny[0] == today + timedelta(days=30)
    assert rows["NJ"][0] == today + timedelta(days=90)
    assert ny[1:] == (
        p.npi,
        "psychiatrist",
        ["aetna", "cigna"],
        True,
        True,
        False,
        p.latitude,
        p.longitude,
        p.next_available,
        p.availability_confirmed_at,
        0b11,
        1 << TREATMENTS.index("esketamine"),
        ["en", "es"],
    )


def test_updates_through_the_service_replace_the_rows():
    p = make_provider()
    today = timezone.localdate()
    provider_update(
        provider=p,
        data={
            "licenses": [{"state": "CT", "expires_on": today + timedelta(days=10)}],
            "insurance": ["bcbs"],
            "next_available": today + timedelta(days=1),
        },
    )
    rows = listings(p)
    assert set(rows) == {"CT"}
    assert rows["CT"][3] == ["bcbs"]
    assert rows["CT"][9] == today + timedelta(days=1)
    provider_update(provider=p, data={"accepting_new_patients": False})
    assert listings(p) == {}
    provider_update(provider=p, data={"accepting_new_patients": True})
    assert set(listings(p)) == {"CT"}


def test_plain_orm_saves_and_deletes_are_followed_as_the_admin_makes_them():
    p = make_provider()
    lic = License.objects.create(
        provider=p, state="PA", expires_on=timezone.localdate() + timedelta(days=5)
    )
    assert set(listings(p)) == {"NY", "PA"}
    ProviderInsurance.objects.create(provider=p, payer="cigna")
    assert listings(p)["PA"][3] == ["aetna", "cigna"]
    p.provider_type = "therapist"
    p.save()
    assert {row[2] for row in listings(p).values()} == {"therapist"}
    lic.delete()
    assert set(listings(p)) == {"NY"}
    p.insurance.filter(payer="aetna").delete()
    assert listings(p)["NY"][3] == ["cigna"]


def test_a_deleted_provider_takes_its_rows_with_it():
    p = make_provider(insurance=["aetna", "cigna"])
    other = make_provider()
    provider_delete(provider=p)
    assert not MatchListing.objects.filter(provider_id=p.pk).exists()
    assert set(listings(other)) == {"NY"}
    Provider.objects.filter(pk=other.pk).delete()  # a queryset's cascade alike
    assert MatchListing.objects.count() == 0


def test_bulk_generation_and_the_admin_confirmation_are_followed():
    synthetic_directory_generate(count=120, seed=3)
    generated = listings()
    assert len(generated) > 100
    rebuild_all_listings()
    assert listings() == generated  # the generator's rows are those the directory implies
    old = timezone.now() - timedelta(days=40)
    providers = list(Provider.objects.all()[:5])
    providers_confirm_availability(providers=providers, now=old)
    for p in providers:
        for row in listings(p).values():
            assert row[10] == old


def test_the_rebuild_command_repairs_what_bypassed_the_services():
    synthetic_directory_generate(count=80, seed=4)
    expected = listings()
    # Raw updates bypass the services and signals: the rows go stale...
    Provider.objects.update(next_available=timezone.localdate() + timedelta(days=59))
    MatchListing.objects.filter(pk__in=MatchListing.objects.all()[:10]).delete()
    assert listings() != expected
    out = StringIO()
    call_command("rebuild_match_listings", stdout=out)
    rebuilt = listings()
    assert set(rebuilt) == set(expected)
    assert {row[9] for row in rebuilt.values()} == {timezone.localdate() + timedelta(days=59)}
    assert f"{len(expected)} listings rebuilt" in out.getvalue()


def test_a_failed_write_leaves_the_rows_as_they_were():
    p = make_provider()
    before = listings(p)
    with pytest.raises(RuntimeError), transaction.atomic():
        provider_update(provider=p, data={"licenses": []})
        raise RuntimeError("the caller's transaction fails")
    assert listings(p) == before


def test_a_stale_row_never_reaches_a_clinician(ada):
    """A listing made stale behind the services' back (the provider stopped accepting):
    the pure check, which reads the provider's own row, leaves it out and a warning says so
    (a count only)."""
    gone = make_provider(name="Stopped accepting", next_available=timezone.localdate())
    kept = make_provider(name="Accepting")
    Provider.objects.filter(pk=gone.pk).update(accepting_new_patients=False)
    with structlog.testing.capture_logs() as logs:
        found = selectors.provider_matches(ada, limit=5)
    assert [m.provider.id for m in found.result.matches] == [str(kept.pk)]
    assert found.result.eligible == 1
    assert [(e["event"], e["left_out"]) for e in logs] == [("matching_listing_stale", 1)]
