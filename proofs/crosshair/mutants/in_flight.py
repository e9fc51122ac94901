"""Broken twins of the in-flight contracts: in-flight exit game helpers with one rule wrong."""

from __future__ import annotations

from typing import cast

from proofs.crosshair.contracts.common import UINT64_MAX
from proofs.crosshair.contracts.in_flight import (
    QueuedKey,
    accepts_competitor,
    get_in_flight_exitable_time,
    get_placed_output_ids,
    get_queue_priorities,
    is_position,
    is_queued_key,
    is_strictly_increasing,
)
from spec.crypto import keccak256
from spec.encoding import encode
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.queue import QueueEntry
from spec.environments.payments.records import ExitKind, ExitReference, InFlightExit
from spec.environments.payments.transactions import (
    PLACED_OUTPUT_ID_DOMAIN,
    BlockTransaction,
    SignedTransaction,
)
from spec.errors import RejectionReason
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Address, Hash32, Uint64
from spec.settlement.state import Environment, ExitStatus, SettlementState

CONTRACT_NAMES = (UINT64_MAX, is_position, is_queued_key, is_strictly_increasing)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def compute_exitable_time_from_start_only(
    state: SettlementState, environment: Environment, exit: InFlightExit
) -> Uint64:
    """Bug: the exitable time forgets the youngest input's block time + 2·MFP."""
    return state.time + environment.rules.minimal_finalization_period


def is_not_younger_than_competitor(exit: InFlightExit, position: TransactionPosition) -> bool:
    """Bug: a position level with the oldest competitor is accepted too."""
    return exit.oldest_competitor is None or position <= exit.oldest_competitor


def get_queue_without_kind_rank(environment: Environment, token: Address) -> list[QueueEntry]:
    """Bug: the priority has no kind rank, so a standard and an in-flight exit may share one."""
    standard = [
        ((exit.exitable_at, exit.position, exit_id), ExitReference(ExitKind.STANDARD, exit_id))
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    in_flight = [
        (
            (exit.exitable_at[token], exit.youngest_input, exit_id),
            ExitReference(ExitKind.IN_FLIGHT, exit_id),
        )
        for exit_id, exit in get_payments_records(environment).in_flight_exits.items()
        if token in exit.exitable_at
    ]
    entries = sorted(standard + in_flight, key=lambda entry: entry[0])
    return cast(list[QueueEntry], entries)


def compute_output_id_by_position(
    transaction: SignedTransaction, position: OutputPosition
) -> Hash32:
    """Bug: a payment's output is named by its position, like a deposit's."""
    return keccak256(
        PLACED_OUTPUT_ID_DOMAIN + encode(transaction, BlockTransaction) + encode(position)
    )


def in_flight_exitable_time_waits_from_start_only(
    youngest_time: int, now: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``in_flight_exitable_time_waits``: no youngest input + 2·MFP term.

    pre: 0 <= youngest_time and 0 <= now and 0 <= period
    pre: youngest_time + 2 * period <= UINT64_MAX and now + period <= UINT64_MAX
    post: __return__ == max(youngest_time + 2 * period, now + period)
    """
    return get_in_flight_exitable_time(
        youngest_time, now, period, compute_exitable_time_from_start_only
    )


def competitor_must_be_older_accepting_level(
    oldest: tuple[int, int] | None, shown: tuple[int, int]
) -> bool:
    """Broken twin of ``competitor_must_be_older``: a level position is accepted.

    pre: oldest is None or is_position(*oldest)
    pre: is_position(*shown)
    post: __return__ == (oldest is None or shown < oldest)
    """
    return accepts_competitor(oldest, shown, is_not_younger_than_competitor)


def payments_queue_is_ordered_and_unique_without_kind_rank(
    first: QueuedKey, second: QueuedKey, third: QueuedKey, fourth: QueuedKey
) -> list[object]:
    """Broken twin of ``payments_queue_is_ordered_and_unique``: no kind rank in the priority.

    pre: is_queued_key(first) and is_queued_key(second)
    pre: is_queued_key(third) and is_queued_key(fourth)
    post: len(__return__) == 4 and is_strictly_increasing(__return__)
    """
    return get_queue_priorities((first, second), (third, fourth), get_queue_without_kind_rank)


def payment_output_id_ignores_position_placed(block: int, index: int) -> tuple[Hash32, Hash32]:
    """Broken twin of ``payment_output_id_ignores_position``: ids bind the position.

    pre: is_position(block, index)
    post: __return__[0] == __return__[1]
    """
    return get_placed_output_ids(block, index, compute_output_id_by_position)
