"""The per-environment tables of the simulator: environments, block logs and ledgers.

Each table's schema, how its rows become protocol values, and
:class:`EnvironmentTables`, the typed reads and writes over them that
:class:`~reference.settlement.tables.SettlementTables` offers:

===========================  =====================================================
table                        holds
===========================  =====================================================
``settlement_environments``  operator, kind, rules, registration time, and the
                             counters the spec would compute by scanning: last
                             child block number, last block number, exit count,
                             bonds held
``settlement_blocks``        block log; primary key (environment, number)
``settlement_ledgers``       deposited and withdrawn totals per (environment, token);
                             NULL where the spec's mapping has no entry
===========================  =====================================================

:meth:`EnvironmentTables.get_environment`,
:meth:`EnvironmentTables.get_active_environment` and their ``_of_kind``
variants are the checked reads of ``spec.settlement.state``
(``get_environment``, ``get_active_environment``, ...): they reject an
unknown environment, one of another kind, or one still in quarantine, with
the spec's reasons, and check the id against the environment count before it
reaches SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reference.columns import load_address, load_hash, load_u64, load_u256, store_u64, store_u256
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import Address, Uint64, Uint256
from spec.settlement.state import BlockKind, BlockRecord, EnvironmentKind, EnvironmentRules

ENVIRONMENT_SCHEMA = (
    """CREATE TABLE settlement_environments (
        id INTEGER PRIMARY KEY,
        operator BLOB NOT NULL,
        kind TEXT NOT NULL,
        finalization_period BLOB NOT NULL,
        exit_bond BLOB NOT NULL,
        deposit_limit BLOB NOT NULL,
        processing_bounty BLOB NOT NULL,
        registered_at BLOB NOT NULL,
        last_child_block_number BLOB NOT NULL,
        last_block_number BLOB NOT NULL,
        exit_count INTEGER NOT NULL,
        bonds_held BLOB NOT NULL
    )""",
    """CREATE TABLE settlement_blocks (
        environment_id INTEGER NOT NULL,
        number BLOB NOT NULL,
        kind TEXT NOT NULL,
        root BLOB NOT NULL,
        timestamp BLOB NOT NULL,
        PRIMARY KEY (environment_id, number)
    ) WITHOUT ROWID""",
    """CREATE TABLE settlement_ledgers (
        environment_id INTEGER NOT NULL,
        token BLOB NOT NULL,
        deposited BLOB,
        withdrawn BLOB,
        PRIMARY KEY (environment_id, token)
    ) WITHOUT ROWID""",
)
"""Statements that create the environments, block logs and ledgers."""

ENVIRONMENT_COLUMNS = (
    "id, operator, kind, finalization_period, exit_bond, deposit_limit, processing_bounty, "
    "registered_at, "
    "last_child_block_number, last_block_number, exit_count, bonds_held"
)
"""The columns :func:`load_environment` reads, in its order."""


@dataclass(frozen=True)
class EnvironmentRow:
    """One registered environment, with the counters the simulator keeps instead of scanning."""

    environment_id: int
    """Index of the environment."""
    operator: Address
    """The only address that may submit child blocks."""
    kind: EnvironmentKind
    """Transaction format and exit game."""
    rules: EnvironmentRules
    """Rules fixed at registration."""
    registered_at: Uint64
    """Settlement time of registration."""
    last_child_block_number: Uint64
    """Largest child block number in the block log, 0 when there is none."""
    last_block_number: Uint64
    """Largest block number of any kind in the block log, 0 when there is none."""
    exit_count: int
    """Exits ever started; the next exit id."""
    bonds_held: Uint256
    """Bonds of the open exits."""


@dataclass(frozen=True)
class LedgerEntry:
    """An environment's two totals of one token; None where the spec's mapping has no entry."""

    deposited: Uint256 | None
    """Total ever deposited, if the token has an entry."""
    withdrawn: Uint256 | None
    """Total ever paid out, if the token has an entry."""


def add_to_entry(entry: Uint256 | None, amount: Uint256) -> Uint256 | None:
    """Return a ledger entry with ``amount`` added; adding zero creates no entry.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    if amount == 0:
        return entry
    return (Uint256(0) if entry is None else entry) + amount


