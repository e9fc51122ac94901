"""Broken twins of the Merkle contracts: verifiers that swap, ignore the index, forget the root."""

from __future__ import annotations

from proofs.crosshair.contracts.merkle import (
    MERKLE_DEPTH,
    MERKLE_LEAVES,
    MERKLE_ROOT,
    TAMPERED_BITS,
    flip_bit,
    get_leaf_at,
)
from spec.merkle import compute_merkle_proof, compute_node_hash, compute_root_from_proof
from spec.primitives import Hash32

CONTRACT_NAMES = (TAMPERED_BITS,)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def is_valid_merkle_proof_swapped(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: each node hashes its children in the opposite order."""
    node = leaf
    for height, sibling in enumerate(proof):
        if (index >> height) & 1:
            node = compute_node_hash(node, sibling)
        else:
            node = compute_node_hash(sibling, node)
    return len(proof) == depth and node == root


def is_valid_merkle_proof_any_index(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: the proof is accepted if it fits the leaf at any index (the index is not bound)."""
    return len(proof) == depth and any(
        compute_root_from_proof(leaf, position, proof) == root for position in range(2**depth)
    )


def is_valid_merkle_proof_without_root(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: the root is computed but never compared."""
    compute_root_from_proof(leaf, index, proof)
    return len(proof) == depth and 0 <= index < 2**depth


def merkle_proof_verifies_swapped(index: int) -> bool:
    """Broken twin of ``merkle_proof_verifies``: the verifier swaps children.

    pre: 0 <= index < 2**MERKLE_DEPTH
    post: __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof_swapped(
        get_leaf_at(index), index, proof, MERKLE_DEPTH, MERKLE_ROOT
    )


def merkle_proof_binds_index_any_index(index: int, other: int) -> bool:
    """Broken twin of ``merkle_proof_binds_index``: the verifier ignores the index.

    pre: 0 <= index < 2**MERKLE_DEPTH and 0 <= other < 2**MERKLE_DEPTH
    pre: get_leaf_at(index) != get_leaf_at(other)
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof_any_index(
        get_leaf_at(index), other, proof, MERKLE_DEPTH, MERKLE_ROOT
    )


def merkle_proof_binds_leaf_without_root(index: int, bit: int) -> bool:
    """Broken twin of ``merkle_proof_binds_leaf``: the verifier never compares the root.

    pre: 0 <= index < 2**MERKLE_DEPTH
    pre: bit in TAMPERED_BITS
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    tampered = flip_bit(get_leaf_at(index), bit)
    return is_valid_merkle_proof_without_root(tampered, index, proof, MERKLE_DEPTH, MERKLE_ROOT)
