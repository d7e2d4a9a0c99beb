"""NPI check digit (Luhn over 80840 + the first nine digits)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referrals.npi import make_npi, npi_check_digit, npi_problem


def test_the_standards_example_is_valid():
    assert npi_problem("1234567893") is None
    assert npi_check_digit("123456789") == 3


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1234567890", "check digit"),
        ("123456789", "exactly 10 digits"),
        ("12345678933", "exactly 10 digits"),
        ("12345678a3", "exactly 10 digits"),
        ("".join(chr(0xFF10 + int(d)) for d in "1234567893"), "exactly 10 digits"),  # full-width
        ("3234567893", "starts with 1 or 2"),
    ],
)
def test_invalid_npis_say_why(value, problem):
    assert problem in npi_problem(value)


@given(st.from_regex(r"\A[12][0-9]{8}\Z"), st.integers(min_value=1, max_value=9))
def test_exactly_one_check_digit_is_valid(first_nine, shift):
    good = make_npi(first_nine)
    assert npi_problem(good) is None
    bad = first_nine + str((int(good[9]) + shift) % 10)
    assert npi_problem(bad) is not None
