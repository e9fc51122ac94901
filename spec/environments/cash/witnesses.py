"""Witnesses of a coin's history: a mint or transfer with the block and proof that commit it.

Every rule of the Cash exit game is about leaves of one coin as committed in
the block log. A witness is one such leaf (:class:`IncludedLeaf`, a mint or a
transfer, or :class:`IncludedTransfer`, where only a transfer will do) with
the number of its block and the compact proof of the coin's key in that
block's sparse tree. :func:`validate_witness` checks that the block log really
holds it; :func:`validate_spend_of_parent` checks that one leaf validly spends
another (the rule every honest transfer obeys: it names its parent's block,
comes later, and is signed by the owner the parent gave the coin to).
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.environments.cash.coins import (
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    compute_coin_leaf_hash,
    get_leaf_coin,
    get_leaf_owner,
    get_transfer_signer,
)
from spec.errors import RejectionReason, require
from spec.primitives import Uint64
from spec.settlement.state import Environment
from spec.sparse_merkle import CompactProof, is_valid_compact_proof


@dataclass(frozen=True)
class IncludedLeaf:
    """A mint or transfer of a coin, with where it is committed."""

    block_number: Uint64
    """Block holding the leaf (the coin's deposit block, for a mint)."""
    leaf: CoinLeaf
    """The mint or signed transfer."""
    proof: CompactProof
    """Proof of the leaf at the coin's key in the block's sparse tree."""


@dataclass(frozen=True)
class IncludedTransfer:
    """A transfer of a coin, with where it is committed."""

    block_number: Uint64
    """Child block holding the transfer."""
    transfer: SignedTransfer
    """The signed transfer."""
    proof: CompactProof
    """Proof of the transfer at the coin's key in the block's sparse tree."""


def as_included_leaf(witness: IncludedTransfer) -> IncludedLeaf:
    """Return an included transfer as an included leaf (a transfer is one kind of leaf)."""
    return IncludedLeaf(witness.block_number, witness.transfer, witness.proof)


def validate_witness(
    environment: Environment, coin_tree_depth: int, coin_id: Uint64, witness: IncludedLeaf
) -> None:
    """Check that a leaf of coin ``coin_id`` is committed where the witness says.

    Raises:
        Rejected: ``WITNESS_WRONG_COIN``, ``MINT_NOT_AT_DEPOSIT_BLOCK``,
            ``UNKNOWN_BLOCK``, ``COIN_PROOF_INVALID``.
    """
    # Verify the leaf is about the coin in question
    require(get_leaf_coin(witness.leaf) == coin_id, RejectionReason.WITNESS_WRONG_COIN)
    # Verify a mint is shown only at the coin's deposit block (an operator's block may fake one)
    require(
        not isinstance(witness.leaf, CoinMint) or witness.block_number == coin_id,
        RejectionReason.MINT_NOT_AT_DEPOSIT_BLOCK,
    )
    record = environment.blocks.get(witness.block_number)
    # Verify a block is committed at the witness's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the block's sparse tree holds the leaf at the coin's key
    require(
        is_valid_compact_proof(
            compute_coin_leaf_hash(witness.leaf),
            int(coin_id),
            witness.proof,
            coin_tree_depth,
            record.root,
        ),
        RejectionReason.COIN_PROOF_INVALID,
    )


def validate_spend_of_parent(
    environment_id: Uint64, child: IncludedLeaf, parent: IncludedLeaf | None
) -> None:
    """Check that ``child`` validly spends ``parent`` (both already shown committed).

    A mint has no parent; a transfer must come with the leaf it spends.

    Raises:
        Rejected: ``PARENT_UNEXPECTED``, ``PARENT_MISSING``,
            ``TRANSFER_NOT_SPENDING_PARENT``, ``PARENT_NOT_EARLIER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``TRANSFER_NOT_SIGNED_BY_PARENT_OWNER``.
    """
    if isinstance(child.leaf, CoinMint):
        # Verify a mint is shown alone: it spends nothing
        require(parent is None, RejectionReason.PARENT_UNEXPECTED)
        return
    # Verify a transfer is shown with the leaf it spends
    require(parent is not None, RejectionReason.PARENT_MISSING)
    assert parent is not None
    transfer = child.leaf.transfer
    # Verify the transfer names its parent's block (it spends exactly that leaf)
    require(
        transfer.previous_block == parent.block_number,
        RejectionReason.TRANSFER_NOT_SPENDING_PARENT,
    )
    # Verify the parent was committed before the transfer
    require(parent.block_number < child.block_number, RejectionReason.PARENT_NOT_EARLIER)
    # Verify the owner the parent gave the coin to signed the transfer
    require(
        get_transfer_signer(environment_id, child.leaf) == get_leaf_owner(parent.leaf),
        RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER,
    )
