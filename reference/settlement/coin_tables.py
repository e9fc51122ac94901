"""The simulator's Plasma Cash tables: coins, coin exits and their history challenges.

A Cash environment's exit game keeps records of its own at the settlement
layer (``spec.environments.cash.records``, the environment's
``kind_records``). They live in three tables of the settlement database,
beside the shared ones, with :class:`CoinTables`, their typed reads and
writes, which :class:`~reference.settlement.tables.SettlementTables` offers:

===============================  ===================================================
table                            holds
===============================  ===================================================
``settlement_coins``             every minted coin: token, amount, status; primary
                                 key (environment, coin id)
``settlement_coin_exits``        every coin exit ever started; primary key
                                 (environment, exit id)
``settlement_coin_challenges``   the open invalid-history challenges; primary key
                                 (environment, exit id, block of the challenging leaf)
===============================  ===================================================

Coin ids and block numbers are stored as ``reference.columns`` says (8-byte
big-endian BLOBs, so any ``Uint64`` binds safely and the key order is the
numeric order); exit ids are plain SQLite integers, checked against the
exit count before they are bound. Every method touches the rows of one key
or one index range.

Also here: how a ``CashRecords`` value is loaded into these tables, exported
from them, and encoded from them as it streams (in key order, the canonical
encoding's order), for ``reference.settlement.export`` and
``reference.settlement.digest``  through the Cash kind's row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reference.columns import encode_count, load_address, load_u64, load_u256, store_u64, store_u256
from spec.encoding import get_enum_tags
from spec.environments.cash.records import (
    CashRecords,
    CoinExit,
    CoinExitStatus,
    CoinStatus,
    HistoryChallenge,
    SettledCoin,
)
from spec.primitives import Uint64

COIN_SCHEMA = (
    """CREATE TABLE settlement_coins (
        environment_id INTEGER NOT NULL,
        coin_id BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (environment_id, coin_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE settlement_coin_exits (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        coin_id BLOB NOT NULL,
        owner BLOB NOT NULL,
        exit_block BLOB NOT NULL,
        parent_block BLOB NOT NULL,
        parent_owner BLOB NOT NULL,
        bond BLOB NOT NULL,
        started_at BLOB NOT NULL,
        exitable_at BLOB NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (environment_id, exit_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE settlement_coin_challenges (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        block BLOB NOT NULL,
        challenger BLOB NOT NULL,
        owner BLOB NOT NULL,
        bond BLOB NOT NULL,
        PRIMARY KEY (environment_id, exit_id, block)
    ) WITHOUT ROWID""",
)
"""Statements that create the Cash tables."""

COIN_EXIT_COLUMNS = (
    "exit_id, coin_id, owner, exit_block, parent_block, parent_owner, bond, started_at, "
    "exitable_at, status"
)
"""The columns :func:`load_coin_exit` reads, in its order."""

COIN_STATUS_CODES = {
    member.value: bytes([tag]) for member, tag in get_enum_tags(CoinStatus).items()
}
"""Encoding of each ``CoinStatus``, by the value stored in its column."""

EXIT_STATUS_CODES = {
    member.value: bytes([tag]) for member, tag in get_enum_tags(CoinExitStatus).items()
}
"""Encoding of each ``CoinExitStatus``, by the value stored in its column."""


@dataclass(frozen=True)
class StoredCoinExit:
    """A coin exit as its row holds it: the record without its challenges."""

    exit_id: int
    """Id of the exit (0, 1, 2, ... per environment)."""
    exit: CoinExit
    """The exit; its ``challenges`` are empty (they are rows of their own table)."""


def make_coin_exit_row(environment_id: int, exit_id: int, exit: CoinExit) -> tuple[Any, ...]:
    """Return the column values of a coin exit: the environment id, then the exit's columns."""
    return (
        environment_id,
        exit_id,
        store_u64(exit.coin_id),
        bytes(exit.owner),
        store_u64(exit.exit_block),
        store_u64(exit.parent_block),
        bytes(exit.parent_owner),
        store_u256(exit.bond),
        store_u64(exit.started_at),
        store_u64(exit.exitable_at),
        exit.status.value,
    )


def load_coin_exit(row: Sequence[Any]) -> StoredCoinExit:
    """Return the exit stored as the columns of :data:`COIN_EXIT_COLUMNS` (no challenges)."""
    (exit_id, coin, owner, exit_block, parent, parent_owner, bond, started, exitable, status) = row
    exit = CoinExit(
        coin_id=load_u64(coin),
        owner=load_address(owner),
        exit_block=load_u64(exit_block),
        parent_block=load_u64(parent),
        parent_owner=load_address(parent_owner),
        bond=load_u256(bond),
        started_at=load_u64(started),
        exitable_at=load_u64(exitable),
        status=CoinExitStatus(status),
        challenges={},
    )
    return StoredCoinExit(exit_id, exit)


def load_challenge(challenger: bytes, owner: bytes, bond: bytes) -> HistoryChallenge:
    """Return the challenge stored as (challenger, owner, bond)."""
    return HistoryChallenge(load_address(challenger), load_address(owner), load_u256(bond))


class CoinTables:
    """Typed reads and writes of the Cash tables; each one key lookup or one index range."""

    connection: sqlite3.Connection
    """The database connection (set by :class:`~reference.settlement.tables.SettlementTables`)."""

    # Coins

    def read_coin(self, environment_id: int, coin_id: Uint64) -> SettledCoin | None:
        """Return a coin of an environment, if one was minted with that id."""
        row = self.connection.execute(
            "SELECT token, amount, status FROM settlement_coins "
            "WHERE environment_id = ? AND coin_id = ?",
            (environment_id, store_u64(coin_id)),
        ).fetchone()
        if row is None:
            return None
        return SettledCoin(load_address(row[0]), load_u256(row[1]), CoinStatus(row[2]))

    def write_coin(self, environment_id: int, coin_id: Uint64, coin: SettledCoin) -> None:
        """Set a coin (a new one, or a new status)."""
        self.connection.execute(
            "INSERT INTO settlement_coins (environment_id, coin_id, token, amount, status) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (environment_id, coin_id) DO UPDATE SET "
            "token = excluded.token, amount = excluded.amount, status = excluded.status",
            (
                environment_id,
                store_u64(coin_id),
                bytes(coin.token),
                store_u256(coin.amount),
                coin.status.value,
            ),
        )

    # Coin exits

    def count_coin_exits(self, environment_id: int) -> int:
        """Return how many coin exits an environment ever had (the next exit id)."""
        (last,) = self.connection.execute(
            "SELECT MAX(exit_id) FROM settlement_coin_exits WHERE environment_id = ?",
            (environment_id,),
        ).fetchone()
        return 0 if last is None else int(last) + 1

    def read_coin_exit(self, environment_id: int, exit_id: Uint64) -> CoinExit | None:
        """Return a coin exit with its open challenges, if the id names one (any Uint64)."""
        if exit_id >= self.count_coin_exits(environment_id):
            return None
        row = self.connection.execute(
            f"SELECT {COIN_EXIT_COLUMNS} FROM settlement_coin_exits "
            "WHERE environment_id = ? AND exit_id = ?",
            (environment_id, int(exit_id)),
        ).fetchone()
        if row is None:
            return None
        exit = load_coin_exit(row).exit
        rows = self.connection.execute(
            "SELECT block, challenger, owner, bond FROM settlement_coin_challenges "
            "WHERE environment_id = ? AND exit_id = ? ORDER BY block",
            (environment_id, int(exit_id)),
        )
        challenges = {load_u64(block): load_challenge(*rest) for block, *rest in rows}
        return replace(exit, challenges=challenges)

    def insert_coin_exit(self, environment_id: int, exit_id: int, exit: CoinExit) -> None:
        """Add a newly started coin exit (it has no challenges yet)."""
        self.connection.execute(
            f"INSERT INTO settlement_coin_exits (environment_id, {COIN_EXIT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            make_coin_exit_row(environment_id, exit_id, exit),
        )

    def write_coin_exit_status(
        self, environment_id: int, exit_id: Uint64, status: CoinExitStatus
    ) -> None:
        """Set a coin exit's status (cancelled or finalized)."""
        self.connection.execute(
            "UPDATE settlement_coin_exits SET status = ? WHERE environment_id = ? AND exit_id = ?",
            (status.value, environment_id, int(exit_id)),
        )

    # History challenges

    def insert_challenge(
        self, environment_id: int, exit_id: Uint64, block: Uint64, challenge: HistoryChallenge
    ) -> None:
        """Add an open invalid-history challenge of an exit."""
        self.connection.execute(
            "INSERT INTO settlement_coin_challenges "
            "(environment_id, exit_id, block, challenger, owner, bond) VALUES (?, ?, ?, ?, ?, ?)",
            (
                environment_id,
                int(exit_id),
                store_u64(block),
                bytes(challenge.challenger),
                bytes(challenge.owner),
                store_u256(challenge.bond),
            ),
        )

    def delete_challenges(
        self, environment_id: int, exit_id: Uint64, blocks: Iterable[Uint64]
    ) -> None:
        """Remove challenges of an exit (answered, or decided with the exit)."""
        self.connection.executemany(
            "DELETE FROM settlement_coin_challenges "
            "WHERE environment_id = ? AND exit_id = ? AND block = ?",
            [(environment_id, int(exit_id), store_u64(block)) for block in blocks],
        )


# Whole records: load, export, encode


def load_cash_records(
    connection: sqlite3.Connection, environment_id: int, records: CashRecords
) -> None:
    """Insert a Cash environment's records (exit ids must be 0, 1, 2, ...)."""
    assert set(records.exits) == set(range(len(records.exits))), "coin exit ids not 0..n-1"
    connection.executemany(
        "INSERT INTO settlement_coins (environment_id, coin_id, token, amount, status) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            (environment_id, store_u64(i), bytes(c.token), store_u256(c.amount), c.status.value)
            for i, c in records.coins.items()
        ),
    )
    connection.executemany(
        f"INSERT INTO settlement_coin_exits (environment_id, {COIN_EXIT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (make_coin_exit_row(environment_id, int(i), exit) for i, exit in records.exits.items()),
    )
    tables = CoinTables()
    tables.connection = connection
    for exit_id, exit in records.exits.items():
        for block, challenge in exit.challenges.items():
            tables.insert_challenge(environment_id, exit_id, block, challenge)


def export_cash_records(connection: sqlite3.Connection, environment_id: int) -> CashRecords:
    """Return a Cash environment's records as the spec's ``CashRecords``."""
    coins = {
        load_u64(coin_id): SettledCoin(load_address(token), load_u256(amount), CoinStatus(status))
        for coin_id, token, amount, status in connection.execute(
            "SELECT coin_id, token, amount, status FROM settlement_coins "
            "WHERE environment_id = ? ORDER BY coin_id",
            (environment_id,),
        )
    }
    challenges = read_all_challenges(connection, environment_id)
    exits: dict[Uint64, CoinExit] = {}
    for row in connection.execute(
        f"SELECT {COIN_EXIT_COLUMNS} FROM settlement_coin_exits "
        "WHERE environment_id = ? ORDER BY exit_id",
        (environment_id,),
    ):
        stored = load_coin_exit(row)
        found = challenges.get(stored.exit_id, {})
        exits[Uint64(stored.exit_id)] = replace(stored.exit, challenges=found)
    return CashRecords(coins=coins, exits=exits)


def read_all_challenges(
    connection: sqlite3.Connection, environment_id: int
) -> dict[int, dict[Uint64, HistoryChallenge]]:
    """Return every open challenge of an environment, by exit id, then block."""
    challenges: dict[int, dict[Uint64, HistoryChallenge]] = {}
    for exit_id, block, *rest in connection.execute(
        "SELECT exit_id, block, challenger, owner, bond FROM settlement_coin_challenges "
        "WHERE environment_id = ? ORDER BY exit_id, block",
        (environment_id,),
    ):
        challenges.setdefault(exit_id, {})[load_u64(block)] = load_challenge(*rest)
    return challenges


def encode_cash_records(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the canonical encoding of a Cash environment's records (no union tag), streamed."""
    (coin_count,) = connection.execute(
        "SELECT COUNT(*) FROM settlement_coins WHERE environment_id = ?", (environment_id,)
    ).fetchone()
    yield encode_count(coin_count)
    for coin_id, token, amount, status in connection.execute(
        "SELECT coin_id, token, amount, status FROM settlement_coins "
        "WHERE environment_id = ? ORDER BY coin_id",
        (environment_id,),
    ):
        yield coin_id + token + amount + COIN_STATUS_CODES[status]
    (exit_count,) = connection.execute(
        "SELECT COUNT(*) FROM settlement_coin_exits WHERE environment_id = ?", (environment_id,)
    ).fetchone()
    yield encode_count(exit_count)
    challenges = read_all_challenges(connection, environment_id)
    for exit_id, *columns, status in connection.execute(
        f"SELECT {COIN_EXIT_COLUMNS} FROM settlement_coin_exits "
        "WHERE environment_id = ? ORDER BY exit_id",
        (environment_id,),
    ):
        found = challenges.get(exit_id, {})
        yield store_u64(exit_id) + b"".join(columns) + EXIT_STATUS_CODES[status]
        yield encode_count(len(found)) + b"".join(
            store_u64(block) + bytes(c.challenger) + bytes(c.owner) + store_u256(c.bond)
            for block, c in found.items()
        )
