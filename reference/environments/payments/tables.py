"""The child chain ledger's tables, and how its rows become protocol values.

One row of ``chain_header`` holds what identifies the chain and how far it
got; the other tables each hold one part of the spec's ``ChildChainState``:

==================  ========================================================
table               holds
==================  ========================================================
``chain_header``    environment id, operator, tree depth, last block number
``chain_utxos``     unspent outputs by position, indexed by owner
``chain_spent``     every position ever spent by a payment
``chain_totals``    the four per-token totals (``ledger`` names which one)
``chain_blocks``    every applied block and deposit: number, root, encoding
==================  ========================================================

Positions, numbers and amounts are stored as ``reference.columns`` says:
fixed-width big-endian BLOBs, so primary-key order is the spec's order and a
scan in key order yields the canonical encoding's order directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reference.columns import load_position, store_position, store_u64, store_u256
from spec.environments.payments.transactions import Output
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256

SCHEMA = (
    """CREATE TABLE chain_header (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        environment_id BLOB NOT NULL,
        operator BLOB NOT NULL,
        transaction_tree_depth INTEGER NOT NULL,
        block_number BLOB NOT NULL
    )""",
    """CREATE TABLE chain_utxos (
        position BLOB PRIMARY KEY,
        owner BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL
    ) WITHOUT ROWID""",
    # A WITHOUT ROWID index carries the primary key, so an owner's outputs come in position order
    "CREATE INDEX chain_utxos_by_owner ON chain_utxos (owner)",
    "CREATE TABLE chain_spent (position BLOB PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE chain_totals (
        ledger TEXT NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        PRIMARY KEY (ledger, token)
    ) WITHOUT ROWID""",
    """CREATE TABLE chain_blocks (
        number BLOB PRIMARY KEY,
        root BLOB NOT NULL,
        encoding BLOB NOT NULL
    ) WITHOUT ROWID""",
)
"""Statements that create the ledger's tables."""

HEADER_TABLE = "chain_header"
"""The table whose presence marks a store holding a ledger."""

TOTALS_LEDGERS = ("deposited", "exited", "fees_paid", "fees_claimed")
"""The per-token totals of the state, by their ``ChildChainState`` field names."""

UtxoRow = tuple[bytes, bytes, bytes, bytes]
"""A stored unspent output: position, owner, token, amount."""


@dataclass(frozen=True)
class ChainHeader:
    """What identifies a child chain, and the number of its last block."""

    environment_id: Uint64
    """Id of the environment; part of every signed message."""
    operator: Address
    """The only owner a fee claim may pay."""
    transaction_tree_depth: Uint8
    """Depth of each block's Merkle tree."""
    block_number: Uint64
    """Number of the last block or deposit applied; 0 before any."""


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the ledger's tables in an empty store."""
    for statement in SCHEMA:
        connection.execute(statement)


def write_header(connection: sqlite3.Connection, header: ChainHeader) -> None:
    """Write the header row (the first time) or replace it."""
    connection.execute(
        "INSERT OR REPLACE INTO chain_header VALUES (0, ?, ?, ?, ?)",
        (
            store_u64(header.environment_id),
            bytes(header.operator),
            int(header.transaction_tree_depth),
            store_u64(header.block_number),
        ),
    )


def write_block_number(connection: sqlite3.Connection, block_number: int) -> None:
    """Record the number of the last block or deposit applied."""
    connection.execute("UPDATE chain_header SET block_number = ?", (store_u64(block_number),))


def read_header(connection: sqlite3.Connection) -> ChainHeader:
    """Return the header row."""
    environment_id, operator, depth, block_number = connection.execute(
        "SELECT environment_id, operator, transaction_tree_depth, block_number FROM chain_header"
    ).fetchone()
    return ChainHeader(
        Uint64(int.from_bytes(environment_id, "big")),
        Address(operator),
        Uint8(depth),
        Uint64(int.from_bytes(block_number, "big")),
    )


def make_utxo_row(position: OutputPosition, output: Output) -> UtxoRow:
    """Return the stored row of an unspent output."""
    return make_keyed_utxo_row(store_position(position), output)


def make_keyed_utxo_row(key: bytes, output: Output) -> UtxoRow:
    """Return the stored row of an unspent output at the stored position ``key``."""
    return (key, bytes(output.owner), bytes(output.token), output.amount.to_bytes(32, "big"))


def write_utxos(connection: sqlite3.Connection, utxos: Iterable[UtxoRow]) -> None:
    """Insert unspent outputs, replacing any stored at the same positions."""
    connection.executemany("INSERT OR REPLACE INTO chain_utxos VALUES (?, ?, ?, ?)", utxos)


def delete_utxos(connection: sqlite3.Connection, positions: Iterable[bytes]) -> None:
    """Remove the unspent outputs at the given stored positions."""
    connection.executemany(
        "DELETE FROM chain_utxos WHERE position = ?", ((position,) for position in positions)
    )


def write_spent(connection: sqlite3.Connection, positions: Iterable[bytes]) -> None:
    """Add stored positions to the spent set (a set: adding twice keeps one)."""
    connection.executemany(
        "INSERT OR IGNORE INTO chain_spent VALUES (?)", ((position,) for position in positions)
    )


