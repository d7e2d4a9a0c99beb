"""Fixtures of the referrals tests: providers through the real service, intakes through the
real submission (screening runs on commit, eagerly), and a clinician's admin client."""

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from intake.models import Intake
from referrals.npi import make_npi
from referrals.services import provider_create
from screening.models import Case
from tests.conftest import login, submit

_serial = iter(range(10_000_000))


def provider_body(**overrides) -> dict:
    """An API/CSV-shaped listing that fits the contract's example intake (Ada, Harlem, aetna)."""
    today = timezone.localdate()
    body = {
        "npi": make_npi(f"1{next(_serial) + 10_000_000:08d}"),
        "name": "Provider",
        "credentials": "MD",
        "provider_type": "psychiatrist",
        "licenses": [{"state": "NY", "expires_on": today + timedelta(days=365)}],
        "specialties": [],
        "treatments": ["medication_management"],
        "insurance": ["aetna"],
        "self_pay": False,
        "modalities": ["telehealth", "in_person"],
        "languages": ["en"],
        "postal_code": "10027",
        "accepting_new_patients": True,
        "next_available": today + timedelta(days=7),
        "availability_confirmed_at": timezone.now() - timedelta(days=1),
    }
    body.update(overrides)
    return body


def make_provider(**overrides):
    return provider_create(data=provider_body(**overrides))


def case_of(intake: Intake) -> Case:
    return Case.objects.get(intake=intake)


@pytest.fixture
def ada(db) -> Intake:
    """The contract's example intake: possible TRD, NY 10027, aetna, either, 30 miles."""
    return submit()


@pytest.fixture
def clinician(client, cleo):
    return login(client, cleo)


SAMPLE = Path(__file__).resolve().parents[2] / "referrals" / "sample_providers.csv"


def sample_rows():
    """The data rows of referrals/sample_providers.csv (the header left out)."""
    with SAMPLE.open(newline="") as handle:
        return list(csv.reader(handle))[1:]
