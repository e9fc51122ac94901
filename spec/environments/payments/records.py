"""What the settlement layer keeps for a payments environment beyond the shared state: nothing yet.

Standard exits of payments outputs live in the settlement layer's shared exit
records and queue (``spec.settlement.exits``), so the payments kind needs no
records of its own. The container exists so that every kind has a variant in
``Environment.kind_records``; in-flight exits will keep theirs here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentsRecords:
    """The payments exit game's own records at the settlement layer (none yet)."""


def compute_genesis_payments_records() -> PaymentsRecords:
    """Return the records of a newly registered payments environment."""
    return PaymentsRecords()
