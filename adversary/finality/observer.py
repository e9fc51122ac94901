"""The omniscient observer of a finality run: what was sent, what honest replicas did.

The observer sees every message any member sends (honest or byzantine) and
every honest replica's state after each step. From that it keeps what the
trace predicates of :mod:`adversary.finality.properties` judge:

- every block proposed, by hash (the block tree);
- every certificate seen in a message or held by an honest replica;
- the votes and timeouts honest replicas sent, in order;
- each honest replica's committed heads and committed blocks, over the whole
  run (a replica that switched to a conflicting branch still counts what it
  committed before).

:meth:`Observer.violations` runs every predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adversary.finality.oracle import CertificateOracle
from adversary.finality.properties import (
    check_agreement,
    check_commits_certified,
    check_no_vote_after_timeout,
    check_one_vote_per_view,
    check_votes_well_formed,
)
from spec.finality.committee import Committee
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Proposal,
    QuorumCertificate,
    Timeout,
    Vote,
    compute_block_hash,
)
from spec.finality.replica import Message, ReplicaState, get_committed_chain
from spec.primitives import Address, Hash32


@dataclass
class Observer:
    """Everything an omniscient observer of one run saw."""

    committee: Committee
    """The committee of the run."""
    chain_id: int
    """The chain the committee certifies."""
    blocks: dict[Hash32, Block] = field(default_factory=dict)
    """Every block any member proposed, by hash."""
    certified: set[Hash32] = field(default_factory=set)
    """Blocks of which a genuine certificate was seen."""
    honest_votes: list[tuple[Address, Vote]] = field(default_factory=list)
    """Every vote an honest replica sent, in the order sent."""
    honest_messages: list[tuple[Address, Vote | Timeout]] = field(default_factory=list)
    """Every vote and timeout an honest replica sent, in the order sent."""
    heads: dict[Address, list[Hash32]] = field(default_factory=dict)
    """Every committed head each honest replica had, in order."""
    committed: dict[Address, list[Hash32]] = field(default_factory=dict)
    """Every block each honest replica ever had in its committed chain."""
    oracle: CertificateOracle = field(init=False)
    """Judges certificates independently of the spec's rules."""

    def __post_init__(self) -> None:
        """Create the oracle of this committee."""
        self.oracle = CertificateOracle(self.committee, self.chain_id)

    def see_certificate(self, certificate: QuorumCertificate) -> None:
        """Note a certificate that was sent or held, if it is genuine."""
        if certificate.view > 0 and self.oracle.is_genuine_qc(certificate):
            self.certified.add(certificate.block_hash)

    def see_message(self, sender: Address, message: Message, honest: bool) -> None:
        """Note a message sent by ``sender``."""
        if isinstance(message, Proposal):
            block = message.block
            self.blocks[compute_block_hash(block)] = block
            justify = block.justify
            qc = justify.high_qc if isinstance(justify, AggregateCertificate) else justify
            self.see_certificate(qc)
        elif isinstance(message, Timeout):
            self.see_certificate(message.high_qc)
            if honest:
                self.honest_messages.append((sender, message))
        elif honest:
            self.honest_votes.append((sender, message))
            self.honest_messages.append((sender, message))

    def see_state(self, state: ReplicaState) -> None:
        """Note an honest replica's state after a step: its certificate and its commits."""
        self.see_certificate(state.safety.high_qc)
        heads = self.heads.setdefault(state.address, [])
        if not heads or heads[-1] != state.committed_head:
            heads.append(state.committed_head)
        committed = self.committed.setdefault(state.address, [])
        known = set(committed)
        committed.extend(h for h in get_committed_chain(state) if h not in known)

    def is_certified(self, block: Block) -> bool:
        """Return whether a genuine certificate of ``block`` was seen."""
        return compute_block_hash(block) in self.certified

    def violations(self) -> list[str]:
        """Return every violation of the trace predicates so far."""
        return [
            *check_agreement(self.blocks, self.committed),
            *check_one_vote_per_view(self.honest_votes),
            *check_no_vote_after_timeout(self.honest_messages),
            *check_commits_certified(self.blocks, self.heads, self.is_certified),
            *check_votes_well_formed(self.blocks, self.honest_votes, self.oracle.is_well_formed),
        ]
