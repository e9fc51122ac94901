"""Witnesses of a coin's history at the settlement layer: committed leaves and valid spends.

The counterpart of ``spec.environments.cash.witnesses``, restated for the
simulator: a witness's block is one lookup in the block log
(``settlement_blocks``), its leaf is hashed with the fast encoders of
``reference.environments.cash.encoding`` and its compact proof checked with
the reference's sparse tree hashing; signers are recovered with
``reference.signatures``. The checks, their order and their reasons are the
spec's.
"""

from __future__ import annotations

from reference.environments.cash.encoding import (
    compute_leaf_hash,
    compute_signing_hash,
    get_leaf_coin,
    get_leaf_owner,
    is_valid_compact_proof,
)
from reference.settlement.tables import SettlementTables
from reference.signatures import recover_signer
from spec.environments.cash.coins import CoinMint, SignedTransfer
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import Address, Uint64


def as_included_leaf(witness: IncludedTransfer) -> IncludedLeaf:
    """Return an included transfer as an included leaf (a transfer is one kind of leaf)."""
    return IncludedLeaf(witness.block_number, witness.transfer, witness.proof)


def get_transfer_signer(environment_id: Uint64, signed: SignedTransfer) -> Address:
    """Return who signed a transfer.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    message = compute_signing_hash(int(environment_id), signed.transfer)
    return recover_signer(message, bytes(signed.signature))


def validate_witness(
    tables: SettlementTables,
    preset: Preset,
    environment_id: int,
    coin_id: Uint64,
    witness: IncludedLeaf,
) -> None:
    """Check that a leaf of coin ``coin_id`` is committed where the witness says.

    Raises:
        Rejected: ``WITNESS_WRONG_COIN``, ``MINT_NOT_AT_DEPOSIT_BLOCK``,
            ``UNKNOWN_BLOCK``, ``COIN_PROOF_INVALID``.
    """
    # Verify the leaf is about the coin in question
    require(get_leaf_coin(witness.leaf) == coin_id, RejectionReason.WITNESS_WRONG_COIN)
    # Verify a mint is shown only at the coin's deposit block
    require(
        not isinstance(witness.leaf, CoinMint) or witness.block_number == coin_id,
        RejectionReason.MINT_NOT_AT_DEPOSIT_BLOCK,
    )
    record = tables.read_block(environment_id, witness.block_number)
    # Verify a block is committed at the witness's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the block's sparse tree holds the leaf at the coin's key
    require(
        is_valid_compact_proof(
            compute_leaf_hash(witness.leaf),
            int(coin_id),
            witness.proof,
            int(preset.coin_tree_depth),
            bytes(record.root),
        ),
        RejectionReason.COIN_PROOF_INVALID,
    )


def validate_spend_of_parent(
    environment_id: Uint64, child: IncludedLeaf, parent: IncludedLeaf | None
) -> None:
    """Check that ``child`` validly spends ``parent`` (both already shown committed).

    Raises:
        Rejected: ``PARENT_UNEXPECTED``, ``PARENT_MISSING``,
            ``TRANSFER_NOT_SPENDING_PARENT``, ``PARENT_NOT_EARLIER``, the signature
            reasons, ``TRANSFER_NOT_SIGNED_BY_PARENT_OWNER``.
    """
    if isinstance(child.leaf, CoinMint):
        # Verify a mint is shown alone: it spends nothing
        require(parent is None, RejectionReason.PARENT_UNEXPECTED)
        return
    # Verify a transfer is shown with the leaf it spends
    require(parent is not None, RejectionReason.PARENT_MISSING)
    assert parent is not None
    transfer = child.leaf.transfer
    # Verify the transfer names its parent's block
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
