"""A replica's SQLite file: its state, its blocks, its journal and its commits.

One :class:`~reference.store.Store` per replica, four tables:

- ``replica_state``: one row, the spec's canonical encoding of the
  :class:`~spec.finality.replica.ReplicaState` without its blocks (safety
  state, last proposed view, committed head, collected votes and timeouts,
  latest aggregate);
- ``replica_blocks``: every block the replica accepted, by hash (blocks
  only ever get added, so a step writes only its new ones);
- ``replica_journal``: every message the replica sent (``out``, with its
  recipient, none for a broadcast) and received (``in``: accepted, or
  refused with the spec's reason), each with its wall-clock time;
- ``replica_commits``: when each block became committed at this replica.

:meth:`ReplicaStore.persist` writes a step (new state, new blocks, the
message received, the messages about to be sent, the blocks newly committed)
in one transaction; the replica calls it *before* sending anything, so after
a crash the file holds every vote and proposal that may have left the
process. The journal is therefore a superset of what was sent: a crash test
reads every vote a replica ever sent from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from reference.store import Store
from spec.encoding import decode, decode_as, encode
from spec.errors import RejectionReason
from spec.finality.messages import Block, Proposal, Vote
from spec.finality.replica import Message, Outbound, ReplicaState
from spec.primitives import Address, Hash32

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS replica_state (id INTEGER PRIMARY KEY CHECK (id = 0), "
    "encoding BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS replica_blocks (hash BLOB PRIMARY KEY, view INTEGER NOT NULL, "
    "encoding BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS replica_journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "at REAL NOT NULL, direction TEXT NOT NULL, kind TEXT NOT NULL, view INTEGER NOT NULL, "
    "peer BLOB, reason TEXT, encoding BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS replica_commits (hash BLOB PRIMARY KEY, view INTEGER NOT NULL, "
    "at REAL NOT NULL)",
)
"""The tables of a replica's file."""


@dataclass(frozen=True)
class JournalEntry:
    """One message a replica sent or received."""

    at: float
    """Wall-clock time it was journaled (just before sending, or when handled)."""
    sent: bool
    """True for a message sent, False for one received."""
    peer: Address | None
    """Recipient of a message sent (None: every member); None for one received."""
    reason: RejectionReason | None
    """Why a received message was refused, or None when it was accepted (or sent)."""
    message: Message
    """The message."""


@dataclass(frozen=True)
class CommitEntry:
    """A block that became committed at a replica."""

    block_hash: Hash32
    """The block."""
    view: int
    """Its view."""
    at: float
    """Wall-clock time the replica committed it."""


def get_kind(message: Message) -> str:
    """Return a message's kind as journaled: ``proposal``, ``vote`` or ``timeout``."""
    if isinstance(message, Proposal):
        return "proposal"
    return "vote" if isinstance(message, Vote) else "timeout"


def get_view(message: Message) -> int:
    """Return the view a message is about."""
    return int(message.block.view if isinstance(message, Proposal) else message.view)


