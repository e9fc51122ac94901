"""The settlement simulator's tables, and typed reads and writes over them.

Each table holds one part of the spec's ``SettlementState``, keyed so that
every read an operation needs is one index lookup:

===========================  =====================================================
table                        holds
===========================  =====================================================
``settlement_header``        the preset (its canonical encoding) and the clock
``settlement_balances``      balance per (account, token); primary key
``settlement_environments``  operator, kind, rules, registration time, and the
                             counters the spec would compute by scanning: last
                             child block number, last block number, exit count,
                             bonds held
``settlement_blocks``        block log; primary key (environment, number)
``settlement_ledgers``       deposited and withdrawn totals per (environment, token);
                             NULL where the spec's mapping has no entry
``settlement_exits``         every exit; primary key (environment, exit id), UNIQUE
                             (environment, position), and a partial index over the
                             open exits in queue order
``operation_log``            every accepted operation, canonically encoded, in order
===========================  =====================================================

Numbers, amounts and positions are stored as ``reference.columns`` says
(fixed-width big-endian BLOBs), so the queue index sorts exits exactly in the
spec's priority order: exitable time, then position, then exit id.
Environment ids, exit ids and log sequence numbers are plain SQLite integers:
callers check them against the counters before binding, so a huge ``Uint64``
from an adversary never reaches SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reference.columns import (
    load_address,
    load_hash,
    load_position,
    load_u64,
    load_u256,
    store_position,
    store_u64,
    store_u256,
)
from spec.primitives import Address, Uint64, Uint256
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    EnvironmentKind,
    EnvironmentRules,
    Exit,
    ExitStatus,
)

SCHEMA = (
    """CREATE TABLE settlement_header (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        preset BLOB NOT NULL,
        time BLOB NOT NULL
    )""",
    """CREATE TABLE settlement_balances (
        account BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        PRIMARY KEY (account, token)
    ) WITHOUT ROWID""",
    """CREATE TABLE settlement_environments (
        id INTEGER PRIMARY KEY,
        operator BLOB NOT NULL,
        kind TEXT NOT NULL,
        finalization_period BLOB NOT NULL,
        exit_bond BLOB NOT NULL,
        deposit_limit BLOB NOT NULL,
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
    """CREATE TABLE settlement_exits (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        position BLOB NOT NULL,
        owner BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        bond BLOB NOT NULL,
        started_at BLOB NOT NULL,
        exitable_at BLOB NOT NULL,
        status TEXT NOT NULL,
        paid BLOB NOT NULL,
        PRIMARY KEY (environment_id, exit_id),
        UNIQUE (environment_id, position)
    ) WITHOUT ROWID""",
    # The exit queues: only open exits, in the spec's priority order within each (env, token)
    """CREATE INDEX settlement_exit_queue
        ON settlement_exits (environment_id, token, exitable_at, position, exit_id)
        WHERE status = 'open'""",
    "CREATE TABLE operation_log (sequence INTEGER PRIMARY KEY, operation BLOB NOT NULL)",
)
"""Statements that create the simulator's tables."""

HEADER_TABLE = "settlement_header"
"""The table whose presence marks a store holding a settlement simulator."""

EXIT_COLUMNS = (
    "exit_id, position, owner, token, amount, bond, started_at, exitable_at, status, paid"
)
"""The columns :func:`load_exit` reads, in its order."""

ENVIRONMENT_COLUMNS = (
    "id, operator, kind, finalization_period, exit_bond, deposit_limit, registered_at, "
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
        store_u64(row.registered_at),
        store_u64(row.last_child_block_number),
        store_u64(row.last_block_number),
        row.exit_count,
        store_u256(row.bonds_held),
    )


def load_environment(row: Sequence[Any]) -> EnvironmentRow:
    """Return the environment stored as the columns of :data:`ENVIRONMENT_COLUMNS`."""
    (identifier, operator, kind, period, bond, limit, registered, child, last, count, held) = row
    return EnvironmentRow(
        environment_id=identifier,
        operator=load_address(operator),
        kind=EnvironmentKind(kind),
        rules=EnvironmentRules(load_u64(period), load_u256(bond), load_u256(limit)),
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


def make_exit_row(environment_id: int, exit_id: int, exit: Exit) -> tuple[bytes | int | str, ...]:
    """Return the column values of an exit: the environment id, then :data:`EXIT_COLUMNS`."""
    return (
        environment_id,
        exit_id,
        store_position(exit.position),
        bytes(exit.owner),
        bytes(exit.token),
        store_u256(exit.amount),
        store_u256(exit.bond),
        store_u64(exit.started_at),
        store_u64(exit.exitable_at),
        exit.status.value,
        store_u256(exit.paid),
    )


def load_exit(row: Sequence[Any]) -> tuple[Uint64, Exit]:
    """Return the exit id and exit stored as the columns of :data:`EXIT_COLUMNS`."""
    (exit_id, position, owner, token, amount, bond, started, exitable, status, paid) = row
    exit = Exit(
        position=load_position(position),
        owner=load_address(owner),
        token=load_address(token),
        amount=load_u256(amount),
        bond=load_u256(bond),
        started_at=load_u64(started),
        exitable_at=load_u64(exitable),
        status=ExitStatus(status),
        paid=load_u256(paid),
    )
    return Uint64(exit_id), exit


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the simulator's tables in an empty database."""
    for statement in SCHEMA:
        connection.execute(statement)


def write_header(connection: sqlite3.Connection, preset_encoding: bytes, time: Uint64) -> None:
    """Write the one header row: the preset's encoding and the clock."""
    connection.execute(
        "INSERT INTO settlement_header (id, preset, time) VALUES (0, ?, ?)",
        (preset_encoding, store_u64(time)),
    )
