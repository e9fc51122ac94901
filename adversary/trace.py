"""Adversarial traces: the steps of one run of the stateful machine, as data.

A trace is the list of actions the machine's game took (``adversary.payments.machine``),
each with the concrete arguments it was called with and notes saying what it
did in spec terms (which operation, which output, which rejection). Replaying
a trace calls the same game actions with the same arguments, without
Hypothesis: the game is deterministic, so the replay reaches the same worlds.

File format (JSON, UTF-8), one object:

- ``format``: ``"plasma-spec/adversary-trace/v1"``;
- ``steps``: a list of ``{"action": name, "arguments": {name: value}, "notes": [text]}``
  where every value is a string, an integer, a boolean or null;
- ``failure``: what failed (empty for a passing trace);
- ``program``: the Hypothesis program that produced it (for people; not replayed);
- ``profile``, ``seed``: the run that produced it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TRACE_BYTES = 64 * 1024 * 1024
"""Largest trace file read (64 MiB); a saved trace of a long fuzz run is a few hundred KiB."""

TRACE_FORMAT = "plasma-spec/adversary-trace/v1"
"""The ``format`` value of every trace file."""

Argument = str | int | bool | None
"""A JSON scalar: the only argument types game actions take."""


@dataclass(frozen=True)
class Step:
    """One game action with its arguments, and what it did."""

    action: str
    """Name of the game action (also the machine's rule name)."""
    arguments: Mapping[str, Argument]
    """Keyword arguments of the action."""
    notes: tuple[str, ...] = ()
    """What the action did, in spec terms (for people; not replayed)."""

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.arguments.items())
        return f"{self.action}({arguments})"

    def describe(self) -> str:
        """Return the call and its notes, one per line."""
        return "\n".join([repr(self), *(f"    {note}" for note in self.notes)])


@dataclass(frozen=True)
class Trace:
    """A recorded run: its steps and, if it failed, what failed."""

    steps: tuple[Step, ...]
    """Steps in order."""
    failure: str = ""
    """What failed; empty for a passing trace."""
    program: str = ""
    """The Hypothesis program that produced the trace, if any."""
    profile: str = ""
    """Hypothesis profile of the run that produced it."""
    seed: int | None = None
    """Seed of that run."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Anything else worth keeping (throughput, versions)."""


def format_steps(steps: Sequence[Step]) -> str:
    """Return numbered step descriptions, one block per step."""
    return "\n".join(f"{number:3}. {step.describe()}" for number, step in enumerate(steps, 1))


def step_to_json(step: Step) -> dict[str, Any]:
    """Return the JSON object of a step."""
    return {"action": step.action, "arguments": dict(step.arguments), "notes": list(step.notes)}


class TraceFileError(ValueError):
    """A file is not a readable adversary trace; the message says why, in one line."""


def step_from_json(document: Any) -> Step:
    """Return the step a JSON object describes.

    Raises:
        TraceFileError: when it is not an object with a string ``action``, an object of
            scalar ``arguments`` and a list of string ``notes``.
    """
    if not isinstance(document, dict) or not isinstance(document.get("action"), str):
        raise TraceFileError("a step is not an object with a string action")
    action, arguments = document["action"], document.get("arguments")
    if not isinstance(arguments, dict):
        raise TraceFileError(f"the arguments of {action[:40]} are not an object")
    for name, value in arguments.items():
        if not isinstance(value, str | int | bool | None):
            raise TraceFileError(f"argument {name[:40]} of {action[:40]} is not a scalar")
    notes = document.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise TraceFileError(f"the notes of {action[:40]} are not a list of strings")
    return Step(action, arguments, tuple(notes))


def trace_to_json(trace: Trace) -> dict[str, Any]:
    """Return the JSON object of a trace."""
    return {
        "format": TRACE_FORMAT,
        "profile": trace.profile,
        "seed": trace.seed,
        "failure": trace.failure,
        "program": trace.program,
        "extra": dict(trace.extra),
        "steps": [step_to_json(step) for step in trace.steps],
    }


def trace_from_json(document: Any) -> Trace:
    """Return the trace a JSON object describes.

    Raises:
        TraceFileError: when the object is not a trace of this format.
    """
    if not isinstance(document, dict) or document.get("format") != TRACE_FORMAT:
        raise TraceFileError(f"not a {TRACE_FORMAT} trace (no such format field)")
    steps, seed, extra = document.get("steps"), document.get("seed"), document.get("extra", {})
    if not isinstance(steps, list):
        raise TraceFileError("its steps are not a list")
    if not (seed is None or (isinstance(seed, int) and not isinstance(seed, bool))):
        raise TraceFileError("its seed is not a whole number")
    if not isinstance(extra, dict):
        raise TraceFileError("its extra field is not an object")
    return Trace(
        steps=tuple(step_from_json(step) for step in steps),
        failure=str(document.get("failure", "")),
        program=str(document.get("program", "")),
        profile=str(document.get("profile", "")),
        seed=seed,
        extra=extra,
    )


def save_trace(path: Path, trace: Trace) -> Path:
    """Write a trace as JSON to ``path`` (creating its directory); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace_to_json(trace), indent=2) + "\n", encoding="utf-8")
    return path


def load_trace(path: Path) -> Trace:
    """Read a trace file.

    Raises:
        TraceFileError: when the file cannot be read, is larger than
            :data:`MAX_TRACE_BYTES`, is not UTF-8 JSON, or is not a trace of this format.
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_TRACE_BYTES + 1)
    except OSError as error:
        raise TraceFileError(f"cannot read it: {error.strerror or error}") from None
    if len(data) > MAX_TRACE_BYTES:
        raise TraceFileError(f"larger than {MAX_TRACE_BYTES:,} bytes")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise TraceFileError("not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        # ValueError: not JSON, or an integer literal longer than Python reads
        raise TraceFileError(f"not JSON ({str(error)[:80]})") from None
    return trace_from_json(document)
