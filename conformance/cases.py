"""Vector-producing cases: each is a test of the spec and a conformance vector at once.

A case is a function of a preset that builds a :class:`~conformance.trace.Trace`
with a :class:`TraceBuilder`: an initial state, then steps. It is registered
with :func:`case`, naming the reason its last step must be rejected with (or
``None`` when it must be accepted). The test suite runs every case under
every preset and checks that expectation; ``plasma-spec vectors`` writes
every case as a vector. A case is thus written once and serves twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.areas import Area, StepInput, run_step
from conformance.readable import JsonValue
from conformance.trace import Trace, make_step_input
from spec.errors import RejectionReason
from spec.presets import Preset


class TraceBuilder:
    """Builds a trace step by step, keeping the spec's state after each step."""

    def __init__(self, area: Area, preset: Preset, initial_state: Any) -> None:
        """Start a trace of ``area`` from ``initial_state``."""
        self.area = area
        """The state machine."""
        self.preset = preset
        """Preset of the initial state."""
        self.initial_state = initial_state
        """The state before the first step."""
        self.state = initial_state
        """The spec's state after the steps so far."""
        self.steps: list[StepInput] = []
        """The steps so far."""

    def apply(self, operation: Any) -> Any:
        """Add a step applying a well-formed ``operation``; return the state after it."""
        return self.add(make_step_input(self.area, operation))

    def apply_bytes(self, encoding: bytes) -> Any:
        """Add a step giving raw operation bytes (which may not decode)."""
        return self.add(StepInput(encoding, "undecodable", None))

    def apply_readable(self, name: str, view: JsonValue) -> Any:
        """Add a readable-only step (``readable-arguments`` capability)."""
        return self.add(StepInput(None, name, view))

    def add(self, step: StepInput) -> Any:
        """Add ``step``; return the state after it."""
        self.steps.append(step)
        self.state = run_step(self.area, self.state, step).state
        return self.state

    def last_reason(self) -> RejectionReason | None:
        """Return the reason the last step is rejected with (None if accepted)."""
        before = self.initial_state
        for step in self.steps[:-1]:
            before = run_step(self.area, before, step).state
        return run_step(self.area, before, self.steps[-1]).reason


CaseBody = Callable[[Preset], TraceBuilder]
"""A case: builds its trace for a preset."""


@dataclass(frozen=True)
class Case:
    """A registered vector-producing case."""

    name: str
    """Vector name (the function name with hyphens)."""
    description: str
    """The function's docstring."""
    source: str
    """``module:function``."""
    expected_reason: RejectionReason | None
    """What the last step must give: a rejection reason, or None for acceptance."""
    body: CaseBody
    """The builder."""
    omitted_presets: tuple[str, ...] = ()
    """Presets under which the vector would be too large to ship (it is then not built)."""

    def build(self, preset: Preset) -> Trace:
        """Return the case's trace under ``preset``."""
        builder = self.body(preset)
        return Trace(
            name=self.name,
            description=self.description,
            source=self.source,
            area=builder.area,
            preset=preset.name,
            initial_state=builder.initial_state,
            steps=tuple(builder.steps),
        )


CASES: dict[str, Case] = {}
"""Every registered case, by name."""


def case(
    expected_reason: RejectionReason | None, omitted_presets: tuple[str, ...] = ()
) -> Callable[[CaseBody], CaseBody]:
    """Register the decorated function as a case whose last step gives ``expected_reason``.

    ``omitted_presets`` names presets under which the case's vector would be
    too large to ship.
    """

    def register(body: CaseBody) -> CaseBody:
        name = body.__name__.replace("_", "-")
        assert name not in CASES, f"two cases named {name}"
        description = " ".join((body.__doc__ or "").split())
        source = f"{body.__module__}:{body.__name__}"
        CASES[name] = Case(name, description, source, expected_reason, body, omitted_presets)
        return body

    return register


def list_cases(preset: Preset | None = None) -> list[Case]:
    """Return every case (built under ``preset``, when given), importing their modules."""
    from conformance import case_library  # noqa: F401, PLC0415 - registers cases; imports us

    return [c for c in CASES.values() if preset is None or preset.name not in c.omitted_presets]
