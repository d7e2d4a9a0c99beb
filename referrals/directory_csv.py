"""The directory's CSV format (``manage.py import_providers`` / ``export_providers``).

One provider per row, UTF-8, a header row naming these columns (any order, all present):

npi                        10-digit NPI with a valid check digit; the import's key
name                       the provider's name
credentials                optional, e.g. MD
provider_type              psychiatrist | psychiatric_np | psychologist | therapist
licenses                   STATE:YYYY-MM-DD (expiry), ";"-separated, at least one:
                           NY:2027-06-30;NJ:2026-12-31
specialties                ";"-separated: trd bipolar substance_use eating_disorders ocd
                           panic trauma anxiety perinatal lgbtq chronic_pain
treatments                 ";"-separated: medication_management cbt mbct dbt
                           behavioural_activation interpersonal ect rtms esketamine ketamine
                           peer_support
insurance                  ";"-separated lower-case payer slugs: aetna;cigna
self_pay                   true/false (also yes/no, 1/0); blank is false
modalities                 ";"-separated, at least one: telehealth;in_person
languages                  ";"-separated language codes: en;es
postal_code                the practice's 5-digit ZIP code (or ZIP+4), located offline
accepting_new_patients     true/false; blank is true
next_available             YYYY-MM-DD; blank when unknown
availability_confirmed_at  ISO 8601 date-time (UTC when no offset) or a date; blank means
                           never confirmed, and the listing stays out of matching until it is

Example row:
1234567893,Maya Chen,MD,psychiatrist,NY:2027-06-30,trd;bipolar,medication_management;esketamine,
aetna;cigna,true,telehealth;in_person,en;es,10027,true,2026-11-24,2026-11-20T15:04:00Z

Each row is validated exactly as the API validates a provider (``ProviderSerializer``).
"""

from referrals.serializers import provider_data

COLUMNS = (
    "npi",
    "name",
    "credentials",
    "provider_type",
    "licenses",
    "specialties",
    "treatments",
    "insurance",
    "self_pay",
    "modalities",
    "languages",
    "postal_code",
    "accepting_new_patients",
    "next_available",
    "availability_confirmed_at",
)
LIST_COLUMNS = ("specialties", "treatments", "insurance", "modalities", "languages")
SEPARATOR = ";"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _licence(part: str) -> dict:
    state, _, expires_on = part.partition(":")
    licence = {"state": state.strip().upper()}
    if expires_on.strip():
        licence["expires_on"] = expires_on.strip()
    return licence


def row_to_payload(row: dict) -> dict:
    """A CSV row as the API's provider body (blank optional cells are left out)."""
    payload = {}
    for column in COLUMNS:
        value = (row.get(column) or "").strip()
        if column == "licenses":
            payload[column] = [_licence(part) for part in _split(value)]
        elif column in LIST_COLUMNS:
            payload[column] = _split(value)
        elif value:
            payload[column] = value
    if "availability_confirmed_at" not in payload:
        payload["availability_confirmed_at"] = None  # blank: never confirmed
    if "next_available" not in payload:
        payload["next_available"] = None
    return payload


def provider_to_row(provider) -> dict:
    data = provider_data(provider)
    row = {column: data[column] for column in COLUMNS}
    row["licenses"] = SEPARATOR.join(
        f"{lic['state']}:{lic['expires_on']}" for lic in data["licenses"]
    )
    for column in LIST_COLUMNS:
        row[column] = SEPARATOR.join(data[column])
    for column in ("self_pay", "accepting_new_patients"):
        row[column] = "true" if data[column] else "false"
    for column in ("next_available", "availability_confirmed_at"):
        row[column] = data[column] or ""
    return row
