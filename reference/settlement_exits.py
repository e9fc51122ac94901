"""Standard exits in the simulator: start, challenge and process, each O(log n) per exit.

The rules, their order and their rejection reasons are those of
``spec.settlement.exits``; what differs is how the state is read:

- "has this output an exit?" is one lookup in the UNIQUE (environment,
  position) index, not a scan of the exits;
- the next exit id is the environment's exit counter;
- the head of an exit queue is read from the partial index of open exits,
  ordered as the spec orders a queue (exitable time, position, exit id), with
  ``exitable_at <= now`` and ``LIMIT max_exits``: processing reads only the
  exits it pays.

The functions run inside the caller's store transaction: when one raises
(even after paying some exits of a queue), the rollback undoes everything.
"""

from __future__ import annotations

from dataclasses import replace

from reference.settlement_access import SettlementTables
from reference.settlement_steps import (
    add_to_entry,
    credit,
    debit,
    read_active_environment,
    read_registered_environment,
)
from reference.settlement_tables import LedgerEntry
from reference.store import failpoint
from reference.transactions import compute_signing_hash, compute_transaction_leaf
from spec.crypto import recover_signer
from spec.errors import RejectionReason, require
from spec.merkle import is_valid_merkle_proof
from spec.payments.transactions import BlockTransaction, Output, SignedTransaction
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.operations import ChallengeStandardExit, ProcessExits, StartStandardExit
from spec.settlement.state import BlockKind, BlockRecord, Exit, ExitStatus

# Start


def list_outputs(transaction: BlockTransaction) -> tuple[Output, ...]:
    """Return the outputs a block transaction creates (a payment's, or the one of a claim)."""
    if isinstance(transaction, SignedTransaction):
        return transaction.transaction.outputs
    return (transaction.output,)


def compute_exitable_time(record: BlockRecord, started_at: Uint64, period: Uint64) -> Uint64:
    """Return when an exit may be processed (the MVP rule of ``spec.settlement.exits``).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the time passes the largest Uint64.
    """
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    # An output of a child block younger than one period waits two periods from its block
    return max(record.timestamp + period * 2, started_at + period)


def start_standard_exit(
    tables: SettlementTables, preset: Preset, operation: StartStandardExit
) -> None:
    """Start the exit of an output and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    time = tables.read_time()
    environment = read_active_environment(tables, preset, time, operation.environment_id)
    identifier = environment.environment_id
    position = operation.position
    record = tables.read_block(identifier, position.block_number)
    # Verify a block is committed at the position's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the transaction is the block's leaf at the position's transaction index
    require(
        is_valid_merkle_proof(
            compute_transaction_leaf(operation.transaction),
            position.transaction_index,
            operation.inclusion_proof,
            int(preset.transaction_tree_depth),
            record.root,
        ),
        RejectionReason.INCLUSION_PROOF_INVALID,
    )
    outputs = list_outputs(operation.transaction)
    # Verify the output index names an output of the transaction
    require(position.output_index < len(outputs), RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
    output = outputs[position.output_index]
    # Verify the sender owns the output
    require(operation.sender == output.owner, RejectionReason.EXIT_NOT_BY_OWNER)
    period = environment.rules.minimal_finalization_period
    exitable_at = compute_exitable_time(record, time, period)
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    # Verify no exit of this output was ever started (one lookup in the UNIQUE index)
    require(
        tables.find_exit_of_position(identifier, position) is None,
        RejectionReason.EXIT_ALREADY_STARTED,
    )
    exit = Exit(
        position=position,
        owner=output.owner,
        token=output.token,
        amount=output.amount,
        bond=operation.bond,
        started_at=time,
        exitable_at=exitable_at,
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )
    bonds_held = environment.bonds_held + operation.bond
    debit(tables, operation.sender, NATIVE_TOKEN, operation.bond)
    failpoint()
    tables.insert_exit(identifier, environment.exit_count, exit)
    failpoint()
    counters = replace(environment, exit_count=environment.exit_count + 1, bonds_held=bonds_held)
    tables.update_environment(counters)


# Challenge


def read_open_exit(
    tables: SettlementTables, environment_id: int, count: int, exit_id: Uint64
) -> Exit:
    """Return an exit that is still open.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    # Exit ids are 0 to count - 1: a larger id (up to any Uint64) never reaches SQLite
    exit = tables.read_exit(environment_id, int(exit_id)) if exit_id < count else None
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == ExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


