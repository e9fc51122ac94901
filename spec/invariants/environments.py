"""Invariants of environments side by side: isolation, commutation, determinism.

INV-12 Isolation, INV-13 Commutation and INV-14 Determinism, each as its
predicates followed by its catalog entry. They hold for every environment
kind: which environment an operation acts on is read from the settlement
operation table (``get_operation_environment_id``), never from its type.
"""

from __future__ import annotations

from spec.errors import Rejected
from spec.invariants.checks import (
    SCENARIOS_EVERY_STEP,
    STATEFUL_EVERY_STEP,
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.settlement.operations import RegisterEnvironment
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id, state_transition

# INV-12 Isolation


def check_isolation(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-12: an operation changes no environment but the one it names (none, if global)."""
    target = get_operation_environment_id(operation)
    violations = []
    for env_id, before in enumerate(pre.environments):
        if env_id != target and post.environments[env_id] != before:
            violations.append(f"{type(operation).__name__} changed environment {env_id}")
    if len(post.environments) != len(pre.environments) + isinstance(operation, RegisterEnvironment):
        violations.append(f"{type(operation).__name__} changed the number of environments")
    return violations


ISOLATION = Invariant(
    identifier=InvariantId.ISOLATION,
    title="Isolation",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "An operation that names environment A leaves every other environment's state exactly "
        "unchanged; global operations (register, advance time) change no existing environment."
    ),
    rationale=(
        "One environment's operator or users, honest or not, can never touch another's funds, "
        "blocks or exits: the shared security umbrella."
    ),
    strengthening=(
        "Stated for every kind: the environment an operation acts on is read from the "
        "settlement operation table, so Plasma Cash operations are covered as they are (the "
        "unit tests draw them beside a payments environment, tests/test_cash_invariants.py). "
        "The Z3 isolation proof covers the shared and payments operations; the Cash exit "
        "game's operations are not in the settlement model yet."
    ),
    predicates=Predicates(transition=(check_isolation,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("process-writes-environment-0",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-12."""


# INV-13 Commutation


def try_transition(state: SettlementState, operation: Operation) -> SettlementState | str:
    """Return the post-state, or the rejection reason's code when the operation is rejected."""
    try:
        return state_transition(state, operation)
    except Rejected as rejection:
        return rejection.reason.value


def check_commutation(state: SettlementState, first: Operation, second: Operation) -> list[str]:
    """INV-13: two operations on different environments, accepted in both orders, commute.

    (Operations that share a settlement-layer account may each succeed only
    first, like two payments from one account on any chain; the property is
    about the pairs that succeed both ways.)
    """
    first_env, second_env = (
        get_operation_environment_id(first),
        get_operation_environment_id(second),
    )
    if first_env is None or second_env is None or first_env == second_env:
        return []
    outcomes = []
    for a, b in ((first, second), (second, first)):
        middle = try_transition(state, a)
        outcomes.append(middle if isinstance(middle, str) else try_transition(middle, b))
    if any(isinstance(outcome, str) for outcome in outcomes):
        return []
    return [] if outcomes[0] == outcomes[1] else ["the two orders reach different states"]


COMMUTATION = Invariant(
    identifier=InvariantId.COMMUTATION,
    title="Commutation",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Two operations on different environments that are each accepted in both orders reach "
        "the same state in either order."
    ),
    rationale="Environments run in parallel with no global coordination.",
    strengthening=(
        "Restricted to pairs accepted in both orders: environments share settlement-layer "
        "accounts, so two deposits from one account may each succeed only when first."
    ),
    predicates=Predicates(pair=(check_commutation,)),
    checks=(Check(Checker.UNIT_PAIRS), Check(Checker.STATEFUL_PAIRS)),
)
"""INV-13."""


# INV-14 Determinism


def check_determinism(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-14: applying the same operation to the same state again gives the same state.

    (Equal states have equal canonical encodings and so equal digests.)
    """
    again = try_transition(pre, operation)
    if isinstance(again, str) or again != post:
        return ["the same operation on the same state gave another result"]
    return []


DETERMINISM = Invariant(
    identifier=InvariantId.DETERMINISM,
    title="Determinism",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "The same state and operation always give the same outcome and the same state digest."
    ),
    rationale="Any implementation can be compared with the spec on one value.",
    strengthening="",
    predicates=Predicates(transition=(check_determinism,)),
    checks=(
        UNIT_EVERY_STEP,
        SCENARIOS_EVERY_STEP,
        Check(
            Checker.CROSSHAIR,
            (
                "uint64_encoding_round_trip",
                "position_encoding_round_trip",
                "output_encoding_round_trip",
                "position_decoding_is_strict",
                "optional_flag_decoding_is_strict",
            ),
        ),
        Check(Checker.UNIT_ENCODING),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-14."""


INVARIANTS = (ISOLATION, COMMUTATION, DETERMINISM)
"""The catalog entries of this module."""
