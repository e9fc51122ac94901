"""CrossHair contracts on sparse Merkle proofs (``spec/sparse_merkle.py``), for Plasma Cash.

Over a fixed depth-3 sparse tree (keys 0 to 7, three of them occupied) the
symbolic key ranges over a finite domain, so CrossHair explores every path:
these contracts are proved, not bounded. The canonical proof of any key
verifies what the tree holds there; the empty leaf verifies (non-inclusion)
exactly at the keys that hold nothing; and a proof made non-canonical (an
empty sibling listed, or a bit set at or above the depth) is refused, so
each leaf has one proof and a proof cannot be dressed up as another.
"""

from __future__ import annotations

from spec.merkle import EMPTY_LEAF, compute_empty_subtree_root, compute_leaf_hash
from spec.primitives import Hash32, Uint64
from spec.sparse_merkle import (
    CompactProof,
    compute_compact_proof,
    compute_sparse_root,
    is_valid_compact_proof,
)

SPARSE_DEPTH = 3
"""Depth of the tree checked here: keys 0 to 7."""

SPARSE_LEAVES = {key: compute_leaf_hash(b"coin %d" % key) for key in (1, 2, 6)}
"""The occupied keys and their leaves; keys 0, 3, 4, 5 and 7 hold nothing."""

SPARSE_ROOT = compute_sparse_root(SPARSE_LEAVES, SPARSE_DEPTH)
"""Root of the tree of ``SPARSE_LEAVES``."""

EXTRA_BITS = 1
"""Heights past the depth at which a non-canonical proof may set a bit (the first is enough)."""


def get_sparse_leaf(key: int) -> Hash32:
    """Return what the tree holds at ``key`` (the empty leaf where nothing is)."""
    return SPARSE_LEAVES.get(key, EMPTY_LEAF)


def make_non_canonical(key: int, bit: int) -> CompactProof | None:
    """Return ``key``'s proof made non-canonical at height ``bit``, or None if it cannot be.

    Below the depth: the empty sibling at that height is listed (possible
    only where the canonical proof omits it); at or above the depth: the bit
    is set, with one more sibling.
    """
    proof = compute_compact_proof(SPARSE_LEAVES, key, SPARSE_DEPTH)
    if bit >= SPARSE_DEPTH:
        extra = (*proof.siblings, compute_leaf_hash(b"extra"))
        return CompactProof(Uint64(int(proof.bitmap) | (1 << bit)), extra)
    if (proof.bitmap >> bit) & 1:
        return None
    below = int(proof.bitmap & ((1 << bit) - 1)).bit_count()
    siblings = list(proof.siblings)
    siblings.insert(below, compute_empty_subtree_root(bit))
    return CompactProof(Uint64(int(proof.bitmap) | (1 << bit)), tuple(siblings))


def sparse_proof_verifies(key: int) -> bool:
    """The canonical proof of any key verifies what the tree holds there, empty or not.

    pre: 0 <= key < 2**SPARSE_DEPTH
    post: __return__
    """
    proof = compute_compact_proof(SPARSE_LEAVES, key, SPARSE_DEPTH)
    return is_valid_compact_proof(get_sparse_leaf(key), key, proof, SPARSE_DEPTH, SPARSE_ROOT)


def sparse_proof_shows_non_inclusion(key: int) -> bool:
    """The empty leaf verifies with a key's proof exactly when the key holds nothing.

    pre: 0 <= key < 2**SPARSE_DEPTH
    post: __return__ == (key not in SPARSE_LEAVES)
    """
    proof = compute_compact_proof(SPARSE_LEAVES, key, SPARSE_DEPTH)
    return is_valid_compact_proof(EMPTY_LEAF, key, proof, SPARSE_DEPTH, SPARSE_ROOT)


def sparse_proof_refuses_non_canonical(key: int, bit: int) -> bool:
    """A proof listing an empty sibling, or a bit at or above the depth, is refused.

    pre: 0 <= key < 2**SPARSE_DEPTH and 0 <= bit < SPARSE_DEPTH + EXTRA_BITS
    pre: make_non_canonical(key, bit) is not None
    post: not __return__
    """
    proof = make_non_canonical(key, bit)
    assert proof is not None
    return is_valid_compact_proof(get_sparse_leaf(key), key, proof, SPARSE_DEPTH, SPARSE_ROOT)
