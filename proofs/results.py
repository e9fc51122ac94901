"""Results of machine checks, shared by every checker that ``plasma-spec prove`` runs.

Each checker (a Z3 inductive proof, a bounded model check, a negative
control, a CrossHair contract check, a property test) reports one
:class:`CheckResult` per check, naming the catalogued invariants it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spec.invariants.ids import InvariantId


class Method(StrEnum):
    """How a check establishes its claim."""

    INDUCTIVE = "inductive"
    """Z3: Init implies Inv, and Inv and Transition imply Inv' for every transition."""
    BMC = "bmc"
    """Z3: bounded model checking from the initial state to a stated depth."""
    NEGATIVE_CONTROL = "negative-control"
    """Z3 or CrossHair: the check run against a deliberately broken transition must fail."""
    CROSSHAIR = "crosshair"
    """CrossHair: contracts on spec functions checked by symbolic execution."""
    PROPERTY = "property"
    """Hypothesis: a property test over random inputs."""


class Outcome(StrEnum):
    """What a check found."""

    PROVED = "proved"
    """The claim holds for all states (inductive) or all paths explored (CrossHair)."""
    BOUNDED = "bounded"
    """No violation up to the stated depth."""
    CAUGHT = "caught"
    """A negative control failed as it must (the broken transition was detected)."""
    FAILED = "failed"
    """A counterexample was found, or a negative control was not caught."""
    UNKNOWN = "unknown"
    """The solver gave up or timed out: counted as a failure, never as a pass."""


@dataclass(frozen=True)
class CheckResult:
    """The result of one check."""

    name: str
    """Stable name of the check, e.g. ``solvency/process_exits``."""
    invariants: tuple[InvariantId, ...]
    """Ids of the catalogued invariants it covers."""
    method: Method
    """How it checks."""
    outcome: Outcome
    """What it found."""
    seconds: float
    """Wall-clock time it took."""
    depth: int | None = None
    """For bounded model checks, the depth reached."""
    detail: str = ""
    """A counterexample as numbered spec operations, or other explanation."""

    @property
    def passed(self) -> bool:
        """Return whether the check supports its claim (proved, bounded, or caught)."""
        return self.outcome in (Outcome.PROVED, Outcome.BOUNDED, Outcome.CAUGHT)
