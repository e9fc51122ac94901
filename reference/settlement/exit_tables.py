"""The simulator's exits table: every exit ever started, and the exit queues as an index.

The table's schema, how its rows become :class:`~spec.settlement.state.Exit`
values, and :class:`ExitTables`, the typed reads and writes over it that
:class:`~reference.settlement.tables.SettlementTables` offers.

``settlement_exits`` has the primary key (environment, exit id), ``UNIQUE
(environment, position)`` (one exit per output, ever: "has this output an
exit?" is one lookup) and ``settlement_exit_queue``, a partial index over the
open exits only, ordered (environment, token, exitable time, position, exit
id): the spec's priority order within each queue, since numbers and positions
are stored as their big-endian encodings (``reference.columns``). Exit ids
are plain SQLite integers: callers check them against the environment's exit
counter before binding, so a huge ``Uint64`` never reaches SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
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
from spec.positions import OutputPosition
from spec.primitives import Address, Uint64, Uint256
from spec.settlement.state import Exit, ExitStatus

EXIT_SCHEMA = (
    """CREATE TABLE settlement_exits (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        position BLOB NOT NULL,
        output_id BLOB NOT NULL,
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
)
"""Statements that create the exits table and its queue index."""

EXIT_COLUMNS = (
    "exit_id, position, output_id, owner, token, amount, bond, started_at, exitable_at, status, "
    "paid"
)
"""The columns :func:`load_exit` reads, in its order."""


def make_exit_row(environment_id: int, exit_id: int, exit: Exit) -> tuple[bytes | int | str, ...]:
    """Return the column values of an exit: the environment id, then :data:`EXIT_COLUMNS`."""
    return (
        environment_id,
        exit_id,
        store_position(exit.position),
        bytes(exit.output_id),
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
    (exit_id, position, output_id, owner, token, amount, bond, *rest) = row
    started, exitable, status, paid = rest
    exit = Exit(
        position=load_position(position),
        output_id=load_hash(output_id),
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


class ExitTables:
    """Typed reads and writes of the exits; each one key lookup or one index range."""

    connection: sqlite3.Connection
    """The database connection (set by :class:`~reference.settlement.tables.SettlementTables`)."""

    def read_exit(self, environment_id: int, exit_id: int) -> Exit | None:
        """Return an exit by id (the caller has checked the id fits an SQLite integer)."""
        row = self.connection.execute(
            f"SELECT {EXIT_COLUMNS} FROM settlement_exits WHERE environment_id = ? AND exit_id = ?",
            (environment_id, exit_id),
        ).fetchone()
        return None if row is None else load_exit(row)[1]

    def find_exit_of_position(
        self, environment_id: int, position: OutputPosition
    ) -> tuple[Uint64, Exit] | None:
        """Return the exit ever started for an output, with its id, if any."""
        row = self.connection.execute(
            f"SELECT {EXIT_COLUMNS} FROM settlement_exits "
            "WHERE environment_id = ? AND position = ?",
            (environment_id, store_position(position)),
        ).fetchone()
        return None if row is None else load_exit(row)

    def insert_exit(self, environment_id: int, exit_id: int, exit: Exit) -> None:
        """Add a newly started exit."""
        self.connection.execute(
            f"INSERT INTO settlement_exits (environment_id, {EXIT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            make_exit_row(environment_id, exit_id, exit),
        )

    def write_exit_outcome(
        self, environment_id: int, exit_id: int, status: ExitStatus, paid: Uint256
    ) -> None:
        """Set an exit's status and paid amount (challenged or processed)."""
        self.connection.execute(
            "UPDATE settlement_exits SET status = ?, paid = ? "
            "WHERE environment_id = ? AND exit_id = ?",
            (status.value, store_u256(paid), environment_id, exit_id),
        )

    def write_exit_outcomes(
        self, environment_id: int, status: ExitStatus, payouts: Iterable[tuple[int, Uint256]]
    ) -> None:
        """Set the status and paid amount of many exits, given as (exit id, paid) pairs."""
        self.connection.executemany(
            "UPDATE settlement_exits SET status = ?, paid = ? "
            "WHERE environment_id = ? AND exit_id = ?",
            [(status.value, store_u256(paid), environment_id, i) for i, paid in payouts],
        )

    def read_mature_exits(
        self, environment_id: int, token: Address, time: Uint64, limit: int
    ) -> list[tuple[Uint64, Exit]]:
        """Return up to ``limit`` open exits of a queue exitable by ``time``, in priority order.

        The queue index serves the range and the order: the cost grows with the
        exits returned, not with the exits stored.
        """
        rows = self.connection.execute(
            f"SELECT {EXIT_COLUMNS} FROM settlement_exits INDEXED BY settlement_exit_queue "
            "WHERE environment_id = ? AND token = ? AND status = 'open' AND exitable_at <= ? "
            "ORDER BY exitable_at, position, exit_id LIMIT ?",
            (environment_id, bytes(token), store_u64(time), limit),
        )
        return [load_exit(row) for row in rows]

    def read_open_exits(self, environment_id: int) -> list[tuple[Uint64, Exit]]:
        """Return an environment's open exits by id (read through the queue index)."""
        rows = self.connection.execute(
            f"SELECT {EXIT_COLUMNS} FROM settlement_exits INDEXED BY settlement_exit_queue "
            "WHERE environment_id = ? AND status = 'open'",
            (environment_id,),
        )
        return sorted((load_exit(row) for row in rows), key=lambda item: item[0])
