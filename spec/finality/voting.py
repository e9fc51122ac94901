"""A replica's safety state and the rule for voting on a block.

What a replica must remember to stay safe is small (:class:`SafetyState`):
its current view, the last view it voted in, and the highest certificate it
knows. A replica persists this state *before* it sends the vote or timeout
that changed it, so that a restart can never make it vote twice in a view.

The voting rule is the same for both kinds of block: a block is voted for
when its justification is valid, its view is the justification's view plus
one, its parent is the block the justification certifies (for a view-change
block: the highest certificate in the aggregate), its view is not below the
replica's current view, and the replica has not voted in that view or a
later one. Fast HotStuff needs no lock: the aggregate proves to every voter
that the new block extends the highest certificate a quorum knows of.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.crypto import recover_signer
from spec.errors import RejectionReason, require
from spec.finality.certificates import validate_justification
from spec.finality.committee import Committee, get_leader
from spec.finality.messages import (
    Block,
    Proposal,
    QuorumCertificate,
    compute_genesis_qc,
    compute_proposal_digest,
    get_certified_qc,
)
from spec.primitives import Uint64


@dataclass(frozen=True)
class SafetyState:
    """What a replica persists before sending a vote or a timeout."""

    view: Uint64
    """The current view: the replica votes only for blocks of this view or later."""
    last_voted_view: Uint64
    """The latest view the replica voted in (0 before its first vote)."""
    high_qc: QuorumCertificate
    """The certificate of the highest view the replica knows."""


def compute_genesis_safety(chain_id: int) -> SafetyState:
    """Return a new replica's safety state: view 1, no vote, the genesis certificate."""
    return SafetyState(Uint64(1), Uint64(0), compute_genesis_qc(chain_id))


def select_higher_qc(first: QuorumCertificate, second: QuorumCertificate) -> QuorumCertificate:
    """Return the certificate of the higher view (the first one on a tie)."""
    return second if second.view > first.view else first


def validate_block_justified(committee: Committee, block: Block) -> None:
    """Check the rules a block must meet whoever judges it: its justification and parent.

    Raises:
        Rejected: the reasons of ``validate_justification``,
            ``BLOCK_VIEW_NOT_AFTER_JUSTIFY``, ``BLOCK_PARENT_NOT_CERTIFIED``.
    """
    validate_justification(committee, block.chain_id, block.justify)
    # Verify the block's view directly follows its justification's view
    require(block.view == block.justify.view + 1, RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY)
    # Verify the block extends the block its justification certifies
    require(
        block.parent == get_certified_qc(block.justify).block_hash,
        RejectionReason.BLOCK_PARENT_NOT_CERTIFIED,
    )


def validate_proposer(committee: Committee, proposal: Proposal) -> None:
    """Check that the leader of the block's view signed the proposal.

    Raises:
        Rejected: the signature reasons, ``PROPOSER_NOT_LEADER``.
    """
    proposer = recover_signer(compute_proposal_digest(proposal.block), proposal.signature)
    # Verify the proposal comes from the leader of its view
    require(
        proposer == get_leader(committee, proposal.block.view),
        RejectionReason.PROPOSER_NOT_LEADER,
    )


def validate_vote_rule(
    committee: Committee, chain_id: int, safety: SafetyState, block: Block
) -> None:
    """Check that a replica in ``safety`` may vote for ``block``.

    Raises:
        Rejected: ``BLOCK_WRONG_CHAIN``, the reasons of
            :func:`validate_block_justified`, ``BLOCK_VIEW_STALE``, ``VIEW_ALREADY_VOTED``.
    """
    # Verify the block belongs to this replica's chain
    require(block.chain_id == chain_id, RejectionReason.BLOCK_WRONG_CHAIN)
    validate_block_justified(committee, block)
    # Verify the block is not from a view the replica has left
    require(block.view >= safety.view, RejectionReason.BLOCK_VIEW_STALE)
    # Verify the replica has not voted in this view (or a later one)
    require(block.view > safety.last_voted_view, RejectionReason.VIEW_ALREADY_VOTED)


def compute_safety_after_vote(safety: SafetyState, block: Block) -> SafetyState:
    """Return the safety state after voting for ``block`` (persisted before the vote is sent)."""
    return SafetyState(
        view=max(safety.view, block.view),
        last_voted_view=block.view,
        high_qc=select_higher_qc(safety.high_qc, get_certified_qc(block.justify)),
    )


def compute_safety_after_timeout(safety: SafetyState) -> SafetyState:
    """Return the safety state after timing out of the current view: the next view."""
    return SafetyState(safety.view + 1, safety.last_voted_view, safety.high_qc)


def compute_safety_after_certificate(
    safety: SafetyState, certificate: QuorumCertificate, view: int
) -> SafetyState:
    """Return the safety state after seeing a valid certificate or aggregate of ``view``.

    ``certificate`` is the certificate learned (an aggregate's highest one);
    the replica moves past ``view`` if it has not already.
    """
    return SafetyState(
        view=max(safety.view, Uint64(view + 1)),
        last_voted_view=safety.last_voted_view,
        high_qc=select_higher_qc(safety.high_qc, certificate),
    )
