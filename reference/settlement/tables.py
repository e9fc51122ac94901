"""The settlement simulator's tables and :class:`SettlementTables`, their typed reads and writes.

Each table holds one part of the spec's ``SettlementState``, keyed so that
every read an operation needs is one index lookup:

===========================  =====================================================
table                        holds
===========================  =====================================================
``settlement_header``        the preset (its canonical encoding) and the clock
``settlement_balances``      balance per (account, token); primary key
``settlement_environments``  each environment, with the counters the spec would
                             compute by scanning
``settlement_blocks``        block log; primary key (environment, number)
``settlement_ledgers``       deposited and withdrawn totals per (environment, token)
``settlement_exits``         every exit, and the exit queues as a partial index
``settlement_coin*``         Plasma Cash coins, coin exits and history challenges
                             (``reference.settlement.coin_tables``)
``settlement_in_flight*``,   payments in-flight exits, their queue entries, and
``settlement_finalized``     the finalized marks (``reference.settlement.in_flight_tables``)
``settlement_committees``,   committee environments: committee, halted flag, and
``settlement_certified``     certified map (``reference.settlement.finality_tables``)
``operation_log``            every accepted operation, canonically encoded, in order
===========================  =====================================================

:class:`SettlementTables` wraps a connection and speaks in protocol values
(``Uint64``, ``Address``, ``Exit``, ...) instead of column values; it is the
one layer between an operation's step and SQLite. This module holds the
header, the balances and the operation log; the environments, block logs
and ledgers are in ``reference.settlement.environment_tables``, the exits in
``reference.settlement.exit_tables``, the Cash exit game's records in
``reference.settlement.coin_tables``, the payments exit game's records in
``reference.settlement.in_flight_tables``, the committees' records in
``reference.settlement.finality_tables``, each with its schema, rows and methods,
which :class:`SettlementTables` inherits. Every method touches the
rows of one key or one index range; none scans a table.

Numbers, amounts and positions are stored as ``reference.columns`` says
(fixed-width big-endian BLOBs), so that an index sorts them as the spec
orders them. Environment ids, exit ids and log sequence numbers are plain
SQLite integers: callers check them against the counters before binding, so
a huge ``Uint64`` from an adversary never reaches SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from reference.columns import load_u64, load_u256, store_u64, store_u256
from reference.settlement.coin_tables import COIN_SCHEMA, CoinTables
from reference.settlement.environment_tables import ENVIRONMENT_SCHEMA, EnvironmentTables
from reference.settlement.exit_tables import EXIT_SCHEMA, ExitTables
from reference.settlement.finality_tables import FINALITY_SCHEMA, FinalityTables
from reference.settlement.in_flight_tables import IN_FLIGHT_SCHEMA, InFlightTables
from spec.errors import RejectionReason, require
from spec.primitives import Address, Uint64, Uint256

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
    *ENVIRONMENT_SCHEMA,
    *EXIT_SCHEMA,
    *COIN_SCHEMA,
    *IN_FLIGHT_SCHEMA,
    *FINALITY_SCHEMA,
    "CREATE TABLE operation_log (sequence INTEGER PRIMARY KEY, operation BLOB NOT NULL)",
)
"""Statements that create the simulator's tables."""

HEADER_TABLE = "settlement_header"
"""The table whose presence marks a store holding a settlement simulator."""

BALANCE_UPSERT = (
    "INSERT INTO settlement_balances (account, token, amount) VALUES (?, ?, ?) "
    "ON CONFLICT (account, token) DO UPDATE SET amount = excluded.amount"
)
"""The statement that sets one balance."""


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


class SettlementTables(EnvironmentTables, ExitTables, CoinTables, InFlightTables, FinalityTables):
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
            self.connection.execute(BALANCE_UPSERT, (*key, store_u256(amount)))
        else:
            self.connection.execute(
                "DELETE FROM settlement_balances WHERE account = ? AND token = ?", key
            )

    def write_balances(self, balances: Iterable[tuple[tuple[Address, Address], Uint256]]) -> None:
        """Set many balances at once; zero balances are dropped."""
        rows = [(bytes(account), bytes(token), amount) for (account, token), amount in balances]
        self.connection.executemany(
            BALANCE_UPSERT,
            [(account, token, store_u256(amount)) for account, token, amount in rows if amount > 0],
        )
        self.connection.executemany(
            "DELETE FROM settlement_balances WHERE account = ? AND token = ?",
            [(account, token) for account, token, amount in rows if amount == 0],
        )

    def debit(self, account: Address, token: Address, amount: Uint256) -> None:
        """Take ``amount`` from an account's balance (``spec.settlement.state.debit``).

        Raises:
            Rejected: ``INSUFFICIENT_FUNDS`` when the balance is smaller.
        """
        balance = self.read_balance(account, token)
        # Verify the account can pay
        require(balance >= amount, RejectionReason.INSUFFICIENT_FUNDS)
        self.write_balance(account, token, balance - amount)

    def credit(self, account: Address, token: Address, amount: Uint256) -> None:
        """Add ``amount`` to an account's balance (``spec.settlement.state.credit``).

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
        """
        self.write_balance(account, token, self.read_balance(account, token) + amount)

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
