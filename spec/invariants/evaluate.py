"""Evaluate every catalogued invariant on concrete states.

Tests call these after every operation; the stateful adversarial tests and
the conformance harness use the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.invariants.child_chain import (
    check_no_double_spend,
    check_output_validity,
    check_spent_is_permanent,
    check_value_conservation,
)
from spec.invariants.settlement import (
    STATE_PREDICATES,
    TRANSITION_PREDICATES,
    check_commutation,
)
from spec.payments.chain import ChildChainState
from spec.settlement.operations import Operation
from spec.settlement.state import SettlementState


@dataclass(frozen=True)
class Violation:
    """One invariant found broken."""

    identifier: str
    """Id of the broken invariant (``INV-NN``)."""
    message: str
    """What was found."""


def check_settlement_state(state: SettlementState) -> list[Violation]:
    """Return the violations of every settlement state invariant in ``state``."""
    return [
        Violation(identifier, message)
        for identifier, predicate in STATE_PREDICATES.items()
        for message in predicate(state)
    ]


def check_settlement_transition(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[Violation]:
    """Return the violations of every settlement invariant by an accepted operation.

    Covers the transition predicates and the state predicates of ``post``.
    """
    transition = [
        Violation(identifier, message)
        for identifier, predicate in TRANSITION_PREDICATES.items()
        for message in predicate(pre, operation, post)
    ]
    return transition + check_settlement_state(post)


def check_settlement_pair(
    state: SettlementState, first: Operation, second: Operation
) -> list[Violation]:
    """Return the violations of the commutation invariant (INV-13) by two operations."""
    return [Violation("INV-13", message) for message in check_commutation(state, first, second)]


def check_child_chain_state(state: ChildChainState) -> list[Violation]:
    """Return the violations of every child-chain state invariant in ``state``."""
    found = [
        ("INV-15", check_output_validity(state)),
        ("INV-16", check_value_conservation(state)),
        ("INV-17", check_no_double_spend(state)),
    ]
    return [
        Violation(identifier, message) for identifier, messages in found for message in messages
    ]


def check_child_chain_transition(pre: ChildChainState, post: ChildChainState) -> list[Violation]:
    """Return the violations of every child-chain invariant by one accepted step."""
    permanent = [Violation("INV-17", m) for m in check_spent_is_permanent(pre, post)]
    return permanent + check_child_chain_state(post)
