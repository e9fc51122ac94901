"""The Cash containers' canonical encodings, signing hashes, leaves and sparse trees, by hand.

The counterpart of ``spec.environments.cash.coins`` and ``spec.sparse_merkle``,
written for speed: each encoding is the bytes ``spec.encoding`` gives the
same value (fixed-width big-endian integers, raw addresses and signatures, a
one-byte wire tag for the :data:`~spec.environments.cash.coins.CoinLeaf`
union), concatenated directly instead of walked field by field, and hashed
with :mod:`reference.hashing`.

Sparse trees (:func:`compute_sparse_root`, :func:`compute_compact_proof`,
:func:`is_valid_compact_proof`) hash exactly like the spec's: only
the paths to occupied keys are computed, and an empty subtree's root comes
from :func:`reference.merkle.get_empty_subtree_roots`.
"""

from __future__ import annotations

from collections.abc import Mapping

from reference.hashing import hash_bytes
from reference.merkle import get_empty_subtree_roots, hash_node
from spec.encoding import get_union_tags
from spec.environments.cash.coins import (
    SIGNING_DOMAIN,
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
)
from spec.merkle import LEAF_PREFIX
from spec.primitives import Address, Hash32, Uint64
from spec.sparse_merkle import CompactProof

MINT_TAG = bytes([get_union_tags((CoinMint, SignedTransfer))[CoinMint]])
"""The wire tag of a mint in the ``CoinLeaf`` union."""

TRANSFER_TAG = bytes([get_union_tags((CoinMint, SignedTransfer))[SignedTransfer]])
"""The wire tag of a signed transfer in the ``CoinLeaf`` union."""


def encode_mint(mint: CoinMint) -> bytes:
    """Return the canonical encoding of a mint (no union tag)."""
    return (
        mint.coin_id.to_bytes(8, "big")
        + bytes(mint.owner)
        + bytes(mint.token)
        + mint.amount.to_bytes(32, "big")
    )


def encode_transfer(transfer: Transfer) -> bytes:
    """Return the canonical encoding of a transfer's signed body."""
    return (
        transfer.coin_id.to_bytes(8, "big")
        + transfer.previous_block.to_bytes(8, "big")
        + bytes(transfer.new_owner)
    )


def encode_leaf(leaf: CoinLeaf) -> bytes:
    """Return the canonical encoding of a leaf as the ``CoinLeaf`` union (tag first)."""
    if isinstance(leaf, CoinMint):
        return MINT_TAG + encode_mint(leaf)
    return TRANSFER_TAG + encode_transfer(leaf.transfer) + bytes(leaf.signature)


def compute_leaf_hash(leaf: CoinLeaf) -> bytes:
    """Return the sparse tree leaf of a mint or transfer (``coins.compute_coin_leaf_hash``)."""
    return hash_bytes(LEAF_PREFIX + encode_leaf(leaf))


def compute_signing_hash(environment_id: int, transfer: Transfer) -> bytes:
    """Return the hash a coin's owner signs (``coins.compute_signing_hash``)."""
    return hash_bytes(
        SIGNING_DOMAIN + environment_id.to_bytes(8, "big") + encode_transfer(transfer)
    )


def get_leaf_coin(leaf: CoinLeaf) -> Uint64:
    """Return the coin a leaf is about."""
    return leaf.coin_id if isinstance(leaf, CoinMint) else leaf.transfer.coin_id


def get_leaf_owner(leaf: CoinLeaf) -> Address:
    """Return who owns the coin after a leaf: a mint's depositor, a transfer's new owner."""
    return leaf.owner if isinstance(leaf, CoinMint) else leaf.transfer.new_owner


# Sparse trees


def compute_sparse_levels(leaves: Mapping[int, bytes], depth: int) -> list[dict[int, bytes]]:
    """Return every level's non-empty nodes by index, leaves first, root level last."""
    empties = get_empty_subtree_roots(depth)
    levels = [dict(leaves)]
    for height in range(depth):
        below = levels[-1]
        empty = empties[height]
        level: dict[int, bytes] = {}
        for parent in {key >> 1 for key in below}:
            left = below.get(parent * 2, empty)
            right = below.get(parent * 2 + 1, empty)
            level[parent] = hash_node(left, right)
        levels.append(level)
    return levels


def compute_sparse_root(leaves: Mapping[int, bytes], depth: int) -> Hash32:
    """Return the root of the sparse tree holding ``leaves`` (key to leaf hash)."""
    top = compute_sparse_levels(leaves, depth)[-1]
    return Hash32(top.get(0, get_empty_subtree_roots(depth)[depth]))


def compute_compact_proof(leaves: Mapping[int, bytes], key: int, depth: int) -> CompactProof:
    """Return the canonical compact proof of whatever the tree holds at ``key``."""
    levels = compute_sparse_levels(leaves, depth)
    empties = get_empty_subtree_roots(depth)
    bitmap = 0
    siblings = []
    for height in range(depth):
        sibling = levels[height].get((key >> height) ^ 1)
        # List only siblings that are not empty subtrees (the canonical form)
        if sibling is not None and sibling != empties[height]:
            bitmap |= 1 << height
            siblings.append(Hash32(sibling))
    return CompactProof(Uint64(bitmap), tuple(siblings))


def is_valid_compact_proof(
    leaf: bytes, key: int, proof: CompactProof, depth: int, root: bytes
) -> bool:
    """Return whether ``proof`` shows ``leaf`` at ``key`` in the sparse tree ``root``.

    The spec's rules (``spec.sparse_merkle``): the key is in the tree, the
    bitmap names only levels of the tree, one sibling is listed per set bit,
    and no listed sibling is the empty subtree of its height.
    """
    bitmap = int(proof.bitmap)
    if not 0 <= key < 1 << depth or bitmap >> depth:
        return False
    if len(proof.siblings) != bitmap.bit_count():
        return False
    empties = get_empty_subtree_roots(depth)
    listed = iter(proof.siblings)
    node = leaf
    for height in range(depth):
        if (bitmap >> height) & 1:
            sibling = bytes(next(listed))
            if sibling == empties[height]:
                return False
        else:
            sibling = empties[height]
        node = hash_node(sibling, node) if (key >> height) & 1 else hash_node(node, sibling)
    return node == root
