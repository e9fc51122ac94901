"""In-flight exits (More Viable Plasma): start one, and delete one nobody piggybacked.

A payment is *in flight* when its owner cannot show it in a block: the
operator withheld the block holding it, or never included it. Its inputs'
owners and its outputs' owners cannot tell which of them the chain will
consider spent, so the settlement layer lets them exit the payment as a
whole and decides later which side is safe to pay:

1. **Start** (:class:`StartInFlightExit`, anyone, exact bond): the payment,
   each input's transaction with its inclusion proof, and the input owners'
   signatures on the payment. The payment must be of valid shape, every input
   proven, every input's owner must have signed, and per token the inputs
   must cover the outputs. Nothing is queued yet.
2. **First phase**, while ``now < started_at + MFP // 2``: owners piggyback
   the inputs and outputs they want paid (``spec.environments.payments.piggybacks``);
   anyone may challenge canonicity with a competing spend of an input
   (``spec.environments.payments.canonicity``).
3. **Until processing**: responses to canonicity challenges, and challenges
   showing a piggybacked input, or an output of an included payment, spent.
   They end when the exit is processed rather than with the period: the
   exit's payout is decided at processing, so every fact that can change it
   may be brought until then, and nothing can change it afterwards.
4. **Processing** (``spec.environments.payments.queue``): at its exitable
   time, in the shared queue of each token piggybacked, the exit pays the
   piggybacked outputs if it is canonical and no input was settled by another
   exit, and the piggybacked inputs otherwise.

An exit nobody piggybacked is never queued; once its first phase is over,
anyone may delete it (:class:`DeleteInFlightExit`), which returns its bond,
after which the same payment may be exited again. A payment has at most one
in-flight exit that is not deleted.

An in-flight exit's ids are its own (0, 1, 2, ... in order of start); queues
and finalized marks tell the two kinds of exit apart with
:class:`~spec.environments.payments.records.ExitReference`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.environments.payments.chain import compute_output_totals, validate_payment_shape
from spec.environments.payments.exits import get_signer_of_input
from spec.environments.payments.marks import get_payments_records, with_in_flight_exit
from spec.environments.payments.records import (
    NO_PIGGYBACK,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    BlockTransaction,
    Output,
    SignedTransaction,
    compute_output_id,
    compute_transaction_leaf,
    get_transaction_outputs,
)
from spec.errors import RejectionReason, require
from spec.merkle import is_valid_merkle_proof
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint16, Uint64, Uint256
from spec.settlement.state import (
    BlockRecord,
    Environment,
    EnvironmentKind,
    SettlementState,
    credit,
    debit,
    get_active_environment_of_kind,
    get_environment_of_kind,
    with_environment,
)

# Operations


@dataclass(frozen=True)
class StartInFlightExit:
    """Start the in-flight exit of a payment, proving each of its inputs."""

    environment_id: Uint64
    """Environment of the payment."""
    sender: Address
    """The caller, who posts the bond; anyone."""
    transaction: SignedTransaction
    """The in-flight payment with its input owners' signatures."""
    input_transactions: tuple[BlockTransaction, ...]
    """For each input, in input order, the transaction that created it, as included."""
    input_proofs: tuple[tuple[Hash32, ...], ...]
    """For each input, the Merkle proof of its transaction in its block."""
    bond: Uint256
    """Native-token bond; must equal the environment's exit bond."""


@dataclass(frozen=True)
class DeleteInFlightExit:
    """Delete an in-flight exit that nobody piggybacked, once its first phase is over."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller; anyone (the bond goes back to the exit's bond owner)."""
    exit_id: Uint64
    """In-flight exit to delete."""


@dataclass(frozen=True)
class TransactionInclusion:
    """A witness that a transaction is in a committed block: its position and Merkle proof."""

    position: TransactionPosition
    """Block number and transaction index."""
    proof: tuple[Hash32, ...]
    """Merkle proof of the transaction's leaf at that index."""


UNINCLUDED_POSITION = TransactionPosition(Uint64(2**64 - 1), Uint16(2**16 - 1))
"""The rank of a competitor shown only in flight: younger than any included transaction."""


# Helpers


