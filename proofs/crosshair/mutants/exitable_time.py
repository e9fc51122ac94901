"""Broken twins of the exitable-time contracts: rules with one term wrong."""

from __future__ import annotations

from proofs.crosshair.contracts.common import UINT64_MAX
from proofs.crosshair.contracts.exitable_time import (
    are_times_in_order,
    compute_true_exitable_time,
    get_exitable_time,
)
from spec.errors import RejectionReason
from spec.primitives import Uint64
from spec.settlement.state import BlockKind, BlockRecord

CONTRACT_NAMES = (are_times_in_order, compute_true_exitable_time)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def compute_exitable_time_from_block_only(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a child-block output waits two periods from its block, never one from its start."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return record.timestamp + period * 2


def compute_exitable_time_ignoring_kind(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: deposit outputs get the child-block rule too."""
    return max(record.timestamp + period * 2, started_at + period)


def compute_exitable_time_one_period(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a child-block output waits one period after its block, not two."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return max(record.timestamp + period, started_at + period)


def compute_exitable_time_saturating(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a time past the largest Uint64 is clamped to it instead of rejected."""
    earliest = int(started_at) + int(period)
    if record.kind == BlockKind.CHILD:
        earliest = max(int(record.timestamp) + 2 * int(period), earliest)
    return Uint64(min(earliest, UINT64_MAX))


def compute_exitable_time_forgetting_period(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: an old child-block output may exit at once (its start), a young one after 2 periods."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    young = started_at < record.timestamp + period
    return record.timestamp + period * 2 if young else started_at


def exitable_time_waits_one_period_from_block_only(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_waits_one_period``: the start is ignored for child blocks.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) <= UINT64_MAX
    post: isinstance(__return__, int) and __return__ >= started_at + period
    """
    return get_exitable_time(
        is_deposit, block_time, started_at, period, compute_exitable_time_from_block_only
    )


def exitable_time_of_deposit_output_ignoring_kind(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_of_deposit_output``: deposits get the child rule.

    pre: 0 <= block_time <= UINT64_MAX
    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    post: __return__ == started_at + period
    """
    return get_exitable_time(
        True, block_time, started_at, period, compute_exitable_time_ignoring_kind
    )


def exitable_time_of_child_output_one_period(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_of_child_output``: the 2·period becomes one period.

    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    pre: 0 <= block_time and block_time + 2 * period <= UINT64_MAX
    post: __return__ == max(block_time + 2 * period, started_at + period)
    """
    return get_exitable_time(
        False, block_time, started_at, period, compute_exitable_time_one_period
    )


def exitable_time_past_maximum_saturating(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_past_maximum``: the time is clamped, not rejected.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) > UINT64_MAX
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_exitable_time(
        is_deposit, block_time, started_at, period, compute_exitable_time_saturating
    )


def exitable_time_is_monotone_in_start_forgetting_period(
    is_deposit: bool, block_time: int, earlier_start: int, later_start: int, period: int
) -> tuple[int | RejectionReason, int | RejectionReason]:
    """Broken twin of ``exitable_time_is_monotone_in_start``: old outputs exit at their start.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= period <= UINT64_MAX
    pre: 0 <= earlier_start <= later_start
    pre: compute_true_exitable_time(is_deposit, block_time, later_start, period) <= UINT64_MAX
    post: are_times_in_order(__return__)
    """
    rule = compute_exitable_time_forgetting_period
    return (
        get_exitable_time(is_deposit, block_time, earlier_start, period, rule),
        get_exitable_time(is_deposit, block_time, later_start, period, rule),
    )