def write_totals(
    connection: sqlite3.Connection, ledger: str, entries: Iterable[tuple[Address, int]]
) -> None:
    """Set the amounts of some tokens in one of the per-token totals."""
    connection.executemany(
        "INSERT OR REPLACE INTO chain_totals VALUES (?, ?, ?)",
        ((ledger, bytes(token), store_u256(amount)) for token, amount in entries),
    )


def read_totals(connection: sqlite3.Connection) -> dict[str, dict[Address, int]]:
    """Return the four per-token totals, by ledger name."""
    totals: dict[str, dict[Address, int]] = {ledger: {} for ledger in TOTALS_LEDGERS}
    rows = connection.execute("SELECT ledger, token, amount FROM chain_totals")
    for ledger, token, amount in rows:
        totals[ledger][Address(token)] = int.from_bytes(amount, "big")
    return totals


def write_block(
    connection: sqlite3.Connection, block_number: int, root: bytes, encoding: bytes
) -> None:
    """Record an applied block (or deposit block): its number, root and canonical encoding."""
    connection.execute(
        "INSERT INTO chain_blocks VALUES (?, ?, ?)", (store_u64(block_number), root, encoding)
    )


class OutputLoader:
    """Turns stored rows into positions and outputs, making each distinct value once.

    Loading a ledger builds one position and one output per unspent output;
    owners, tokens, block numbers and amounts repeat across rows, so sharing
    them saves most of the time (and memory) that checked value types cost.
    """

    def __init__(self) -> None:
        """Start with no value seen."""
        self.addresses: dict[bytes, Address] = {}
        """Every owner and token met so far, by stored bytes."""
        self.block_numbers: dict[bytes, Uint64] = {}
        """Every block number met so far, by stored bytes."""
        self.indexes: dict[bytes, tuple[Uint16, Uint8]] = {}
        """Every (transaction index, output index) met so far, by stored bytes."""
        self.amounts: dict[bytes, Uint256] = {}
        """Every amount met so far, by stored bytes."""

    def get_address(self, blob: bytes) -> Address:
        """Return the address stored as ``blob``."""
        address = self.addresses.get(blob)
        if address is None:
            address = self.addresses[blob] = Address(blob)
        return address

    def get_position(self, blob: bytes) -> OutputPosition:
        """Return the position stored as ``blob`` (see ``reference.columns``)."""
        block_number = self.block_numbers.get(blob[:8])
        if block_number is None:
            block_number = self.block_numbers[blob[:8]] = Uint64(int.from_bytes(blob[:8], "big"))
        indexes = self.indexes.get(blob[8:])
        if indexes is None:
            indexes = (Uint16(int.from_bytes(blob[8:10], "big")), Uint8(blob[10]))
            self.indexes[blob[8:]] = indexes
        return OutputPosition(block_number, *indexes)

    def get_amount(self, blob: bytes) -> Uint256:
        """Return the amount stored as ``blob``."""
        amount = self.amounts.get(blob)
        if amount is None:
            amount = self.amounts[blob] = Uint256(int.from_bytes(blob, "big"))
        return amount

    def load(self, row: UtxoRow) -> tuple[OutputPosition, Output]:
        """Return the position and output of a stored row."""
        position, owner, token, amount = row
        output = Output(self.get_address(owner), self.get_address(token), self.get_amount(amount))
        return self.get_position(position), output


def read_utxo_cache(connection: sqlite3.Connection) -> dict[bytes, Output]:
    """Return every unspent output by its stored position (the ledger's in-memory cache)."""
    loader = OutputLoader()
    rows = connection.execute("SELECT position, owner, token, amount FROM chain_utxos")
    return {
        position: Output(
            loader.get_address(owner), loader.get_address(token), loader.get_amount(amount)
        )
        for position, owner, token, amount in rows
    }


def read_utxos_of(
    connection: sqlite3.Connection, owner: Address
) -> list[tuple[OutputPosition, Output]]:
    """Return the unspent outputs of ``owner``, in position order (through the owner index)."""
    loader = OutputLoader()
    rows = connection.execute(
        "SELECT position, owner, token, amount FROM chain_utxos WHERE owner = ? ORDER BY position",
        (bytes(owner),),
    )
    return [loader.load(row) for row in rows]


def read_spent(connection: sqlite3.Connection) -> Iterator[OutputPosition]:
    """Yield every spent position, in position order."""
    for (position,) in connection.execute("SELECT position FROM chain_spent ORDER BY position"):
        yield load_position(position)


def is_spent(connection: sqlite3.Connection, position: OutputPosition) -> bool:
    """Return whether a payment ever spent the output at ``position`` (a keyed lookup)."""
    row = connection.execute(
        "SELECT 1 FROM chain_spent WHERE position = ?", (store_position(position),)
    ).fetchone()
    return row is not None


def read_block(connection: sqlite3.Connection, block_number: int) -> tuple[bytes, bytes] | None:
    """Return the root and encoding of the block numbered ``block_number``, if applied."""
    row = connection.execute(
        "SELECT root, encoding FROM chain_blocks WHERE number = ?", (store_u64(block_number),)
    ).fetchone()
    return None if row is None else (row[0], row[1])
