"""What a suite reaches: rejection reasons, operations, and lines of the spec.

Spec lines are measured with :func:`sys.settrace` while the vectors are
built: a line of a function in ``spec/`` counts as reached when building some
vector ran it. The ``def`` lines and module-level code are left out, since
importing the spec runs them whatever the vectors do.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spec
from conformance.readable import JsonValue
from spec.errors import RejectionReason

SPEC_DIRECTORY = Path(spec.__file__).resolve().parent
"""Where the spec's source files are."""

Lines = set[tuple[str, int]]
"""(file path relative to the spec directory, line number)."""


@contextmanager
def measure_spec_lines() -> Iterator[Lines]:
    """Collect, while active, every line of a spec function that runs."""
    reached: Lines = set()
    prefix = str(SPEC_DIRECTORY)

    def trace_lines(frame: types.FrameType, event: str, _: Any) -> Any:
        if event == "line":
            reached.add((frame.f_code.co_filename, frame.f_lineno))
        return trace_lines

    def trace_calls(frame: types.FrameType, event: str, _: Any) -> Any:
        # Only spec frames are traced line by line; everything else runs at full speed
        return trace_lines if frame.f_code.co_filename.startswith(prefix) else None

    previous = sys.gettrace()
    sys.settrace(trace_calls)
    try:
        yield reached
    finally:
        sys.settrace(previous)
        relative = {(str(Path(name).relative_to(SPEC_DIRECTORY)), n) for name, n in reached}
        reached.clear()
        reached.update(relative)


def list_function_lines() -> Lines:
    """Return every line of every function body in the spec."""
    lines: Lines = set()
    for path in sorted(SPEC_DIRECTORY.rglob("*.py")):
        module = compile(path.read_text(), str(path), "exec")
        relative = str(path.relative_to(SPEC_DIRECTORY))
        lines |= {(relative, n) for n in collect_body_lines(module, top=True)}
    return lines


def collect_body_lines(code: types.CodeType, top: bool = False) -> set[int]:
    """Return the body lines of the functions defined in ``code`` (recursively)."""
    lines: set[int] = set()
    # Class bodies (not optimised) run at import, like module code: only functions count
    is_function = bool(code.co_flags & inspect.CO_OPTIMIZED)
    if not top and is_function and code.co_name != "<lambda>":
        lines |= {n for _, _, n in code.co_lines() if n is not None and n != code.co_firstlineno}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            lines |= collect_body_lines(constant)
    return lines


@dataclass(frozen=True)
class Coverage:
    """What a set of vectors reaches."""

    reasons: dict[str, int]
    """Steps expecting each rejection reason (every reason listed, zero when missed)."""
    operations: dict[str, int]
    """Steps per ``area/operation``."""
    spec_lines: dict[str, tuple[int, int]]
    """Per spec file: (function lines reached, function lines)."""

    @classmethod
    def of(cls, vectors: Iterable[dict[str, JsonValue]], reached: Lines) -> Coverage:
        """Return the coverage of ``vectors``, whose building ran the spec lines ``reached``."""
        reasons = {reason.value: 0 for reason in RejectionReason}
        operations: dict[str, int] = {}
        for vector in vectors:
            for step in vector["steps"]:
                key = f"{vector['area']}/{step['operation']['name']}"
                operations[key] = operations.get(key, 0) + 1
                if step["expected"]["reason"] is not None:
                    reasons[step["expected"]["reason"]] += 1
        spec_lines: dict[str, tuple[int, int]] = {}
        for name, line in sorted(list_function_lines()):
            hit, total = spec_lines.get(name, (0, 0))
            spec_lines[name] = (hit + ((name, line) in reached), total + 1)
        return cls(reasons, dict(sorted(operations.items())), spec_lines)

    def missed_reasons(self) -> list[str]:
        """Return the reasons no step expects."""
        return [reason for reason, count in self.reasons.items() if count == 0]

    def total_spec_lines(self) -> tuple[int, int]:
        """Return (function lines reached, function lines) over the whole spec."""
        return (
            sum(hit for hit, _ in self.spec_lines.values()),
            sum(total for _, total in self.spec_lines.values()),
        )

    def to_json(self) -> dict[str, JsonValue]:
        """Return the coverage as JSON."""
        hit, total = self.total_spec_lines()
        return {
            "reasons": self.reasons,
            "missed_reasons": self.missed_reasons(),
            "operations": self.operations,
            "spec_lines": {name: list(pair) for name, pair in self.spec_lines.items()},
            "spec_lines_total": [hit, total],
        }

    def render(self) -> str:
        """Return the coverage as text for people."""
        reached = len(self.reasons) - len(self.missed_reasons())
        hit, total = self.total_spec_lines()
        lines = [f"Rejection reasons: {reached} of {len(self.reasons)} reached"]
        lines += [f"  MISSED {reason}" for reason in self.missed_reasons()]
        lines.append("Operations (steps):")
        lines += [f"  {name}: {count}" for name, count in self.operations.items()]
        lines.append(f"Spec function lines: {hit} of {total} reached ({100 * hit // total}%)")
        lines += [f"  {name}: {h}/{t}" for name, (h, t) in self.spec_lines.items() if t and h < t]
        return "\n".join(lines) + "\n"
