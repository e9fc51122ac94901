"""The settlement state digest, hashed as the tables stream, without building the state.

``spec.digest`` hashes a domain tag and the canonical encoding of the whole
``SettlementState``. Every number, amount, address and position is stored as
its canonical encoding (``reference.columns``), and every table's primary key
sorts its rows as the encoding sorts mapping keys (big-endian bytes compare as
the numbers do; an (account, token) key compares as its 40 concatenated
bytes). Reading the rows in key order and feeding their bytes to the hash
therefore yields exactly the canonical encoding, in ``O(n)`` time and memory
bounded by one fetch, about twenty times faster than exporting the state and
encoding it with the spec's generic encoder.

The encoding, field by field (``spec.encoding``): the preset (stored encoded),
the time, the balances (count, then account ‖ token ‖ amount), then the count
of environments and each environment: operator, kind (its wire tag),
rules (period ‖ bond ‖ deposit limit ‖ processing bounty), registration time,
block log (count, then number ‖ kind ‖ root ‖ time), exits (count, then id ‖
position ‖ output id ‖ owner ‖ token ‖ amount ‖ bond ‖ start ‖
exitable time ‖ status ‖ paid), deposited and withdrawn (count, then token ‖
amount), bonds held, and the kind's records: the ``KindRecords`` union tag,
then what the kind's row streams (``ReferenceKind.encode_records``: in-flight
exits and finalized marks for payments, coins, coin exits and challenges for
Cash), and last the ``finality`` option: ``0x00``, or ``0x01``, the committee
(stored encoded), the certified map (count, then number ‖ hash) and the halted
flag (``reference.settlement.finality_tables``).
"""

from __future__ import annotations

import sqlite3
import typing
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

from Crypto.Hash import keccak

from reference.columns import encode_count, store_u64
from reference.environments.registry import get_kind
from reference.settlement.finality_tables import encode_finality
from reference.settlement.tables import SettlementTables
from spec.digest import SETTLEMENT_DIGEST_DOMAIN
from spec.encoding import get_enum_tags, get_union_tags
from spec.environments import registry as spec_kinds
from spec.environments.records import KindRecords
from spec.primitives import Hash32
from spec.settlement.state import BlockKind, EnvironmentKind, ExitStatus

ROWS_PER_FETCH = 4096
"""Rows hashed per round trip to SQLite."""


def encode_members(enumeration: type[Enum]) -> dict[str, bytes]:
    """Return the one-byte encoding (declared wire tag) of each member, by stored value."""
    return {member.value: bytes([tag]) for member, tag in get_enum_tags(enumeration).items()}


def compute_records_tags() -> dict[str, bytes]:
    """Return the ``KindRecords`` union tag of each kind's records, by the kind's stored value."""
    tags = get_union_tags(typing.get_args(KindRecords))
    return {
        kind.value: bytes([tags[type(spec_kinds.get_kind(kind).compute_genesis_records())]])
        for kind in EnvironmentKind
    }


KIND_CODES = encode_members(EnvironmentKind)
"""Encoding of each ``EnvironmentKind``, by the value stored in its column."""
BLOCK_KIND_CODES = encode_members(BlockKind)
"""Encoding of each ``BlockKind``, by the value stored in its column."""
STATUS_CODES = encode_members(ExitStatus)
"""Encoding of each ``ExitStatus``, by the value stored in its column."""
RECORDS_TAGS = compute_records_tags()
"""The union tag that starts each kind's ``kind_records`` encoding, by the kind's stored value."""


def fetch_in_batches(cursor: sqlite3.Cursor) -> Iterator[Any]:
    """Yield the rows of ``cursor``, fetched ``ROWS_PER_FETCH`` at a time."""
    while rows := cursor.fetchmany(ROWS_PER_FETCH):
        yield from rows


def count_rows(connection: sqlite3.Connection, table: str, environment_id: int) -> int:
    """Return how many rows of ``table`` belong to an environment (an index range count)."""
    (count,) = connection.execute(
        f"SELECT COUNT(*) FROM {table} WHERE environment_id = ?", (environment_id,)
    ).fetchone()
    return int(count)


def encode_blocks(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the encoding of an environment's block log, in number order."""
    yield encode_count(count_rows(connection, "settlement_blocks", environment_id))
    rows = connection.execute(
        "SELECT number, kind, root, timestamp FROM settlement_blocks "
        "WHERE environment_id = ? ORDER BY number",
        (environment_id,),
    )
    for number, kind, root, timestamp in fetch_in_batches(rows):
        yield number + BLOCK_KIND_CODES[kind] + root + timestamp


def encode_exits(
    connection: sqlite3.Connection, environment_id: int, count: int
) -> Iterable[bytes]:
    """Yield the encoding of an environment's exits, in exit id order."""
    yield encode_count(count)
    rows = connection.execute(
        "SELECT exit_id, position, output_id, owner, token, amount, bond, started_at, "
        "exitable_at, status, paid FROM settlement_exits WHERE environment_id = ? ORDER BY exit_id",
        (environment_id,),
    )
    for exit_id, *head, status, paid in fetch_in_batches(rows):
        yield store_u64(exit_id) + b"".join(head) + STATUS_CODES[status] + paid


def encode_ledgers(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the encodings of an environment's deposited and withdrawn totals, in token order."""
    rows = connection.execute(
        "SELECT token, deposited, withdrawn FROM settlement_ledgers "
        "WHERE environment_id = ? ORDER BY token",
        (environment_id,),
    ).fetchall()
    for column in (1, 2):
        entries = [row[0] + row[column] for row in rows if row[column] is not None]
        yield encode_count(len(entries)) + b"".join(entries)


def encode_environments(connection: sqlite3.Connection) -> Iterable[bytes]:
    """Yield the encoding of every environment, in id order."""
    rows = connection.execute(
        "SELECT id, operator, kind, finalization_period, exit_bond, deposit_limit, "
        "processing_bounty, registered_at, exit_count, bonds_held "
        "FROM settlement_environments ORDER BY id"
    ).fetchall()
    yield encode_count(len(rows))
    for identifier, operator, kind, period, bond, limit, bounty, registered, exits, held in rows:
        yield operator + KIND_CODES[kind] + period + bond + limit + bounty + registered
        yield from encode_blocks(connection, identifier)
        yield from encode_exits(connection, identifier, exits)
        yield from encode_ledgers(connection, identifier)
        yield held
        yield RECORDS_TAGS[kind]
        yield from get_kind(EnvironmentKind(kind)).encode_records(connection, identifier)
        yield from encode_finality(connection, identifier)


def compute_state_digest(connection: sqlite3.Connection) -> Hash32:
    """Return ``spec.digest.compute_settlement_digest`` of the stored state, streaming it."""
    tables = SettlementTables(connection)
    hasher = keccak.new(digest_bits=256)
    hasher.update(SETTLEMENT_DIGEST_DOMAIN + tables.read_preset_encoding())
    hasher.update(store_u64(tables.read_time()))
    (balance_count,) = connection.execute("SELECT COUNT(*) FROM settlement_balances").fetchone()
    hasher.update(encode_count(balance_count))
    balances = connection.execute(
        "SELECT account, token, amount FROM settlement_balances ORDER BY account, token"
    )
    for account, token, amount in fetch_in_batches(balances):
        hasher.update(account + token + amount)
    for chunk in encode_environments(connection):
        hasher.update(chunk)
    return Hash32(hasher.digest())
