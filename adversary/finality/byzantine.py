"""The byzantine members: what they can sign and send with their own keys, and nothing more.

The adversary controls every byzantine member's key and sees every message
sent (:class:`~adversary.finality.network.Simulation` records all votes and
timeouts). With that it can

- build a genuine certificate or aggregate when the honest signatures it saw
  plus its own reach a quorum (:meth:`Adversary.form_qc`,
  :meth:`Adversary.form_aggregate`);
- propose as leader of a view it leads, to chosen replicas only, two
  different blocks at once (equivocation), or a block with a stale, forged or
  mismatched justification (:meth:`Adversary.propose`);
- vote for any block, twice in a view if it likes (:meth:`Adversary.vote`);
- time out of any view carrying any certificate it holds, even a stale or
  forged one (:meth:`Adversary.time_out`);
- forge certificates: too few signers, one signer repeated, signatures of
  non-members (:meth:`Adversary.forge_qc`); it cannot sign for an honest member;
- replay any proposal it saw (:meth:`Adversary.replay`), as a network may.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from adversary.finality.network import Simulation
from adversary.finality.oracle import compute_oracle_quorum
from spec.crypto import keccak256, sign
from spec.encoding import encode
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Justification,
    Proposal,
    QuorumCertificate,
    Timeout,
    TimeoutSignature,
    Vote,
    compute_block_hash,
    compute_genesis_qc,
    compute_proposal_digest,
    compute_timeout_digest,
    compute_vote_digest,
    get_certified_qc,
)
from spec.primitives import Address, Hash32, Signature, Uint64

OUTSIDER_KEYS = [bytes(keccak256(f"outsider-{i}".encode())) for i in range(8)]
"""Keys of no member, for forged certificates."""

FORGERIES = ("short", "duplicate", "outsiders", "padded")
"""Kinds of forged certificate: too few members, a repeated signer, non-members only,
a genuine quorum plus a non-member."""


@dataclass
class Adversary:
    """The byzantine members of one simulation."""

    sim: Simulation
    """The run they take part in."""
    signatures: dict[tuple[Address, int, Hash32], Signature] = field(default_factory=dict)
    """Vote signatures already made, by (member, view, block)."""
    acted: set[tuple[str, int]] = field(default_factory=set)
    """(strategy, view) pairs a strategy already played (each acts once per view)."""

    @property
    def members(self) -> list[Address]:
        """Return the byzantine members in position order."""
        return [a for a in self.sim.members if a in self.sim.byzantine]

    def stake_of(self, signers: Iterable[Address]) -> int:
        """Return the stake of distinct ``signers``."""
        stakes = {v.address: int(v.stake) for v in self.sim.committee.validators}
        return sum(stakes[s] for s in set(signers))

    def vote_signature(self, member: Address, view: int, block_hash: Hash32) -> Signature:
        """Return a member's vote signature (the adversary signs only for its own members)."""
        key = (member, view, block_hash)
        if key not in self.signatures:
            digest = compute_vote_digest(self.sim.chain_id, view, block_hash)
            self.signatures[key] = sign(self.sim.keys[member], digest)
        return self.signatures[key]

    def form_qc(self, view: int, block_hash: Hash32) -> QuorumCertificate | None:
        """Return a genuine certificate from the votes seen and byzantine votes, if they suffice."""
        votes = {a: v.signature for a, v in self.sim.votes_seen.get((view, block_hash), {}).items()}
        for member in self.members:
            votes.setdefault(member, self.vote_signature(member, view, block_hash))
        if self.stake_of(votes) < compute_oracle_quorum(self.sim.committee):
            return None
        signatures = tuple(votes[a] for a in sorted(votes))
        return QuorumCertificate(Uint64(view), block_hash, signatures)

    def held_qcs(self) -> list[QuorumCertificate]:
        """Return every genuine certificate the adversary holds or can build, oldest view first."""
        found = {compute_genesis_qc(self.sim.chain_id)}
        for block in self.sim.observer.blocks.values():
            found.add(get_certified_qc(block.justify))
            qc = self.form_qc(int(block.view), compute_block_hash(block))
            if qc is not None:
                found.add(qc)
        genuine = [qc for qc in found if self.sim.observer.oracle.is_genuine_qc(qc)]
        return sorted(genuine, key=lambda qc: (qc.view, qc.block_hash))

    def timeout_of(self, member: Address, view: int, high_qc: QuorumCertificate) -> Timeout:
        """Return a byzantine member's timeout of ``view`` carrying ``high_qc``."""
        digest = compute_timeout_digest(self.sim.chain_id, view, high_qc.view)
        return Timeout(Uint64(view), high_qc, sign(self.sim.keys[member], digest))

    def form_aggregate(
        self, view: int, high_qc: QuorumCertificate | None = None
    ) -> AggregateCertificate | None:
        """Return a genuine aggregate of ``view`` from timeouts seen and byzantine timeouts.

        Byzantine members report ``high_qc`` (by default the highest one held
        that is older than ``view``).
        """
        older = [qc for qc in self.held_qcs() if qc.view < view]
        own = high_qc if high_qc is not None else older[-1]
        timeouts = dict(self.sim.timeouts_seen.get(view, {}))
        for member in self.members:
            timeouts.setdefault(member, self.timeout_of(member, view, own))
        if self.stake_of(timeouts) < compute_oracle_quorum(self.sim.committee):
            return None
        ordered = [timeouts[a] for a in sorted(timeouts)]
        highest = max(ordered, key=lambda t: t.high_qc.view).high_qc
        parts = tuple(TimeoutSignature(t.high_qc.view, t.signature) for t in ordered)
        return AggregateCertificate(Uint64(view), parts, highest)

    def justify(self, view: int) -> Justification | None:
        """Return a genuine justification for a block of ``view``: a QC, else an aggregate."""
        certificates = [qc for qc in self.held_qcs() if qc.view == view - 1]
        if certificates:
            return certificates[0]
        return self.form_aggregate(view - 1) if view > 1 else None

    def forge_qc(self, kind: str, view: int, block_hash: Hash32) -> QuorumCertificate:
        """Return a forged certificate of ``kind`` (one of :data:`FORGERIES`) on a block."""
        own = [self.vote_signature(m, view, block_hash) for m in self.members]
        digest = compute_vote_digest(self.sim.chain_id, view, block_hash)
        outsiders = [sign(k, digest) for k in OUTSIDER_KEYS]
        if kind == "short":
            signatures = own
        elif kind == "duplicate":
            signatures = own * len(self.sim.members)
        elif kind == "outsiders":
            signatures = outsiders
        else:
            genuine = self.form_qc(view, block_hash)
            signatures = [*(genuine.signatures if genuine else own), outsiders[0]]
        return QuorumCertificate(Uint64(view), block_hash, tuple(signatures))

    def make_block(
        self, view: int, justify: Justification, label: str, parent: Hash32 | None = None
    ) -> Block:
        """Return a block of ``view``; its parent is the certified block unless given."""
        certified = get_certified_qc(justify).block_hash
        root = keccak256(b"byzantine" + encode(Uint64(view)) + label.encode())
        return Block(
            Uint64(self.sim.chain_id),
            Uint64(view),
            certified if parent is None else parent,
            root,
            justify,
        )

    def propose(self, block: Block, recipients: Iterable[Address]) -> None:
        """Send ``block``, signed by its view's (byzantine) leader, to ``recipients``."""
        leader = self.sim.leader(int(block.view))
        assert leader in self.sim.byzantine, "the adversary signs only as a byzantine leader"
        proposal = Proposal(block, sign(self.sim.keys[leader], compute_proposal_digest(block)))
        for recipient in recipients:
            self.sim.send(leader, recipient, proposal)

    def vote(self, block: Block, recipient: Address | None = None) -> None:
        """Have every byzantine member vote for ``block`` (to the next leader by default)."""
        target = self.sim.leader(int(block.view) + 1) if recipient is None else recipient
        block_hash = compute_block_hash(block)
        for member in self.members:
            signature = self.vote_signature(member, int(block.view), block_hash)
            self.sim.send(member, target, Vote(block.view, block_hash, signature))

    def time_out(self, view: int, high_qc: QuorumCertificate) -> None:
        """Have every byzantine member time out of ``view`` with ``high_qc``, to the next leader."""
        for member in self.members:
            timeout = self.timeout_of(member, view, high_qc)
            self.sim.send(member, self.sim.leader(view + 1), timeout)

    def replay(self, block: Block, recipients: Iterable[Address]) -> None:
        """Send ``block``'s proposal again, as its leader signed it, to ``recipients``.

        Signatures are deterministic, so re-signing gives the very proposal the
        leader sent: this is the network (or a byzantine relay) repeating it.
        """
        leader = self.sim.leader(int(block.view))
        proposal = Proposal(block, sign(self.sim.keys[leader], compute_proposal_digest(block)))
        for recipient in recipients:
            self.sim.send(leader, recipient, proposal)
