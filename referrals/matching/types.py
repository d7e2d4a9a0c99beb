"""What matching takes and gives: frozen dataclasses and the contract's vocabularies.

Vocabularies are those of docs/api.md "Matching and referrals".
"""

from dataclasses import dataclass
from datetime import date, datetime

PROVIDER_TYPES = ("psychiatrist", "psychiatric_np", "psychologist", "therapist")
SPECIALTIES = (
    "trd",
    "bipolar",
    "substance_use",
    "eating_disorders",
    "ocd",
    "panic",
    "trauma",
    "anxiety",
    "perinatal",
    "lgbtq",
    "chronic_pain",
)
TREATMENTS = (
    "medication_management",
    "cbt",
    "mbct",
    "dbt",
    "behavioural_activation",
    "interpersonal",
    "ect",
    "rtms",
    "esketamine",
    "ketamine",
    "peer_support",
)
TELEHEALTH = "telehealth"
IN_PERSON = "in_person"
EITHER = "either"
MODALITIES = (TELEHEALTH, IN_PERSON)  # what a provider offers
WANTED_MODALITIES = (TELEHEALTH, IN_PERSON, EITHER)  # what a patient asks for

LatLong = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Licence:
    state: str
    expires_on: date  # valid through this day


@dataclass(frozen=True, slots=True)
class ProviderListing:
    """A directory listing, with the facts matching needs (not necessarily all of them:
    the database may load only the licence and payer relevant to the request)."""

    id: str
    npi: str
    name: str
    provider_type: str
    licences: tuple[Licence, ...]
    insurance: frozenset[str]
    self_pay: bool
    modalities: frozenset[str]
    accepting_new_patients: bool
    availability_confirmed_at: datetime | None
    next_available: date | None = None
    location: LatLong | None = None  # practice ZIP centroid
    specialties: frozenset[str] = frozenset()
    treatments: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    credentials: str = ""


@dataclass(frozen=True, slots=True)
class CareRequest:
    """What one intake asks for, and what screening found.

    ``payer`` is the patient's insurance slug ("" when none); ``location`` the centroid of the
    patient's ZIP code (``None`` when unknown: only telehealth can then be matched).
    ``provider_types`` empty means any type. ``now`` is timezone-aware; ``today`` is its
    local date, for licence expiry and availability.
    """

    state: str
    payer: str
    self_pay: bool
    modality: str
    max_distance_miles: float
    now: datetime
    today: date
    location: LatLong | None = None
    provider_types: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Match:
    provider: ProviderListing
    rank: int  # 1 is the best
    score: float  # 0..1, never increasing down the list
    reasons: tuple[str, ...]
    care_modes: tuple[str, ...]  # how this provider can see the patient
    distance_miles: float | None
    next_available: date | None


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: tuple[Match, ...]
    urgent_pathway: bool  # suicide_risk: the same-day pathway comes before any referral
    notes: tuple[str, ...]  # said above the list (urgent pathway first)
    eligible: int  # how many providers passed every hard constraint
