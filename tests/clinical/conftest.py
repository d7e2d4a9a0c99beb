"""Helpers for the clinical-core tests and the API tests that generate answers."""

from hypothesis import strategies as st


def answer_value(item):
    if item.kind == "count":
        return st.integers(min_value=item.min_value, max_value=item.max_value)
    return st.sampled_from(item.option_values)
