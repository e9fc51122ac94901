"""Standard exits: start, challenge and process.

An owner exits an output by proving its transaction is in a committed block
and posting a bond. The exit becomes processable at its exitable time (the MVP
rule below); until it is processed anyone may cancel it by showing a spend of
the output signed by its owner, which wins the bond. Exits of one
(environment, token) are paid in priority order: exitable time, then position
(older outputs first), then exit id.

MVP exitable time, with MFP the environment's minimal finalization period:

- an output of a child block: ``max(block_time + 2·MFP, exit_start + MFP)``,
  so an output younger than one MFP waits until two MFPs after its block
  (time for watchers to see an invalid block and exit older outputs first);
- an output of a deposit block: ``exit_start + MFP`` (deposits cannot be
  forged by the operator).

Each output may have at most one exit, ever: a challenged exit is cancelled
for good. The vault never pays more than it holds: an exit is paid
``min(amount, vault balance)``; with priority order, only outputs behind every
honest older one (those depending on an invalid block) can meet an empty vault.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import takewhile

from spec.crypto import recover_signer
from spec.errors import RejectionReason, require
from spec.merkle import is_valid_merkle_proof
from spec.payments.transactions import (
    OutputPosition,
    SignedTransaction,
    compute_signing_hash,
    compute_transaction_leaf,
    get_transaction_outputs,
)
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.operations import ChallengeStandardExit, ProcessExits, StartStandardExit
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    Exit,
    ExitStatus,
    SettlementState,
    credit,
    debit,
    get_active_environment,
    get_environment,
    get_exit_of_position,
    get_vault_balance,
    with_environment,
)
from spec.totals import add_to_totals, with_entry

ExitPriority = tuple[Uint64, OutputPosition, Uint64]
"""(exitable time, position, exit id): smaller is paid first."""


# Helpers


def compute_exitable_time(record: BlockRecord, started_at: Uint64, period: Uint64) -> Uint64:
    """Return when an exit of an output in the block ``record`` may be processed (MVP rule)."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return max(record.timestamp + period * 2, started_at + period)


def compute_exit_priority(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Return the key that orders an exit in its queue."""
    return (exit.exitable_at, exit.position, exit_id)


def get_exit_queue(environment: Environment, token: Address) -> list[tuple[Uint64, Exit]]:
    """Return the open exits of one token, highest priority first."""
    open_exits = [
        (exit_id, exit)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(open_exits, key=lambda item: compute_exit_priority(*item))


def is_exit_mature(state: SettlementState, exit: Exit) -> bool:
    """Return whether an exit's exitable time has come."""
    return exit.exitable_at <= state.time


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
    """Return the exit a valid start creates.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``, ``INTEGER_OVERFLOW``.
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
    period = environment.rules.minimal_finalization_period
    return Exit(
        position=operation.position,
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
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    environment = get_active_environment(state, operation.environment_id)
    exit = compute_new_exit(state, environment, operation)
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    # Verify no exit of this output was ever started
    require(
        get_exit_of_position(environment, operation.position) is None,
        RejectionReason.EXIT_ALREADY_STARTED,
    )
    exit_id = Uint64(len(environment.exits))
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, exit),
        bonds_held=environment.bonds_held + operation.bond,
    )
    state = debit(state, operation.sender, NATIVE_TOKEN, operation.bond)
    return with_environment(state, operation.environment_id, environment)


# Challenge


def get_open_exit(environment: Environment, exit_id: Uint64) -> Exit:
    """Return an exit that is still open.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    exit = environment.exits.get(exit_id)
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == ExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


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
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``,
            ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    environment = get_environment(state, operation.environment_id)
    exit = get_open_exit(environment, operation.exit_id)
    validate_spend(operation.environment_id, exit, operation)
    environment = replace(
        environment,
        exits=with_entry(
            environment.exits, operation.exit_id, replace(exit, status=ExitStatus.CHALLENGED)
        ),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, operation.environment_id, environment)
    return credit(state, operation.sender, NATIVE_TOKEN, exit.bond)


# Process


def process_exit(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Pay one open exit from the vault (at most what it holds) and return its bond.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    payout = min(exit.amount, get_vault_balance(environment, exit.token))
    processed = replace(exit, status=ExitStatus.PROCESSED, paid=payout)
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, processed),
        withdrawn=add_to_totals(environment.withdrawn, exit.token, payout),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    state = credit(state, exit.owner, exit.token, payout)
    return credit(state, exit.owner, NATIVE_TOKEN, exit.bond)


def process_exit_queue(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Process mature exits of one queue in priority order, stopping at the first immature one.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment(state, operation.environment_id)
    # Verify the call may process at least one exit
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = get_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda item: is_exit_mature(state, item[1]), queue))
    # Verify the head of the queue is mature
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    for exit_id, _ in mature[: operation.max_exits]:
        state = process_exit(state, operation.environment_id, exit_id)
    return state
