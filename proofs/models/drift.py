"""Comparing the settlement model with the Python spec on concrete states (the drift check).

:func:`compare_with_spec` runs the spec's ``state_transition`` on a concrete
state and operation, maps pre-state, operation and post-state through the
abstraction function (``proofs.models.abstraction``,
``proofs.models.operation_abstraction``) and puts them into the model's
relation:

- spec accepts: the relation holds for (pre, post), and no other post-state
  satisfies it (the model is deterministic on this pre-state and agrees);
- spec rejects: no post-state exists, and the model's first failing guard
  names the spec's reason, except for reasons the model does not represent:
  ``INSUFFICIENT_FUNDS`` (balances are not modelled; the spec checks it
  last, so every modelled guard must pass) and ``SIGNATURE_*`` (a bad
  signature is "no valid signer": ``CHALLENGE_NOT_SIGNED_BY_OWNER``).

:func:`check_model_invariants` checks that a concrete state satisfies every
model invariant, ghosts included. Each function returns a list of problems
(empty when model and spec agree).
"""

from __future__ import annotations

import z3

from proofs.models.abstraction import abstract_settlement
from proofs.models.clauses import StepView, find_violation
from proofs.models.environment import ModelConfig
from proofs.models.invariants import make_model_invariants
from proofs.models.operation_abstraction import abstract_operation
from proofs.models.settlement import SettlementStep, SettlementTerms, encode_operation
from proofs.models.solving import solve
from spec.errors import Rejected, RejectionReason
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation, state_transition

DRIFT_TIMEOUT_MS = 20_000
"""Solver timeout of one drift check, in milliseconds."""

REASONS_CHECKED_LAST = frozenset({RejectionReason.INSUFFICIENT_FUNDS})
"""Spec reasons the model does not represent, raised after every modelled rule passed."""

PAYMENT_SHAPE_REASONS = (
    RejectionReason.TX_NO_INPUTS,
    RejectionReason.TX_TOO_MANY_INPUTS,
    RejectionReason.TX_NO_OUTPUTS,
    RejectionReason.TX_TOO_MANY_OUTPUTS,
    RejectionReason.TX_SIGNATURE_COUNT_MISMATCH,
    RejectionReason.TX_DUPLICATE_INPUT,
    RejectionReason.OUTPUT_AMOUNT_ZERO,
)
"""The reasons of ``validate_payment_shape``, in its order."""

REASON_ALIASES = {
    RejectionReason.SIGNATURE_MALFORMED: RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    RejectionReason.SIGNATURE_HIGH_S: RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    RejectionReason.SIGNATURE_UNRECOVERABLE: RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    **{reason: RejectionReason.TX_NO_INPUTS for reason in PAYMENT_SHAPE_REASONS},
}
"""Spec reasons the model reports under another name: signatures become "no valid signer";
the payment shape reasons of a challenge become the model's one "well formed" flag, reported
as ``TX_NO_INPUTS``."""


def are_settlements_equal(first: SettlementTerms, second: SettlementTerms) -> z3.BoolRef:
    """Return whether two settlement states are equal (time, count, every environment)."""
    return z3.And(
        first.time == second.time,
        first.environment_count == second.environment_count,
        first.environments == second.environments,
    )


def is_satisfiable(assertions: list[z3.BoolRef]) -> bool | None:
    """Return whether the assertions are satisfiable (None when the solver gives up)."""
    verdict = solve(assertions, DRIFT_TIMEOUT_MS).verdict
    return None if verdict == z3.unknown else verdict == z3.sat


def find_model_rejection(step: SettlementStep) -> RejectionReason | str | None:
    """Return the reason of the model's first failing guard; None if the step is enabled.

    The first failing guard is the first whose prefix of guards is
    unsatisfiable. A reason-less guard (a definition or the model's bound)
    is returned as its label.
    """
    prefix = list(step.domain)
    for guard in step.guards:
        prefix.append(guard.condition)
        satisfiable = is_satisfiable(prefix)
        if satisfiable is None:
            return f"solver gave up at guard {guard.reason or guard.label}"
        if not satisfiable:
            return guard.reason if guard.reason is not None else guard.label
    return None


def check_acceptance(step: SettlementStep, post: SettlementTerms) -> list[str]:
    """Return problems with a step the spec accepted: the model must reach exactly ``post``."""
    enabled = [*step.domain, *(guard.condition for guard in step.guards)]
    problems = []
    if is_satisfiable([*enabled, are_settlements_equal(step.post, post)]) is not True:
        rejection = find_model_rejection(step)
        problems.append(f"{step.name}: spec accepts, model rejects ({rejection}) or differs")
    if is_satisfiable([*enabled, z3.Not(are_settlements_equal(step.post, post))]) is not False:
        problems.append(f"{step.name}: the model allows a post-state other than the spec's")
    return problems


def check_rejection(step: SettlementStep, reason: RejectionReason) -> list[str]:
    """Return problems with a step the spec rejected for ``reason``."""
    model_reason = find_model_rejection(step)
    if reason in REASONS_CHECKED_LAST:
        expected: RejectionReason | None = None
    else:
        expected = REASON_ALIASES.get(reason, reason)
    if model_reason == expected:
        return []
    return [f"{step.name}: spec rejects with {reason.value}, model says {model_reason}"]


def compare_with_spec(state: SettlementState, operation: Operation) -> list[str]:
    """Return every disagreement between the spec and the model on one operation."""
    config = ModelConfig.from_preset(state.preset)
    pre = abstract_settlement(state)
    step = encode_operation(config, pre, abstract_operation(state, operation))
    try:
        post = state_transition(state, operation)
    except Rejected as rejection:
        return check_rejection(step, rejection.reason)
    return check_acceptance(step, abstract_settlement(post))


def check_model_invariants(state: SettlementState) -> list[str]:
    """Return every model invariant (state form, ghosts included) a concrete state breaks."""
    config = ModelConfig.from_preset(state.preset)
    settlement = abstract_settlement(state)
    problems = []
    for index in range(len(state.environments)):
        environment = settlement.get_environment(z3.IntVal(index))
        view = StepView("state", environment, environment, settlement.time, settlement.time, None)
        for invariant in make_model_invariants(config):
            violation = find_violation(invariant, view, include_transition=False)
            if is_satisfiable([violation.condition]) is not False:
                problems.append(f"environment {index} breaks {invariant.identifier}")
    return problems
