"""A realistic synthetic provider directory for the demo and the benchmarks.

Listing ``i`` of seed ``s`` is always the same listing (its own random stream, its own NPI),
so generating is idempotent: asking for 300 twice makes 300, and asking for 100,000 after
that adds the 99,700 missing ones. Every listing is marked ``synthetic``.

Realism, roughly: states weighted by population (2020 census); within a state, six in ten
practices near a large city and the rest anywhere (standard, active ZIP codes); a mix of
provider types with type-typical specialties, treatments and credentials; payers at
national-ish shares, self-pay for most; about one in five not accepting, one in seven with
stale availability and one in twenty with an expired licence, so freshness matters.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache

import zipcodes

from referrals.matching.distance import haversine_miles
from referrals.npi import make_npi

# 2020 census resident population, thousands (states, DC, inhabited territories).
POPULATION = {
    "AL": 5024,
    "AK": 733,
    "AZ": 7152,
    "AR": 3012,
    "CA": 39538,
    "CO": 5774,
    "CT": 3606,
    "DE": 990,
    "DC": 690,
    "FL": 21538,
    "GA": 10712,
    "HI": 1455,
    "ID": 1839,
    "IL": 12813,
    "IN": 6786,
    "IA": 3190,
    "KS": 2938,
    "KY": 4506,
    "LA": 4658,
    "ME": 1362,
    "MD": 6177,
    "MA": 7030,
    "MI": 10077,
    "MN": 5706,
    "MS": 2961,
    "MO": 6155,
    "MT": 1084,
    "NE": 1962,
    "NV": 3105,
    "NH": 1378,
    "NJ": 9289,
    "NM": 2118,
    "NY": 20201,
    "NC": 10439,
    "ND": 779,
    "OH": 11799,
    "OK": 3959,
    "OR": 4237,
    "PA": 13003,
    "RI": 1097,
    "SC": 5118,
    "SD": 887,
    "TN": 6911,
    "TX": 29146,
    "UT": 3272,
    "VT": 643,
    "VA": 8631,
    "WA": 7705,
    "WV": 1794,
    "WI": 5894,
    "WY": 577,
    "PR": 3286,
    "GU": 154,
    "VI": 87,
    "AS": 50,
    "MP": 48,
}
# Centres of the larger metropolitan areas: most practices cluster around them.
METROS = {
    "NY": [(40.7128, -74.0060), (42.8864, -78.8784), (43.1566, -77.6088)],
    "CA": [(34.0522, -118.2437), (37.7749, -122.4194), (32.7157, -117.1611), (38.5816, -121.4944)],
    "TX": [(29.7604, -95.3698), (32.7767, -96.7970), (30.2672, -97.7431), (29.4241, -98.4936)],
    "FL": [(25.7617, -80.1918), (27.9506, -82.4572), (28.5383, -81.3792)],
    "IL": [(41.8781, -87.6298)],
    "PA": [(39.9526, -75.1652), (40.4406, -79.9959)],
    "OH": [(39.9612, -82.9988), (41.4993, -81.6944), (39.1031, -84.5120)],
    "GA": [(33.7490, -84.3880)],
    "NC": [(35.2271, -80.8431), (35.7796, -78.6382)],
    "MI": [(42.3314, -83.0458)],
    "NJ": [(40.7357, -74.1724), (39.9259, -75.1196)],
    "VA": [(38.8816, -77.0910), (37.5407, -77.4360)],
    "WA": [(47.6062, -122.3321)],
    "AZ": [(33.4484, -112.0740), (32.2226, -110.9747)],
    "MA": [(42.3601, -71.0589)],
    "TN": [(36.1627, -86.7816), (35.1495, -90.0490)],
    "IN": [(39.7684, -86.1581)],
    "MO": [(38.6270, -90.1994), (39.0997, -94.5786)],
    "MD": [(39.2904, -76.6122)],
    "WI": [(43.0389, -87.9065)],
    "CO": [(39.7392, -104.9903)],
    "MN": [(44.9778, -93.2650)],
    "OR": [(45.5152, -122.6784)],
    "NV": [(36.1699, -115.1398)],
    "DC": [(38.9072, -77.0369)],
    "UT": [(40.7608, -111.8910)],
    "LA": [(29.9511, -90.0715)],
    "KY": [(38.2527, -85.7585)],
    "CT": [(41.7658, -72.6734)],
    "OK": [(35.4676, -97.5164)],
}
METRO_SHARE = 0.6
METRO_RADIUS_MILES = 25
TYPES = {"psychiatrist": 0.30, "psychiatric_np": 0.20, "psychologist": 0.20, "therapist": 0.30}
CREDENTIALS = {
    "psychiatrist": ["MD", "MD", "DO"],
    "psychiatric_np": ["PMHNP-BC", "APRN"],
    "psychologist": ["PhD", "PsyD"],
    "therapist": ["LCSW", "LPC", "LMFT", "LMHC"],
}
PRESCRIBER_SPECIALTIES = {
    "trd": 0.30,
    "bipolar": 0.45,
    "substance_use": 0.25,
    "anxiety": 0.40,
    "ocd": 0.12,
    "panic": 0.15,
    "trauma": 0.20,
    "perinatal": 0.08,
    "eating_disorders": 0.06,
    "lgbtq": 0.10,
    "chronic_pain": 0.05,
}
THERAPY_SPECIALTIES = {
    "trd": 0.08,
    "bipolar": 0.15,
    "substance_use": 0.20,
    "anxiety": 0.60,
    "ocd": 0.15,
    "panic": 0.25,
    "trauma": 0.40,
    "perinatal": 0.10,
    "eating_disorders": 0.12,
    "lgbtq": 0.20,
    "chronic_pain": 0.08,
}
PRESCRIBER_TREATMENTS = {"esketamine": 0.15, "rtms": 0.12, "ketamine": 0.08}
THERAPIES = {
    "cbt": 0.70,
    "dbt": 0.25,
    "mbct": 0.20,
    "behavioural_activation": 0.25,
    "interpersonal": 0.25,
    "peer_support": 0.04,
}
PAYERS = {
    "aetna": 0.45,
    "bcbs": 0.55,
    "cigna": 0.40,
    "unitedhealthcare": 0.45,
    "humana": 0.20,
    "anthem": 0.25,
    "medicare": 0.40,
    "medicaid": 0.30,
    "tricare": 0.10,
    "kaiser": 0.05,
}
SPANISH_STATES = {"CA", "TX", "FL", "NM", "AZ", "NY", "NJ", "PR", "NV", "IL"}
OTHER_LANGUAGES = {
    "zh": 0.04,
    "vi": 0.02,
    "ko": 0.02,
    "ru": 0.02,
    "fr": 0.02,
    "ar": 0.01,
    "tl": 0.02,
    "ht": 0.01,
}
FIRST_NAMES = (
    "Maya",
    "Jon",
    "Ana",
    "Priya",
    "Samuel",
    "Grace",
    "Omar",
    "Lena",
    "David",
    "Sofia",
    "Michael",
    "Aisha",
    "Daniel",
    "Mei",
    "Carlos",
    "Rachel",
    "Ethan",
    "Nadia",
    "Kwame",
    "Laura",
    "Hiroshi",
    "Elena",
    "Marcus",
    "Fatima",
    "Thomas",
    "Julia",
    "Andre",
    "Chloe",
    "Ravi",
    "Emma",
    "Luis",
    "Hannah",
    "Isaac",
    "Yara",
    "Noah",
    "Olivia",
    "Diego",
    "Ingrid",
    "Tariq",
    "Rosa",
)
LAST_NAMES = (
    "Chen",
    "Park",
    "Ruiz",
    "Patel",
    "Okafor",
    "Kim",
    "Haddad",
    "Novak",
    "Cohen",
    "Garcia",
    "Smith",
    "Johnson",
    "Nguyen",
    "Williams",
    "Brown",
    "Martinez",
    "Singh",
    "Lopez",
    "Davis",
    "Wilson",
    "Tanaka",
    "Rossi",
    "Murphy",
    "Ali",
    "Schmidt",
    "Jones",
    "Hernandez",
    "Clark",
    "Mensah",
    "Ivanova",
    "Kowalski",
    "Baptiste",
    "Moore",
    "Taylor",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Lewis",
)


@dataclass(frozen=True)
class SyntheticListing:
    """A listing's data in the shape ``referrals.services`` and the serializer use."""

    data: dict
    latitude: float
    longitude: float


