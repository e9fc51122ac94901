"""CrossHair contracts on the in-flight exit game's helpers (``spec/environments/payments``).

- the exitable time a token's first piggyback sets is ``max(youngest input's
  block time + 2·MFP, now + MFP)``: never earlier than a standard exit of the
  youngest input, and one full MFP after the claim became known;
- a canonicity challenge (or response) is accepted only with a position
  strictly older than the oldest competitor known;
- one token's queue of standard and in-flight exits is sorted by priority,
  and no two entries share a priority (the kind rank tells the two id spaces
  apart);
- a payment's output id does not depend on where, or whether, the payment
  was included, so an in-flight output keeps its mark once included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

from proofs.crosshair.contracts.common import OWNER, TOKENS, UINT64_MAX, run_or_reason
from spec.environments.payments.canonicity import is_older_than_competitor
from spec.environments.payments.piggybacks import compute_in_flight_exitable_time
from spec.environments.payments.queue import QueueEntry, get_payments_exit_queue
from spec.environments.payments.records import (
    NO_PIGGYBACK,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PaymentsRecords,
)
from spec.environments.payments.transactions import (
    Output,
    SignedTransaction,
    Transaction,
    compute_output_id,
    compute_payment_output_id,
)
from spec.errors import RejectionReason
from spec.positions import OutputPosition, TransactionPosition
from spec.presets import TINY
from spec.primitives import Address, Hash32, Signature, Uint8, Uint16, Uint64, Uint256
from spec.settlement.state import (
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    Exit,
    ExitStatus,
    SettlementState,
)

CONTRACT_NAMES = (UINT64_MAX,)
"""Names only the contracts use: CrossHair evaluates them in this module's globals."""

PAYMENT = Transaction(
    inputs=(OutputPosition(Uint64(1), Uint16(0), Uint8(0)),),
    outputs=(Output(OWNER, TOKENS[0], Uint256(1)),),
)
"""The in-flight payment of every exit built here."""


def make_in_flight_exit(
    youngest_block: int, youngest_time: int, exitable_at: dict[Address, Uint64]
) -> InFlightExit:
    """Return an active, undecided in-flight exit of :data:`PAYMENT`."""
    return InFlightExit(
        transaction=PAYMENT,
        inputs=(Output(OWNER, TOKENS[0], Uint256(1)),),
        input_ids=(Hash32(bytes(32)),),
        youngest_input=OutputPosition(Uint64(youngest_block), Uint16(0), Uint8(0)),
        youngest_input_time=Uint64(youngest_time),
        started_at=Uint64(0),
        bond=Uint256(1),
        bond_owner=OWNER,
        canonical=True,
        oldest_competitor=None,
        input_piggybacks=(NO_PIGGYBACK,),
        output_piggybacks=(NO_PIGGYBACK,),
        exitable_at=exitable_at,
        processed_tokens=(),
        outcome=InFlightOutcome.UNDECIDED,
        status=InFlightExitStatus.ACTIVE,
    )


def make_environment(
    period: int, exits: dict[Uint64, Exit], in_flight: dict[Uint64, InFlightExit]
) -> Environment:
    """Return a payments environment with the given MFP, standard and in-flight exits."""
    return Environment(
        operator=OWNER,
        kind=EnvironmentKind.PAYMENTS,
        rules=EnvironmentRules(
            minimal_finalization_period=Uint64(period),
            exit_bond=Uint256(1),
            deposit_limit=Uint256(1),
            processing_bounty=Uint256(0),
        ),
        registered_at=Uint64(0),
        blocks={},
        exits=exits,
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=PaymentsRecords(in_flight_exits=in_flight, finalized={}),
    )


ExitableRule = Callable[[SettlementState, Environment, InFlightExit], Uint64]
"""The signature of ``compute_in_flight_exitable_time`` (and of its broken twins)."""


def get_in_flight_exitable_time(
    youngest_time: int, now: int, period: int, rule: ExitableRule = compute_in_flight_exitable_time
) -> int | RejectionReason:
    """Return the exitable time ``rule`` (the spec's) sets at a first piggyback at ``now``."""
    environment = make_environment(period, {}, {})
    state = SettlementState(preset=TINY, time=Uint64(now), balances={}, environments=(environment,))
    exit = make_in_flight_exit(1, youngest_time, {})
    return run_or_reason(lambda: int(rule(state, environment, exit)))


def in_flight_exitable_time_waits(
    youngest_time: int, now: int, period: int
) -> int | RejectionReason:
    """A first piggyback's exitable time is max(youngest input's time + 2·MFP, now + MFP).

    So it is at least one MFP after the piggyback and two after the youngest
    input's block (a rejection, an ``INTEGER_OVERFLOW``, is no integer).

    pre: 0 <= youngest_time and 0 <= now and 0 <= period
    pre: youngest_time + 2 * period <= UINT64_MAX and now + period <= UINT64_MAX
    post: __return__ == max(youngest_time + 2 * period, now + period)
    """
    return get_in_flight_exitable_time(youngest_time, now, period)


