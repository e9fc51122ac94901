"""The Plasma Cash exit game in the settlement simulator: deposits' coins, start and finalize.

The counterpart of ``spec.environments.cash.exits`` (and of the Cash kind's
``record_deposit``), as steps of the simulator's step table. A Cash exit
stands alone: no queue, no shared exit record. Its records are rows of the
Cash tables (``reference.settlement.coin_tables``): the coin's status is one
lookup by (environment, coin id), an exit one lookup by (environment, exit
id) with its open challenges one range of their table, and the next exit id
is the largest stored id plus one (the primary key's last entry). Only the
shared ledgers (balances, the vault's withdrawn totals, bonds held) are
touched besides them.

The rules, their order and their reasons are the spec's; checked ``Uint``
arithmetic raises ``INTEGER_OVERFLOW`` and ``INTEGER_UNDERFLOW`` exactly where
the spec's does. Every step runs inside the simulator's store transaction, so
a rejection after a write (a balance credited before an overflow) is rolled back.
"""

from __future__ import annotations

from dataclasses import replace

from reference.environments.cash.encoding import get_leaf_owner
from reference.environments.cash.witnesses import validate_spend_of_parent, validate_witness
from reference.settlement.environment_tables import EnvironmentRow, LedgerEntry, add_to_entry
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CoinExit, CoinExitStatus, CoinStatus, SettledCoin
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint64
from spec.settlement.operations import Deposit
from spec.settlement.state import EnvironmentKind

# Deposits


def record_deposit(
    tables: SettlementTables, preset: Preset, environment_id: int, number: Uint64, deposit: Deposit
) -> None:
    """Record the coin a deposit mints at block ``number``, at rest.

    Raises:
        Rejected: ``COIN_TREE_FULL`` when the block number is not a key of the coin tree.
    """
    # Verify the new coin's id (the deposit block's number) is a key of the block trees
    require(number < 1 << int(preset.coin_tree_depth), RejectionReason.COIN_TREE_FULL)
    coin = SettledCoin(deposit.token, deposit.amount, CoinStatus.DEPOSITED)
    tables.write_coin(environment_id, number, coin)


# Reads


def get_exitable_coin(
    tables: SettlementTables, environment_id: int, coin_id: Uint64
) -> SettledCoin:
    """Return a coin that may start an exit now.

    Raises:
        Rejected: ``COIN_UNKNOWN``, ``COIN_ALREADY_EXITED``, ``COIN_EXIT_ALREADY_OPEN``.
    """
    coin = tables.read_coin(environment_id, coin_id)
    # Verify the coin was minted in this environment
    require(coin is not None, RejectionReason.COIN_UNKNOWN)
    assert coin is not None
    # Verify the coin has not exited for good
    require(coin.status != CoinStatus.EXITED, RejectionReason.COIN_ALREADY_EXITED)
    # Verify the coin has no open exit (one at a time)
    require(coin.status != CoinStatus.EXITING, RejectionReason.COIN_EXIT_ALREADY_OPEN)
    return coin


