"""What a committee's replica files show, and the checks a devnet makes on it.

:meth:`Cluster.observe <reference.finality.cluster.Cluster.observe>` reads every
replica's file (:class:`ReplicaRecord`: its
state, its journal, when it committed what) into an :class:`Observation`:
the union of their blocks and of the certificates they carry, which is what
an observer of the whole network saw. A replica never fetches a block it
missed (the spec's replica has no block sync), so its own committed chain
(``get_committed_chain``) stops at the first block it did not receive; the
observation walks each replica's committed head through the union instead.

The checks are stated here for the devnet (``reference`` does not import the
adversary's trace predicates; the tests apply those too, to the same data):

- :func:`find_conflicts`: two committed heads of which neither extends the other;
- :func:`find_vote_repeats`: a replica whose votes, in the order it journaled
  them, do not go up in view (two votes in one view among them);
- :meth:`Observation.get_refusals`: received messages a replica refused, by reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from reference.finality.replica_store import CommitEntry, JournalEntry, ReplicaStore
from spec.crypto import recover_signer
from spec.errors import Rejected, RejectionReason
from spec.finality.messages import (
    Block,
    Proposal,
    QuorumCertificate,
    Timeout,
    Vote,
    compute_proposal_digest,
    compute_vote_digest,
    get_certified_qc,
)
from spec.finality.replica import Message, ReplicaState
from spec.primitives import Address, Hash32


@dataclass(frozen=True)
class ReplicaRecord:
    """What one replica's file holds."""

    address: Address
    """The replica's member address."""
    byzantine: bool
    """Whether the replica played the byzantine part."""
    state: ReplicaState
    """Its state, with every block it accepted."""
    journal: tuple[JournalEntry, ...]
    """Every message it sent or received, oldest first."""
    commits: tuple[CommitEntry, ...]
    """The blocks it committed, by view."""

    def get_sent_votes(self) -> list[Vote]:
        """Return the votes it sent (journaled before sending), in order."""
        return [e.message for e in self.journal if e.sent and isinstance(e.message, Vote)]


def read_record(path: Path, address: Address, byzantine: bool) -> ReplicaRecord:
    """Return what the replica file at ``path`` holds."""
    reader = ReplicaStore.open_reader(path)
    try:
        state = reader.load()
        assert state is not None, f"{path} holds no replica"
        return ReplicaRecord(
            address, byzantine, state, tuple(reader.read_journal()), tuple(reader.read_commits())
        )
    finally:
        reader.close()


def get_signer(chain_id: int, message: Message) -> Address | None:
    """Return who signed a proposal or a vote (None for a timeout or a bad signature)."""
    try:
        if isinstance(message, Proposal):
            return recover_signer(compute_proposal_digest(message.block), message.signature)
        if isinstance(message, Vote):
            digest = compute_vote_digest(chain_id, message.view, message.block_hash)
            return recover_signer(digest, message.signature)
    except Rejected:
        return None
    return None


@dataclass(frozen=True)
class Observation:
    """Every replica's record, and the blocks and certificates of them all."""

    chain_id: int
    """The chain the committee certifies."""
    records: tuple[ReplicaRecord, ...]
    """Each replica's record, in committee order."""

    @cached_property
    def blocks(self) -> dict[Hash32, Block]:
        """Every block any replica accepted, by hash."""
        return {h: b for r in self.records for h, b in r.state.blocks.items()}

    @cached_property
    def certificates(self) -> dict[Hash32, QuorumCertificate]:
        """A certificate of every block some replica saw certified, by block hash."""
        found: dict[Hash32, QuorumCertificate] = {}
        for record in self.records:
            state = record.state
            carried = [get_certified_qc(b.justify) for b in state.blocks.values()]
            carried += [state.safety.high_qc]
            carried += [e.message.high_qc for e in record.journal if isinstance(e.message, Timeout)]
            for certificate in carried:
                if certificate.signatures:
                    found.setdefault(certificate.block_hash, certificate)
        return found

    def get_honest(self) -> list[ReplicaRecord]:
        """Return the records of the honest replicas."""
        return [r for r in self.records if not r.byzantine]

    def get_committed_chain(self, record: ReplicaRecord) -> tuple[Hash32, ...]:
        """Return a replica's committed chain, oldest first, through every replica's blocks."""
        return walk_chain(self.blocks, record.state.committed_head)

    def get_longest_committed(self) -> tuple[Hash32, ...]:
        """Return the longest committed chain of an honest replica."""
        return max((self.get_committed_chain(r) for r in self.get_honest()), key=len)

    def get_refusals(self, reason: RejectionReason) -> list[tuple[ReplicaRecord, Message]]:
        """Return the messages refused for ``reason``, with the replica that refused each."""
        return [
            (record, entry.message)
            for record in self.records
            for entry in record.journal
            if not entry.sent and entry.reason == reason
        ]

    def get_refused_signers(self, reason: RejectionReason) -> set[Address]:
        """Return who signed the proposals and votes honest replicas refused for ``reason``."""
        signers = {
            get_signer(self.chain_id, message)
            for record, message in self.get_refusals(reason)
            if not record.byzantine
        }
        return {s for s in signers if s is not None}


def walk_chain(blocks: Mapping[Hash32, Block], head: Hash32) -> tuple[Hash32, ...]:
    """Return ``head`` and its ancestors found in ``blocks``, oldest first."""
    chain = []
    cursor = head
    while cursor in blocks:
        chain.append(cursor)
        cursor = blocks[cursor].parent
    return tuple(reversed(chain))


def get_ancestry(blocks: Mapping[Hash32, Block], head: Hash32) -> set[Hash32]:
    """Return ``head``, its ancestors in ``blocks`` and the parent where the walk stops."""
    chain = walk_chain(blocks, head)
    return {head, *chain, blocks[chain[0]].parent} if chain else {head}


def find_conflicts(blocks: Mapping[Hash32, Block], heads: Iterable[Hash32]) -> list[str]:
    """Return the pairs of committed heads of which neither extends the other."""
    ancestries = {h: get_ancestry(blocks, h) for h in heads}
    ordered = sorted(ancestries)
    return [
        f"{first.hex()[:12]} and {second.hex()[:12]} conflict"
        for index, first in enumerate(ordered)
        for second in ordered[index + 1 :]
        if first not in ancestries[second] and second not in ancestries[first]
    ]


def find_vote_repeats(votes: Sequence[Vote]) -> list[str]:
    """Return each vote that is not in a later view than the one before it."""
    return [
        f"a vote in view {later.view} after one in view {earlier.view}"
        for earlier, later in itertools.pairwise(votes)
        if later.view <= earlier.view
    ]