@cache
def _zips_by_state() -> dict[str, list[tuple[str, float, float]]]:
    by_state = defaultdict(list)
    for z in zipcodes.list_all():
        if z["active"] and z["zip_code_type"] == "STANDARD" and z["lat"] and z["long"]:
            by_state[z["state"]].append((z["zip_code"], float(z["lat"]), float(z["long"])))
    return {state: sorted(zips) for state, zips in by_state.items() if state in POPULATION}


@cache
def _metro_zips(state: str) -> list[tuple[str, float, float]]:
    centres = METROS.get(state, [])
    return [
        z
        for z in _zips_by_state()[state]
        if any(haversine_miles((z[1], z[2]), c) <= METRO_RADIUS_MILES for c in centres)
    ]


def npi_for(seed: int, index: int) -> str:
    """A valid NPI (first digit 1) for listing ``index`` of ``seed``: distinct for the first
    10 million listings of a seed."""
    return make_npi(f"1{(seed * 10_000_000 + index) % 100_000_000:08d}")


def _some(rng: random.Random, shares: dict[str, float]) -> list[str]:
    return [key for key, share in shares.items() if rng.random() < share]


def synthetic_listing(seed: int, index: int, now: datetime) -> SyntheticListing:
    rng = random.Random(f"{seed}:{index}")
    states = [s for s in POPULATION if s in _zips_by_state()]
    state = rng.choices(states, weights=[POPULATION[s] for s in states])[0]
    metro = _metro_zips(state)
    zip_code, lat, lon = rng.choice(
        metro if metro and rng.random() < METRO_SHARE else _zips_by_state()[state]
    )
    provider_type = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
    prescriber = provider_type in ("psychiatrist", "psychiatric_np")
    specialties = _some(rng, PRESCRIBER_SPECIALTIES if prescriber else THERAPY_SPECIALTIES)
    if prescriber:
        treatments = ["medication_management", *_some(rng, PRESCRIBER_TREATMENTS)]
        if provider_type == "psychiatrist" and rng.random() < 0.06:
            treatments.append("ect")
        if rng.random() < 0.2:
            treatments += _some(rng, {"cbt": 0.5, "interpersonal": 0.5})
    else:
        treatments = _some(rng, THERAPIES) or ["cbt"]
    today = now.date()
    licence_states = [state]
    if rng.random() < 0.3:  # licensed in more states (telehealth across state lines)
        licence_states += rng.choices(
            states, weights=[POPULATION[s] for s in states], k=rng.randint(1, 3)
        )
    licenses = [
        {
            "state": s,
            "expires_on": today + timedelta(days=rng.randint(30, 1000))
            if rng.random() > 0.05
            else today - timedelta(days=rng.randint(1, 200)),
        }
        for s in dict.fromkeys(licence_states)
    ]
    modes = rng.choices(
        [["telehealth", "in_person"], ["telehealth"], ["in_person"]], weights=[0.55, 0.30, 0.15]
    )[0]
    languages = ["en"] if rng.random() < 0.97 else []
    if rng.random() < (0.30 if state in SPANISH_STATES else 0.08):
        languages.append("es")
    languages += _some(rng, OTHER_LANGUAGES)
    accepting = rng.random() < 0.78
    confirmed_days = rng.randint(0, 29) if rng.random() < 0.86 else rng.randint(31, 120)
    confirmed_at = datetime.combine(
        today - timedelta(days=confirmed_days),
        time(rng.randint(8, 18), rng.randint(0, 59)),
        tzinfo=UTC,
    )
    next_available = None
    if accepting and rng.random() < 0.95:
        next_available = today + timedelta(days=min(90, int(rng.expovariate(1 / 14))))
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    data = {
        "npi": npi_for(seed, index),
        "name": name,
        "credentials": rng.choice(CREDENTIALS[provider_type]),
        "provider_type": provider_type,
        "licenses": licenses,
        "specialties": specialties,
        "treatments": list(dict.fromkeys(treatments)),
        "insurance": _some(rng, PAYERS),
        "self_pay": rng.random() < 0.7,
        "modalities": modes,
        "languages": languages or ["en"],
        "postal_code": zip_code,
        "accepting_new_patients": accepting,
        "next_available": next_available,
        "availability_confirmed_at": min(confirmed_at, now),
    }
    return SyntheticListing(data=data, latitude=lat, longitude=lon)


def synthetic_listings(*, count: int, seed: int, now: datetime, start: int = 0):
    for index in range(start, start + count):
        yield synthetic_listing(seed, index, now)
