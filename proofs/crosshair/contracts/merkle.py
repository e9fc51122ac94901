"""CrossHair contracts on Merkle inclusion proofs (``spec/merkle.py``).

Over a fixed depth-3 tree the symbolic leaf indexes range over a finite
domain, so CrossHair explores every path: these contracts are proved, not
bounded. The proof of any leaf verifies; it verifies at no other index
holding a different leaf, and for no leaf with one bit changed.
"""

from __future__ import annotations

from spec.merkle import (
    EMPTY_LEAF,
    compute_leaf_hash,
    compute_merkle_proof,
    compute_merkle_root,
    is_valid_merkle_proof,
)
from spec.primitives import Hash32

MERKLE_DEPTH = 3
"""Depth of the tree checked here: 2**3 (= 8) leaves."""

MERKLE_LEAVES = tuple(compute_leaf_hash(b"transaction %d" % number) for number in range(5))
"""Five distinct leaves; the tree's last three leaves are empty."""

MERKLE_ROOT = compute_merkle_root(MERKLE_LEAVES, MERKLE_DEPTH)
"""Root of the tree of ``MERKLE_LEAVES``."""

TAMPERED_BITS = (0, 7, 128, 255)
"""Bits of a leaf that the leaf-binding contract flips: ends of the first and last bytes."""


def get_leaf_at(index: int) -> Hash32:
    """Return leaf ``index`` of the tree (the empty leaf past ``MERKLE_LEAVES``)."""
    return MERKLE_LEAVES[index] if index < len(MERKLE_LEAVES) else EMPTY_LEAF


def flip_bit(leaf: Hash32, bit: int) -> Hash32:
    """Return ``leaf`` with bit ``bit`` (0 = most significant of the first byte) flipped."""
    number = int.from_bytes(leaf, "big") ^ (1 << (255 - bit))
    return Hash32(number.to_bytes(32, "big"))


def merkle_proof_verifies(index: int) -> bool:
    """The proof built for any leaf, empty ones included, verifies against the root.

    pre: 0 <= index < 2**MERKLE_DEPTH
    post: __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof(get_leaf_at(index), index, proof, MERKLE_DEPTH, MERKLE_ROOT)


def merkle_proof_binds_index(index: int, other: int) -> bool:
    """A leaf's proof does not verify at another index holding a different leaf.

    pre: 0 <= index < 2**MERKLE_DEPTH and 0 <= other < 2**MERKLE_DEPTH
    pre: get_leaf_at(index) != get_leaf_at(other)
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof(get_leaf_at(index), other, proof, MERKLE_DEPTH, MERKLE_ROOT)


def merkle_proof_binds_leaf(index: int, bit: int) -> bool:
    """A leaf's proof does not verify a leaf with one bit changed.

    pre: 0 <= index < 2**MERKLE_DEPTH
    pre: bit in TAMPERED_BITS
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    tampered = flip_bit(get_leaf_at(index), bit)
    return is_valid_merkle_proof(tampered, index, proof, MERKLE_DEPTH, MERKLE_ROOT)
