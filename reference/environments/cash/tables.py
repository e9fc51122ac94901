"""The Cash child chain ledger's tables, and how its rows become protocol values.

==================  ==============================================================
table               holds
==================  ==============================================================
``cash_header``     environment id, coin tree depth, last block number
``cash_coins``      the coin index: every live coin by id, with its owner, token,
                    amount and the block of its latest mint or transfer; indexed
                    by owner
``cash_totals``     the per-token totals ``minted`` and ``retired``
``cash_history``    every mint and transfer ever applied, by (coin, block), with
                    its canonical ``CoinLeaf`` encoding; indexed by block, so a
                    block's leaves (for its root and proofs) are one range
==================  ==============================================================

Numbers and amounts are stored as ``reference.columns`` says (fixed-width
big-endian BLOBs), so the primary-key order of ``cash_coins`` is the order
of the canonical encoding of ``CashChainState.coins``, and the streamed
digest reads it in key order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from reference.columns import load_address, load_u64, load_u256, store_u64, store_u256
from spec.environments.cash.chain import LiveCoin
from spec.primitives import Address, Uint8, Uint64

SCHEMA = (
    """CREATE TABLE cash_header (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        environment_id BLOB NOT NULL,
        coin_tree_depth INTEGER NOT NULL,
        block_number BLOB NOT NULL
    )""",
    """CREATE TABLE cash_coins (
        coin_id BLOB PRIMARY KEY,
        owner BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        last_block BLOB NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX cash_coins_by_owner ON cash_coins (owner)",
    """CREATE TABLE cash_totals (
        ledger TEXT NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        PRIMARY KEY (ledger, token)
    ) WITHOUT ROWID""",
    """CREATE TABLE cash_history (
        coin_id BLOB NOT NULL,
        block_number BLOB NOT NULL,
        leaf BLOB NOT NULL,
        PRIMARY KEY (coin_id, block_number)
    ) WITHOUT ROWID""",
    "CREATE INDEX cash_history_by_block ON cash_history (block_number)",
)
"""Statements that create the ledger's tables."""

HEADER_TABLE = "cash_header"
"""The table whose presence marks a store holding a Cash ledger."""

TOTALS_LEDGERS = ("minted", "retired")
"""The per-token totals of the state, by their ``CashChainState`` field names."""

CoinRow = tuple[bytes, bytes, bytes, bytes, bytes]
"""A stored live coin: coin id, owner, token, amount, last block."""


@dataclass(frozen=True)
class CashHeader:
    """What identifies a Cash child chain, and the number of its last block."""

    environment_id: Uint64
    """Id of the environment; every transfer is signed for it."""
    coin_tree_depth: Uint8
    """Depth of each block's sparse tree."""
    block_number: Uint64
    """Number of the last block or mint applied; 0 before any."""


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the ledger's tables in an empty database."""
    for statement in SCHEMA:
        connection.execute(statement)


def write_header(connection: sqlite3.Connection, header: CashHeader) -> None:
    """Write the one header row."""
    connection.execute(
        "INSERT INTO cash_header (id, environment_id, coin_tree_depth, block_number) "
        "VALUES (0, ?, ?, ?)",
        (
            store_u64(header.environment_id),
            int(header.coin_tree_depth),
            store_u64(header.block_number),
        ),
    )


def read_header(connection: sqlite3.Connection) -> CashHeader:
    """Return the header row."""
    environment_id, depth, number = connection.execute(
        "SELECT environment_id, coin_tree_depth, block_number FROM cash_header WHERE id = 0"
    ).fetchone()
    return CashHeader(load_u64(environment_id), Uint8(depth), load_u64(number))


def write_block_number(connection: sqlite3.Connection, number: Uint64) -> None:
    """Set the number of the last block or mint applied."""
    connection.execute("UPDATE cash_header SET block_number = ? WHERE id = 0", (store_u64(number),))