def store_optional_u256(value: Uint256 | None) -> bytes | None:
    """Return the column value of an optional amount (NULL for none)."""
    return None if value is None else store_u256(value)


def load_optional_u256(blob: bytes | None) -> Uint256 | None:
    """Return the optional amount stored by :func:`store_optional_u256`."""
    return None if blob is None else load_u256(blob)


def make_environment_row(row: EnvironmentRow) -> tuple[bytes | int | str, ...]:
    """Return the column values of an environment, in :data:`ENVIRONMENT_COLUMNS` order."""
    rules = row.rules
    return (
        row.environment_id,
        bytes(row.operator),
        row.kind.value,
        store_u64(rules.minimal_finalization_period),
        store_u256(rules.exit_bond),
        store_u256(rules.deposit_limit),
        store_u256(rules.processing_bounty),
        store_u64(row.registered_at),
        store_u64(row.last_child_block_number),
        store_u64(row.last_block_number),
        row.exit_count,
        store_u256(row.bonds_held),
    )


def load_environment(row: Sequence[Any]) -> EnvironmentRow:
    """Return the environment stored as the columns of :data:`ENVIRONMENT_COLUMNS`."""
    (identifier, operator, kind, period, bond, limit, bounty, registered, *counters) = row
    child, last, count, held = counters
    return EnvironmentRow(
        environment_id=identifier,
        operator=load_address(operator),
        kind=EnvironmentKind(kind),
        rules=EnvironmentRules(
            load_u64(period), load_u256(bond), load_u256(limit), load_u256(bounty)
        ),
        registered_at=load_u64(registered),
        last_child_block_number=load_u64(child),
        last_block_number=load_u64(last),
        exit_count=count,
        bonds_held=load_u256(held),
    )


def make_block_row(
    environment_id: int, number: Uint64, record: BlockRecord
) -> tuple[int, bytes, str, bytes, bytes]:
    """Return the column values of one block log entry."""
    return (
        environment_id,
        store_u64(number),
        record.kind.value,
        bytes(record.root),
        store_u64(record.timestamp),
    )


def load_block(kind: str, root: bytes, timestamp: bytes) -> BlockRecord:
    """Return the block record stored as (kind, root, timestamp)."""
    return BlockRecord(BlockKind(kind), load_hash(root), load_u64(timestamp))


