"""Evaluate every catalogued invariant on concrete states, reading the predicates from the catalog.

Tests call these after every operation; the stateful adversarial tests and
the conformance harness use the same functions. Each runs, in catalog order,
the predicates that the entries of :data:`~spec.invariants.catalog.CATALOG`
point at for what it is given: a settlement state, a settlement step, a
pair of operations, or a child chain's state or step (only the entries of
that chain's kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.environments.registry import KINDS
from spec.invariants.catalog import CATALOG
from spec.invariants.ids import InvariantId
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation


@dataclass(frozen=True)
class Violation:
    """One invariant found broken."""

    identifier: InvariantId
    """Id of the broken invariant."""
    message: str
    """What was found."""


def check_settlement_state(state: SettlementState) -> list[Violation]:
    """Return the violations of every settlement state invariant in ``state``."""
    return [
        Violation(invariant.identifier, message)
        for invariant in CATALOG
        for predicate in invariant.predicates.state
        for message in predicate(state)
    ]


def check_settlement_transition(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[Violation]:
    """Return the violations of every settlement invariant by an accepted operation.

    Covers the transition predicates and the state predicates of ``post``.
    """
    transition = [
        Violation(invariant.identifier, message)
        for invariant in CATALOG
        for predicate in invariant.predicates.transition
        for message in predicate(pre, operation, post)
    ]
    return transition + check_settlement_state(post)


def check_settlement_pair(
    state: SettlementState, first: Operation, second: Operation
) -> list[Violation]:
    """Return the violations of the pair invariants (INV-13 Commutation) by two operations."""
    return [
        Violation(invariant.identifier, message)
        for invariant in CATALOG
        for predicate in invariant.predicates.pair
        for message in predicate(state, first, second)
    ]


def get_chain_kind(state: object) -> EnvironmentKind:
    """Return the kind whose child chain ``state`` is a state of (from the kind registry)."""
    (kind,) = (kind for kind, rules in KINDS.items() if isinstance(state, rules.chain.state_type))
    return kind


def check_child_chain_state(state: object) -> list[Violation]:
    """Return the violations of every child-chain state invariant of the chain's kind."""
    kind = get_chain_kind(state)
    return [
        Violation(invariant.identifier, message)
        for invariant in CATALOG
        if invariant.kind == kind
        for predicate in invariant.predicates.chain_state
        for message in predicate(state)
    ]


def check_child_chain_transition(pre: object, post: object) -> list[Violation]:
    """Return the violations of every child-chain invariant of the chain's kind by one step."""
    kind = get_chain_kind(post)
    transition = [
        Violation(invariant.identifier, message)
        for invariant in CATALOG
        if invariant.kind == kind
        for predicate in invariant.predicates.chain_transition
        for message in predicate(pre, post)
    ]
    return transition + check_child_chain_state(post)
