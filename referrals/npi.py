"""National Provider Identifier check digit (pure; CMS "NPI check digit" standard).

The tenth digit is the Luhn check digit computed over the prefix "80840" (the NPI's card
issuer identifier, ISO 7812) followed by the first nine digits: 1234567893 is valid.
"""

NPI_PREFIX = "80840"


def luhn_check_digit(digits: str) -> int:
    """The digit that, appended to ``digits``, makes a valid Luhn number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these become the odd positions once a digit is added
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return (10 - total % 10) % 10


def npi_check_digit(first_nine: str) -> int:
    return luhn_check_digit(NPI_PREFIX + first_nine)


def npi_problem(value: str) -> str | None:
    """Why ``value`` is not a valid NPI, or ``None`` when it is."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return "An NPI is exactly 10 digits."
    if value[0] not in "12":
        return "An NPI starts with 1 or 2."
    if int(value[9]) != npi_check_digit(value[:9]):
        return "Invalid NPI: the check digit does not match (NPI standard, Luhn with 80840)."
    return None


def make_npi(first_nine: str) -> str:
    return first_nine + str(npi_check_digit(first_nine))
