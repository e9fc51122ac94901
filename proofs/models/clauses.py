"""Invariants of the settlement model as quantified clauses.

A :class:`StateClause` is a formula over one environment, the time and some
universally quantified indices (exit ids, block numbers, tokens); a
:class:`TransitionClause` is one over a :class:`StepView` (pre-state,
post-state, times, caller). A :class:`ModelInvariant` groups the clauses
that state one catalogued invariant, the clauses added to make it inductive,
and the other invariants its proof assumes in the pre-state.

The proof of each clause set negates it with fresh *witness* constants
instead of a quantifier (``¬∀i. P(i)`` is ``¬P(w)`` for a fresh ``w``), so a
counterexample names the exits or blocks that break it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from proofs.models.environment import EnvironmentTerms
from spec.invariants.ids import InvariantId

StateBody = Callable[..., z3.BoolRef]
"""``(environment, now, *indices) -> condition``."""

TransitionBody = Callable[..., z3.BoolRef]
"""``(step view, *indices) -> condition``."""

WELL_FORMEDNESS = "WF"
"""Name of the well-formedness lemma: the one model invariant that is no catalog entry."""


@dataclass(frozen=True)
class StepView:
    """What a transition clause sees of one step."""

    name: str
    """Transition name."""
    pre: EnvironmentTerms
    """Environment before."""
    post: EnvironmentTerms
    """Environment after."""
    now_before: z3.ArithRef
    """Time before."""
    now_after: z3.ArithRef
    """Time after."""
    sender: z3.ArithRef | None
    """The caller, where the rules depend on it."""
    parameters: tuple[tuple[str, z3.ArithRef], ...] = ()
    """The operation's fields by name."""

    def get_parameter(self, name: str) -> z3.ArithRef:
        """Return the operation's field ``name``."""
        (term,) = (term for key, term in self.parameters if key == name)
        return term


@dataclass(frozen=True)
class StateClause:
    """One formula over a state, universally closed over ``indices`` integers."""

    name: str
    """What it states, in words."""
    indices: int
    """How many quantified integers ``body`` takes after (environment, now)."""
    body: StateBody
    """The formula."""


@dataclass(frozen=True)
class TransitionClause:
    """One formula over a step, universally closed over ``indices`` integers."""

    name: str
    """What it states, in words."""
    indices: int
    """How many quantified integers ``body`` takes after the step view."""
    body: TransitionBody
    """The formula."""


@dataclass(frozen=True)
class ModelInvariant:
    """A catalogued invariant (or a supporting lemma) as clauses of the model."""

    identifier: InvariantId | str
    """The catalog id it states, or a lemma's name (:data:`WELL_FORMEDNESS`)."""
    state_clauses: tuple[StateClause, ...]
    """The state form, with any strengthening clauses."""
    transition_clauses: tuple[TransitionClause, ...] = ()
    """The transition form, if any."""
    assumes: tuple[InvariantId | str, ...] = ()
    """Ids of other model invariants assumed in the pre-state (each proved on its own)."""
    strengthening: str = ""
    """What was added to make it inductive, in words (for the catalog)."""


def declare_indices(prefix: str, count: int) -> list[z3.ArithRef]:
    """Return ``count`` integer constants ``prefix0, prefix1, ...``."""
    return [z3.Int(f"{prefix}{index}") for index in range(count)]


def close_universally(indices: Sequence[z3.ArithRef], body: z3.BoolRef) -> z3.BoolRef:
    """Return ``∀ indices. body`` (or ``body`` when there are no indices)."""
    return z3.ForAll(list(indices), body) if indices else body


def state_holds(
    invariant: ModelInvariant, environment: EnvironmentTerms, now: z3.ArithRef
) -> z3.BoolRef:
    """Return the invariant's state form over ``environment`` at time ``now``."""
    parts = []
    for clause in invariant.state_clauses:
        indices = declare_indices(f"{clause.name}.", clause.indices)
        parts.append(close_universally(indices, clause.body(environment, now, *indices)))
    return z3.And(*parts)


@dataclass(frozen=True)
class Violation:
    """The negation of a clause set, with the witnesses that name where it fails."""

    condition: z3.BoolRef
    """True exactly when some clause fails at its witnesses."""
    clauses: tuple[tuple[str, z3.BoolRef, tuple[z3.ArithRef, ...]], ...]
    """Per clause: its name, its failure at the witnesses, the witnesses."""


def find_violation(
    invariant: ModelInvariant, view: StepView, *, include_transition: bool = True
) -> Violation:
    """Return the condition that the step breaks some clause of ``invariant``.

    State clauses are evaluated on the post-state, transition clauses (unless
    excluded, as for initial states) on the step.
    """
    failures: list[tuple[str, z3.BoolRef, tuple[z3.ArithRef, ...]]] = []
    transition_clauses = invariant.transition_clauses if include_transition else ()
    for clause in invariant.state_clauses:
        witnesses = tuple(declare_indices(f"witness.{clause.name}.", clause.indices))
        failure = z3.Not(clause.body(view.post, view.now_after, *witnesses))
        failures.append((clause.name, failure, witnesses))
    for transition_clause in transition_clauses:
        witnesses = tuple(
            declare_indices(f"witness.{transition_clause.name}.", transition_clause.indices)
        )
        failure = z3.Not(transition_clause.body(view, *witnesses))
        failures.append((transition_clause.name, failure, witnesses))
    condition = z3.Or(*(failure for _, failure, _ in failures)) if failures else z3.BoolVal(False)
    return Violation(condition, tuple(failures))
