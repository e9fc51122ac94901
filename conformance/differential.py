"""Differential traces: random histories of one area run on the spec and the implementation.

Each area with a generator (:data:`GENERATORS`: ``settlement`` from
:mod:`conformance.settlement_moves`, and each environment kind's child chain
area from that kind's package: ``payments-chain`` from
:mod:`conformance.payments.moves`, ``cash-chain`` from
:mod:`conformance.cash.moves`; ``consensus`` from
:mod:`conformance.consensus_moves`) draws a list of moves with Hypothesis and
turns it into a trace from the area's initial state. Every trace is replayed
through the adapter like a vector (:func:`run_vector`): reset, apply each
step, compare outcome, reason and digest with the spec (vectors without
state views, which are quicker to make). On the first disagreement
Hypothesis shrinks the moves to a minimal failing trace, which is replayed
once more as a full vector to keep it, with the field-level diff of its
verdict, in :attr:`DifferentialRun.failure`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.areas import CHAIN_AREAS, CONSENSUS, SETTLEMENT
from conformance.cash.moves import CASH_CHAIN_MOVES, build_cash_chain_trace
from conformance.client import Implementation
from conformance.consensus_moves import CONSENSUS_MOVES, build_consensus_trace
from conformance.payments.moves import CHAIN_MOVES, build_chain_trace
from conformance.readable import JsonValue
from conformance.runner import FAILED, VectorResult, run_vector
from conformance.settlement_moves import MOVES, build_settlement_trace
from conformance.trace import Trace, make_vector
from spec.presets import Preset
from spec.settlement.state import EnvironmentKind


@dataclass(frozen=True)
class TraceGenerator:
    """How to draw random traces of one area."""

    moves: st.SearchStrategy[Any]
    """One move."""
    build_trace: Callable[[Preset, list[Any]], Trace]
    """Turns a preset and a list of moves into a trace."""
    max_moves: int
    """Most moves in one trace."""


GENERATORS = {
    SETTLEMENT.name: TraceGenerator(MOVES, build_settlement_trace, 25),
    CHAIN_AREAS[EnvironmentKind.PAYMENTS].name: TraceGenerator(CHAIN_MOVES, build_chain_trace, 25),
    CHAIN_AREAS[EnvironmentKind.CASH].name: TraceGenerator(
        CASH_CHAIN_MOVES, build_cash_chain_trace, 25
    ),
    CONSENSUS.name: TraceGenerator(CONSENSUS_MOVES, build_consensus_trace, 25),
}
"""The areas differential traces cover, in the order they run, by name."""


@dataclass
class DifferentialRun:
    """What a differential run of one area did."""

    area: str
    """The area's name."""
    traces: int = 0
    """Traces run, shrinking included."""
    steps: int = 0
    """Steps run."""
    seconds: float = 0.0
    """Time spent."""
    found_after: int | None = None
    """How many traces ran up to and including the first failing one (None if none failed)."""
    failure: dict[str, JsonValue] | None = None
    """The minimal failing trace's vector, if any."""
    result: VectorResult | None = None
    """Its verdict (with the field-level diff)."""

    def compute_rate(self) -> float:
        """Return the steps run per second."""
        return self.steps / self.seconds if self.seconds else 0.0


class Disagreement(Exception):  # noqa: N818 - the event it reports
    """The implementation disagreed with the spec on a trace (raised for Hypothesis to shrink)."""


def run_differential(
    implementation: Implementation,
    capabilities: set[str],
    preset: Preset,
    *,
    area: str,
    traces: int,
    random_seed: int,
    deadline: float,
) -> DifferentialRun:
    """Run up to ``traces`` random traces of ``area`` (until the monotonic ``deadline``).

    A failure is shrunk, past the deadline if need be, to a minimal failing trace.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    generator = GENERATORS[area]
    run = DifferentialRun(area)
    failing_moves: list[list[Any]] = []
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
    @given(st.lists(generator.moves, min_size=1, max_size=generator.max_moves))
    def check(moves: list[Any]) -> None:
        if time.monotonic() > deadline and not failing_moves:
            return
        vector = make_vector(generator.build_trace(preset, moves), with_views=False)
        result = run_vector(
            implementation, capabilities, "differential", vector, explain_failure=False
        )
        run.traces += 1
        run.steps += len(vector["steps"])
        if result.status == FAILED:
            if run.found_after is None:
                run.found_after = run.traces
            failing_moves.append(moves)
            raise Disagreement(result.lines[0])

    with contextlib.suppress(Disagreement):
        check()
    if failing_moves:
        # The minimal failing trace again, as a full vector, for its field-level diff
        run.failure = make_vector(generator.build_trace(preset, failing_moves[-1]))
        run.result = run_vector(implementation, capabilities, f"differential {area}", run.failure)
    run.seconds = time.monotonic() - start
    return run
