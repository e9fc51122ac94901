"""Random settlement histories for the differential traces.

Hypothesis draws a list of **moves** (deposit, submit a block, start an exit,
queue exits, let every open exit mature, process exits, challenge an exit,
advance time, send undecodable bytes, act on in-flight exits of the payments
environment: ``conformance.payments.in_flight_moves``, or act on a Plasma
Cash environment: ``conformance.cash.settlement_moves``); each move is turned into concrete
operations against the spec's state as the trace has left it, so most
operations are plausible and some are rejected.

The moves are biased towards exit queues whose order matters: an exit usually
names a deposit nobody exits yet; ``queue`` deposits for two or three users
(the operator submitting a block when deposits fill the gap before the next
one) and starts their exits; ``mature`` moves time to when every open exit may be
processed and, usually, processes the queue; and a process call usually pays
fewer exits than are mature. So two or more mature exits of one token, of
which one call pays only the first ones, are common, and an implementation
paying them in the wrong order is caught within a few dozen traces.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from conformance.case_library.worlds import (
    ENVIRONMENT,
    make_deposit_exit,
    make_output,
    make_payment,
    make_position,
    start_settlement,
)
from conformance.cases import TraceBuilder
from conformance.cash.settlement_moves import CashHistories
from conformance.payments.in_flight_moves import InFlightHistories
from conformance.trace import Trace
from fixtures import ALICE, BOB, CAROL, OPERATOR, TOKEN_A, WATCHER, Actor
from spec.encoding import encode
from spec.environments.payments.exits import ChallengeStandardExit
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint32, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.exits import is_exit_mature
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, SubmitBlock
from spec.settlement.state import ExitStatus, SettlementState, get_exit_of_position
from spec.settlement.transition import Operation

ACTORS = (ALICE, BOB, CAROL, OPERATOR)
"""Who the moves act for."""

Move = tuple[str, int, int]
"""(kind of move, a small choice, an amount or time step)."""

MOVES = st.tuples(
    st.sampled_from(
        ("deposit",) * 3
        + ("exit",) * 2
        + ("queue",) * 4
        + ("mature",) * 4
        + ("process",) * 2
        + ("challenge",) * 2
        + ("time", "submit", "bytes")
        + ("cash",) * 4
        + ("in-flight",) * 6
    ),
    st.integers(0, 7),
    st.integers(0, 300),
)
"""One move; the choice picks an actor, exit or deposit, the number an amount or a duration."""

PROCESS_LIMITS = (1, 1, 2, 3)
"""How many exits a process call may pay, drawn by the move's number."""

QUEUERS = (ALICE, BOB, CAROL)
"""Who a ``queue`` move deposits and exits for."""

Deposits = dict[int, tuple[Actor, int]]
"""Deposit blocks of the trace so far: block number to (depositor, amount)."""


def list_deposit_blocks(state: SettlementState) -> list[int]:
    """Return the numbers of the environment's deposit blocks."""
    blocks = state.environments[ENVIRONMENT].blocks
    return [int(n) for n, record in blocks.items() if record.kind.value == "deposit"]


def list_unexited_deposits(state: SettlementState, deposits: Deposits) -> list[int]:
    """Return the deposit blocks of ``deposits`` whose output nobody started an exit of."""
    environment = state.environments[ENVIRONMENT]
    return [
        block
        for block in sorted(deposits)
        if get_exit_of_position(environment, make_position(block)) is None
    ]


def compute_maturity_time(state: SettlementState, extra: int) -> Uint64:
    """Return a time past ``state.time`` at which every open exit is mature, plus ``extra``."""
    environment = state.environments[ENVIRONMENT]
    open_times = [
        int(exit.exitable_at)
        for exit in environment.exits.values()
        if exit.status == ExitStatus.OPEN
    ]
    period = int(environment.rules.minimal_finalization_period)
    return Uint64(max([int(state.time) + period, *open_times]) + extra)


