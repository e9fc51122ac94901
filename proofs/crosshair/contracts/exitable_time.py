"""CrossHair contracts on the MVP exitable time (``spec/settlement/exits.py``).

An exit matures one period after its start at the earliest; a deposit
output exactly then; a child-block output also waits two periods after its
block; a time past the largest Uint64 is rejected; starting later never
makes an exit mature earlier.
"""

from __future__ import annotations

from collections.abc import Callable

from proofs.crosshair.contracts.common import UINT64_MAX, run_or_reason
from spec.errors import RejectionReason
from spec.primitives import Hash32, Uint64
from spec.settlement.exits import compute_exitable_time
from spec.settlement.state import BlockKind, BlockRecord

CONTRACT_NAMES = (UINT64_MAX,)
"""Names only the contracts use: CrossHair evaluates them in this module's globals."""


BLOCK_ROOT = Hash32(b"\x33" * 32)
"""Root of the block records built here; compute_exitable_time does not read it."""


ExitableTimeRule = Callable[[BlockRecord, Uint64, Uint64], Uint64]
"""The signature of ``compute_exitable_time`` (and of its broken twins)."""


def get_exitable_time(
    is_deposit: bool,
    block_time: int,
    started_at: int,
    period: int,
    rule: ExitableTimeRule = compute_exitable_time,
) -> int | RejectionReason:
    """Return the exitable time ``rule`` (the spec's) gives an output of a block of either kind."""
    kind = BlockKind.DEPOSIT if is_deposit else BlockKind.CHILD
    record = BlockRecord(kind=kind, root=BLOCK_ROOT, timestamp=Uint64(block_time))
    return run_or_reason(lambda: int(rule(record, Uint64(started_at), Uint64(period))))


def compute_true_exitable_time(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int:
    """Return the MVP exitable time as an unbounded integer (the rule the spec implements)."""
    if is_deposit:
        return started_at + period
    return max(block_time + 2 * period, started_at + period)


def exitable_time_waits_one_period(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """No exit, of any block kind, matures before one period after its start.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) <= UINT64_MAX
    post: isinstance(__return__, int) and __return__ >= started_at + period
    """
    return get_exitable_time(is_deposit, block_time, started_at, period)


def exitable_time_of_deposit_output(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """A deposit output matures exactly one period after its exit starts, whatever its block time.

    pre: 0 <= block_time <= UINT64_MAX
    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    post: __return__ == started_at + period
    """
    return get_exitable_time(True, block_time, started_at, period)


def exitable_time_of_child_output(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """A child-block output matures at max(block time + 2 periods, start + 1 period).

    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    pre: 0 <= block_time and block_time + 2 * period <= UINT64_MAX
    post: __return__ == max(block_time + 2 * period, started_at + period)
    """
    return get_exitable_time(False, block_time, started_at, period)


def exitable_time_past_maximum(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """An exitable time past the largest Uint64 is rejected, never wrapped to an early time.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) > UINT64_MAX
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_exitable_time(is_deposit, block_time, started_at, period)


def are_times_in_order(times: tuple[int | RejectionReason, int | RejectionReason]) -> bool:
    """Return whether both are times, not rejections, and the first is not after the second."""
    first, second = times
    return isinstance(first, int) and isinstance(second, int) and first <= second


def exitable_time_is_monotone_in_start(
    is_deposit: bool, block_time: int, earlier_start: int, later_start: int, period: int
) -> tuple[int | RejectionReason, int | RejectionReason]:
    """Starting an exit later never makes it mature earlier.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= period <= UINT64_MAX
    pre: 0 <= earlier_start <= later_start
    pre: compute_true_exitable_time(is_deposit, block_time, later_start, period) <= UINT64_MAX
    post: are_times_in_order(__return__)
    """
    return (
        get_exitable_time(is_deposit, block_time, earlier_start, period),
        get_exitable_time(is_deposit, block_time, later_start, period),
    )
