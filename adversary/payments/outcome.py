"""The outcome of a machine run or a replayed trace, and how its failures are described."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from adversary.payments.game import TraceFailure
from adversary.trace import Step, format_steps


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