def get_in_flight_exit(environment: Environment, exit_id: Uint64) -> InFlightExit:
    """Return an in-flight exit that is not deleted.

    Raises:
        Rejected: ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``.
    """
    exit = get_payments_records(environment).in_flight_exits.get(exit_id)
    # Verify the in-flight exit exists
    require(exit is not None, RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
    assert exit is not None
    # Verify the in-flight exit was not deleted
    require(exit.status == InFlightExitStatus.ACTIVE, RejectionReason.IN_FLIGHT_EXIT_DELETED)
    return exit


def is_in_first_phase(state: SettlementState, environment: Environment, exit: InFlightExit) -> bool:
    """Return whether the exit is in its first phase: ``now < started_at + MFP // 2``."""
    half_period = environment.rules.minimal_finalization_period // 2
    return state.time < exit.started_at + half_period


def validate_transaction_inclusion(
    state: SettlementState,
    environment: Environment,
    transaction: BlockTransaction,
    inclusion: TransactionInclusion,
) -> BlockRecord:
    """Check that ``transaction`` is the leaf at ``inclusion.position``; return its block's record.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``.
    """
    record = environment.blocks.get(inclusion.position.block_number)
    # Verify a block is committed at the position's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the transaction is the block's leaf at the position's transaction index
    require(
        is_valid_merkle_proof(
            compute_transaction_leaf(transaction),
            inclusion.position.transaction_index,
            inclusion.proof,
            int(state.preset.transaction_tree_depth),
            record.root,
        ),
        RejectionReason.INCLUSION_PROOF_INVALID,
    )
    return record


def get_active_exit_of_transaction(
    environment: Environment, transaction: SignedTransaction
) -> InFlightExit | None:
    """Return the in-flight exit of a payment that is not deleted, if there is one."""
    matches = [
        exit
        for exit in get_payments_records(environment).in_flight_exits.values()
        if exit.transaction == transaction.transaction and exit.status == InFlightExitStatus.ACTIVE
    ]
    return matches[0] if matches else None


# Start


def compute_proven_input(
    state: SettlementState,
    environment: Environment,
    position: OutputPosition,
    transaction: BlockTransaction,
    proof: tuple[Hash32, ...],
) -> tuple[Output, Hash32, Uint64]:
    """Return what an input held, its output id and its block's time, from its proven transaction.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``.
    """
    inclusion = TransactionInclusion(
        TransactionPosition(position.block_number, position.transaction_index), proof
    )
    record = validate_transaction_inclusion(state, environment, transaction, inclusion)
    outputs = get_transaction_outputs(transaction)
    # Verify the input's output index names an output of its transaction
    require(position.output_index < len(outputs), RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
    return (
        outputs[position.output_index],
        compute_output_id(transaction, position),
        record.timestamp,
    )


def validate_in_flight_value(inputs: tuple[Output, ...], outputs: tuple[Output, ...]) -> None:
    """Check that, per token, the payment's inputs cover its outputs.

    Raises:
        Rejected: ``INTEGER_OVERFLOW``, ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    available, spent = compute_output_totals(inputs), compute_output_totals(outputs)
    # Verify, per token, the outputs do not exceed the inputs
    require(
        all(amount <= available.get(token, 0) for token, amount in spent.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )


def validate_in_flight_signatures(
    environment_id: Uint64, payment: SignedTransaction, inputs: tuple[Output, ...]
) -> None:
    """Check that each input's owner signed the payment at that input.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``,
            ``SIGNATURE_UNRECOVERABLE``, ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    for index, spent in enumerate(inputs):
        # Verify the input's owner signed the payment
        require(
            get_signer_of_input(environment_id, payment, index) == spent.owner,
            RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
        )


def compute_new_in_flight_exit(
    state: SettlementState, environment: Environment, operation: StartInFlightExit
) -> InFlightExit:
    """Return the in-flight exit a valid start claims.

    Raises:
        Rejected: the payment shape reasons, ``IN_FLIGHT_WITNESS_COUNT_MISMATCH``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``,
            ``INTEGER_OVERFLOW``, ``TX_OUTPUTS_EXCEED_INPUTS``, the signature reasons,
            ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    payment = operation.transaction
    positions = payment.transaction.inputs
    validate_payment_shape(payment)
    # Verify one proven transaction per input
    require(
        len(operation.input_transactions) == len(positions) == len(operation.input_proofs),
        RejectionReason.IN_FLIGHT_WITNESS_COUNT_MISMATCH,
    )
    proven = [
        compute_proven_input(state, environment, *witness)
        for witness in zip(
            positions, operation.input_transactions, operation.input_proofs, strict=True
        )
    ]
    inputs = tuple(output for output, _, _ in proven)
    validate_in_flight_value(inputs, payment.transaction.outputs)
    validate_in_flight_signatures(operation.environment_id, payment, inputs)
    youngest = max(range(len(positions)), key=lambda index: positions[index])
    return InFlightExit(
        transaction=payment.transaction,
        inputs=inputs,
        input_ids=tuple(output_id for _, output_id, _ in proven),
        youngest_input=positions[youngest],
        youngest_input_time=proven[youngest][2],
        started_at=state.time,
        bond=operation.bond,
        bond_owner=operation.sender,
        canonical=True,
        oldest_competitor=None,
        input_piggybacks=(NO_PIGGYBACK,) * len(inputs),
        output_piggybacks=(NO_PIGGYBACK,) * len(payment.transaction.outputs),
        exitable_at={},
        processed_tokens=(),
        outcome=InFlightOutcome.UNDECIDED,
        status=InFlightExitStatus.ACTIVE,
    )


def process_start_in_flight_exit(
    state: SettlementState, operation: StartInFlightExit
) -> SettlementState:
    """Start an in-flight exit and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, ``TX_NO_INPUTS``, ``TX_TOO_MANY_INPUTS``,
            ``TX_NO_OUTPUTS``, ``TX_TOO_MANY_OUTPUTS``, ``TX_SIGNATURE_COUNT_MISMATCH``,
            ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``,
            ``IN_FLIGHT_WITNESS_COUNT_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``,
            ``TX_OUTPUTS_EXCEED_INPUTS``, ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``,
            ``SIGNATURE_UNRECOVERABLE``, ``TX_INPUT_NOT_SIGNED_BY_OWNER``,
            ``IN_FLIGHT_EXIT_ALREADY_STARTED``, ``EXIT_BOND_WRONG_AMOUNT``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    environment = get_active_environment_of_kind(
        state, operation.environment_id, EnvironmentKind.PAYMENTS
    )
    exit = compute_new_in_flight_exit(state, environment, operation)
    # Verify no other in-flight exit of the payment is active
    require(
        get_active_exit_of_transaction(environment, operation.transaction) is None,
        RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED,
    )
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    exit_id = Uint64(len(get_payments_records(environment).in_flight_exits))
    environment = with_in_flight_exit(environment, exit_id, exit)
    environment = replace(environment, bonds_held=environment.bonds_held + exit.bond)
    state = debit(state, operation.sender, NATIVE_TOKEN, exit.bond)
    return with_environment(state, operation.environment_id, environment)


# Delete


def process_delete_in_flight_exit(
    state: SettlementState, operation: DeleteInFlightExit
) -> SettlementState:
    """Delete an in-flight exit nobody piggybacked and return its bond to its bond owner.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_PERIOD_NOT_OVER``, ``IN_FLIGHT_EXIT_PIGGYBACKED``,
            ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    # Verify nobody can piggyback any more
    require(
        not is_in_first_phase(state, environment, exit), RejectionReason.PIGGYBACK_PERIOD_NOT_OVER
    )
    piggybacks = exit.input_piggybacks + exit.output_piggybacks
    # Verify nobody ever piggybacked the exit
    require(
        all(piggyback.status == PiggybackStatus.NONE for piggyback in piggybacks),
        RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED,
    )
    deleted = replace(exit, status=InFlightExitStatus.DELETED)
    environment = with_in_flight_exit(environment, operation.exit_id, deleted)
    environment = replace(environment, bonds_held=environment.bonds_held - exit.bond)
    state = with_environment(state, operation.environment_id, environment)
    return credit(state, exit.bond_owner, NATIVE_TOKEN, exit.bond)
