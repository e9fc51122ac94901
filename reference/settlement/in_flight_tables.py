"""The simulator's payments tables: in-flight exits, their queue entries and finalized marks.

A payments environment's exit game keeps records of its own at the settlement
layer (``spec.environments.payments.records``, the environment's
``kind_records``). They live in three tables of the settlement database,
beside the shared ones, with :class:`InFlightTables`, their typed reads and
writes, which :class:`~reference.settlement.tables.SettlementTables` offers:

================================  ==================================================
table                             holds
================================  ==================================================
``settlement_in_flight_exits``    every in-flight exit ever started, by (environment,
                                  exit id): its canonical encoding, and the key of its
                                  payment for the "one active exit per payment" lookup
``settlement_in_flight_queue``    one row per (exit, token) waiting to be processed,
                                  keyed in the merged queue's priority order
``settlement_finalized``          the finalized marks: per (environment, output id),
                                  the exit that settled the output; written once
================================  ==================================================

An in-flight exit is read and written whole (its piggybacks are a handful of
small values), so its row keeps the record as its canonical encoding: the
streamed digest hashes it as stored. What an operation looks up is indexed:
the active exit of a payment (a partial index over the active rows, by the
hash of the payment's body), the mature head of a token's in-flight entries
(the queue table's primary key: environment, token, exitable time, youngest
input's position, exit id), and a mark (primary key). The queue rows are
derived from the records (an entry per token piggybacked and not yet
processed) and are not part of the state: loading a state computes them.

Exit ids are plain SQLite integers, checked against the exit count before they
are bound; numbers and positions are stored as ``reference.columns`` says.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from reference.columns import (
    encode_count,
    load_hash,
    load_position,
    load_u64,
    store_position,
    store_u64,
)
from reference.environments.payments.encoding import encode_transaction
from reference.hashing import hash_bytes
from spec.encoding import decode, encode, get_enum_tags
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightExit,
    InFlightExitStatus,
    PaymentsRecords,
)
from spec.environments.payments.transactions import Transaction
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint64

IN_FLIGHT_SCHEMA = (
    """CREATE TABLE settlement_in_flight_exits (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        transaction_key BLOB NOT NULL,
        active INTEGER NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (environment_id, exit_id)
    ) WITHOUT ROWID""",
    # At most one active exit per payment: "has this payment an active exit?" is one lookup
    """CREATE UNIQUE INDEX settlement_in_flight_by_transaction
        ON settlement_in_flight_exits (environment_id, transaction_key) WHERE active = 1""",
    """CREATE TABLE settlement_in_flight_queue (
        environment_id INTEGER NOT NULL,
        token BLOB NOT NULL,
        exitable_at BLOB NOT NULL,
        position BLOB NOT NULL,
        exit_id INTEGER NOT NULL,
        PRIMARY KEY (environment_id, token, exitable_at, position, exit_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE settlement_finalized (
        environment_id INTEGER NOT NULL,
        output_id BLOB NOT NULL,
        kind TEXT NOT NULL,
        exit_id BLOB NOT NULL,
        PRIMARY KEY (environment_id, output_id)
    ) WITHOUT ROWID""",
)
"""Statements that create the payments tables."""

EXIT_KIND_CODES = {member.value: bytes([tag]) for member, tag in get_enum_tags(ExitKind).items()}
"""Encoding of each ``ExitKind``, by the value stored in its column."""

QueueHead = tuple[Uint64, OutputPosition, Uint64]
"""An in-flight queue entry: (exitable time, youngest input's position, in-flight exit id)."""


def compute_transaction_key(transaction: Transaction) -> bytes:
    """Return the key of a payment's body: the hash of its canonical encoding.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    return hash_bytes(encode_transaction(transaction))


def make_in_flight_row(environment_id: int, exit_id: int, exit: InFlightExit) -> tuple[object, ...]:
    """Return the column values of an in-flight exit's row."""
    return (
        environment_id,
        exit_id,
        compute_transaction_key(exit.transaction),
        int(exit.status == InFlightExitStatus.ACTIVE),
        encode(exit),
    )


def list_queue_entries(exit: InFlightExit) -> list[tuple[Address, Uint64]]:
    """Return the (token, exitable time) queue entries an exit has: piggybacked, not processed."""
    if exit.status != InFlightExitStatus.ACTIVE:
        return []
    return [
        (token, time)
        for token, time in exit.exitable_at.items()
        if token not in exit.processed_tokens
    ]


class InFlightTables:
    """Typed reads and writes of the payments tables; each one key lookup or one index range."""

    connection: sqlite3.Connection
    """The database connection (set by :class:`~reference.settlement.tables.SettlementTables`)."""

    # In-flight exits

    def count_in_flight_exits(self, environment_id: int) -> int:
        """Return how many in-flight exits an environment ever had (the next exit id)."""
        (last,) = self.connection.execute(
            "SELECT MAX(exit_id) FROM settlement_in_flight_exits WHERE environment_id = ?",
            (environment_id,),
        ).fetchone()
        return 0 if last is None else int(last) + 1

    def read_in_flight_exit(self, environment_id: int, exit_id: Uint64) -> InFlightExit | None:
        """Return an in-flight exit, if the id (any ``Uint64``) names one."""
        if exit_id >= self.count_in_flight_exits(environment_id):
            return None
        row = self.connection.execute(
            "SELECT record FROM settlement_in_flight_exits "
            "WHERE environment_id = ? AND exit_id = ?",
            (environment_id, int(exit_id)),
        ).fetchone()
        return None if row is None else decode(InFlightExit, row[0])

    def find_active_in_flight_exit(self, environment_id: int, transaction: Transaction) -> bool:
        """Return whether a payment has an in-flight exit that is not deleted (one lookup).

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
        """
        row = self.connection.execute(
            "SELECT 1 FROM settlement_in_flight_exits "
            "INDEXED BY settlement_in_flight_by_transaction "
            "WHERE environment_id = ? AND transaction_key = ? AND active = 1",
            (environment_id, compute_transaction_key(transaction)),
        ).fetchone()
        return row is not None

    def write_in_flight_exit(
        self, environment_id: int, exit_id: Uint64, exit: InFlightExit
    ) -> None:
        """Store an in-flight exit (a new one, or a new version of one)."""
        self.connection.execute(
            "INSERT INTO settlement_in_flight_exits "
            "(environment_id, exit_id, transaction_key, active, record) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (environment_id, exit_id) DO UPDATE SET "
            "active = excluded.active, record = excluded.record",
            make_in_flight_row(environment_id, int(exit_id), exit),
        )

    # The in-flight queue entries

    def insert_queue_entry(self, environment_id: int, token: Address, entry: QueueHead) -> None:
        """Queue an in-flight exit for a token (its first piggyback of that token)."""
        exitable_at, position, exit_id = entry
        self.connection.execute(
            "INSERT INTO settlement_in_flight_queue "
            "(environment_id, token, exitable_at, position, exit_id) VALUES (?, ?, ?, ?, ?)",
            (
                environment_id,
                bytes(token),
                store_u64(exitable_at),
                store_position(position),
                int(exit_id),
            ),
        )

    def delete_queue_entry(self, environment_id: int, token: Address, entry: QueueHead) -> None:
        """Remove an in-flight exit's entry of a token (processed for that token)."""
        exitable_at, position, exit_id = entry
        self.connection.execute(
            "DELETE FROM settlement_in_flight_queue WHERE environment_id = ? AND token = ? "
            "AND exitable_at = ? AND position = ? AND exit_id = ?",
            (
                environment_id,
                bytes(token),
                store_u64(exitable_at),
                store_position(position),
                int(exit_id),
            ),
        )

    def read_mature_in_flight_entries(
        self, environment_id: int, token: Address, time: Uint64, limit: int
    ) -> list[QueueHead]:
        """Return up to ``limit`` in-flight entries of a token exitable by ``time``, in order.

        The primary key serves the range and the order: the cost grows with the
        entries returned, not with the exits stored.
        """
        rows = self.connection.execute(
            "SELECT exitable_at, position, exit_id FROM settlement_in_flight_queue "
            "WHERE environment_id = ? AND token = ? AND exitable_at <= ? "
            "ORDER BY exitable_at, position, exit_id LIMIT ?",
            (environment_id, bytes(token), store_u64(time), limit),
        )
        return [(load_u64(t), load_position(p), Uint64(i)) for t, p, i in rows]

    # Finalized marks

    def read_finalized(self, environment_id: int, output_id: Hash32) -> ExitReference | None:
        """Return the exit that settled an output, or None if none has."""
        row = self.connection.execute(
            "SELECT kind, exit_id FROM settlement_finalized "
            "WHERE environment_id = ? AND output_id = ?",
            (environment_id, bytes(output_id)),
        ).fetchone()
        return None if row is None else ExitReference(ExitKind(row[0]), load_u64(row[1]))

    def insert_finalized(
        self, environment_id: int, output_id: Hash32, reference: ExitReference
    ) -> None:
        """Mark an output settled by an exit; the primary key refuses a second mark."""
        self.connection.execute(
            "INSERT INTO settlement_finalized (environment_id, output_id, kind, exit_id) "
            "VALUES (?, ?, ?, ?)",
            (environment_id, bytes(output_id), reference.kind.value, store_u64(reference.exit_id)),
        )


# Whole records: load, export, encode


def load_payments_records(
    connection: sqlite3.Connection, environment_id: int, records: PaymentsRecords
) -> None:
    """Insert a payments environment's records and the queue entries they imply."""
    exits = records.in_flight_exits
    assert set(exits) == set(range(len(exits))), "in-flight exit ids not 0..n-1"
    tables = InFlightTables()
    tables.connection = connection
    for exit_id, exit in exits.items():
        tables.write_in_flight_exit(environment_id, exit_id, exit)
        for token, time in list_queue_entries(exit):
            tables.insert_queue_entry(environment_id, token, (time, exit.youngest_input, exit_id))
    for output_id, reference in records.finalized.items():
        tables.insert_finalized(environment_id, output_id, reference)


def export_payments_records(connection: sqlite3.Connection, environment_id: int) -> PaymentsRecords:
    """Return a payments environment's records as the spec's ``PaymentsRecords``."""
    exits = {
        Uint64(exit_id): decode(InFlightExit, record)
        for exit_id, record in connection.execute(
            "SELECT exit_id, record FROM settlement_in_flight_exits "
            "WHERE environment_id = ? ORDER BY exit_id",
            (environment_id,),
        )
    }
    finalized = {
        load_hash(output_id): ExitReference(ExitKind(kind), load_u64(exit_id))
        for output_id, kind, exit_id in connection.execute(
            "SELECT output_id, kind, exit_id FROM settlement_finalized "
            "WHERE environment_id = ? ORDER BY output_id",
            (environment_id,),
        )
    }
    return PaymentsRecords(in_flight_exits=exits, finalized=finalized)


def count_environment_rows(connection: sqlite3.Connection, table: str, environment_id: int) -> int:
    """Return how many rows of one payments table belong to an environment."""
    (count,) = connection.execute(
        f"SELECT COUNT(*) FROM {table} WHERE environment_id = ?", (environment_id,)
    ).fetchone()
    return int(count)


def encode_payments_records(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the canonical encoding of a payments environment's records (no union tag)."""
    yield encode_count(
        count_environment_rows(connection, "settlement_in_flight_exits", environment_id)
    )
    for exit_id, record in connection.execute(
        "SELECT exit_id, record FROM settlement_in_flight_exits "
        "WHERE environment_id = ? ORDER BY exit_id",
        (environment_id,),
    ):
        yield store_u64(exit_id) + record
    yield encode_count(count_environment_rows(connection, "settlement_finalized", environment_id))
    for output_id, kind, exit_id in connection.execute(
        "SELECT output_id, kind, exit_id FROM settlement_finalized "
        "WHERE environment_id = ? ORDER BY output_id",
        (environment_id,),
    ):
        yield output_id + EXIT_KIND_CODES[kind] + exit_id
