"""Exits in the simulator, for every kind: open, cancel, and process a queue; O(log n) per exit.

The counterpart of ``spec.settlement.exits``: a kind's exit game (for
payments, ``reference.environments.payments.exit_game``) decides what an exit
claims and whether a challenge holds, then calls :func:`start_exit` or
:func:`cancel_exit` here. :func:`process_exits` is the ``ProcessExits`` step of
a kind whose queues hold standard exits only (the spec's
``spec.settlement.exits.process_exit_queue``: Plasma Cash); the payments kind
processes its merged queue of standard and in-flight exits itself
(``reference.environments.payments.queue``), with the :class:`Credits` here.
The rules, their order and their rejection reasons are the spec's; what
differs is how the state is read:

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

from reference.settlement.environment_tables import EnvironmentRow, LedgerEntry, add_to_entry
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import BlockKind, BlockRecord, Exit, ExitStatus

# Helpers


def compute_exitable_time(record: BlockRecord, started_at: Uint64, period: Uint64) -> Uint64:
    """Return when an exit may be processed (the MVP rule of ``spec.settlement.exits``).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the time passes the largest Uint64.
    """
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    # An output of a child block younger than one period waits two periods from its block
    return max(record.timestamp + period * 2, started_at + period)


def get_open_exit(tables: SettlementTables, environment: EnvironmentRow, exit_id: Uint64) -> Exit:
    """Return an exit of ``environment`` that is still open.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    identifier = environment.environment_id
    # Exit ids are 0 to count - 1: a larger id (up to any Uint64) never reaches SQLite
    exit = tables.read_exit(identifier, int(exit_id)) if exit_id < environment.exit_count else None
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == ExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


# Start


def start_exit(
    tables: SettlementTables, environment: EnvironmentRow, exit: Exit, sender: Address
) -> None:
    """Record an exit a kind's exit game has validated, and take its bond from ``sender``.

    Raises:
        Rejected: ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INTEGER_OVERFLOW`` (bonds held), ``INSUFFICIENT_FUNDS`` (for the bond).
    """
    identifier = environment.environment_id
    # Verify the bond is exactly the environment's exit bond
    require(exit.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    # Verify no exit of this output was ever started (one lookup in the UNIQUE index)
    require(
        tables.find_exit_of_position(identifier, exit.position) is None,
        RejectionReason.EXIT_ALREADY_STARTED,
    )
    bonds_held = environment.bonds_held + exit.bond
    tables.debit(sender, NATIVE_TOKEN, exit.bond)
    failpoint()
    tables.insert_exit(identifier, environment.exit_count, exit)
    failpoint()
    counters = replace(environment, exit_count=environment.exit_count + 1, bonds_held=bonds_held)
    tables.update_environment(counters)


# Challenge


def cancel_exit(
    tables: SettlementTables,
    environment: EnvironmentRow,
    exit_id: Uint64,
    exit: Exit,
    challenger: Address,
) -> None:
    """Cancel an open exit for good (a kind's challenge held); its bond goes to ``challenger``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the challenger's balance would pass the
            largest Uint256.
    """
    bonds_held = environment.bonds_held - exit.bond
    tables.credit(challenger, NATIVE_TOKEN, exit.bond)
    failpoint()
    identifier = environment.environment_id
    tables.write_exit_outcome(identifier, int(exit_id), ExitStatus.CHALLENGED, exit.paid)
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


def process_exits(tables: SettlementTables, preset: Preset, operation: ProcessExits) -> None:
    """Pay mature exits of one queue in priority order, at most ``max_exits`` of them.

    Each exit is paid ``min(amount, vault balance)`` and gets its bond back,
    exactly as ``spec.settlement.exits.process_exit`` does, one after the other;
    everything is computed first, then written. ``preset`` is unused: every
    step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW`` (an owner's balance).
    """
    environment = tables.get_environment(operation.environment_id)
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
    # No failpoint here: only a loaded Cash state has standard exits, so no workload gets here
    tables.write_exit_outcomes(identifier, ExitStatus.PROCESSED, payouts)
    credits.write()
    if withdrawn != ledger.withdrawn:
        tables.write_ledger(identifier, operation.token, LedgerEntry(ledger.deposited, withdrawn))
    tables.update_environment(replace(environment, bonds_held=bonds_held))
