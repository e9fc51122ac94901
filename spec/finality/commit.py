"""The two-chain commit rule and the proof that a block was committed.

A block ``G`` is *committed* when some block ``P`` with ``P.parent = hash(G)``
and ``P.view = G.view + 1`` has a valid quorum certificate; every ancestor of
a committed block is committed too. (Fast HotStuff's two-chain rule: two
certified blocks in consecutive views.)

A :class:`CommitProof` lets anyone holding only the committee check that a
block ``X`` was committed: the chain of ``X``'s descendants up to a directly
committed ``G`` (empty when ``X`` is ``G``), ``G``'s child ``P`` in the next
view, and ``P``'s certificate. ``P``'s own justification must certify ``G``,
so the proof also shows ``G`` certified.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from spec.errors import RejectionReason, require
from spec.finality.certificates import validate_quorum_certificate
from spec.finality.committee import Committee
from spec.finality.messages import Block, QuorumCertificate, compute_block_hash
from spec.finality.voting import validate_block_justified


@dataclass(frozen=True)
class CommitProof:
    """Evidence that a block is committed, checkable against the committee alone."""

    chain: tuple[Block, ...]
    """The committed block's descendants, child first, up to the directly committed block."""
    child: Block
    """The directly committed block's child, of the next view."""
    child_qc: QuorumCertificate
    """The child's quorum certificate."""


def is_two_chain(block: Block, child: Block) -> bool:
    """Return whether ``child`` extends ``block`` in the very next view (the commit pattern)."""
    return child.parent == compute_block_hash(block) and child.view == block.view + 1


def validate_commit_proof(committee: Committee, block: Block, proof: CommitProof) -> None:
    """Check that ``proof`` shows ``block`` committed by ``committee``.

    Raises:
        Rejected: ``BLOCK_WRONG_CHAIN``, ``COMMIT_CHAIN_BROKEN``,
            ``COMMIT_CHILD_NOT_NEXT_VIEW``, ``COMMIT_CERTIFICATE_WRONG_BLOCK``, the
            reasons of ``validate_block_justified`` for the child, and of
            ``validate_quorum_certificate`` for its certificate.
    """
    links = (block, *proof.chain, proof.child)
    # Verify every block of the proof is on the committed block's chain
    require(
        all(link.chain_id == block.chain_id for link in links), RejectionReason.BLOCK_WRONG_CHAIN
    )
    # Verify each block of the proof is the parent of the next
    require(
        all(c.parent == compute_block_hash(p) for p, c in itertools.pairwise(links)),
        RejectionReason.COMMIT_CHAIN_BROKEN,
    )
    # Verify the child is of the view right after the directly committed block's
    require(proof.child.view == links[-2].view + 1, RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW)
    # Verify the certificate is the child's: its view and its hash
    require(
        proof.child_qc.view == proof.child.view
        and proof.child_qc.block_hash == compute_block_hash(proof.child),
        RejectionReason.COMMIT_CERTIFICATE_WRONG_BLOCK,
    )
    validate_block_justified(committee, proof.child)
    validate_quorum_certificate(committee, block.chain_id, proof.child_qc)
