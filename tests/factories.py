"""Test data: the contract's example intake, and variations of it (kept in devstack.payloads,
which the benchmarks use too)."""

from devstack.payloads import (
    CONTRACT_EXAMPLE,
    PHQ9_NO_RISK,
    intake_payload,
    urgent_payload,
    with_patient,
)

__all__ = ["CONTRACT_EXAMPLE", "PHQ9_NO_RISK", "intake_payload", "urgent_payload", "with_patient"]


def follow_up_phq9(total_without_item9: int, item9: int = 0) -> dict:
    """A complete PHQ-9 whose items 1-8 add up to ``total_without_item9``."""
    items, left = {}, total_without_item9
    for n in range(1, 9):
        items[f"q{n}"] = min(3, left)
        left -= items[f"q{n}"]
    assert left == 0
    items["q9"] = item9
    return items