class ReplicaStore:
    """A replica's durable state and journal."""

    def __init__(self, store: Store, create: bool = True) -> None:
        """Use ``store``, creating the tables it lacks unless ``create`` is False (a reader)."""
        self.store = store
        """The SQLite store."""
        if create:
            with store.transaction() as connection:
                for statement in SCHEMA:
                    connection.execute(statement)

    @classmethod
    def open(cls, path: Path) -> ReplicaStore:
        """Open (or create) the replica file at ``path``, as the replica does."""
        return cls(Store(path))

    @classmethod
    def open_reader(cls, path: Path) -> ReplicaStore:
        """Open a replica's file to read it while the replica may be writing it."""
        return cls(Store(path), create=False)

    def close(self) -> None:
        """Close the file."""
        self.store.close()

    def load(self) -> ReplicaState | None:
        """Return the state last persisted, with every block, or None for a new replica."""
        state = self.read_state()
        return None if state is None else replace(state, blocks=self.read_blocks())

    def read_state(self) -> ReplicaState | None:
        """Return the state last persisted without its blocks (cheap), or None."""
        if not self.store.has_table("replica_state"):
            return None
        row = self.store.connection.execute(
            "SELECT encoding FROM replica_state WHERE id = 0"
        ).fetchone()
        return None if row is None else decode(ReplicaState, row[0])

    def persist(
        self,
        previous: ReplicaState | None,
        state: ReplicaState,
        received: Message | None = None,
        sent: tuple[Outbound, ...] = (),
    ) -> None:
        """Write one step in one transaction: state, new blocks, journal, new commits."""
        now = time.time()
        known = previous.blocks if previous is not None else {}
        grown = len(state.blocks) != len(known)  # blocks are only ever added
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO replica_state (id, encoding) VALUES (0, ?)",
                (encode(replace(state, blocks={})),),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO replica_blocks (hash, view, encoding) VALUES (?, ?, ?)",
                [
                    (bytes(h), int(b.view), encode(b))
                    for h, b in (state.blocks.items() if grown else ())
                    if h not in known
                ],
            )
            entries: list[tuple[float, str, Address | None, Message]]
            entries = [(now, "in", None, received)] if received is not None else []
            entries += [(now, "out", out.recipient, out.message) for out in sent]
            connection.executemany(
                "INSERT INTO replica_journal (at, direction, kind, view, peer, reason, encoding) "
                "VALUES (?, ?, ?, ?, ?, NULL, ?)",
                [
                    (at, d, get_kind(m), get_view(m), bytes(p) if p else None, encode(m, Message))
                    for at, d, p, m in entries
                ],
            )
            old_head = previous.committed_head if previous is not None else None
            connection.executemany(
                "INSERT OR IGNORE INTO replica_commits (hash, view, at) VALUES (?, ?, ?)",
                [(bytes(h), v, now) for h, v in list_new_commits(state, old_head)],
            )

    def record_refusal(self, message: Message, reason: RejectionReason) -> None:
        """Journal a received message the replica refused, with the spec's reason."""
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO replica_journal (at, direction, kind, view, peer, reason, encoding) "
                "VALUES (?, 'in', ?, ?, NULL, ?, ?)",
                (time.time(), get_kind(message), get_view(message), reason.value,
                 encode(message, Message)),
            )  # fmt: skip

    def read_blocks(self) -> dict[Hash32, Block]:
        """Return every block the replica accepted, by hash."""
        rows = self.store.connection.execute("SELECT hash, encoding FROM replica_blocks")
        return {Hash32(h): decode(Block, e) for h, e in rows}

    def read_journal(self) -> list[JournalEntry]:
        """Return the journal, oldest first."""
        rows = self.store.connection.execute(
            "SELECT at, direction, peer, reason, encoding FROM replica_journal ORDER BY seq"
        )
        return [
            JournalEntry(
                at,
                direction == "out",
                Address(peer) if peer is not None else None,
                RejectionReason(reason) if reason is not None else None,
                cast(Message, decode_as(Message, encoding)),
            )
            for at, direction, peer, reason, encoding in rows
        ]

    def count_commits(self) -> int:
        """Return how many blocks the replica has committed (0 before its tables exist)."""
        if not self.store.has_table("replica_commits"):
            return 0
        row = self.store.connection.execute("SELECT COUNT(*) FROM replica_commits").fetchone()
        return int(row[0])

    def read_commits(self) -> list[CommitEntry]:
        """Return the blocks committed at this replica, in view order."""
        rows = self.store.connection.execute(
            "SELECT hash, view, at FROM replica_commits ORDER BY view"
        )
        return [CommitEntry(Hash32(h), v, at) for h, v, at in rows]


def list_new_commits(state: ReplicaState, old_head: Hash32 | None) -> list[tuple[Hash32, int]]:
    """Return the blocks committed by moving the head to ``state``'s, newest first.

    Walks back from the new head through the blocks the replica knows, to the
    old head (or the first block it never received).
    """
    found = []
    cursor = state.committed_head
    while cursor != old_head and cursor in state.blocks:
        found.append((cursor, int(state.blocks[cursor].view)))
        cursor = state.blocks[cursor].parent
    return found
