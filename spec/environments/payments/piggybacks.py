"""Piggybacks on an in-flight exit, and the challenges that show a piggybacked one spent.

An in-flight exit pays only what its owners piggyback: each owner of an
input or an output of the in-flight payment who wants it paid piggybacks it,
by themselves, in the exit's first phase, with a bond equal to the
environment's exit bond. A token's first piggyback puts the exit in that
token's queue with exitable time ``max(youngest input's block time + 2·MFP,
now + MFP)``: never earlier than a standard exit of its youngest input could
be paid, and at least one full period after the claim became known.

Until the piggyback is processed, anyone may show it spent and take its bond:

- an input, with another payment that spends it, signed by the input's owner
  (:class:`ChallengeInFlightInputSpent`; the spend need not be included);
- an output, once the in-flight payment is shown included, with a payment
  that spends the output at that position, signed by the output's owner
  (:class:`ChallengeInFlightOutputSpent`).

A challenged piggyback is never paid; the exit goes on for the others.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.environments.payments.chain import validate_payment_shape
from spec.environments.payments.exits import get_signer_of_input
from spec.environments.payments.in_flight import (
    TransactionInclusion,
    get_in_flight_exit,
    is_in_first_phase,
    validate_transaction_inclusion,
)
from spec.environments.payments.marks import with_in_flight_exit
from spec.environments.payments.records import (
    InFlightExit,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output, SignedTransaction
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint64, Uint256
from spec.settlement.state import (
    Environment,
    EnvironmentKind,
    SettlementState,
    credit,
    debit,
    get_environment_of_kind,
    with_environment,
)
from spec.totals import with_entry

# Operations


@dataclass(frozen=True)
class PiggybackInFlightExit:
    """Ask an in-flight exit to pay one input or output, as its owner, with a bond."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller; must own the input or output."""
    exit_id: Uint64
    """In-flight exit piggybacked."""
    side: PiggybackSide
    """Input or output."""
    index: Uint8
    """Index among the payment's inputs (or outputs)."""
    bond: Uint256
    """Native-token bond; must equal the environment's exit bond."""


@dataclass(frozen=True)
class ChallengeInFlightInputSpent:
    """Show a piggybacked input spent by another payment its owner signed; take its bond."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the challenger), who receives the piggyback's bond."""
    exit_id: Uint64
    """In-flight exit challenged."""
    input_index: Uint8
    """Index of the piggybacked input among the in-flight payment's inputs."""
    spending_transaction: SignedTransaction
    """Another payment spending that input; it need not be included."""
    spending_input_index: Uint8
    """Index of the input among the spending payment's inputs."""


@dataclass(frozen=True)
class ChallengeInFlightOutputSpent:
    """Show a piggybacked output of an included in-flight payment spent; take its bond."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the challenger), who receives the piggyback's bond."""
    exit_id: Uint64
    """In-flight exit challenged."""
    output_index: Uint8
    """Index of the piggybacked output among the in-flight payment's outputs."""
    in_flight_transaction: SignedTransaction
    """The in-flight payment as included (with the signatures its block holds)."""
    inclusion: TransactionInclusion
    """Where the in-flight payment is included, with the proof."""
    spending_transaction: SignedTransaction
    """A payment spending the output at that position; it need not be included."""
    spending_input_index: Uint8
    """Index of the output among the spending payment's inputs."""


# Helpers


def get_piggybacks(exit: InFlightExit, side: PiggybackSide) -> tuple[Piggyback, ...]:
    """Return the piggybacks of one side of the exit."""
    return exit.input_piggybacks if side == PiggybackSide.INPUT else exit.output_piggybacks


def with_piggyback(
    exit: InFlightExit, side: PiggybackSide, index: int, piggyback: Piggyback
) -> InFlightExit:
    """Return ``exit`` with one piggyback replaced."""
    piggybacks = list(get_piggybacks(exit, side))
    piggybacks[index] = piggyback
    if side == PiggybackSide.INPUT:
        return replace(exit, input_piggybacks=tuple(piggybacks))
    return replace(exit, output_piggybacks=tuple(piggybacks))


def get_piggyback_output(exit: InFlightExit, side: PiggybackSide, index: int) -> Output:
    """Return one input (what it held) or output of the exit's payment."""
    outputs = exit.inputs if side == PiggybackSide.INPUT else exit.transaction.outputs
    return outputs[index]


def compute_in_flight_exitable_time(
    state: SettlementState, environment: Environment, exit: InFlightExit
) -> Uint64:
    """Return the exitable time a token's first piggyback sets.

    It is ``max(youngest input's block time + 2·MFP, now + MFP)``.
    """
    period = environment.rules.minimal_finalization_period
    return max(exit.youngest_input_time + period * 2, state.time + period)


