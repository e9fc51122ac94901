"""Registration, deposits, block commitments and time: the simulator's non-exit operations.

Each function checks its operation with the rules of the matching
``spec.settlement`` module, in the same order and with the same rejection
reasons, then writes the change. Values that the spec computes by scanning
(the last child block number, the last block number) are read from the
environment's counters instead; sums use the spec's checked ``Uint``
arithmetic, so ``INTEGER_OVERFLOW`` is raised exactly where the spec raises it.

The functions run inside the caller's store transaction: when one raises,
the caller's rollback undoes whatever it wrote.
"""

from __future__ import annotations

from dataclasses import replace

from reference.merkle import compute_root
from reference.settlement_access import SettlementTables
from reference.settlement_tables import EnvironmentRow, LedgerEntry
from reference.store import failpoint
from reference.transactions import DEPOSIT_TAG, compute_leaf_of_encoding, encode_output
from spec.errors import RejectionReason, require
from spec.payments.transactions import Output
from spec.presets import Preset
from spec.primitives import Address, Hash32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import BlockKind, BlockRecord, EnvironmentRules

# Shared lookups and balance changes


def read_registered_environment(tables: SettlementTables, environment_id: Uint64) -> EnvironmentRow:
    """Return a registered environment.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
    """
    # Verify the environment exists (before the id reaches SQLite: it may be any Uint64)
    require(environment_id < tables.count_environments(), RejectionReason.UNKNOWN_ENVIRONMENT)
    return tables.read_environment(int(environment_id))


def read_active_environment(
    tables: SettlementTables, preset: Preset, time: Uint64, environment_id: Uint64
) -> EnvironmentRow:
    """Return a registered environment whose quarantine is over.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``; ``ENVIRONMENT_IN_QUARANTINE`` when it is not
            usable yet; ``INTEGER_OVERFLOW`` when its quarantine ends past the largest Uint64.
    """
    environment = read_registered_environment(tables, environment_id)
    # Verify the quarantine period has ended
    require(
        time >= environment.registered_at + preset.quarantine_period,
        RejectionReason.ENVIRONMENT_IN_QUARANTINE,
    )
    return environment


def debit(tables: SettlementTables, account: Address, token: Address, amount: Uint256) -> None:
    """Take ``amount`` from an account's balance.

    Raises:
        Rejected: ``INSUFFICIENT_FUNDS`` when the balance is smaller.
    """
    balance = tables.read_balance(account, token)
    # Verify the account can pay
    require(balance >= amount, RejectionReason.INSUFFICIENT_FUNDS)
    tables.write_balance(account, token, balance - amount)


def credit(tables: SettlementTables, account: Address, token: Address, amount: Uint256) -> None:
    """Add ``amount`` to an account's balance.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    tables.write_balance(account, token, tables.read_balance(account, token) + amount)


def add_to_entry(entry: Uint256 | None, amount: Uint256) -> Uint256 | None:
    """Return a ledger entry with ``amount`` added; adding zero creates no entry.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    if amount == 0:
        return entry
    return (Uint256(0) if entry is None else entry) + amount


# Registration


def validate_rules(preset: Preset, rules: EnvironmentRules) -> None:
    """Check that registered rules respect the preset's floors.

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``.
    """
    # Verify the finalization period is at least the preset's minimum
    require(
        rules.minimal_finalization_period >= preset.minimum_finalization_period,
        RejectionReason.FINALIZATION_PERIOD_TOO_SHORT,
    )
    # Verify the exit bond is at least the preset's minimum
    require(rules.exit_bond >= preset.minimum_exit_bond, RejectionReason.EXIT_BOND_TOO_LOW)
    # Verify some deposit is possible
    require(rules.deposit_limit > 0, RejectionReason.DEPOSIT_LIMIT_ZERO)


def register_environment(
    tables: SettlementTables, preset: Preset, operation: RegisterEnvironment
) -> None:
    """Add a new environment under the next id, registered now.

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``.
    """
    validate_rules(preset, operation.rules)
    row = EnvironmentRow(
        environment_id=tables.count_environments(),
        operator=operation.operator,
        kind=operation.kind,
        rules=operation.rules,
        registered_at=tables.read_time(),
        last_child_block_number=Uint64(0),
        last_block_number=Uint64(0),
        exit_count=0,
        bonds_held=Uint256(0),
    )
    tables.insert_environment(row)