def make_room_for_deposit(builder: TraceBuilder) -> None:
    """Add a child block submitted by the operator if no deposit block number is free."""
    state: SettlementState = builder.state
    environment = state.environments[ENVIRONMENT]
    child = get_next_child_block_number(state, environment)
    if get_next_deposit_block_number(environment) >= child:
        builder.apply(SubmitBlock(ENVIRONMENT, OPERATOR.address, child, Hash32(bytes(32))))


def apply_deposit_move(
    builder: TraceBuilder, actor: Actor, amount: int, deposits: Deposits
) -> None:
    """Add a deposit of ``amount`` by ``actor``, remembering its block when accepted."""
    before = len(list_deposit_blocks(builder.state))
    builder.apply(Deposit(ENVIRONMENT, actor.address, TOKEN_A, Uint256(amount)))
    blocks = list_deposit_blocks(builder.state)
    if len(blocks) > before:
        deposits[max(blocks)] = (actor, amount)


def apply_exit_move(builder: TraceBuilder, choice: int, actor: Actor, deposits: Deposits) -> None:
    """Add the start of an exit: of a deposit nobody exits yet by its owner, usually."""
    fresh = list_unexited_deposits(builder.state, deposits)
    candidates = fresh if fresh and choice < 7 else sorted(deposits)
    block = candidates[choice % len(candidates)]
    owner, amount = deposits[block]
    exiter = owner if choice != 6 else actor
    builder.apply(make_deposit_exit(builder, exiter, block, amount))


