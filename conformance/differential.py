"""Differential traces: random settlement histories run on the spec and the implementation.

Hypothesis draws a list of **moves** (deposit, submit a block, start an exit,
challenge it, process exits, advance time, send undecodable bytes); each move
is turned into a concrete operation against the spec's state as the trace
has left it, so most operations are plausible and some are rejected. Every
trace is replayed through the adapter like a vector (:func:`run_vector`);
on the first disagreement Hypothesis shrinks the moves to a minimal failing
trace, whose vector is kept in :attr:`DifferentialRun.failure`.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from adversary.actors import ALICE, BOB, CAROL, OPERATOR, TOKEN_A
from conformance.case_library.worlds import (
    ENVIRONMENT,
    make_deposit_exit,
    make_output,
    make_payment,
    make_position,
    start_settlement,
)
from conformance.cases import TraceBuilder
from conformance.client import Implementation
from conformance.readable import JsonValue
from conformance.runner import FAILED, VectorResult, run_vector
from conformance.trace import Trace, make_vector
from spec.encoding import encode
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint32, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import (
    AdvanceTime,
    ChallengeStandardExit,
    Deposit,
    Operation,
    ProcessExits,
    SubmitBlock,
)
from spec.settlement.state import SettlementState

ACTORS = (ALICE, BOB, CAROL, OPERATOR)
"""Who the moves act for."""

Move = tuple[str, int, int]
"""(kind of move, a small choice, an amount or time step)."""

MOVES = st.tuples(
    st.sampled_from(
        ("deposit",) * 3
        + ("exit",) * 3
        + ("process", "process", "time", "time", "submit", "challenge", "bytes")
    ),
    st.integers(0, 7),
    st.integers(0, 300),
)
"""One move; the choice picks an actor, exit or deposit, the number an amount or a duration."""


def list_deposit_blocks(state: SettlementState) -> list[int]:
    """Return the numbers of the environment's deposit blocks."""
    blocks = state.environments[ENVIRONMENT].blocks
    return [int(n) for n, record in blocks.items() if record.kind.value == "deposit"]


def apply_move(builder: TraceBuilder, move: Move, amounts: dict[int, tuple[Any, int]]) -> None:
    """Add the step a move stands for, against the builder's current state."""
    kind, choice, number = move
    state: SettlementState = builder.state
    actor = ACTORS[choice % len(ACTORS)]
    if kind == "deposit":
        before = len(list_deposit_blocks(state))
        builder.apply(Deposit(ENVIRONMENT, actor.address, TOKEN_A, Uint256(number)))
        blocks = list_deposit_blocks(builder.state)
        if len(blocks) > before:
            amounts[max(blocks)] = (actor, number)
    elif kind == "submit":
        child = get_next_child_block_number(state, state.environments[ENVIRONMENT])
        sender = OPERATOR if choice < 6 else actor
        builder.apply(
            SubmitBlock(ENVIRONMENT, sender.address, child, Hash32(bytes([number % 256]) * 32))
        )
    elif kind == "exit" and amounts:
        block = sorted(amounts)[choice % len(amounts)]
        owner, amount = amounts[block]
        exiter = owner if choice < 6 else actor
        builder.apply(make_deposit_exit(builder, exiter, block, amount))
    elif kind == "challenge" and amounts:
        block = sorted(amounts)[choice % len(amounts)]
        owner, amount = amounts[block]
        signer = owner if number % 3 else actor
        payment = make_payment([make_position(block)], [make_output(BOB, 1, TOKEN_A)], [signer])
        exit_id = Uint64(number % 4)
        builder.apply(ChallengeStandardExit(ENVIRONMENT, BOB.address, exit_id, payment, Uint8(0)))
    elif kind == "process":
        token = TOKEN_A if choice < 6 else NATIVE_TOKEN
        builder.apply(ProcessExits(ENVIRONMENT, token, Uint32(number % 3)))
    elif kind == "time":
        builder.apply(AdvanceTime(state.time + number * 3))
    elif kind == "bytes":
        encoding = encode(Deposit(ENVIRONMENT, actor.address, TOKEN_A, Uint256(1)), Operation)
        builder.apply_bytes(
            encoding[: number % len(encoding)] if choice % 2 else encoding + b"\x00"
        )


def build_trace(preset: Preset, moves: list[Move]) -> Trace:
    """Return the trace the moves stand for, from the funded settlement layer of ``preset``."""
    builder = start_settlement(preset)
    amounts: dict[int, tuple[Any, int]] = {}
    for move in moves:
        apply_move(builder, move, amounts)
    steps = tuple(builder.steps)
    return Trace(
        "differential-failure",
        f"Shrunk differential trace: moves {moves}",
        "conformance.differential",
        builder.area,
        preset.name,
        builder.initial_state,
        steps,
    )


@dataclass
class DifferentialRun:
    """What a differential run did."""

    traces: int = 0
    """Traces run."""
    steps: int = 0
    """Steps run."""
    seconds: float = 0.0
    """Time spent."""
    failure: dict[str, JsonValue] | None = None
    """The minimal failing trace's vector, if any."""
    result: VectorResult | None = None
    """Its verdict (with the field-level diff)."""


class Disagreement(Exception):  # noqa: N818 - the event it reports
    """The implementation disagreed with the spec on a trace (raised for Hypothesis to shrink)."""


def run_differential(
    implementation: Implementation,
    capabilities: set[str],
    preset: Preset,
    *,
    traces: int,
    random_seed: int,
    deadline: float,
) -> DifferentialRun:
    """Run up to ``traces`` random traces (until the monotonic ``deadline``); shrink a failure.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    run = DifferentialRun()
    start = time.monotonic()

    @seed(random_seed)
    @settings(
        max_examples=traces,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
    )
    @given(st.lists(MOVES, min_size=1, max_size=25))
    def check(moves: list[Move]) -> None:
        if time.monotonic() > deadline and run.failure is None:
            return
        vector = make_vector(build_trace(preset, moves))
        result = run_vector(implementation, capabilities, "differential", vector)
        run.traces += 1
        run.steps += len(vector["steps"])
        if result.status == FAILED:
            run.failure, run.result = vector, result
            raise Disagreement(result.lines[0])

    with contextlib.suppress(Disagreement):
        check()
    run.seconds = time.monotonic() - start
    return run
