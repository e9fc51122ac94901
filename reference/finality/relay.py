"""The relayer: committed blocks to the settlement layer, each with its commit proof.

An environment registered with a committee takes child blocks only as
``SubmitCertifiedBlock`` operations, in order, each with a
:class:`~spec.finality.commit.CommitProof` checked against the committee.
Anyone may relay them; here the relayer reads what the replicas' files show
(:class:`~reference.finality.observe.Observation`: every block and every
certificate seen), takes the longest committed chain of an honest replica,
and submits its blocks after the last one the settlement accepted, each
with a proof built from the observation (:func:`find_commit_proof`, the same
walk as ``fixtures.finality.make_commit_proof``: the block's descendants up
to the first one whose child, in the next view, has a certificate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reference.finality.observe import Observation
from reference.settlement.simulator import SettlementSimulator
from spec.errors import Rejected, RejectionReason
from spec.finality.commit import CommitProof, is_two_chain
from spec.finality.messages import Block, QuorumCertificate, compute_block_hash
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import SubmitCertifiedBlock


def find_commit_proof(
    blocks: Mapping[Hash32, Block],
    certificates: Mapping[Hash32, QuorumCertificate],
    chain: Sequence[Hash32],
    position: int,
) -> CommitProof | None:
    """Return a proof that ``chain[position]`` is committed, or None if the blocks lack one.

    ``chain`` is a committed chain, oldest first. The proof's directly
    committed block is the first block of the chain from ``position`` on with
    a child of the next view whose certificate is known.
    """
    children: dict[Hash32, list[Block]] = {}
    for block in blocks.values():
        children.setdefault(block.parent, []).append(block)
    for end in range(position, len(chain)):
        committed = blocks[chain[end]]
        for child in children.get(chain[end], []):
            child_hash = compute_block_hash(child)
            if is_two_chain(committed, child) and child_hash in certificates:
                descendants = tuple(blocks[h] for h in chain[position + 1 : end + 1])
                return CommitProof(descendants, child, certificates[child_hash])
    return None


@dataclass(frozen=True)
class RelayOutcome:
    """One submission and what the settlement layer said."""

    block_number: int
    """The child block number it was submitted at."""
    block_hash: Hash32
    """The consensus block."""
    reason: RejectionReason | None
    """Why it was refused, or None when accepted."""


@dataclass
class Relayer:
    """Submits a committee's committed blocks to one environment, in order."""

    simulator: SettlementSimulator
    """The settlement layer."""
    environment_id: int
    """The committee environment."""
    accepted: list[Hash32] = field(default_factory=list)
    """Blocks the settlement accepted from this relayer, in order."""
    outcomes: list[RelayOutcome] = field(default_factory=list)
    """Every submission, in order."""

    def relay(self, observation: Observation) -> int:
        """Submit every committed block not accepted yet; return how many were accepted.

        Stops at the first block it cannot prove or the settlement refuses.
        """
        chain = observation.get_longest_committed()
        blocks, certificates = observation.blocks, observation.certificates
        if tuple(chain[: len(self.accepted)]) != tuple(self.accepted):
            return 0  # the committed chain no longer extends what was accepted: nothing to add
        before = len(self.accepted)
        for position in range(len(self.accepted), len(chain)):
            proof = find_commit_proof(blocks, certificates, chain, position)
            if proof is None:
                break
            number = self.simulator.get_next_child_block_number(Uint64(self.environment_id))
            block = blocks[chain[position]]
            operation = SubmitCertifiedBlock(Uint64(self.environment_id), number, block, proof)
            try:
                self.simulator.apply(operation)
            except Rejected as rejected:
                self.outcomes.append(RelayOutcome(int(number), chain[position], rejected.reason))
                break
            self.outcomes.append(RelayOutcome(int(number), chain[position], None))
            self.accepted.append(chain[position])
        return len(self.accepted) - before
