"""The payments exit game at the settlement layer: start and challenge a standard exit.

These are the settlement operations the payments kind adds (MVP exits). An
owner exits an output by proving that the transaction creating it is in a
committed block and posting the environment's exit bond; anyone may cancel
that exit by showing a spend of the output signed by its owner, and wins the
bond. What is common to every kind (the bond, one exit per output, the queue,
processing) is in ``spec.settlement.exits``; this module decides only what a
payments exit claims and when a payments challenge holds. An output that an
exit already settled (its finalized mark, ``spec.environments.payments.marks``)
cannot start a standard exit.

What counts as a spend in a challenge (standard and in-flight alike): a
payment of valid shape (the child chain's stateless form rules: input and
output counts, one signature per input, distinct inputs, positive amounts)
whose chosen input is the output, signed there by the output's owner. It need
not be included, and it need not balance: balance depends on the amounts of
its other inputs, which the settlement layer cannot see without a proof of
each, and the owner's signature on a well-formed spend is already the owner
giving the output away. A shapeless transaction is refused with its ``TX_*``
reason: a signature over something no block could ever hold is not a spend.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.crypto import recover_signer
from spec.environments.payments.chain import validate_payment_shape
from spec.environments.payments.marks import is_finalized
from spec.environments.payments.transactions import (
    BlockTransaction,
    SignedTransaction,
    compute_output_id,
    compute_signing_hash,
    compute_transaction_leaf,
    get_transaction_outputs,
)
from spec.errors import RejectionReason, require
from spec.merkle import is_valid_merkle_proof
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint64, Uint256
from spec.settlement.exits import (
    compute_exitable_time,
    get_open_exit,
    process_exit_cancellation,
    process_exit_start,
)
from spec.settlement.state import (
    BlockRecord,
    Environment,
    EnvironmentKind,
    Exit,
    ExitStatus,
    SettlementState,
    get_active_environment_of_kind,
    get_environment_of_kind,
)

# Operations


@dataclass(frozen=True)
class StartStandardExit:
    """Start the exit of one output, proving it was created in a committed block."""

    environment_id: Uint64
    """Environment the output belongs to."""
    sender: Address
    """The caller; must own the output."""
    position: OutputPosition
    """Position of the exiting output."""
    transaction: BlockTransaction
    """The transaction that created the output, as included in its block."""
    inclusion_proof: tuple[Hash32, ...]
    """Merkle proof of the transaction at ``position.transaction_index`` in its block."""
    bond: Uint256
    """Native-token bond sent with the call; must equal the environment's exit bond."""


@dataclass(frozen=True)
class ChallengeStandardExit:
    """Cancel an exit by showing that its output was spent: the owner signed a spend of it."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the challenger), who receives the bond."""
    exit_id: Uint64
    """Exit being challenged."""
    spending_transaction: SignedTransaction
    """A payment that spends the exiting output; it need not be in any block."""
    input_index: Uint8
    """Index of the exiting output among the payment's inputs."""


# Helpers


def get_signer_of_input(
    environment_id: Uint64, payment: SignedTransaction, input_index: int
) -> Address | None:
    """Return who signed input ``input_index`` of a payment, or None if it has no signature.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    if input_index >= len(payment.signatures):
        return None
    message = compute_signing_hash(environment_id, payment.transaction)
    return recover_signer(message, payment.signatures[input_index])


# Start


def validate_inclusion(
    state: SettlementState, environment: Environment, operation: StartStandardExit
) -> BlockRecord:
    """Check that the exit's transaction is in the committed block; return the block's record.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``.
    """
    position = operation.position
    record = environment.blocks.get(position.block_number)
    # Verify a block is committed at the position's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the transaction is the block's leaf at the position's transaction index
    require(
        is_valid_merkle_proof(
            compute_transaction_leaf(operation.transaction),
            position.transaction_index,
            operation.inclusion_proof,
            int(state.preset.transaction_tree_depth),
            record.root,
        ),
        RejectionReason.INCLUSION_PROOF_INVALID,
    )
    return record


def compute_new_exit(
    state: SettlementState, environment: Environment, operation: StartStandardExit
) -> Exit:
    """Return the exit a valid start claims: the output's owner, token and amount.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``,
            ``OUTPUT_ALREADY_FINALIZED``, ``INTEGER_OVERFLOW``.
    """
    record = validate_inclusion(state, environment, operation)
    outputs = get_transaction_outputs(operation.transaction)
    # Verify the output index names an output of the transaction
    require(
        operation.position.output_index < len(outputs), RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE
    )
    output = outputs[operation.position.output_index]
    # Verify the sender owns the output
    require(operation.sender == output.owner, RejectionReason.EXIT_NOT_BY_OWNER)
    output_id = compute_output_id(operation.transaction, operation.position)
    # Verify no exit (standard or in-flight) has settled the output already
    require(not is_finalized(environment, output_id), RejectionReason.OUTPUT_ALREADY_FINALIZED)
    period = environment.rules.minimal_finalization_period
    return Exit(
        position=operation.position,
        output_id=output_id,
        owner=output.owner,
        token=output.token,
        amount=output.amount,
        bond=operation.bond,
        started_at=state.time,
        exitable_at=compute_exitable_time(record, state.time, period),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )


def process_start_standard_exit(
    state: SettlementState, operation: StartStandardExit
) -> SettlementState:
    """Start the exit of an output and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``, ``OUTPUT_ALREADY_FINALIZED``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    environment = get_active_environment_of_kind(
        state, operation.environment_id, EnvironmentKind.PAYMENTS
    )
    exit = compute_new_exit(state, environment, operation)
    return process_exit_start(state, operation.environment_id, exit, operation.sender)


# Challenge


def validate_spend(environment_id: Uint64, exit: Exit, operation: ChallengeStandardExit) -> None:
    """Check that the challenge's payment spends the exiting output with its owner's signature.

    Raises:
        Rejected: ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    payment = operation.spending_transaction
    inputs = payment.transaction.inputs
    index = int(operation.input_index)
    # Verify the chosen input of the payment is the exiting output
    require(
        index < len(inputs) and inputs[index] == exit.position,
        RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
    )
    # Verify the exiting output's owner signed that input
    require(
        get_signer_of_input(environment_id, payment, index) == exit.owner,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    )


def process_challenge_standard_exit(
    state: SettlementState, operation: ChallengeStandardExit
) -> SettlementState:
    """Cancel an open exit for good and pay its bond to the challenger.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``, the payment shape reasons (``TX_NO_INPUTS``,
            ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``, ``TX_TOO_MANY_OUTPUTS``,
            ``TX_SIGNATURE_COUNT_MISMATCH``, ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``),
            ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_open_exit(environment, operation.exit_id)
    validate_payment_shape(operation.spending_transaction)
    validate_spend(operation.environment_id, exit, operation)
    return process_exit_cancellation(
        state, operation.environment_id, operation.exit_id, operation.sender
    )