def get_open_piggyback(exit: InFlightExit, side: PiggybackSide, index: int) -> None:
    """Check that one input or output of the exit is piggybacked and not yet settled.

    Raises:
        Rejected: ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``.
    """
    piggybacks = get_piggybacks(exit, side)
    # Verify the index names an input (or output) of the payment
    require(index < len(piggybacks), RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
    # Verify that input (or output) is piggybacked and its piggyback not settled
    require(piggybacks[index].status == PiggybackStatus.OPEN, RejectionReason.PIGGYBACK_NOT_OPEN)


def process_piggyback_challenge(
    state: SettlementState,
    environment_id: Uint64,
    exit_id: Uint64,
    *,
    side: PiggybackSide,
    index: int,
    challenger: Address,
) -> SettlementState:
    """Drop a piggyback shown spent and pay its bond to ``challenger``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the challenger's balance would pass
            the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = get_in_flight_exit(environment, exit_id)
    challenged = with_piggyback(
        exit, side, index, Piggyback(PiggybackStatus.CHALLENGED, Uint256(0))
    )
    environment = with_in_flight_exit(environment, exit_id, challenged)
    environment = replace(environment, bonds_held=environment.bonds_held - exit.bond)
    state = with_environment(state, environment_id, environment)
    return credit(state, challenger, NATIVE_TOKEN, exit.bond)


# Piggyback


def process_piggyback_in_flight_exit(
    state: SettlementState, operation: PiggybackInFlightExit
) -> SettlementState:
    """Piggyback one input or output; a token's first piggyback queues the exit for that token.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_PERIOD_OVER``, ``PIGGYBACK_INDEX_OUT_OF_RANGE``,
            ``PIGGYBACK_NOT_BY_OWNER``, ``PIGGYBACK_ALREADY_MADE``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``INSUFFICIENT_FUNDS`` (for the bond),
            ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    side, index = operation.side, int(operation.index)
    # Verify piggybacks are still accepted: the exit's first phase
    require(is_in_first_phase(state, environment, exit), RejectionReason.PIGGYBACK_PERIOD_OVER)
    piggybacks = get_piggybacks(exit, side)
    # Verify the index names an input (or output) of the payment
    require(index < len(piggybacks), RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
    # Verify the sender owns that input (or output)
    require(
        operation.sender == get_piggyback_output(exit, side, index).owner,
        RejectionReason.PIGGYBACK_NOT_BY_OWNER,
    )
    # Verify it was not piggybacked before
    require(
        piggybacks[index].status == PiggybackStatus.NONE, RejectionReason.PIGGYBACK_ALREADY_MADE
    )
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    piggybacked = with_piggyback(exit, side, index, Piggyback(PiggybackStatus.OPEN, Uint256(0)))
    token = get_piggyback_output(exit, side, index).token
    if token not in exit.exitable_at:
        exitable_at = compute_in_flight_exitable_time(state, environment, exit)
        piggybacked = replace(
            piggybacked, exitable_at=with_entry(exit.exitable_at, token, exitable_at)
        )
    environment = with_in_flight_exit(environment, operation.exit_id, piggybacked)
    environment = replace(environment, bonds_held=environment.bonds_held + operation.bond)
    state = debit(state, operation.sender, NATIVE_TOKEN, operation.bond)
    return with_environment(state, operation.environment_id, environment)


# Spent challenges


def validate_spend_of(
    environment_id: Uint64,
    spending: SignedTransaction,
    spending_input_index: int,
    spent: OutputPosition,
    owner: Address,
) -> None:
    """Check that a payment spends ``spent`` at its chosen input, signed there by ``owner``.

    Raises:
        Rejected: ``CHALLENGE_NOT_SPENDING_PIGGYBACK``, ``SIGNATURE_MALFORMED``,
            ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``.
    """
    inputs = spending.transaction.inputs
    # Verify the spending payment's chosen input is the piggybacked one
    require(
        spending_input_index < len(inputs) and inputs[spending_input_index] == spent,
        RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK,
    )
    # Verify its owner signed that input
    require(
        get_signer_of_input(environment_id, spending, spending_input_index) == owner,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    )


def process_challenge_in_flight_input_spent(
    state: SettlementState, operation: ChallengeInFlightInputSpent
) -> SettlementState:
    """Drop a piggybacked input that its owner spent in another payment.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``, the payment shape
            reasons, ``CHALLENGE_IS_IN_FLIGHT_TRANSACTION``,
            ``CHALLENGE_NOT_SPENDING_PIGGYBACK``, the signature reasons,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    index = int(operation.input_index)
    get_open_piggyback(exit, PiggybackSide.INPUT, index)
    spending = operation.spending_transaction
    validate_payment_shape(spending)
    # Verify the spend is another payment than the in-flight one
    require(
        spending.transaction != exit.transaction,
        RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION,
    )
    validate_spend_of(
        operation.environment_id,
        spending,
        int(operation.spending_input_index),
        exit.transaction.inputs[index],
        exit.inputs[index].owner,
    )
    return process_piggyback_challenge(
        state,
        operation.environment_id,
        operation.exit_id,
        side=PiggybackSide.INPUT,
        index=index,
        challenger=operation.sender,
    )


def process_challenge_in_flight_output_spent(
    state: SettlementState, operation: ChallengeInFlightOutputSpent
) -> SettlementState:
    """Drop a piggybacked output of an included in-flight payment that its owner spent.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``,
            ``IN_FLIGHT_TRANSACTION_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, the payment shape reasons,
            ``CHALLENGE_NOT_SPENDING_PIGGYBACK``, the signature reasons,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    index = int(operation.output_index)
    get_open_piggyback(exit, PiggybackSide.OUTPUT, index)
    # Verify the transaction shown included is the in-flight payment
    require(
        operation.in_flight_transaction.transaction == exit.transaction,
        RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH,
    )
    validate_transaction_inclusion(
        state, environment, operation.in_flight_transaction, operation.inclusion
    )
    spending = operation.spending_transaction
    validate_payment_shape(spending)
    position = operation.inclusion.position
    validate_spend_of(
        operation.environment_id,
        spending,
        int(operation.spending_input_index),
        OutputPosition(position.block_number, position.transaction_index, Uint8(index)),
        exit.transaction.outputs[index].owner,
    )
    return process_piggyback_challenge(
        state,
        operation.environment_id,
        operation.exit_id,
        side=PiggybackSide.OUTPUT,
        index=index,
        challenger=operation.sender,
    )
