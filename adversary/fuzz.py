"""Fuzzing: run batches of the adversarial machine, save what fails, replay it.

:func:`run_batch` runs a game's machine under a profile (``fuzz`` by default:
random, unbounded) for a fixed number of traces with one seed; a fuzz
campaign (``campaigns.fuzzing``) runs batch ``i`` with seed ``seed + i``,
in this process or on Dask workers, until the time is up or a trace fails.
Hypothesis has no time limit of its own, so batches are what bound a run: a
run ends at most one batch after its time. With the same seed, the same
batches run the same traces.

A failure is shrunk by Hypothesis and saved as a trace file
(:mod:`adversary.trace`, :func:`save_failure`): the game steps of the shrunk
trace, replayable without Hypothesis by :func:`replay_file`, with the failure
and the Hypothesis program that produced it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hypothesis import settings

from adversary.cash.game import CASH_ACTIONS
from adversary.cash.machine import CASH_PROFILES, replay_cash_trace, run_cash_machine
from adversary.payments.game import ACTIONS
from adversary.payments.machine import PROFILES, MachineRun, replay_trace, run_machine
from adversary.trace import Trace, TraceFileError, load_trace, save_trace

BATCH_TRACES = 25
"""Traces per batch (about ten seconds with the ``fuzz`` profile)."""


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
    profiles: dict[str, settings]
    """The machine's profiles, by name."""


GAMES: dict[str, FuzzGame] = {
    "payments": FuzzGame(run_machine, replay_trace, ACTIONS, PROFILES),
    "cash": FuzzGame(run_cash_machine, replay_cash_trace, CASH_ACTIONS, CASH_PROFILES),
}
"""The games, by the name ``--game`` takes and a saved trace's ``extra["game"]`` records:
``payments`` (``adversary.payments.machine``) and ``cash`` (``adversary.cash.machine``,
a Plasma Cash environment beside a payments one)."""


def save_failure(
    run: MachineRun, output: Path, profile: str, seed: int, game: str = "payments"
) -> Path:
    """Save a failing run's trace in ``output``, naming its game; return the file's path."""
    path = output / f"fuzz-failure-{game}-seed-{seed}.json"
    trace = Trace(run.trace, run.failure, run.program, profile, seed, {"game": game})
    return save_trace(path, trace)


def run_batch(
    game: str,
    profile: str,
    seed: int,
    traces: int,
    *,
    on_trace: Callable[[TraceCounts], None] | None = None,
) -> MachineRun:
    """Run one batch of ``traces`` traces of ``game`` with ``seed`` (shrinking a failure)."""
    return GAMES[game].run(profile, seed, max_examples=traces, on_trace=on_trace)


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