def make_coin_row(coin_id: int, coin: LiveCoin) -> CoinRow:
    """Return the column values of a live coin."""
    return (
        store_u64(coin_id),
        bytes(coin.owner),
        bytes(coin.token),
        store_u256(coin.amount),
        store_u64(coin.last_block),
    )


def load_coin(owner: bytes, token: bytes, amount: bytes, last_block: bytes) -> LiveCoin:
    """Return the live coin stored as (owner, token, amount, last block)."""
    return LiveCoin(
        load_address(owner), load_address(token), load_u256(amount), load_u64(last_block)
    )


def write_coins(connection: sqlite3.Connection, rows: Iterable[CoinRow]) -> None:
    """Insert or replace live coins."""
    connection.executemany(
        "INSERT OR REPLACE INTO cash_coins (coin_id, owner, token, amount, last_block) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def delete_coin(connection: sqlite3.Connection, coin_id: int) -> None:
    """Remove a retired coin."""
    connection.execute("DELETE FROM cash_coins WHERE coin_id = ?", (store_u64(coin_id),))


def read_coins(connection: sqlite3.Connection) -> dict[int, LiveCoin]:
    """Return every live coin by id (the ledger's cache, loaded at open)."""
    rows = connection.execute("SELECT coin_id, owner, token, amount, last_block FROM cash_coins")
    return {int(load_u64(coin_id)): load_coin(*rest) for coin_id, *rest in rows}


def read_coins_of(connection: sqlite3.Connection, owner: Address) -> list[int]:
    """Return the ids of an owner's live coins, in id order (through the owner index)."""
    rows = connection.execute(
        "SELECT coin_id FROM cash_coins WHERE owner = ? ORDER BY coin_id", (bytes(owner),)
    )
    return [int(load_u64(coin_id)) for (coin_id,) in rows]


def write_totals(
    connection: sqlite3.Connection, ledger: str, entries: Iterable[tuple[Address, int]]
) -> None:
    """Set entries of one per-token total."""
    connection.executemany(
        "INSERT OR REPLACE INTO cash_totals (ledger, token, amount) VALUES (?, ?, ?)",
        [(ledger, bytes(token), store_u256(amount)) for token, amount in entries],
    )


def read_totals(connection: sqlite3.Connection) -> dict[str, dict[Address, int]]:
    """Return both per-token totals."""
    totals: dict[str, dict[Address, int]] = {ledger: {} for ledger in TOTALS_LEDGERS}
    for ledger, token, amount in connection.execute(
        "SELECT ledger, token, amount FROM cash_totals"
    ):
        totals[ledger][load_address(token)] = int(load_u256(amount))
    return totals


def write_history(
    connection: sqlite3.Connection, entries: Iterable[tuple[int, int, bytes]]
) -> None:
    """Record applied leaves, as (coin id, block number, leaf encoding)."""
    connection.executemany(
        "INSERT INTO cash_history (coin_id, block_number, leaf) VALUES (?, ?, ?)",
        [(store_u64(coin), store_u64(block), leaf) for coin, block, leaf in entries],
    )


def read_history_of(connection: sqlite3.Connection, coin_id: int) -> list[tuple[int, bytes]]:
    """Return a coin's applied leaves as (block number, leaf encoding), in block order."""
    rows = connection.execute(
        "SELECT block_number, leaf FROM cash_history WHERE coin_id = ? ORDER BY block_number",
        (store_u64(coin_id),),
    )
    return [(int(load_u64(block)), leaf) for block, leaf in rows]


def read_block_leaves(connection: sqlite3.Connection, block_number: int) -> dict[int, bytes]:
    """Return the leaves applied in one block, by coin id (through the block index)."""
    rows = connection.execute(
        "SELECT coin_id, leaf FROM cash_history WHERE block_number = ?", (store_u64(block_number),)
    )
    return {int(load_u64(coin_id)): leaf for coin_id, leaf in rows}
