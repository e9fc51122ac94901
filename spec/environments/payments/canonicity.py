"""The canonicity game of an in-flight exit: challenge it with a competitor, and respond.

An in-flight payment is *canonical* when no other payment spending one of its
inputs, signed by that input's owner, was included before it. Canonical, it
is the spend the chain honours, so its outputs are safe to pay; otherwise its
inputs' owners keep what they had. The settlement layer cannot see the
withheld blocks, so the question is argued:

- **Challenge** (:class:`ChallengeInFlightNotCanonical`), in the exit's first
  phase: a *competitor* spending one of the same inputs, signed by that
  input's owner, either shown included (with its position) or itself only in
  flight (then ranked younger than every included payment). Each challenge
  must name a competitor older than the last one known, so the game ends. The
  exit becomes non-canonical and its bond goes to the challenger.
- **Response** (:class:`RespondToNonCanonicalChallenge`), until the exit is
  processed: the in-flight payment itself shown included at a position older
  than the oldest competitor. The exit is canonical again, its bond goes to
  the responder, and a later challenge must name a competitor older than the
  payment itself.

Whoever holds the bond when the exit is first processed is paid it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.environments.payments.chain import validate_payment_shape
from spec.environments.payments.exits import get_signer_of_input
from spec.environments.payments.in_flight import (
    UNINCLUDED_POSITION,
    TransactionInclusion,
    get_in_flight_exit,
    is_in_first_phase,
    validate_transaction_inclusion,
)
from spec.environments.payments.marks import with_in_flight_exit
from spec.environments.payments.records import InFlightExit, InFlightOutcome
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason, require
from spec.positions import TransactionPosition
from spec.primitives import Address, Uint8, Uint64
from spec.settlement.state import (
    Environment,
    EnvironmentKind,
    SettlementState,
    get_environment_of_kind,
    with_environment,
)

# Operations


@dataclass(frozen=True)
class ChallengeInFlightNotCanonical:
    """Show a competitor of an in-flight payment: another spend of one of its inputs."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the challenger), who takes the exit's bond."""
    exit_id: Uint64
    """In-flight exit challenged."""
    competitor: SignedTransaction
    """A payment spending one of the in-flight payment's inputs."""
    competitor_input_index: Uint8
    """Index, among the competitor's inputs, of the input both payments spend."""
    inclusion: TransactionInclusion | None
    """Where the competitor is included, with the proof; none if it is itself in flight."""


@dataclass(frozen=True)
class RespondToNonCanonicalChallenge:
    """Show the in-flight payment included before the oldest competitor."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the responder), who takes the exit's bond."""
    exit_id: Uint64
    """In-flight exit defended."""
    transaction: SignedTransaction
    """The in-flight payment as included (with the signatures its block holds)."""
    inclusion: TransactionInclusion
    """Where it is included, with the proof."""


# Helpers


def get_competitor_position(
    state: SettlementState, environment: Environment, operation: ChallengeInFlightNotCanonical
) -> TransactionPosition:
    """Return the competitor's rank: its proven position, or the unincluded one.

    A competitor shown only in flight ranks
    :data:`~spec.environments.payments.in_flight.UNINCLUDED_POSITION`.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``.
    """
    if operation.inclusion is None:
        return UNINCLUDED_POSITION
    validate_transaction_inclusion(state, environment, operation.competitor, operation.inclusion)
    return operation.inclusion.position


def is_older_than_competitor(exit: InFlightExit, position: TransactionPosition) -> bool:
    """Return whether ``position`` is older than the oldest competitor known (true if none)."""
    return exit.oldest_competitor is None or position < exit.oldest_competitor


def get_contested_input(exit: InFlightExit, operation: ChallengeInFlightNotCanonical) -> int:
    """Return the index, among the in-flight payment's inputs, of the input the competitor spends.

    Raises:
        Rejected: ``COMPETITOR_NOT_SPENDING_INPUT``.
    """
    inputs = operation.competitor.transaction.inputs
    chosen = int(operation.competitor_input_index)
    # Verify the competitor's chosen input is an input of the in-flight payment
    require(
        chosen < len(inputs) and inputs[chosen] in exit.transaction.inputs,
        RejectionReason.COMPETITOR_NOT_SPENDING_INPUT,
    )
    return exit.transaction.inputs.index(inputs[chosen])


# Challenge


def process_challenge_in_flight_not_canonical(
    state: SettlementState, operation: ChallengeInFlightNotCanonical
) -> SettlementState:
    """Make an in-flight exit non-canonical and give its bond to the challenger.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``CANONICITY_PERIOD_OVER``, the payment shape reasons (``TX_NO_INPUTS``,
            ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``, ``TX_TOO_MANY_OUTPUTS``,
            ``TX_SIGNATURE_COUNT_MISMATCH``, ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``),
            ``CHALLENGE_IS_IN_FLIGHT_TRANSACTION``, ``COMPETITOR_NOT_SPENDING_INPUT``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``COMPETITOR_NOT_OLDER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    # Verify canonicity challenges are still accepted: the exit's first phase
    require(is_in_first_phase(state, environment, exit), RejectionReason.CANONICITY_PERIOD_OVER)
    competitor = operation.competitor
    validate_payment_shape(competitor)
    # Verify the competitor is another payment than the in-flight one
    require(
        competitor.transaction != exit.transaction,
        RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION,
    )
    contested = get_contested_input(exit, operation)
    position = get_competitor_position(state, environment, operation)
    # Verify the competitor is older than every competitor shown before
    require(is_older_than_competitor(exit, position), RejectionReason.COMPETITOR_NOT_OLDER)
    signer = get_signer_of_input(
        operation.environment_id, competitor, int(operation.competitor_input_index)
    )
    # Verify the contested input's owner signed the competitor
    require(signer == exit.inputs[contested].owner, RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
    challenged = replace(
        exit, canonical=False, bond_owner=operation.sender, oldest_competitor=position
    )
    environment = with_in_flight_exit(environment, operation.exit_id, challenged)
    return with_environment(state, operation.environment_id, environment)


# Response


def process_respond_to_non_canonical_challenge(
    state: SettlementState, operation: RespondToNonCanonicalChallenge
) -> SettlementState:
    """Make a challenged in-flight exit canonical again and give its bond to the responder.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``IN_FLIGHT_EXIT_ALREADY_DECIDED``, ``RESPONSE_WITHOUT_CHALLENGE``,
            ``IN_FLIGHT_TRANSACTION_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, ``RESPONSE_NOT_OLDER``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    # Verify the exit's canonicity is not decided yet: it was never processed
    require(
        exit.outcome == InFlightOutcome.UNDECIDED, RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED
    )
    # Verify there is a challenge to answer: the exit stands non-canonical
    require(not exit.canonical, RejectionReason.RESPONSE_WITHOUT_CHALLENGE)
    # Verify the transaction shown is the in-flight payment
    require(
        operation.transaction.transaction == exit.transaction,
        RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH,
    )
    validate_transaction_inclusion(state, environment, operation.transaction, operation.inclusion)
    position = operation.inclusion.position
    # Verify the payment was included before the oldest competitor
    require(is_older_than_competitor(exit, position), RejectionReason.RESPONSE_NOT_OLDER)
    answered = replace(
        exit, canonical=True, bond_owner=operation.sender, oldest_competitor=position
    )
    environment = with_in_flight_exit(environment, operation.exit_id, answered)
    return with_environment(state, operation.environment_id, environment)