def apply_queue_move(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """Add deposits of two or three users, then the start of an exit of each."""
    count = 2 + number % 2
    fresh = []
    for offset in range(count):
        before = set(deposits)
        amount = 1 + (number + 37 * offset) % 300
        make_room_for_deposit(builder)
        apply_deposit_move(builder, QUEUERS[(choice + offset) % len(QUEUERS)], amount, deposits)
        fresh.extend(sorted(set(deposits) - before))
    for block in fresh:
        owner, amount = deposits[block]
        builder.apply(make_deposit_exit(builder, owner, block, amount))


def count_mature_exits(state: SettlementState) -> int:
    """Return how many open exits of the moves' token are mature."""
    exits = state.environments[ENVIRONMENT].exits.values()
    return sum(
        1
        for exit in exits
        if exit.status == ExitStatus.OPEN and exit.token == TOKEN_A and is_exit_mature(state, exit)
    )


def apply_process_move(builder: TraceBuilder, choice: int, number: int) -> None:
    """Add a call processing exits of the token (the native one when ``choice`` is 7).

    It usually pays one to three exits; when ``choice`` is 5, fewer than are
    mature (when two or more are); when 6, none (a rejected call).
    """
    token = TOKEN_A if choice < 7 else NATIVE_TOKEN
    limit = PROCESS_LIMITS[number % len(PROCESS_LIMITS)]
    if choice == 6:
        limit = 0
    elif choice == 5:
        limit = 1 + number % max(1, count_mature_exits(builder.state) - 1)
    builder.apply(ProcessExits(ENVIRONMENT, WATCHER.address, token, Uint32(limit)))


def apply_challenge_move(
    builder: TraceBuilder, choice: int, number: int, deposits: Deposits
) -> None:
    """Add Bob's challenge of an exit, usually with a spend signed by the output's owner.

    The challenge names an exit and a spend of its output when there are
    exits and ``choice`` is below 6; otherwise a deposit and an exit id drawn
    by ``number``. The spend is signed by someone else when ``number`` is a
    multiple of 3.
    """
    exits = sorted(builder.state.environments[ENVIRONMENT].exits.items())
    if exits and choice < 6:
        exit_id, exit = exits[(choice + number) % len(exits)]
        block = int(exit.position.block_number)
    else:
        block, exit_id = sorted(deposits)[choice % len(deposits)], Uint64(number % 4)
    owner, _ = deposits.get(block, (ALICE, 0))
    signer = owner if number % 3 else ACTORS[(ACTORS.index(owner) + 1) % len(ACTORS)]
    payment = make_payment([make_position(block)], [make_output(BOB, 1, TOKEN_A)], [signer])
    builder.apply(ChallengeStandardExit(ENVIRONMENT, BOB.address, exit_id, payment, Uint8(0)))


def apply_deposit_choice(
    builder: TraceBuilder, choice: int, number: int, deposits: Deposits
) -> None:
    """``deposit``: a deposit by the chosen actor, usually after making room for it."""
    if choice < 5:
        make_room_for_deposit(builder)
    apply_deposit_move(builder, ACTORS[choice % len(ACTORS)], number, deposits)


def apply_submit_move(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """``submit``: the next child block, by the operator unless ``choice`` is 6 or 7."""
    state: SettlementState = builder.state
    child = get_next_child_block_number(state, state.environments[ENVIRONMENT])
    sender = OPERATOR if choice < 6 else ACTORS[choice % len(ACTORS)]
    root = Hash32(bytes([number % 256]) * 32)
    builder.apply(SubmitBlock(ENVIRONMENT, sender.address, child, root))


def apply_exit_choice(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """``exit``: the start of an exit of a deposit (nothing before the first deposit)."""
    if deposits:
        apply_exit_move(builder, choice, ACTORS[choice % len(ACTORS)], deposits)


def apply_challenge_choice(
    builder: TraceBuilder, choice: int, number: int, deposits: Deposits
) -> None:
    """``challenge``: Bob's challenge of an exit (nothing before the first deposit)."""
    if deposits:
        apply_challenge_move(builder, choice, number, deposits)


def apply_mature_move(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """``mature``: time moves until every open exit is mature; usually the queue is processed."""
    builder.apply(AdvanceTime(compute_maturity_time(builder.state, number % 5)))
    if choice < 6:
        apply_process_move(builder, 5, number)


def apply_process_choice(
    builder: TraceBuilder, choice: int, number: int, deposits: Deposits
) -> None:
    """``process``: a call processing exits (see :func:`apply_process_move`)."""
    apply_process_move(builder, choice, number)


def apply_time_move(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """``time``: the clock moves ``3 * number`` seconds (a rejection when that is 0)."""
    state: SettlementState = builder.state
    builder.apply(AdvanceTime(state.time + number * 3))


def apply_bytes_move(builder: TraceBuilder, choice: int, number: int, deposits: Deposits) -> None:
    """``bytes``: a deposit's encoding cut short, or with a byte after it (undecodable)."""
    actor = ACTORS[choice % len(ACTORS)]
    encoding = encode(Deposit(ENVIRONMENT, actor.address, TOKEN_A, Uint256(1)), Operation)
    builder.apply_bytes(encoding[: number % len(encoding)] if choice % 2 else encoding + b"\x00")


MOVE_BUILDERS: dict[str, Callable[[TraceBuilder, int, int, Deposits], None]] = {
    "deposit": apply_deposit_choice,
    "submit": apply_submit_move,
    "exit": apply_exit_choice,
    "challenge": apply_challenge_choice,
    "queue": apply_queue_move,
    "mature": apply_mature_move,
    "process": apply_process_choice,
    "time": apply_time_move,
    "bytes": apply_bytes_move,
}
"""What each kind of move adds, by its name in :data:`MOVES`."""


def apply_move(
    builder: TraceBuilder,
    move: Move,
    deposits: Deposits,
    cash: CashHistories,
    in_flight: InFlightHistories,
) -> None:
    """Add the steps a move stands for, against the builder's current state."""
    kind, choice, number = move
    if kind == "cash":
        cash.apply(choice, number)
    elif kind == "in-flight":
        in_flight.apply(choice, number)
    else:
        MOVE_BUILDERS[kind](builder, choice, number, deposits)


def build_settlement_trace(preset: Preset, moves: list[Move]) -> Trace:
    """Return the trace the moves stand for, from the funded settlement layer of ``preset``."""
    builder = start_settlement(preset)
    deposits: Deposits = {}
    cash = CashHistories(builder)
    in_flight = InFlightHistories(builder, deposits)
    for move in moves:
        apply_move(builder, move, deposits, cash, in_flight)
    return Trace(
        "differential-settlement-failure",
        f"Shrunk differential settlement trace: moves {moves}",
        "conformance.settlement_moves",
        builder.area,
        preset.name,
        builder.initial_state,
        tuple(builder.steps),
    )
