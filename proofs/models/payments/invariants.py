"""Invariants of the payments exit game in the settlement model: INV-10 Challenge soundness.

Part of the model invariants (``proofs.models.invariants``). An exit is
cancelled only by the ``challenge_exit`` transition
(``proofs.models.payments.transitions``) naming it, whose payment spends the
exit's position and is signed by the exit's owner.
"""

from __future__ import annotations

import z3

from proofs.models.clauses import ModelInvariant, StepView, TransitionClause
from proofs.models.predicates import OPEN, has_status
from proofs.models.rules import ExitStatusCode
from spec.invariants.ids import InvariantId


def is_sound_cancellation(view: StepView, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether an exit the step cancelled was named by a challenge with a valid spend."""
    cancelled = z3.And(
        has_status(view.pre, exit_id, OPEN),
        view.post.exit_status[exit_id] == ExitStatusCode.CHALLENGED,
    )
    if view.name != "challenge_exit":
        return z3.Not(cancelled)
    witnessed = z3.And(
        view.get_parameter("exit_id") == exit_id,
        view.get_parameter("spent_position") == view.pre.exit_position[exit_id],
        view.get_parameter("signer") == view.pre.exit_owner[exit_id],
    )
    return z3.Implies(cancelled, witnessed)


def make_challenge_soundness() -> ModelInvariant:
    """Return INV-10: only a challenge with the owner's signed spend cancels an exit."""
    return ModelInvariant(
        InvariantId.CHALLENGE_SOUNDNESS,
        (),
        (
            TransitionClause(
                "an exit is cancelled only by a spend of its output signed by its owner",
                1,
                is_sound_cancellation,
            ),
        ),
        strengthening=(
            "Z3: the payment is abstracted to the position its chosen input spends and the "
            "address its signature recovers to."
        ),
    )
