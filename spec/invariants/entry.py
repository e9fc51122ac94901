"""What a catalog entry holds: the statement of an invariant and what decides it.

An :class:`Invariant` states one safety property (its id, statement,
rationale and strengthening) and points at everything that checks it: its
:class:`Predicates`, the functions that decide it on concrete values, and its
:class:`~spec.invariants.checks.Check` list, the tests and machine checks
that cover it. The evaluator (``spec.invariants.evaluate``), the proof
registries, the command line and the site all read the entries; none keeps
a table of its own.

Predicates compute in plain integers and return the violations they find
(empty when the invariant holds), so a broken state is reported rather than
crashing the checker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from spec.invariants.checks import Check
from spec.invariants.ids import InvariantId
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation


class Layer(StrEnum):
    """Which part of the protocol an invariant constrains."""

    SETTLEMENT = "settlement"
    """The settlement layer (root contract)."""
    CHILD_CHAIN = "child-chain"
    """An execution environment's own state (a payments child chain)."""
    EXIT_GAME = "exit-game"
    """The interplay of both, against an adversary, over whole traces."""


class Scope(StrEnum):
    """What a predicate looks at."""

    STATE = "state"
    """One state."""
    TRANSITION = "transition"
    """A pre-state, an accepted operation and its post-state."""
    PAIR = "pair"
    """A state and two operations applied in both orders."""
    TRACE = "trace"
    """A whole run with its adversary; checked by the stateful tests."""


StatePredicate = Callable[[SettlementState], list[str]]
"""A predicate over one settlement state, returning violations."""

TransitionPredicate = Callable[[SettlementState, Operation, SettlementState], list[str]]
"""A predicate over (pre-state, accepted operation, post-state), returning violations."""

PairPredicate = Callable[[SettlementState, Operation, Operation], list[str]]
"""A predicate over a state and two operations, returning violations."""

ChainStatePredicate = Callable[[Any], list[str]]
"""A predicate over one child chain state of the entry's kind, returning violations."""

ChainTransitionPredicate = Callable[[Any, Any], list[str]]
"""A predicate over a child chain's states before and after one step, returning violations."""


@dataclass(frozen=True)
class Predicates:
    """The functions that decide an invariant, by what they look at."""

    state: tuple[StatePredicate, ...] = ()
    """On every settlement state."""
    transition: tuple[TransitionPredicate, ...] = ()
    """On every accepted settlement operation (pre-state, operation, post-state)."""
    pair: tuple[PairPredicate, ...] = ()
    """On a settlement state and two operations."""
    chain_state: tuple[ChainStatePredicate, ...] = ()
    """On every child chain state of the entry's kind."""
    chain_transition: tuple[ChainTransitionPredicate, ...] = ()
    """On every step of a child chain of the entry's kind."""
    trace: tuple[str, ...] = ()
    """Dotted names of the trace predicates, which live with the adversary outside ``spec/``."""

    def get_scopes(self) -> tuple[Scope, ...]:
        """Return what the predicates look at, in the order of :class:`Scope`."""
        present = {
            Scope.STATE: bool(self.state or self.chain_state),
            Scope.TRANSITION: bool(self.transition or self.chain_transition),
            Scope.PAIR: bool(self.pair),
            Scope.TRACE: bool(self.trace),
        }
        return tuple(scope for scope in Scope if present[scope])

    def get_functions(self) -> tuple[Callable[..., list[str]], ...]:
        """Return every predicate function of ``spec/`` (the trace predicates are elsewhere)."""
        return (
            *self.state,
            *self.transition,
            *self.pair,
            *self.chain_state,
            *self.chain_transition,
        )


@dataclass(frozen=True)
class Invariant:
    """One catalogued safety property."""

    identifier: InvariantId
    """Stable id, ``INV-NN``."""
    title: str
    """Short name."""
    layer: Layer
    """Which part of the protocol it constrains."""
    kind: EnvironmentKind | None
    """The environment kind whose rules it states, or None when it holds for every kind."""
    statement: str
    """The property, precisely."""
    rationale: str
    """Why the protocol needs it."""
    strengthening: str
    """What was added to make it inductive or checkable, if anything."""
    predicates: Predicates
    """What decides it on concrete values."""
    checks: tuple[Check, ...]
    """The checks that cover it."""

    @property
    def scopes(self) -> tuple[Scope, ...]:
        """Return what its predicates look at (a state form, a transition form, or both)."""
        return self.predicates.get_scopes()
