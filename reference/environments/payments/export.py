"""The ledger's state as the spec sees it: exported whole, or hashed as it streams.

Two implementations agree when their state digests agree (``spec.digest``):
the keccak-256 hash of a domain tag and the canonical encoding of the whole
``ChildChainState``. :func:`export_state` builds that state from the ledger
so that ``spec.digest`` can hash it. :func:`compute_ledger_digest` gets the
same hash without building it: positions, owners, tokens and amounts are
stored as their canonical encodings and the tables' primary keys sort them in
the encoding's order, so reading the rows in key order and feeding their
bytes to the hash yields exactly the canonical encoding, in ``O(n)`` time and
constant memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from Crypto.Hash import keccak

from reference.columns import encode_count
from reference.environments.payments.tables import TOTALS_LEDGERS, ChainHeader, read_spent
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.kind import CHILD_CHAIN_DIGEST_DOMAIN
from spec.environments.payments.transactions import Output
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint256

ROWS_PER_FETCH = 4096
"""Rows hashed per round trip to SQLite."""


def export_state(
    connection: sqlite3.Connection,
    header: ChainHeader,
    utxos: Mapping[OutputPosition, Output],
    totals: Mapping[str, Mapping[Address, int]],
) -> ChildChainState:
    """Return the ledger's whole state as the spec's ``ChildChainState``."""
    exported = {
        ledger: {token: Uint256(amount) for token, amount in totals[ledger].items()}
        for ledger in TOTALS_LEDGERS
    }
    return ChildChainState(
        environment_id=header.environment_id,
        operator=header.operator,
        transaction_tree_depth=header.transaction_tree_depth,
        block_number=header.block_number,
        utxos=dict(utxos),
        spent=frozenset(read_spent(connection)),
        deposited=exported["deposited"],
        exited=exported["exited"],
        fees_paid=exported["fees_paid"],
        fees_claimed=exported["fees_claimed"],
    )


def hash_rows(hasher: keccak.Keccak_Hash, cursor: sqlite3.Cursor) -> None:
    """Feed every row of ``cursor`` to ``hasher``: each row's columns, concatenated, in order."""
    while rows := cursor.fetchmany(ROWS_PER_FETCH):
        hasher.update(b"".join(b"".join(row) for row in rows))


def encode_header(header: ChainHeader) -> bytes:
    """Return the canonical encoding of the state's first four fields."""
    return (
        header.environment_id.to_bytes(8, "big")
        + header.operator
        + header.transaction_tree_depth.to_bytes(1, "big")
        + header.block_number.to_bytes(8, "big")
    )


def encode_totals(totals: Mapping[Address, int]) -> bytes:
    """Return the canonical encoding of one per-token total (entries in token order)."""
    entries = sorted((bytes(token), amount) for token, amount in totals.items())
    return encode_count(len(entries)) + b"".join(
        token + amount.to_bytes(32, "big") for token, amount in entries
    )


def compute_ledger_digest(
    connection: sqlite3.Connection,
    header: ChainHeader,
    utxo_count: int,
    totals: Mapping[str, Mapping[Address, int]],
) -> Hash32:
    """Return the spec's digest of the ledger's state, streaming the tables in key order."""
    hasher = keccak.new(digest_bits=256)
    hasher.update(CHILD_CHAIN_DIGEST_DOMAIN + encode_header(header))
    hasher.update(encode_count(utxo_count))
    hash_rows(
        hasher,
        connection.execute(
            "SELECT position, owner, token, amount FROM chain_utxos ORDER BY position"
        ),
    )
    (spent_count,) = connection.execute("SELECT COUNT(*) FROM chain_spent").fetchone()
    hasher.update(encode_count(spent_count))
    hash_rows(hasher, connection.execute("SELECT position FROM chain_spent ORDER BY position"))
    for ledger in TOTALS_LEDGERS:
        hasher.update(encode_totals(totals[ledger]))
    return Hash32(hasher.digest())
