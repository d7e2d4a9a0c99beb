"""US states and ZIP codes, offline (``us`` and ``zipcodes`` packages)."""

from functools import lru_cache

import us
import zipcodes

# States, DC and the inhabited territories (AS, GU, MP, PR, VI).
US_STATES: dict[str, str] = {
    s.abbr: s.name for s in sorted(us.states.STATES_AND_TERRITORIES, key=lambda s: s.abbr)
}


@lru_cache(maxsize=65536)
def zip_record(postal_code: str) -> dict | None:
    """The ZIP code's record (state, centroid) or ``None`` when it does not exist."""
    code = postal_code.strip()[:5]
    if len(code) != 5 or not code.isdigit():
        return None
    matches = zipcodes.matching(code)
    return matches[0] if matches else None


def zip_state(postal_code: str) -> str | None:
    record = zip_record(postal_code)
    return record["state"] if record else None


def zip_centroid(postal_code: str) -> tuple[float, float] | None:
    """(latitude, longitude) as floats; zipcodes stores them as strings."""
    record = zip_record(postal_code)
    if not record:
        return None
    return float(record["lat"]), float(record["long"])
