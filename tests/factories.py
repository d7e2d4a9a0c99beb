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
