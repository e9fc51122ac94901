"""Fuzzing: run the adversarial machine for a while, save what fails, replay it.

:func:`fuzz` runs the machine under a profile (``fuzz`` by default: random,
unbounded) in batches of a fixed number of traces, batch ``i`` with seed
``seed + i``, until the time is up or a trace fails. Hypothesis has no time
limit of its own, so batches are what bound a run: a run ends at most one
batch after its time. With the same seed, the same batches run the same traces.

Progress goes to a stream (stderr on the command line) every few seconds:
elapsed time, traces, rule steps, steps per second, traces per second.

A failure is shrunk by Hypothesis and saved as a trace file
(:mod:`adversary.trace`): the game steps of the shrunk trace, replayable
without Hypothesis by :func:`replay_file`, with the failure and the
Hypothesis program that produced it.
"""

from __future__ import annotations

import inspect
import random
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from adversary.cash.game import CASH_ACTIONS
from adversary.cash.machine import CASH_PROFILES, replay_cash_trace, run_cash_machine
from adversary.payments.game import ACTIONS
from adversary.payments.machine import PROFILES, MachineRun, replay_trace, run_machine
from adversary.trace import Trace, TraceFileError, load_trace, save_trace

BATCH_TRACES = 25
"""Traces per batch (about ten seconds with the ``fuzz`` profile)."""

PROGRESS_SECONDS = 5.0
"""Least time between two progress lines."""


@dataclass(frozen=True)
class FuzzResult:
    """What a fuzzing run did and found."""

    passed: bool
    """Whether no trace failed."""
    traces: int
    """Traces run."""
    steps: int
    """Rule steps run."""
    seconds: float
    """Wall-clock time of the run."""
    seed: int
    """Seed of the first batch."""
    batches: int
    """Batches run."""
    failure: str = ""
    """What failed, if anything."""
    trace_path: Path | None = None
    """Where the failing trace was saved, if a trace failed."""

    @property
    def steps_per_second(self) -> float:
        """Return rule steps per second over the run."""
        return self.steps / self.seconds if self.seconds else 0.0

    @property
    def traces_per_second(self) -> float:
        """Return traces per second over the run."""
        return self.traces / self.seconds if self.seconds else 0.0


class TraceCounts(Protocol):
    """What a machine reports after each trace: its running counts."""

    traces: int
    """Traces run so far."""
    steps: int
    """Rule steps run so far."""


@dataclass(frozen=True)
class FuzzGame:
    """One adversarial game the fuzzer can run: its machine, its replay and its actions."""

    run: Callable[..., MachineRun]
    """Runs the machine: (profile, seed, max_examples=, on_trace=)."""
    replay: Callable[[Trace], MachineRun]
    """Replays a trace's steps without Hypothesis."""
    actions: Mapping[str, Callable[..., Any]]
    """The game's actions, by the name a trace step gives."""
    profiles: Mapping[str, object]
    """The machine's profiles, by name."""


GAMES: dict[str, FuzzGame] = {
    "payments": FuzzGame(run_machine, replay_trace, ACTIONS, PROFILES),
    "cash": FuzzGame(run_cash_machine, replay_cash_trace, CASH_ACTIONS, CASH_PROFILES),
}
"""The games, by the name ``--game`` takes and a saved trace's ``extra["game"]`` records:
``payments`` (``adversary.payments.machine``) and ``cash`` (``adversary.cash.machine``,
a Plasma Cash environment beside a payments one)."""


class Progress:
    """Prints progress lines to a stream, at most one every :data:`PROGRESS_SECONDS`."""

    def __init__(self, stream: TextIO, started: float) -> None:
        self.stream = stream
        """Where lines go."""
        self.started = started
        """When the run started (``time.perf_counter``)."""
        self.last_print = started
        """When the last line was printed."""
        self.done_traces = 0
        """Traces of the batches already finished."""
        self.done_steps = 0
        """Rule steps of the batches already finished."""

    def on_trace(self, stats: TraceCounts) -> None:
        """Print a line if enough time passed since the last one (called after every trace)."""
        now = time.perf_counter()
        if now - self.last_print >= PROGRESS_SECONDS:
            self.show(self.done_traces + stats.traces, self.done_steps + stats.steps, now)

    def finish_batch(self, run: MachineRun) -> None:
        """Add a finished batch's counts."""
        self.done_traces += run.traces
        self.done_steps += run.steps

    def show(self, traces: int, steps: int, now: float) -> None:
        """Print one progress line."""
        elapsed = max(now - self.started, 1e-9)
        minutes, seconds = divmod(int(elapsed), 60)
        self.stream.write(
            f"fuzz {minutes:02}:{seconds:02} | traces {traces:,} | steps {steps:,} | "
            f"{steps / elapsed:,.0f} steps/s | {traces / elapsed:.2f} traces/s\n"
        )
        self.stream.flush()
        self.last_print = now


