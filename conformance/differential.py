"""Differential traces: random histories of one area run on the spec and the implementation.

Each area with a generator (:data:`GENERATORS`: ``settlement`` from
:mod:`conformance.settlement_moves`, and each environment kind's child chain
area from that kind's package: ``payments-chain`` from
:mod:`conformance.payments.moves`, ``cash-chain`` from
:mod:`conformance.cash.moves`; ``consensus`` from
:mod:`conformance.consensus_moves`) draws a list of moves with Hypothesis and
turns it into a trace from the area's initial state. Trace ``i`` of an area
is drawn from its own seed (:func:`derive_trace_seed`), so a seed's first
traces are the same whatever the count, and any process can run any of them.
Every trace is replayed
through the adapter like a vector (:func:`run_vector`): reset, apply each
step, compare outcome, reason and digest with the spec (vectors without
state views, which are quicker to make). On the first disagreement
Hypothesis shrinks the moves to a minimal failing trace, which is replayed
once more as a full vector to keep it, with the field-level diff of its
verdict, in :attr:`DifferentialRun.failure`.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st

from conformance.areas import CHAIN_AREAS, CONSENSUS, SETTLEMENT
from conformance.cash.moves import CASH_CHAIN_MOVES, build_cash_chain_trace
from conformance.client import Implementation, ImplementationFailure
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
    """Traces drawn and run (the shrinking of a failing one is not counted)."""
    steps: int = 0
    """Steps run, shrinking included."""
    seconds: float = 0.0
    """Time spent."""
    found_after: int | None = None
    """The number (from 1) of the first failing trace of the area (None if none failed)."""
    failure: dict[str, JsonValue] | None = None
    """The minimal failing trace's vector, if any."""
    result: VectorResult | None = None
    """Its verdict (with the field-level diff)."""

    def compute_rate(self) -> float:
        """Return the steps run per second."""
        return self.steps / self.seconds if self.seconds else 0.0


class Disagreement(Exception):  # noqa: N818 - the event it reports
    """The implementation disagreed with the spec on a trace (raised for Hypothesis to shrink)."""


def derive_trace_seed(random_seed: int, area: str, index: int) -> int:
    """Return the seed trace ``index`` (from 0) of ``area`` is drawn from, under ``random_seed``.

    Every trace has its own seed, so a trace does not depend on how many run
    before or after it, nor on which process runs it.
    """
    digest = hashlib.sha256(f"{random_seed}/{area}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass
class TraceCheck:
    """What checking one differential trace did."""

    steps: int = 0
    """Steps run, shrinking included."""
    failing_moves: list[Any] | None = None
    """The minimal failing moves, if the implementation disagreed."""


def check_trace(
    implementation: Implementation,
    capabilities: set[str],
    preset: Preset,
    *,
    area: str,
    random_seed: int,
    index: int,
) -> TraceCheck:
    """Draw trace ``index`` of ``area`` from its own seed, run it; shrink it if it fails.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    generator = GENERATORS[area]
    checked = TraceCheck()
    failing_moves: list[list[Any]] = []
    broken: list[ImplementationFailure] = []

    @seed(derive_trace_seed(random_seed, area, index))
    @settings(
        max_examples=1,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
    )
    @given(st.booleans(), st.lists(generator.moves, min_size=1, max_size=generator.max_moves))
    def check(drawn: bool, moves: list[Any]) -> None:
        # Hypothesis first tries its simplest example (drawn is False there): refusing
        # it makes the one example the random trace of this seed.
        assume(drawn)
        if broken:
            return
        vector = make_vector(generator.build_trace(preset, moves), with_views=False)
        try:
            result = run_vector(
                implementation, capabilities, "differential", vector, explain_failure=False
            )
        except ImplementationFailure as failure:
            # Not a disagreement for Hypothesis to shrink: the session is over
            broken.append(failure)
            return
        checked.steps += len(vector["steps"])
        if result.status == FAILED:
            failing_moves.append(moves)
            raise Disagreement(result.lines[0])

    with contextlib.suppress(Disagreement):
        check()
    if broken:
        raise broken[0]
    checked.failing_moves = failing_moves[-1] if failing_moves else None
    return checked


def run_differential(
    implementation: Implementation,
    capabilities: set[str],
    preset: Preset,
    *,
    area: str,
    traces: int,
    random_seed: int,
    deadline: float,
    first: int = 0,
    on_trace: Callable[[DifferentialRun], None] | None = None,
) -> DifferentialRun:
    """Run traces ``first`` to ``first + traces - 1`` of ``area``, until one fails or the deadline.

    Trace ``i`` is drawn from :func:`derive_trace_seed` of (``random_seed``,
    ``area``, ``i``), so the first traces of a seed are the same whatever the
    count. A failure is shrunk, past the monotonic ``deadline`` if need be, to
    a minimal failing trace. ``on_trace``, if given, sees the run's counts after
    every trace.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    run = DifferentialRun(area)
    start = time.monotonic()
    for index in range(first, first + traces):
        if time.monotonic() > deadline:
            break
        checked = check_trace(
            implementation, capabilities, preset, area=area, random_seed=random_seed, index=index
        )
        run.traces += 1
        run.steps += checked.steps
        if on_trace is not None:
            on_trace(run)
        if checked.failing_moves is not None:
            run.found_after = index + 1
            # The minimal failing trace again, as a full vector, for its field-level diff
            trace = GENERATORS[area].build_trace(preset, checked.failing_moves)
            run.failure = make_vector(trace)
            run.result = run_vector(
                implementation, capabilities, f"differential {area}", run.failure
            )
            break
    run.seconds = time.monotonic() - start
    return run
