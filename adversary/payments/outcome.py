"""The outcome of a machine run or a replayed trace, and how its failures are described.

Also the runner and the replayer every adversarial game uses (payments, Plasma Cash).
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from hypothesis import seed as hypothesis_seed
from hypothesis import settings
from hypothesis.reporting import with_reporter
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test

from adversary.payments.game import TraceFailure
from adversary.trace import Step, Trace, format_steps


@dataclass(frozen=True)
class MachineRun:
    """The outcome of a run of the machine, or of a replayed trace."""

    passed: bool
    """Whether no trace failed."""
    steps: int
    """Rule steps run."""
    traces: int
    """Traces run."""
    seconds: float
    """Wall-clock time of the run."""
    failure: str = ""
    """What failed (first line: the violation or the unexpected error); empty if passed."""
    trace: tuple[Step, ...] = ()
    """Steps of the reported failing trace, replayable with :func:`replay_trace`."""
    program: str = ""
    """The Hypothesis program of the failing example, as Hypothesis printed it."""


def iterate_failures(error: BaseException) -> Iterator[BaseException]:
    """Yield the failures an error stands for (each member of an exception group, in order)."""
    if isinstance(error, BaseExceptionGroup):
        for member in error.exceptions:
            yield from iterate_failures(member)
    else:
        yield error


def describe_failure(failure: BaseException) -> str:
    """Return one failure's message, its notes, and the game trace it happened in.

    A :class:`TraceFailure`'s message already holds the trace; any other error
    (an unexpected exception from the spec, say) is named by its type.
    """
    if isinstance(failure, TraceFailure):
        return "\n".join([str(failure), *getattr(failure, "__notes__", [])])
    text = f"{type(failure).__name__}: {failure}"
    trace: tuple[Step, ...] = getattr(failure, "game_trace", ())
    if trace:
        text += f"\n\nTrace (game actions):\n{format_steps(trace)}"
    return "\n".join([text, *getattr(failure, "__notes__", [])])


def describe_error(error: BaseException) -> str:
    """Return what failed, the first failure first: its first line can stand alone in a report."""
    parts = [describe_failure(failure) for failure in iterate_failures(error)]
    if len(parts) > 1:
        parts.insert(1, f"({len(parts)} distinct failures; the others follow)")
    return "\n\n".join(parts)


def get_program(error: BaseException, printed: list[str]) -> str:
    """Return the Hypothesis program of the first failure (its notes, or what was printed)."""
    notes: list[str] = getattr(next(iterate_failures(error)), "__notes__", [])
    return "\n".join(notes or printed)


def get_failing_trace(error: BaseException) -> tuple[Step, ...]:
    """Return the game trace recorded with the first failure of an error, if any."""
    trace: tuple[Step, ...] = getattr(next(iterate_failures(error)), "game_trace", ())
    return trace


class Counts(Protocol):
    """What a machine's statistics hold: running counts across its traces."""

    steps: int
    """Rule steps run so far."""
    traces: int
    """Traces run so far."""


class ReplayableGame(Protocol):
    """What a replay needs of a game: the steps it recorded and its trace."""

    steps: list[Step]
    """Steps recorded so far."""

    def get_trace(self) -> tuple[Step, ...]:
        """Return the recorded steps as a trace."""
        ...


G = TypeVar("G", bound=ReplayableGame)


def run_rule_machine(
    factory: Callable[[], RuleBasedStateMachine],
    chosen: settings,
    seed: int | None,
    stats: Counts,
) -> MachineRun:
    """Run a stateful machine under ``chosen`` settings, in this process, without pytest.

    ``stats`` is the object the machines count into. A failing invariant or
    property, a wrong outcome, and any unexpected exception raised by the spec
    are reported in ``failure``, never raised.
    """
    # Hypothesis accepts any factory of machines, not only a class.
    test = get_state_machine_test(cast(type[RuleBasedStateMachine], factory), settings=chosen)
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    printed: list[str] = []
    started = clock.perf_counter()
    try:
        with with_reporter(lambda value: printed.append(str(value))):
            test()
    except Exception as error:
        seconds = clock.perf_counter() - started
        failure, trace = describe_error(error), get_failing_trace(error)
        program = get_program(error, printed)
        return MachineRun(False, stats.steps, stats.traces, seconds, failure, trace, program)
    return MachineRun(True, stats.steps, stats.traces, clock.perf_counter() - started)


def replay_steps(
    game: G,
    actions: Mapping[str, Callable[..., Any]],
    trace: Trace,
    on_step: Callable[[G], None] | None = None,
) -> MachineRun:
    """Replay a trace's steps on a fresh ``game`` through ``actions``, without Hypothesis.

    ``on_step``, if given, sees the game after every step.
    """
    started = clock.perf_counter()
    try:
        for step in trace.steps:
            actions[step.action](game, **step.arguments)
            if on_step is not None:
                on_step(game)
    except Exception as error:
        seconds = clock.perf_counter() - started
        return MachineRun(
            False, len(game.steps), 1, seconds, describe_error(error), game.get_trace()
        )
    return MachineRun(
        True, len(game.steps), 1, clock.perf_counter() - started, "", game.get_trace()
    )