# Deposits


def compute_deposit_root(preset: Preset, operation: Deposit) -> Hash32:
    """Return the root of the one-transaction deposit block a deposit writes."""
    output = Output(operation.owner, operation.token, operation.amount)
    leaf = compute_leaf_of_encoding(DEPOSIT_TAG + encode_output(output))
    return compute_root([leaf], int(preset.transaction_tree_depth))


def deposit(tables: SettlementTables, preset: Preset, operation: Deposit) -> None:
    """Move the owner's funds into the vault and write a deposit block.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``DEPOSIT_AMOUNT_ZERO``, ``DEPOSIT_ABOVE_LIMIT``, ``TOO_MANY_DEPOSITS``,
            ``INSUFFICIENT_FUNDS``, ``INTEGER_OVERFLOW`` (block numbers, the vault's ledger).
    """
    time = tables.read_time()
    environment = read_active_environment(tables, preset, time, operation.environment_id)
    # Verify the deposit creates value
    require(operation.amount > 0, RejectionReason.DEPOSIT_AMOUNT_ZERO)
    # Verify the deposit is within the environment's limit
    require(
        operation.amount <= environment.rules.deposit_limit, RejectionReason.DEPOSIT_ABOVE_LIMIT
    )
    number = environment.last_block_number + 1
    # Verify a deposit block number is free before the next child block
    require(
        number < environment.last_child_block_number + preset.block_interval,
        RejectionReason.TOO_MANY_DEPOSITS,
    )
    record = BlockRecord(BlockKind.DEPOSIT, compute_deposit_root(preset, operation), time)
    identifier = environment.environment_id
    ledger = tables.read_ledger(identifier, operation.token)
    deposited = add_to_entry(ledger.deposited, operation.amount)
    debit(tables, operation.owner, operation.token, operation.amount)
    failpoint()
    tables.insert_block(identifier, number, record)
    failpoint()
    tables.update_environment(replace(environment, last_block_number=number))
    failpoint()
    tables.write_ledger(identifier, operation.token, LedgerEntry(deposited, ledger.withdrawn))


# Block commitments


def submit_block(tables: SettlementTables, preset: Preset, operation: SubmitBlock) -> None:
    """Commit a child block root at the next child block number.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``NOT_OPERATOR``, ``BLOCK_ALREADY_COMMITTED``, ``BLOCK_NUMBER_UNEXPECTED``,
            ``INTEGER_OVERFLOW`` (the next child block number).
    """
    time = tables.read_time()
    environment = read_active_environment(tables, preset, time, operation.environment_id)
    identifier = environment.environment_id
    number = operation.block_number
    # Verify the sender operates this environment
    require(operation.sender == environment.operator, RejectionReason.NOT_OPERATOR)
    # Verify nothing is committed at this number (a committed root never changes)
    require(tables.read_block(identifier, number) is None, RejectionReason.BLOCK_ALREADY_COMMITTED)
    # Verify the block takes the next child block number
    require(
        number == environment.last_child_block_number + preset.block_interval,
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
    )
    tables.insert_block(identifier, number, BlockRecord(BlockKind.CHILD, operation.root, time))
    failpoint()
    # A loaded state's log may hold larger numbers already (and a zero interval repeats 0)
    updated = replace(
        environment,
        last_child_block_number=max(environment.last_child_block_number, number),
        last_block_number=max(environment.last_block_number, number),
    )
    tables.update_environment(updated)


# Time


def advance_time(tables: SettlementTables, operation: AdvanceTime) -> None:
    """Set the clock to a later time.

    Raises:
        Rejected: ``TIME_NOT_INCREASING`` unless the new time is later than the current one.
    """
    # Verify time moves forward
    require(operation.time > tables.read_time(), RejectionReason.TIME_NOT_INCREASING)
    tables.write_time(operation.time)
