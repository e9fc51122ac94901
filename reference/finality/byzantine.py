"""How a replica's messages leave it: honestly, or as a byzantine member would send them.

The replica (:mod:`reference.finality.replica_node`) hands each step's
messages to a :class:`Behaviour` before persisting and sending them.
:class:`HonestBehaviour` sends what the spec's step gave.
:class:`ByzantineBehaviour` plays the two equivocations a committee must
survive, signing with its own member key, so only the protocol's rules can
stop them:

- as leader, each of its proposals gets a *sibling*: the same view, parent
  and justification, another root. It sends both to every other member, in
  an order that alternates from member to member, so that the honest
  replicas split their votes and each one sees the second block of the view
  (the spec refuses it: ``PROPOSAL_EQUIVOCATION``);
- each of its votes is followed by a second vote in the same view, on a
  block that does not exist (the next leader refuses it:
  ``VOTE_EQUIVOCATION``).

Byzantine stake up to ``f`` cannot break agreement: the devnet
(:mod:`reference.finality.devnet`) runs one byzantine member of four and
checks both refusals and that the honest replicas agree.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from spec.crypto import keccak256, sign
from spec.finality.committee import Committee
from spec.finality.messages import Proposal, Vote, compute_proposal_digest, compute_vote_digest
from spec.finality.replica import Outbound, ReplicaStep
from spec.primitives import Address, Hash32

SIBLING_TAG = b"plasma-spec/finality-devnet/equivocation"
"""Mixed into a proposal's root to make its sibling's."""

PHANTOM_TAG = b"plasma-spec/finality-devnet/phantom"
"""Mixed into a voted block's hash to make the phantom block of the second vote."""


class Behaviour(Protocol):
    """What a replica sends for a step."""

    def rewrite(self, step: ReplicaStep) -> tuple[Outbound, ...]:
        """Return the messages to persist and send for ``step``."""
        ...


class HonestBehaviour:
    """Sends exactly what the spec's step gave."""

    def rewrite(self, step: ReplicaStep) -> tuple[Outbound, ...]:
        """Return the step's own messages."""
        return step.outbound


class ByzantineBehaviour:
    """Equivocates: two proposals per view it leads, two votes per view it votes in."""

    def __init__(self, committee: Committee, chain_id: int, key: bytes, address: Address) -> None:
        """Misbehave as member ``address`` of ``committee``, signing with ``key``."""
        self.members = [v.address for v in committee.validators]
        """Every member, in the committee's order."""
        self.chain_id = chain_id
        """The chain the committee certifies."""
        self.key = key
        """The byzantine member's own private key."""
        self.address = address
        """The byzantine member's address."""

    def rewrite(self, step: ReplicaStep) -> tuple[Outbound, ...]:
        """Return the step's messages with a sibling for each proposal and a second vote."""
        outbound: list[Outbound] = []
        for out in step.outbound:
            message = out.message
            if isinstance(message, Proposal):
                outbound.extend(self.equivocate(message))
            elif isinstance(message, Vote):
                outbound += [out, Outbound(out.recipient, self.vote_again(message))]
            else:
                outbound.append(out)
        return tuple(outbound)

    def make_sibling(self, proposal: Proposal) -> Proposal:
        """Return another signed proposal of the same view, parent and justification."""
        block = proposal.block
        sibling = replace(block, root=keccak256(SIBLING_TAG + block.root))
        return Proposal(sibling, sign(self.key, compute_proposal_digest(sibling)))

    def equivocate(self, proposal: Proposal) -> list[Outbound]:
        """Return both proposals for every other member (alternating order), one for itself."""
        sibling = self.make_sibling(proposal)
        outbound = []
        for position, member in enumerate(self.members):
            if member == self.address:
                outbound.append(Outbound(member, proposal))
                continue
            pair = (proposal, sibling) if position % 2 == 0 else (sibling, proposal)
            outbound += [Outbound(member, pair[0]), Outbound(member, pair[1])]
        return outbound

    def vote_again(self, vote: Vote) -> Vote:
        """Return a second vote in the same view, on a phantom block."""
        phantom = Hash32(keccak256(PHANTOM_TAG + vote.block_hash))
        digest = compute_vote_digest(self.chain_id, vote.view, phantom)
        return Vote(vote.view, phantom, sign(self.key, digest))
