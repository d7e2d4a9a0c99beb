"""The demo's provider directory (``manage.py load_demo`` via demo.loading): a few hand-made
listings that fit the demo intakes (demo.intakes), then a few hundred synthetic ones.

All names and NPIs are fictitious. Idempotent: running it again refreshes the hand-made
listings' dates (so they stay fresh) and adds only missing synthetic ones.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from referrals.models import Provider
from referrals.npi import make_npi
from referrals.serializers import ProviderSerializer
from referrals.services import provider_upsert, synthetic_directory_generate

DEMO_PROVIDERS = 300
DEMO_SEED = 2026
_YEAR = 365

# (first nine NPI digits, name, credentials, type, [(state, years valid)], specialties,
#  treatments, insurance, self_pay, modalities, languages, ZIP, next opening in days,
#  availability confirmed days ago)
HAND_MADE = [
    (
        "123456789",
        "Maya Chen",
        "MD",
        "psychiatrist",
        [("NY", 2)],
        ["trd", "bipolar"],
        ["medication_management", "esketamine", "rtms"],
        ["aetna", "cigna"],
        True,
        ["telehealth", "in_person"],
        ["en", "es"],
        "10027",
        4,
        2,
    ),
    (
        "199990017",
        "Jon Park",
        "DO",
        "psychiatrist",
        [("NY", 1), ("NJ", 1)],
        ["trd", "substance_use"],
        ["medication_management", "ect", "ketamine"],
        ["aetna"],
        False,
        ["in_person"],
        ["en", "ko"],
        "07302",
        1,
        5,
    ),
    (
        "199990025",
        "Michael Smith",
        "MD",
        "psychiatrist",
        [("NY", 2)],
        ["trd"],
        ["medication_management", "esketamine"],
        ["aetna"],
        True,
        ["telehealth", "in_person"],
        ["en"],
        "10025",
        0,
        45,
    ),  # stale: shown in the admin, never matched
    (
        "199990033",
        "Ana Ruiz",
        "LCSW",
        "therapist",
        [("TX", 2)],
        ["trauma", "anxiety"],
        ["cbt", "dbt", "behavioural_activation"],
        ["medicaid"],
        True,
        ["telehealth"],
        ["es", "en"],
        "78702",
        3,
        1,
    ),
    (
        "199990041",
        "Lena Novak",
        "MD",
        "psychiatrist",
        [("CA", 2)],
        ["trd", "trauma"],
        ["medication_management", "rtms"],
        ["aetna", "bcbs"],
        True,
        ["telehealth", "in_person"],
        ["en"],
        "94103",
        2,
        3,
    ),
    (
        "199990058",
        "Priya Patel",
        "MD",
        "psychiatrist",
        [("IL", 2)],
        ["bipolar", "anxiety"],
        ["medication_management"],
        ["cigna", "bcbs"],
        False,
        ["telehealth", "in_person"],
        ["en", "hi"],
        "60611",
        6,
        4,
    ),
    (
        "199990066",
        "Samuel Okafor",
        "PhD",
        "psychologist",
        [("MA", 2)],
        ["panic", "anxiety", "ocd"],
        ["cbt", "mbct"],
        ["aetna", "bcbs"],
        True,
        ["telehealth", "in_person"],
        ["en"],
        "02139",
        5,
        6,
    ),
    (
        "199990074",
        "Grace Lin",
        "LMHC",
        "therapist",
        [("WA", 2)],
        ["anxiety", "lgbtq"],
        ["cbt", "interpersonal"],
        ["kaiser", "premera"],
        True,
        ["telehealth"],
        ["en", "zh"],
        "98103",
        7,
        2,
    ),
]


def _hand_made_body(entry, now) -> dict:
    (
        first_nine,
        name,
        credentials,
        provider_type,
        licences,
        specialties,
        treatments,
        insurance,
        self_pay,
        modalities,
        languages,
        postal_code,
        opening,
        confirmed,
    ) = entry
    today = timezone.localdate(now)
    return {
        "npi": make_npi(first_nine),
        "name": name,
        "credentials": credentials,
        "provider_type": provider_type,
        "licenses": [
            {"state": state, "expires_on": (today + timedelta(days=years * _YEAR))}
            for state, years in licences
        ],
        "specialties": specialties,
        "treatments": treatments,
        "insurance": insurance,
        "self_pay": self_pay,
        "modalities": modalities,
        "languages": languages,
        "postal_code": postal_code,
        "accepting_new_patients": True,
        "next_available": today + timedelta(days=opening),
        "availability_confirmed_at": now - timedelta(days=confirmed),
    }


def ensure_demo_providers(count: int = DEMO_PROVIDERS) -> int:
    """The hand-made listings (refreshed) and ``count`` synthetic ones. Returns the total."""
    now = timezone.now()
    with transaction.atomic():
        for entry in HAND_MADE:
            body = _hand_made_body(entry, now)
            existing = Provider.objects.filter(npi=body["npi"]).first()
            serializer = ProviderSerializer(instance=existing, data=body)
            serializer.is_valid(raise_exception=True)
            provider_upsert(data=serializer.validated_data, existing=existing, synthetic=True)
    created, existing = synthetic_directory_generate(count=count, seed=DEMO_SEED)
    return len(HAND_MADE) + created + existing