def get_open_coin_exit(tables: SettlementTables, environment_id: int, exit_id: Uint64) -> CoinExit:
    """Return a coin exit that is still open, with its open challenges.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    exit = tables.read_coin_exit(environment_id, exit_id)
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == CoinExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


def set_coin_status(
    tables: SettlementTables, environment_id: int, coin_id: Uint64, status: CoinStatus
) -> None:
    """Set the status of a stored coin."""
    coin = tables.read_coin(environment_id, coin_id)
    assert coin is not None, "an exit of an unknown coin"
    tables.write_coin(environment_id, coin_id, replace(coin, status=status))


# Start


def start_coin_exit(tables: SettlementTables, preset: Preset, operation: StartCoinExit) -> None:
    """Start the exit of a coin and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, ``COIN_UNKNOWN``, ``COIN_ALREADY_EXITED``,
            ``COIN_EXIT_ALREADY_OPEN``, the witness reasons of the exiting leaf,
            ``EXIT_NOT_BY_OWNER``, the witness reasons of the parent,
            ``PARENT_BEFORE_MINT``, the reasons of a spend of the parent,
            ``EXIT_BOND_WRONG_AMOUNT``, ``INTEGER_OVERFLOW`` (exitable time),
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW`` (bonds held).
    """
    time = tables.read_time()
    environment = tables.get_active_environment_of_kind(
        preset, time, operation.environment_id, EnvironmentKind.CASH
    )
    identifier = environment.environment_id
    get_exitable_coin(tables, identifier, operation.coin_id)
    validate_witness(tables, preset, identifier, operation.coin_id, operation.exiting)
    # Verify the sender owns the coin by the exiting leaf
    require(
        get_leaf_owner(operation.exiting.leaf) == operation.sender,
        RejectionReason.EXIT_NOT_BY_OWNER,
    )
    if operation.parent is not None:
        validate_witness(tables, preset, identifier, operation.coin_id, operation.parent)
        # Verify the parent is part of the coin's life (a coin has no history before its mint)
        require(
            operation.parent.block_number >= operation.coin_id, RejectionReason.PARENT_BEFORE_MINT
        )
    validate_spend_of_parent(operation.environment_id, operation.exiting, operation.parent)
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    parent = operation.parent or operation.exiting
    exit = CoinExit(
        coin_id=operation.coin_id,
        owner=operation.sender,
        exit_block=operation.exiting.block_number,
        parent_block=parent.block_number,
        parent_owner=get_leaf_owner(parent.leaf),
        bond=operation.bond,
        started_at=time,
        exitable_at=time + environment.rules.minimal_finalization_period,
        status=CoinExitStatus.OPEN,
        challenges={},
    )
    tables.debit(operation.sender, NATIVE_TOKEN, operation.bond)
    bonds_held = environment.bonds_held + operation.bond
    failpoint()
    tables.insert_coin_exit(identifier, tables.count_coin_exits(identifier), exit)
    failpoint()
    set_coin_status(tables, identifier, operation.coin_id, CoinStatus.EXITING)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Cancel and pay


def cancel_coin_exit(
    tables: SettlementTables,
    environment: EnvironmentRow,
    exit_id: Uint64,
    exit: CoinExit,
    winner: Address,
) -> None:
    """Cancel an open coin exit: its bond to ``winner``, challenges' bonds to their challengers.

    The coin is at rest again.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    identifier = environment.environment_id
    released = exit.bond
    tables.credit(winner, NATIVE_TOKEN, exit.bond)
    for challenge in exit.challenges.values():
        tables.credit(challenge.challenger, NATIVE_TOKEN, challenge.bond)
        released += challenge.bond
    bonds_held = environment.bonds_held - released
    failpoint()
    tables.write_coin_exit_status(identifier, exit_id, CoinExitStatus.CANCELLED)
    tables.delete_challenges(identifier, exit_id, exit.challenges)
    failpoint()
    set_coin_status(tables, identifier, exit.coin_id, CoinStatus.DEPOSITED)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


def pay_coin_exit(
    tables: SettlementTables, environment: EnvironmentRow, exit_id: Uint64, exit: CoinExit
) -> None:
    """Pay a coin exit: the coin's amount and the bond to the exiter; the coin is exited for good.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance or the vault's ledger would
            pass the largest Uint256.
    """
    identifier = environment.environment_id
    coin = tables.read_coin(identifier, exit.coin_id)
    assert coin is not None, "an exit of an unknown coin"
    ledger = tables.read_ledger(identifier, coin.token)
    withdrawn = add_to_entry(ledger.withdrawn, coin.amount)
    tables.credit(exit.owner, coin.token, coin.amount)
    tables.credit(exit.owner, NATIVE_TOKEN, exit.bond)
    bonds_held = environment.bonds_held - exit.bond
    failpoint()
    if withdrawn != ledger.withdrawn:
        tables.write_ledger(identifier, coin.token, LedgerEntry(ledger.deposited, withdrawn))
    tables.write_coin_exit_status(identifier, exit_id, CoinExitStatus.FINALIZED)
    failpoint()
    tables.write_coin(identifier, exit.coin_id, replace(coin, status=CoinStatus.EXITED))
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


def finalize_coin_exit(
    tables: SettlementTables, preset: Preset, operation: FinalizeCoinExit
) -> None:
    """Finalize a mature coin exit: pay it, or cancel it if a history challenge is open.

    A cancelled exit's bond goes to the challenger whose challenge names the
    earliest block. ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``, ``EXIT_NOT_MATURE``, ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.CASH)
    exit = get_open_coin_exit(tables, environment.environment_id, operation.exit_id)
    # Verify the exit's finalization period has passed
    require(exit.exitable_at <= tables.read_time(), RejectionReason.EXIT_NOT_MATURE)
    if exit.challenges:
        first = exit.challenges[min(exit.challenges)]
        cancel_coin_exit(tables, environment, operation.exit_id, exit, first.challenger)
    else:
        pay_coin_exit(tables, environment, operation.exit_id, exit)