def find_signer_of_input(
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
        find_signer_of_input(environment_id, payment, index) == exit.owner,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    )


def challenge_standard_exit(tables: SettlementTables, operation: ChallengeStandardExit) -> None:
    """Cancel an open exit for good and pay its bond to the challenger.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``,
            ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``INTEGER_OVERFLOW`` (the challenger's balance).
    """
    environment = read_registered_environment(tables, operation.environment_id)
    identifier = environment.environment_id
    exit = read_open_exit(tables, identifier, environment.exit_count, operation.exit_id)
    validate_spend(operation.environment_id, exit, operation)
    bonds_held = environment.bonds_held - exit.bond
    credit(tables, operation.sender, NATIVE_TOKEN, exit.bond)
    failpoint()
    tables.write_exit_outcome(identifier, int(operation.exit_id), ExitStatus.CHALLENGED, exit.paid)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Process


class Credits:
    """Balances credited by one operation: each read once, summed in memory, written once.

    Summing in the order the spec credits keeps ``INTEGER_OVERFLOW`` exactly
    where the spec raises it; a processing call then costs one read and one
    write per owner instead of two of each per exit.
    """

    def __init__(self, tables: SettlementTables) -> None:
        self.tables = tables
        """Where the balances are read and written."""
        self.balances: dict[tuple[Address, Address], Uint256] = {}
        """The credited balances so far, by (account, token)."""

    def credit(self, account: Address, token: Address, amount: Uint256) -> None:
        """Add ``amount`` to an account's balance.

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
        """
        key = (account, token)
        balance = self.balances.get(key)
        if balance is None:
            balance = self.tables.read_balance(account, token)
        self.balances[key] = balance + amount

    def write(self) -> None:
        """Write every credited balance (zero balances dropped, as the spec drops them)."""
        self.tables.write_balances(self.balances.items())


def process_exits(tables: SettlementTables, operation: ProcessExits) -> None:
    """Pay mature exits of one queue in priority order, at most ``max_exits`` of them.

    Each exit is paid ``min(amount, vault balance)`` and gets its bond back,
    exactly as ``spec.settlement.exits.process_exit`` does, one after the other;
    everything is computed first, then written.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW`` (an owner's balance).
    """
    environment = read_registered_environment(tables, operation.environment_id)
    identifier = environment.environment_id
    # Verify the call may process at least one exit
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    time = tables.read_time()
    mature = tables.read_mature_exits(identifier, operation.token, time, int(operation.max_exits))
    # Verify the head of the queue is mature
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    ledger = tables.read_ledger(identifier, operation.token)
    deposited = Uint256(0) if ledger.deposited is None else ledger.deposited
    withdrawn, bonds_held = ledger.withdrawn, environment.bonds_held
    credits, payouts = Credits(tables), []
    for exit_id, exit in mature:
        vault = deposited - (Uint256(0) if withdrawn is None else withdrawn)
        payout = min(exit.amount, vault)
        withdrawn = add_to_entry(withdrawn, payout)
        bonds_held = bonds_held - exit.bond
        credits.credit(exit.owner, exit.token, payout)
        credits.credit(exit.owner, NATIVE_TOKEN, exit.bond)
        payouts.append((int(exit_id), payout))
    tables.write_exit_outcomes(identifier, ExitStatus.PROCESSED, payouts)
    failpoint()
    credits.write()
    failpoint()
    if withdrawn != ledger.withdrawn:
        tables.write_ledger(identifier, operation.token, LedgerEntry(ledger.deposited, withdrawn))
        failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))
