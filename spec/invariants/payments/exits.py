"""Invariants of the payments exit game: challenge soundness, bonds, honest withdrawal, ordering.

The payments kind adds two settlement operations, ``StartStandardExit`` and
``ChallengeStandardExit`` (``spec.environments.payments.exits``). What they
must preserve beyond the kind-neutral invariants is here:

- INV-10 Challenge soundness: an exit of a payments environment is cancelled
  only by a challenge that names it and shows a spend of its output signed
  by the output's owner (the payments signing hash, re-derived here);
- the payments part of INV-09 Bond conservation
  (:func:`check_exit_game_bonds`), whose kind-neutral part is
  ``spec.invariants.funds.check_bond_destinations``;
- INV-18 Honest withdrawal and INV-19 Exit ordering, properties of whole
  traces: their predicates are the adversary's (``adversary/payments/properties.py``),
  which judge a world whose ground truth the spec does not keep.
"""

from __future__ import annotations

from spec.crypto import recover_signer
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import compute_signing_hash
from spec.errors import Rejected
from spec.invariants.changes import get_added_exits, get_exits_newly_in
from spec.invariants.checks import (
    PRIORITY_CONTRACTS,
    SCENARIOS_EVERY_STEP,
    STATEFUL_END_OF_TRACE,
    STATEFUL_EVERY_STEP,
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_BOUNDED,
    Z3_BOUNDED_IN_FLIGHT,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.invariants.payments.in_flight_steps import check_in_flight_challenge_soundness
from spec.primitives import Uint64
from spec.settlement.state import EnvironmentKind, Exit, ExitStatus, SettlementState
from spec.settlement.transition import Operation

# INV-09 Bond conservation: the payments part


def check_exit_game_bonds(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-09, payments part: a start holds the bond it sent; a challenge cancels the exit it names.

    An accepted ``StartStandardExit`` adds exactly one exit to its
    environment, holding the bond sent with the call; an accepted
    ``ChallengeStandardExit`` cancels exactly the exit it names. With the
    kind-neutral ``check_bond_destinations`` this says that the bond a start
    sends is the one the exit holds, and that a challenge's bond is the named
    exit's.
    """
    if not isinstance(operation, StartStandardExit | ChallengeStandardExit):
        return []
    env_id = int(operation.environment_id)
    if env_id >= len(pre.environments):
        return []
    if isinstance(operation, StartStandardExit):
        bonds = [int(exit.bond) for _, exit in get_added_exits(pre, post, env_id)]
        if bonds != [int(operation.bond)]:
            return [f"a start sending a bond of {int(operation.bond)} added exits with {bonds}"]
        return []
    challenged = get_exits_newly_in(pre, post, env_id, ExitStatus.CHALLENGED)
    cancelled = [int(exit_id) for exit_id, _ in challenged]
    if cancelled != [int(operation.exit_id)]:
        return [f"a challenge of exit {int(operation.exit_id)} cancelled exits {cancelled}"]
    return []


# INV-10 Challenge soundness


def is_sound_challenge(operation: Operation, env_id: int, exit_id: Uint64, exit: Exit) -> bool:
    """Return whether ``operation`` challenges the exit with a spend signed by its output's owner.

    That is: a ``ChallengeStandardExit`` of environment ``env_id`` naming
    ``exit_id``, whose chosen input is the exit's position and whose
    signature at that input recovers, under the environment's signing hash,
    to the exit's owner.
    """
    if not isinstance(operation, ChallengeStandardExit):
        return False
    if operation.environment_id != env_id or operation.exit_id != exit_id:
        return False
    payment = operation.spending_transaction
    index = int(operation.input_index)
    if index >= len(payment.transaction.inputs) or index >= len(payment.signatures):
        return False
    message = compute_signing_hash(operation.environment_id, payment.transaction)
    try:
        signer = recover_signer(message, payment.signatures[index])
    except Rejected:
        return False
    return payment.transaction.inputs[index] == exit.position and signer == exit.owner


def check_challenge_soundness(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-10: an exit of a payments environment is cancelled only by a sound challenge.

    Every exit that the step moved to challenged (or added challenged) in a
    payments environment was cancelled by :func:`is_sound_challenge`.
    """
    violations = []
    for env_id, environment in enumerate(pre.environments):
        if environment.kind != EnvironmentKind.PAYMENTS:
            continue
        for exit_id, exit in get_exits_newly_in(pre, post, env_id, ExitStatus.CHALLENGED):
            if not is_sound_challenge(operation, env_id, exit_id, exit):
                violations.append(f"env {env_id} exit {exit_id}: cancelled without a valid spend")
    return violations


CHALLENGE_SOUNDNESS = Invariant(
    identifier=InvariantId.CHALLENGE_SOUNDNESS,
    title="Challenge soundness",
    layer=Layer.SETTLEMENT,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "An exit is cancelled only by a ChallengeStandardExit that names it and presents a "
        "payment whose chosen input is the exiting output, signed at that input by the output's "
        "owner; so the exit of an output its owner never spent cannot be cancelled. Likewise a "
        "piggyback of an in-flight exit is dropped only by a spent challenge naming it with a "
        "spend signed by its owner, and an in-flight exit loses canonicity only by a challenge "
        "naming it with a competitor signed by the owner of one of its inputs."
    ),
    rationale="Without it, anyone could cancel honest exits and take their bonds.",
    strengthening=(
        "Z3: the payment is abstracted to the position its chosen input spends and the address "
        "its signature recovers to."
    ),
    predicates=Predicates(
        transition=(check_challenge_soundness, check_in_flight_challenge_soundness)
    ),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("challenge-without-signature",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-10."""


# INV-18 Honest withdrawal and INV-19 Exit ordering (trace properties)

HONEST_WITHDRAWAL = Invariant(
    identifier=InvariantId.HONEST_WITHDRAWAL,
    title="Honest withdrawal",
    layer=Layer.EXIT_GAME,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "An honest owner who watches at least once per half MFP and acts in time is paid in "
        "full. Standard: the owner of an output that is unspent and valid in reality, created "
        "by a deposit or in a child block before the first invalid or withheld block, who never "
        "signed a spend of it and starts its exit less than one MFP after that block was "
        "committed (at any time if there is none), is paid its amount and its exit cannot be "
        "cancelled. In flight (MoreVP): for a payment that was withheld or never included, "
        "whose inputs were created before the first invalid or withheld block and whose input "
        "owners signed no other spend of them, (a) the owner of one of its outputs who piggybacks "
        "it in the first phase of an in-flight exit of the payment, less than one MFP after that "
        "block was committed, and challenges with the payment every standard exit of its inputs "
        "(a co-signer's exit of an input it spent would otherwise settle that input first), is "
        "paid the output's amount; (b) the owner of one of its inputs "
        "who piggybacks that input in time is paid the input's amount whenever the payment's "
        "outputs are not paid."
    ),
    rationale=(
        "This is Plasma's central promise: the operator can stop the chain but cannot steal."
    ),
    strengthening=(
        "Narrowed from the brief after Z3 bounded checks found counterexamples: an honest "
        "output created after the first invalid block is not protected (the older invalid "
        "output is paid first), a deposit made after it is protected only if its exit starts "
        "strictly before that block's time + MFP. The earlier narrowing (an owner whose signed "
        "spend was withheld can lose the output to a challenge) is lifted by in-flight exits: "
        "such an owner exits the payment in flight instead. What stays outside: a payment with "
        "a dishonest co-signer (who signed a competing spend) may be non-canonical, so its "
        "receivers are not protected, and its exit's bond goes to whoever shows the competitor."
    ),
    predicates=Predicates(trace=("adversary.payments.properties.check_honest_withdrawal",)),
    checks=(
        Z3_BOUNDED,
        Z3_BOUNDED_IN_FLIGHT,
        Check(
            Checker.Z3_BOUNDED_CONTROLS,
            (
                "exitable-one-period",
                "challenge-without-spend",
                "late-exit-is-unprotected",
                "payment-after-invalid-block-is-unprotected",
                "standard-exit-one-period",
                "input-spent-challenge-with-the-payment",
                "unchallenged-input-exit-is-unprotected",
                "late-piggyback-is-unprotected",
            ),
        ),
        Check(
            Checker.CROSSHAIR,
            (
                "merkle_proof_verifies",
                "merkle_proof_binds_leaf",
                "in_flight_exitable_time_waits",
                "competitor_must_be_older",
            ),
        ),
        STATEFUL_END_OF_TRACE,
    ),
)
"""INV-18."""

EXIT_ORDERING = Invariant(
    identifier=InvariantId.EXIT_ORDERING,
    title="Exit ordering",
    layer=Layer.EXIT_GAME,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "Every valid output of a block before the first invalid block is paid before any "
        "output that depends on the invalid block, when its owner exits within one MFP of that "
        "block."
    ),
    rationale=(
        "The MVP exitable-time rule exists for this; it is why honest users are paid first even "
        "when the vault is drained by outputs from nowhere."
    ),
    strengthening="",
    predicates=Predicates(trace=("adversary.payments.properties.check_exit_ordering",)),
    checks=(
        Z3_BOUNDED,
        Z3_BOUNDED_IN_FLIGHT,
        Check(
            Checker.Z3_BOUNDED_CONTROLS,
            ("exitable-one-period", "priority-ignoring-position", "standard-exit-one-period"),
        ),
        Check(
            Checker.CROSSHAIR,
            (
                "exitable_time_of_child_output",
                *PRIORITY_CONTRACTS,
                "in_flight_exitable_time_waits",
                "payments_queue_is_ordered_and_unique",
                "merkle_proof_binds_index",
                "merkle_proof_binds_leaf",
            ),
        ),
        STATEFUL_END_OF_TRACE,
    ),
)
"""INV-19."""


INVARIANTS = (CHALLENGE_SOUNDNESS, HONEST_WITHDRAWAL, EXIT_ORDERING)
"""The catalog entries of this module."""
