"""Registration, deposits, block commitments and time: the simulator's steps for them.

Each step checks its operation with the rules of the matching
``spec.settlement`` module (``environments``, ``deposits``, ``blocks``,
``time``; a committee environment's certified blocks are in
``reference.settlement.certified``), in the same order and with the same
rejection reasons, then writes the change through
:class:`~reference.settlement.tables.SettlementTables`. Values that the
spec computes by scanning (the last child block number, the last block
number) are read from the environment's counters instead; sums
use the spec's checked ``Uint`` arithmetic, so ``INTEGER_OVERFLOW`` is raised
exactly where the spec raises it.

Every step takes ``(tables, preset, operation)``, the signature of the
simulator's step table (``reference.settlement.simulator.STEPS``), and runs
inside the caller's store transaction: when one raises, the caller's
rollback undoes whatever it wrote. A deposit's block root is the one its
environment's kind computes (``reference.environments.registry``): the
settlement layer never names a kind.
"""

from __future__ import annotations

from dataclasses import replace

from reference.environments.registry import get_kind
from reference.settlement.environment_tables import EnvironmentRow, LedgerEntry, add_to_entry
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.errors import RejectionReason, require
from spec.finality.committee import validate_committee
from spec.presets import Preset
from spec.primitives import Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import BlockKind, BlockRecord, EnvironmentRules

# Registration


def validate_rules(preset: Preset, rules: EnvironmentRules) -> None:
    """Check that registered rules respect the preset's floors.

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``, ``PROCESSING_BOUNTY_ABOVE_BOND``.
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
    # Verify the processing bounty can be paid out of a piggyback bond
    require(
        rules.processing_bounty <= rules.exit_bond, RejectionReason.PROCESSING_BOUNTY_ABOVE_BOND
    )


def register_environment(
    tables: SettlementTables, preset: Preset, operation: RegisterEnvironment
) -> None:
    """Add a new environment under the next id, registered now, with its committee if any.

    The committee is checked with the spec's own pure check
    (``spec.finality.committee.validate_committee``, see ``reference``).

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``, ``PROCESSING_BOUNTY_ABOVE_BOND``, and with a
            committee ``COMMITTEE_EMPTY``, ``COMMITTEE_TOO_LARGE``,
            ``COMMITTEE_NOT_ORDERED``, ``COMMITTEE_ZERO_STAKE``, ``INTEGER_OVERFLOW``.
    """
    validate_rules(preset, operation.rules)
    if operation.committee is not None:
        validate_committee(operation.committee)
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
    if operation.committee is not None:
        failpoint()
        tables.insert_committee(row.environment_id, operation.committee)


# Deposits


def deposit(tables: SettlementTables, preset: Preset, operation: Deposit) -> None:
    """Move the owner's funds into the vault and write a deposit block.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``ENVIRONMENT_HALTED``, ``DEPOSIT_AMOUNT_ZERO``, ``DEPOSIT_ABOVE_LIMIT``,
            ``TOO_MANY_DEPOSITS``, any reason of the kind's ``record_deposit`` (Cash:
            ``COIN_TREE_FULL``), ``INSUFFICIENT_FUNDS``, ``INTEGER_OVERFLOW`` (block
            numbers, the vault's ledger).
    """
    time = tables.read_time()
    environment = tables.get_active_environment(preset, time, operation.environment_id)
    # Verify no conflicting commits halted the environment (its child chain is no longer trusted)
    require(
        tables.read_halted(environment.environment_id) is not True,
        RejectionReason.ENVIRONMENT_HALTED,
    )
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
    kind = get_kind(environment.kind)
    identifier = environment.environment_id
    # The kind records the deposit first: its reasons (a Cash COIN_TREE_FULL) come next in the spec
    kind.record_deposit(tables, preset, identifier, number, operation)
    failpoint()
    record = BlockRecord(
        BlockKind.DEPOSIT, kind.compute_deposit_root(preset, number, operation), time
    )
    ledger = tables.read_ledger(identifier, operation.token)
    deposited = add_to_entry(ledger.deposited, operation.amount)
    tables.debit(operation.owner, operation.token, operation.amount)
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
            ``CERTIFICATE_REQUIRED``, ``NOT_OPERATOR``, ``BLOCK_ALREADY_COMMITTED``,
            ``BLOCK_NUMBER_UNEXPECTED``,
            ``INTEGER_OVERFLOW`` (the next child block number).
    """
    time = tables.read_time()
    environment = tables.get_active_environment(preset, time, operation.environment_id)
    identifier = environment.environment_id
    number = operation.block_number
    # Verify the environment takes blocks from its operator, not from a committee
    require(tables.read_halted(identifier) is None, RejectionReason.CERTIFICATE_REQUIRED)
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


def advance_time(tables: SettlementTables, preset: Preset, operation: AdvanceTime) -> None:
    """Set the clock to a later time (``preset`` is unused: every step takes it).

    Raises:
        Rejected: ``TIME_NOT_INCREASING`` unless the new time is later than the current one.
    """
    # Verify time moves forward
    require(operation.time > tables.read_time(), RejectionReason.TIME_NOT_INCREASING)
    tables.write_time(operation.time)


# Exit queues


def process_exit_queue(tables: SettlementTables, preset: Preset, operation: ProcessExits) -> None:
    """Process mature exits of one queue, as the environment's kind does it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, and the reasons of the kind's
            ``ProcessExits`` step (``PROCESS_LIMIT_ZERO``, ``NO_EXIT_TO_PROCESS``,
            ``INTEGER_OVERFLOW``).
    """
    environment = tables.get_environment(operation.environment_id)
    get_kind(environment.kind).process_exits(tables, preset, operation)
