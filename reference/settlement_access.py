"""Typed reads and writes of the settlement simulator's tables, each one index lookup.

:class:`SettlementTables` wraps a connection and speaks in protocol values
(``Uint64``, ``Address``, ``Exit``, ...) instead of column values. Every
method touches the rows of one key or one index range; none scans a table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from reference.columns import load_u64, load_u256, store_position, store_u64, store_u256
from reference.settlement_tables import (
    ENVIRONMENT_COLUMNS,
    EXIT_COLUMNS,
    EnvironmentRow,
    LedgerEntry,
    load_block,
    load_environment,
    load_exit,
    load_optional_u256,
    make_block_row,
    make_environment_row,
    make_exit_row,
    store_optional_u256,
)
from spec.payments.transactions import OutputPosition
from spec.primitives import Address, Uint64, Uint256
from spec.settlement.state import BlockRecord, Exit, ExitStatus


class SettlementTables:
    """The simulator's tables, read and written through one connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wrap ``connection``; writes belong inside the caller's store transaction."""
        self.connection = connection
        """The database connection."""

    # Header

    def read_preset_encoding(self) -> bytes:
        """Return the canonical encoding of the preset."""
        (encoding,) = self.connection.execute(
            "SELECT preset FROM settlement_header WHERE id = 0"
        ).fetchone()
        assert isinstance(encoding, bytes)
        return encoding

    def read_time(self) -> Uint64:
        """Return the settlement clock."""
        (time,) = self.connection.execute(
            "SELECT time FROM settlement_header WHERE id = 0"
        ).fetchone()
        return load_u64(time)

    def write_time(self, time: Uint64) -> None:
        """Set the settlement clock."""
        self.connection.execute(
            "UPDATE settlement_header SET time = ? WHERE id = 0", (store_u64(time),)
        )

    # Balances

    def read_balance(self, account: Address, token: Address) -> Uint256:
        """Return an account's balance of a token (zero when it has no row)."""
        row = self.connection.execute(
            "SELECT amount FROM settlement_balances WHERE account = ? AND token = ?",
            (bytes(account), bytes(token)),
        ).fetchone()
        return Uint256(0) if row is None else load_u256(row[0])

    def write_balance(self, account: Address, token: Address, amount: Uint256) -> None:
        """Set an account's balance of a token; a zero balance is dropped, as the spec drops it."""
        key = (bytes(account), bytes(token))
        if amount > 0:
            self.connection.execute(
                "INSERT INTO settlement_balances (account, token, amount) VALUES (?, ?, ?) "
                "ON CONFLICT (account, token) DO UPDATE SET amount = excluded.amount",
                (*key, store_u256(amount)),
            )
        else:
            self.connection.execute(
                "DELETE FROM settlement_balances WHERE account = ? AND token = ?", key
            )

    def write_balances(self, balances: Iterable[tuple[tuple[Address, Address], Uint256]]) -> None:
        """Set many balances at once; zero balances are dropped."""
        rows = [(bytes(account), bytes(token), amount) for (account, token), amount in balances]
        self.connection.executemany(
            "INSERT INTO settlement_balances (account, token, amount) VALUES (?, ?, ?) "
            "ON CONFLICT (account, token) DO UPDATE SET amount = excluded.amount",
            [(account, token, store_u256(amount)) for account, token, amount in rows if amount > 0],
        )
        self.connection.executemany(
            "DELETE FROM settlement_balances WHERE account = ? AND token = ?",
            [(account, token) for account, token, amount in rows if amount == 0],
        )

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

    def insert_environment(self, row: EnvironmentRow) -> None:
        """Add a newly registered environment."""
        self.connection.execute(
            f"INSERT INTO settlement_environments ({ENVIRONMENT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    # Blocks

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

    # Exits

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
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    # Operation log

    def count_operations(self) -> int:
        """Return how many operations the log holds (sequence numbers are 0 to count - 1)."""
        (last,) = self.connection.execute("SELECT MAX(sequence) FROM operation_log").fetchone()
        return 0 if last is None else int(last) + 1

    def append_operation(self, encoding: bytes) -> None:
        """Append an accepted operation's canonical encoding to the log."""
        self.connection.execute(
            "INSERT INTO operation_log (sequence, operation) VALUES (?, ?)",
            (self.count_operations(), encoding),
        )

    def read_operations(self, start: int) -> Iterable[bytes]:
        """Yield the encodings of the logged operations from sequence number ``start`` on."""
        rows = self.connection.execute(
            "SELECT operation FROM operation_log WHERE sequence >= ? ORDER BY sequence", (start,)
        )
        for (encoding,) in rows:
            yield encoding