CompetitorRule = Callable[[InFlightExit, TransactionPosition], bool]
"""The signature of ``is_older_than_competitor`` (and of its broken twins)."""


def is_position(block: int, index: int) -> bool:
    """Return whether a block number and transaction index fit their spec types."""
    return 0 <= block <= UINT64_MAX and 0 <= index <= Uint16.max_value()


def accepts_competitor(
    oldest: tuple[int, int] | None,
    shown: tuple[int, int],
    rule: CompetitorRule = is_older_than_competitor,
) -> bool:
    """Return whether ``rule`` (the spec's) accepts ``shown`` against the oldest competitor."""
    exit = make_in_flight_exit(1, 0, {})
    if oldest is not None:
        known = TransactionPosition(Uint64(oldest[0]), Uint16(oldest[1]))
        exit = replace(exit, oldest_competitor=known)
    return rule(exit, TransactionPosition(Uint64(shown[0]), Uint16(shown[1])))


def competitor_must_be_older(oldest: tuple[int, int] | None, shown: tuple[int, int]) -> bool:
    """A challenge or response is accepted only strictly older than the oldest competitor.

    pre: oldest is None or is_position(*oldest)
    pre: is_position(*shown)
    post: __return__ == (oldest is None or shown < oldest)
    """
    return accepts_competitor(oldest, shown)


QueueRule = Callable[[Environment, Address], list[QueueEntry]]
"""The signature of ``get_payments_exit_queue`` (and of its broken twins)."""

QueuedKey = tuple[int, int]
"""(exitable time, block number) of one queued exit."""


def is_queued_key(key: QueuedKey) -> bool:
    """Return whether both fields fit a Uint64."""
    return 0 <= key[0] <= UINT64_MAX and 0 <= key[1] <= UINT64_MAX


def make_standard_exit(key: QueuedKey) -> Exit:
    """Return an open standard exit of ``TOKENS[0]`` at the key's time and block."""
    return Exit(
        position=OutputPosition(Uint64(key[1]), Uint16(0), Uint8(0)),
        output_id=Hash32(bytes(32)),
        owner=OWNER,
        token=TOKENS[0],
        amount=Uint256(1),
        bond=Uint256(1),
        started_at=Uint64(0),
        exitable_at=Uint64(key[0]),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )


def get_queue_priorities(
    standard: tuple[QueuedKey, QueuedKey],
    in_flight: tuple[QueuedKey, QueuedKey],
    rule: QueueRule = get_payments_exit_queue,
) -> list[object]:
    """Return the priorities, in order, of ``TOKENS[0]``'s queue of two exits of each kind."""
    exits = {Uint64(i): make_standard_exit(key) for i, key in enumerate(standard)}
    flights = {
        Uint64(i): make_in_flight_exit(key[1], 0, {TOKENS[0]: Uint64(key[0])})
        for i, key in enumerate(in_flight)
    }
    return [priority for priority, _ in rule(make_environment(1, exits, flights), TOKENS[0])]


def is_strictly_increasing(priorities: list[object]) -> bool:
    """Return whether each priority is strictly before the next (sorted, none shared)."""
    return all(
        first < second  # type: ignore[operator]
        for first, second in pairwise(priorities)
    )


def payments_queue_is_ordered_and_unique(
    first: QueuedKey, second: QueuedKey, third: QueuedKey, fourth: QueuedKey
) -> list[object]:
    """One token's queue of both exit kinds is sorted, holds them all, and shares no priority.

    ``first`` and ``second`` are standard exits, ``third`` and ``fourth`` in-flight exits.

    pre: is_queued_key(first) and is_queued_key(second)
    pre: is_queued_key(third) and is_queued_key(fourth)
    post: len(__return__) == 4 and is_strictly_increasing(__return__)
    """
    return get_queue_priorities((first, second), (third, fourth))


OutputIdRule = Callable[[SignedTransaction, OutputPosition], Hash32]
"""The signature of ``compute_output_id`` for payments (and of its broken twins)."""

SIGNED_PAYMENT = SignedTransaction(PAYMENT, (Signature(bytes(65)),))
"""The payment as a block holds it (its signature is not read)."""

UNPLACED_OUTPUT_ID = compute_payment_output_id(PAYMENT, 0)
"""The id of the payment's output from its body alone, as an in-flight exit names it."""


def get_placed_output_ids(
    block: int, index: int, rule: OutputIdRule = compute_output_id
) -> tuple[Hash32, Hash32]:
    """Return the id ``rule`` (the spec's) gives the output at a position, and its unplaced id."""
    position = OutputPosition(Uint64(block), Uint16(index), Uint8(0))
    return rule(SIGNED_PAYMENT, position), UNPLACED_OUTPUT_ID


def payment_output_id_ignores_position(block: int, index: int) -> tuple[Hash32, Hash32]:
    """A payment's output has the same id wherever, or whether, the payment is included.

    pre: is_position(block, index)
    post: __return__[0] == __return__[1]
    """
    return get_placed_output_ids(block, index)
