"""The committee environments' tables: each committee, its halted flag and its certified blocks.

Each table's schema, how its rows become protocol values, and
:class:`FinalityTables`, the typed reads and writes over them that
:class:`~reference.settlement.tables.SettlementTables` offers (the spec's
``spec.settlement.state.FinalityRecord``):

==========================  ======================================================
table                       holds
==========================  ======================================================
``settlement_committees``   one row per environment registered with a committee:
                            the committee (its canonical encoding) and whether
                            conflicting commits halted it; no row for an
                            environment its operator alone runs
``settlement_certified``    the certified map: child block number to the hash of
                            the consensus block that carried its root; primary
                            key (environment, number)
==========================  ======================================================

The certified head, the spec's ``certified[max(certified)]``, is the last row
of the environment's key range (``ORDER BY number DESC LIMIT 1`` walks the
primary key backwards: one lookup, no scan). A committee is at most
``MAX_COMMITTEE_SIZE`` members, so it is kept whole, encoded, and decoded when
a step checks a proof against it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from reference.columns import encode_count, load_hash, load_u64, store_u64
from spec.encoding import decode, encode
from spec.finality.committee import Committee
from spec.primitives import Hash32, Uint64
from spec.settlement.state import FinalityRecord

FINALITY_SCHEMA = (
    """CREATE TABLE settlement_committees (
        environment_id INTEGER PRIMARY KEY,
        committee BLOB NOT NULL,
        halted INTEGER NOT NULL CHECK (halted IN (0, 1))
    )""",
    """CREATE TABLE settlement_certified (
        environment_id INTEGER NOT NULL,
        number BLOB NOT NULL,
        block_hash BLOB NOT NULL,
        PRIMARY KEY (environment_id, number)
    ) WITHOUT ROWID""",
)
"""Statements that create the committees and the certified maps."""

CERTIFIED_UPSERT = (
    "INSERT INTO settlement_certified (environment_id, number, block_hash) VALUES (?, ?, ?) "
    "ON CONFLICT (environment_id, number) DO UPDATE SET block_hash = excluded.block_hash"
)
"""The statement that sets one certified entry (the spec's ``with_entry`` replaces one too)."""


@dataclass(frozen=True)
class CommitteeRow:
    """What a step reads of a committee environment: its committee and whether it is halted."""

    committee: Committee
    """The committee fixed at registration."""
    halted: bool
    """Whether conflicting commits were shown."""


def make_committee_row(
    environment_id: int, committee: Committee, halted: bool
) -> tuple[int, bytes, int]:
    """Return the column values of a committee row."""
    return (environment_id, encode(committee), int(halted))


def list_certified_rows(
    environment_id: int, record: FinalityRecord
) -> Iterable[tuple[int, bytes, bytes]]:
    """Yield the certified rows of a loaded environment's record."""
    for number, block_hash in record.certified.items():
        yield (environment_id, store_u64(number), bytes(block_hash))


def load_committee_row(committee: bytes, halted: int) -> CommitteeRow:
    """Return the committee row stored as (committee encoding, halted)."""
    return CommitteeRow(decode(Committee, committee), bool(halted))


class FinalityTables:
    """Typed reads and writes of the committees and certified maps; each one lookup."""

    connection: sqlite3.Connection
    """The database connection (set by :class:`~reference.settlement.tables.SettlementTables`)."""

    def read_committee(self, environment_id: int) -> CommitteeRow | None:
        """Return an environment's committee and halted flag, or None without a committee."""
        row = self.connection.execute(
            "SELECT committee, halted FROM settlement_committees WHERE environment_id = ?",
            (environment_id,),
        ).fetchone()
        return None if row is None else load_committee_row(*row)

    def read_halted(self, environment_id: int) -> bool | None:
        """Return whether a committee environment is halted, or None without a committee."""
        row = self.connection.execute(
            "SELECT halted FROM settlement_committees WHERE environment_id = ?", (environment_id,)
        ).fetchone()
        return None if row is None else bool(row[0])

    def insert_committee(self, environment_id: int, committee: Committee) -> None:
        """Record the committee of a newly registered environment (not halted)."""
        self.connection.execute(
            "INSERT INTO settlement_committees (environment_id, committee, halted) "
            "VALUES (?, ?, ?)",
            make_committee_row(environment_id, committee, halted=False),
        )

    def write_halted(self, environment_id: int) -> None:
        """Mark a committee environment halted."""
        self.connection.execute(
            "UPDATE settlement_committees SET halted = 1 WHERE environment_id = ?",
            (environment_id,),
        )

    def read_certified_head(self, environment_id: int) -> Hash32 | None:
        """Return the hash recorded at the largest certified number, or None when there is none."""
        row = self.connection.execute(
            "SELECT block_hash FROM settlement_certified WHERE environment_id = ? "
            "ORDER BY number DESC LIMIT 1",
            (environment_id,),
        ).fetchone()
        return None if row is None else load_hash(row[0])

    def read_certified(self, environment_id: int, number: Uint64) -> Hash32 | None:
        """Return the consensus block hash recorded for a child block number, if any."""
        row = self.connection.execute(
            "SELECT block_hash FROM settlement_certified WHERE environment_id = ? AND number = ?",
            (environment_id, store_u64(number)),
        ).fetchone()
        return None if row is None else load_hash(row[0])

    def write_certified(self, environment_id: int, number: Uint64, block_hash: Hash32) -> None:
        """Record the consensus block that carried a child block's root."""
        self.connection.execute(
            CERTIFIED_UPSERT, (environment_id, store_u64(number), bytes(block_hash))
        )


def compute_registered_finality(row: CommitteeRow | None) -> FinalityRecord | None:
    """Return the finality record an environment had when registered (None without a committee)."""
    return None if row is None else FinalityRecord(row.committee, {}, halted=False)


def export_finality(connection: sqlite3.Connection) -> dict[int, FinalityRecord]:
    """Return the finality record of every committee environment, by environment id."""
    certified: dict[int, dict[Uint64, Hash32]] = {}
    rows = connection.execute("SELECT environment_id, number, block_hash FROM settlement_certified")
    for environment_id, number, block_hash in rows:
        certified.setdefault(environment_id, {})[load_u64(number)] = load_hash(block_hash)
    records = {}
    rows = connection.execute("SELECT environment_id, committee, halted FROM settlement_committees")
    for environment_id, committee, halted in rows:
        row = load_committee_row(committee, halted)
        records[environment_id] = FinalityRecord(
            row.committee, certified.get(environment_id, {}), row.halted
        )
    return records


def load_finality(
    connection: sqlite3.Connection, environment_id: int, record: FinalityRecord | None
) -> None:
    """Insert a loaded environment's finality record, if it has one."""
    if record is None:
        return
    connection.execute(
        "INSERT INTO settlement_committees (environment_id, committee, halted) VALUES (?, ?, ?)",
        make_committee_row(environment_id, record.committee, record.halted),
    )
    connection.executemany(CERTIFIED_UPSERT, list_certified_rows(environment_id, record))


def encode_finality(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the canonical encoding of an environment's ``finality`` field, from its rows.

    ``0x00`` without a committee; else ``0x01``, the committee's encoding (as
    stored), the certified map (count, then number ‖ hash in number order) and
    the halted flag.
    """
    row = connection.execute(
        "SELECT committee, halted FROM settlement_committees WHERE environment_id = ?",
        (environment_id,),
    ).fetchone()
    if row is None:
        yield b"\x00"
        return
    committee, halted = row
    yield b"\x01" + committee
    (count,) = connection.execute(
        "SELECT COUNT(*) FROM settlement_certified WHERE environment_id = ?", (environment_id,)
    ).fetchone()
    yield encode_count(int(count))
    entries = connection.execute(
        "SELECT number, block_hash FROM settlement_certified WHERE environment_id = ? "
        "ORDER BY number",
        (environment_id,),
    )
    for number, block_hash in entries:
        yield number + block_hash
    yield bytes([halted])
