"""Protocol rules shared by the Z3 models: codes, bounds and the formulas the spec computes.

Both the settlement model and the exit-game model use these functions, so the
exit-game model computes exitable times, queue order and payouts with the
same formulas that the drift test (``tests/test_proofs_drift.py``) checks
against the spec on concrete states.

Abstraction: an output position ``(block, transaction, output)`` is one
integer, :func:`compute_position_key`, which orders positions exactly as the
spec's ``OutputPosition`` tuples do (transaction indexes are below 2**16,
output indexes below 2**8).
"""

from __future__ import annotations

from enum import IntEnum

import z3

UINT64_MAX = 2**64 - 1
"""Largest Uint64: times, block numbers, exit ids."""

UINT256_MAX = 2**256 - 1
"""Largest Uint256: amounts and ledgers."""

TRANSACTION_INDEX_LIMIT = 2**16
"""Transaction indexes are Uint16."""

OUTPUT_INDEX_LIMIT = 2**8
"""Output indexes are Uint8."""

BLOCK_NUMBER_FACTOR = TRANSACTION_INDEX_LIMIT * OUTPUT_INDEX_LIMIT
"""2**24: weight of the block number in a position key."""

NO_VALUE = -1
"""Stands for an absent position, signer or root: never equal to a real one (all are >= 0)."""


class ExitStatusCode(IntEnum):
    """Exit status as a model integer (``spec.settlement.state.ExitStatus``)."""

    OPEN = 0
    """Started, neither challenged nor processed."""
    CHALLENGED = 1
    """Cancelled by a challenge."""
    PROCESSED = 2
    """Paid out."""


class BlockKindCode(IntEnum):
    """Block kind as a model integer; ``NONE`` marks a number with no block."""

    NONE = 0
    """Nothing committed at this number."""
    CHILD = 1
    """A child block committed by the operator."""
    DEPOSIT = 2
    """A deposit block written by a deposit."""


def compute_position_key(
    block_number: z3.ArithRef | int,
    transaction_index: z3.ArithRef | int,
    output_index: z3.ArithRef | int,
) -> z3.ArithRef | int:
    """Return the integer that orders positions as (block, transaction, output) tuples do."""
    return (
        block_number * BLOCK_NUMBER_FACTOR + transaction_index * OUTPUT_INDEX_LIMIT + output_index
    )


def maximum(first: z3.ArithRef, second: z3.ArithRef) -> z3.ArithRef:
    """Return the larger of two integers."""
    return z3.If(first >= second, first, second)


def minimum(first: z3.ArithRef, second: z3.ArithRef) -> z3.ArithRef:
    """Return the smaller of two integers."""
    return z3.If(first <= second, first, second)


def compute_exitable_time(
    is_deposit_block: z3.BoolRef,
    block_time: z3.ArithRef,
    started_at: z3.ArithRef,
    period: z3.ArithRef,
) -> z3.ArithRef:
    """Return the MVP exitable time (spec ``compute_exitable_time``).

    Deposit outputs: ``start + MFP``; child-block outputs:
    ``max(block time + 2·MFP, start + MFP)``.
    """
    late_start = started_at + period
    return z3.If(is_deposit_block, late_start, maximum(block_time + 2 * period, late_start))


def is_earlier_in_queue(
    first: tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef],
    second: tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef],
) -> z3.BoolRef:
    """Return whether queue key ``first`` is strictly before ``second``.

    Keys are (exitable time, position key, exit id), compared lexicographically
    as the spec's ``compute_exit_priority`` tuples are.
    """
    (time_a, position_a, id_a), (time_b, position_b, id_b) = first, second
    return z3.Or(
        time_a < time_b,
        z3.And(
            time_a == time_b,
            z3.Or(position_a < position_b, z3.And(position_a == position_b, id_a < id_b)),
        ),
    )


def compute_payout(amount: z3.ArithRef, vault: z3.ArithRef) -> z3.ArithRef:
    """Return what processing pays: the amount capped by the vault (spec ``process_exit``)."""
    return minimum(amount, vault)


def is_in_range(value: z3.ArithRef, upper: int, lower: int = 0) -> z3.BoolRef:
    """Return ``lower <= value <= upper``."""
    return z3.And(lower <= value, value <= upper)