class EnvironmentTables:
    """Typed reads and writes of the environments, block logs and ledgers; each one lookup."""

    connection: sqlite3.Connection
    """The database connection (set by :class:`~reference.settlement.tables.SettlementTables`)."""

    # Environments

    def count_environments(self) -> int:
        """Return how many environments are registered (ids are 0 to count - 1)."""
        (last,) = self.connection.execute("SELECT MAX(id) FROM settlement_environments").fetchone()
        return 0 if last is None else int(last) + 1

    def read_environment(self, environment_id: int) -> EnvironmentRow:
        """Return a registered environment (the caller has checked the id is below the count)."""
        row = self.connection.execute(
            f"SELECT {ENVIRONMENT_COLUMNS} FROM settlement_environments WHERE id = ?",
            (environment_id,),
        ).fetchone()
        assert row is not None, f"no environment {environment_id}"
        return load_environment(row)

    def get_environment(self, environment_id: Uint64) -> EnvironmentRow:
        """Return a registered environment.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        # Verify the environment exists (before the id reaches SQLite: it may be any Uint64)
        require(environment_id < self.count_environments(), RejectionReason.UNKNOWN_ENVIRONMENT)
        return self.read_environment(int(environment_id))

    def get_active_environment(
        self, preset: Preset, time: Uint64, environment_id: Uint64
    ) -> EnvironmentRow:
        """Return a registered environment whose quarantine is over at ``time``.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``ENVIRONMENT_IN_QUARANTINE`` when it is not
                usable yet; ``INTEGER_OVERFLOW`` when its quarantine ends past the largest
                Uint64.
        """
        environment = self.get_environment(environment_id)
        # Verify the quarantine period has ended
        require(
            time >= environment.registered_at + preset.quarantine_period,
            RejectionReason.ENVIRONMENT_IN_QUARANTINE,
        )
        return environment

    def get_environment_of_kind(
        self, environment_id: Uint64, kind: EnvironmentKind
    ) -> EnvironmentRow:
        """Return a registered environment of one kind (for that kind's exit game).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``ENVIRONMENT_KIND_MISMATCH`` when it is
                of another kind.
        """
        environment = self.get_environment(environment_id)
        # Verify the operation belongs to the environment's exit game
        require(environment.kind == kind, RejectionReason.ENVIRONMENT_KIND_MISMATCH)
        return environment

    def get_active_environment_of_kind(
        self, preset: Preset, time: Uint64, environment_id: Uint64, kind: EnvironmentKind
    ) -> EnvironmentRow:
        """Return a registered environment of one kind whose quarantine is over at ``time``.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
                ``ENVIRONMENT_IN_QUARANTINE``, ``INTEGER_OVERFLOW`` (as
                :meth:`get_active_environment`).
        """
        environment = self.get_environment_of_kind(environment_id, kind)
        # Verify the quarantine period has ended
        require(
            time >= environment.registered_at + preset.quarantine_period,
            RejectionReason.ENVIRONMENT_IN_QUARANTINE,
        )
        return environment

    def insert_environment(self, row: EnvironmentRow) -> None:
        """Add a newly registered environment."""
        self.connection.execute(
            f"INSERT INTO settlement_environments ({ENVIRONMENT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            make_environment_row(row),
        )

    def update_environment(self, row: EnvironmentRow) -> None:
        """Write an environment's counters: last block numbers, exit count, bonds held."""
        self.connection.execute(
            "UPDATE settlement_environments SET last_child_block_number = ?, "
            "last_block_number = ?, exit_count = ?, bonds_held = ? WHERE id = ?",
            (
                store_u64(row.last_child_block_number),
                store_u64(row.last_block_number),
                row.exit_count,
                store_u256(row.bonds_held),
                row.environment_id,
            ),
        )

    # Block logs

    def read_block(self, environment_id: int, number: Uint64) -> BlockRecord | None:
        """Return the block log entry at a number, if one is committed."""
        row = self.connection.execute(
            "SELECT kind, root, timestamp FROM settlement_blocks "
            "WHERE environment_id = ? AND number = ?",
            (environment_id, store_u64(number)),
        ).fetchone()
        return None if row is None else load_block(*row)

    def insert_block(self, environment_id: int, number: Uint64, record: BlockRecord) -> None:
        """Append an entry to an environment's block log."""
        self.connection.execute(
            "INSERT INTO settlement_blocks (environment_id, number, kind, root, timestamp) "
            "VALUES (?, ?, ?, ?, ?)",
            make_block_row(environment_id, number, record),
        )

    def write_block(self, environment_id: int, number: Uint64, record: BlockRecord) -> None:
        """Set the block log entry at a number, replacing one there (as ``with_entry`` does)."""
        self.connection.execute(
            "INSERT INTO settlement_blocks (environment_id, number, kind, root, timestamp) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (environment_id, number) DO UPDATE SET "
            "kind = excluded.kind, root = excluded.root, timestamp = excluded.timestamp",
            make_block_row(environment_id, number, record),
        )

    # Ledgers

    def read_ledger(self, environment_id: int, token: Address) -> LedgerEntry:
        """Return an environment's deposited and withdrawn entries of a token."""
        row = self.connection.execute(
            "SELECT deposited, withdrawn FROM settlement_ledgers "
            "WHERE environment_id = ? AND token = ?",
            (environment_id, bytes(token)),
        ).fetchone()
        if row is None:
            return LedgerEntry(None, None)
        return LedgerEntry(load_optional_u256(row[0]), load_optional_u256(row[1]))

    def write_ledger(self, environment_id: int, token: Address, entry: LedgerEntry) -> None:
        """Set an environment's deposited and withdrawn entries of a token."""
        self.connection.execute(
            "INSERT INTO settlement_ledgers (environment_id, token, deposited, withdrawn) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (environment_id, token) DO UPDATE SET "
            "deposited = excluded.deposited, withdrawn = excluded.withdrawn",
            (
                environment_id,
                bytes(token),
                store_optional_u256(entry.deposited),
                store_optional_u256(entry.withdrawn),
            ),
        )
