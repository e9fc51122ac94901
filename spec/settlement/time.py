"""The settlement clock: only moves forward."""

from __future__ import annotations

from dataclasses import replace

from spec.errors import RejectionReason, require
from spec.settlement.operations import AdvanceTime
from spec.settlement.state import SettlementState


def process_advance_time(state: SettlementState, operation: AdvanceTime) -> SettlementState:
    """Set the clock to a later time.

    Raises:
        Rejected: ``TIME_NOT_INCREASING`` unless the new time is later than the current one.
    """
    # Verify time moves forward
    require(operation.time > state.time, RejectionReason.TIME_NOT_INCREASING)
    return replace(state, time=operation.time)