def save_failure(
    run: MachineRun, output: Path, profile: str, seed: int, game: str = "payments"
) -> Path:
    """Save a failing run's trace in ``output``, naming its game; return the file's path."""
    path = output / f"fuzz-failure-{game}-seed-{seed}.json"
    trace = Trace(run.trace, run.failure, run.program, profile, seed, {"game": game})
    return save_trace(path, trace)


def fuzz(
    minutes: float,
    stream: TextIO,
    *,
    seed: int | None = None,
    output: Path = Path("fuzz-failures"),
    profile: str = "fuzz",
    batch_traces: int = BATCH_TRACES,
    game: str = "payments",
) -> FuzzResult:
    """Run the machine for ``minutes``, in batches, until the time is up or a trace fails.

    Args:
        minutes: how long to run (the last batch may end up to one batch later).
        stream: where progress lines go.
        seed: seed of the first batch (random when None); batch ``i`` uses ``seed + i``.
        output: directory for the failing trace.
        profile: the machine profile (the game's ``profiles``).
        batch_traces: traces per batch.
        game: a key of :data:`GAMES`.
    """
    first_seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
    started = time.perf_counter()
    progress = Progress(stream, started)
    batch, path, failure = 0, None, ""
    while time.perf_counter() - started < minutes * 60:
        batch_seed = first_seed + batch
        run = GAMES[game].run(
            profile, batch_seed, max_examples=batch_traces, on_trace=progress.on_trace
        )
        progress.finish_batch(run)
        batch += 1
        if not run.passed:
            path, failure = save_failure(run, output, profile, batch_seed, game), run.failure
            break
    elapsed = time.perf_counter() - started
    progress.show(progress.done_traces, progress.done_steps, time.perf_counter())
    traces, steps = progress.done_traces, progress.done_steps
    return FuzzResult(path is None, traces, steps, elapsed, first_seed, batch, failure, path)


def check_replayable(trace: Trace, actions: Mapping[str, Callable[..., Any]] = ACTIONS) -> None:
    """Refuse a trace whose steps name no game action, or call one with wrong arguments.

    Such a trace is a bad file, not a failure the replay found.

    Raises:
        TraceFileError: naming the first bad step.
    """
    for number, step in enumerate(trace.steps, 1):
        action = actions.get(step.action)
        if action is None:
            raise TraceFileError(f"step {number} names no game action: {step.action[:40]!r}")
        hints = typing.get_type_hints(inspect.unwrap(action))
        try:
            inspect.signature(action).bind(None, **step.arguments)
        except TypeError as error:
            raise TraceFileError(f"step {number} ({step.action}): {error}") from None
        for name, value in step.arguments.items():
            expected = hints.get(name)
            wrong_int = expected is int and isinstance(value, bool)
            if isinstance(expected, type) and (not isinstance(value, expected) or wrong_int):
                raise TraceFileError(
                    f"step {number} ({step.action}): {name} is not of type {expected.__name__}"
                )


def replay_file(path: Path) -> MachineRun:
    """Replay a saved trace file without Hypothesis, on the game it names (payments by default).

    Raises:
        TraceFileError: when the file is not a replayable trace (see :func:`load_trace`
            and :func:`check_replayable`).
    """
    trace = load_trace(path)
    game = trace.extra.get("game", "payments")
    if game not in GAMES:
        raise TraceFileError(f"its game is not one of {', '.join(GAMES)}: {str(game)[:40]!r}")
    check_replayable(trace, GAMES[game].actions)
    return GAMES[game].replay(trace)
