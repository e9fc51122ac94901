"""Broken twins of the sparse Merkle contracts: verifiers that misread keys, leaves, canonicity."""

from __future__ import annotations

from proofs.crosshair.contracts.sparse_merkle import (
    EXTRA_BITS,
    SPARSE_DEPTH,
    SPARSE_LEAVES,
    SPARSE_ROOT,
    get_sparse_leaf,
    make_non_canonical,
)
from spec.merkle import EMPTY_LEAF, compute_empty_subtree_root, compute_node_hash
from spec.primitives import Hash32
from spec.sparse_merkle import CompactProof, compute_compact_proof

CONTRACT_NAMES = (EXTRA_BITS, SPARSE_LEAVES, make_non_canonical)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def compute_root_lenient(leaf: Hash32, key: int, proof: CompactProof, depth: int) -> Hash32:
    """Return the root a proof implies, with no canonicity check (listed siblings taken as is)."""
    listed = iter(proof.siblings)
    node = leaf
    for height in range(depth):
        listed_here = (proof.bitmap >> height) & 1
        sibling = next(listed, compute_empty_subtree_root(height)) if listed_here else None
        sibling = sibling if sibling is not None else compute_empty_subtree_root(height)
        if (key >> height) & 1:
            node = compute_node_hash(sibling, node)
        else:
            node = compute_node_hash(node, sibling)
    return node


def is_valid_compact_proof_key_reversed(
    leaf: Hash32, key: int, proof: CompactProof, depth: int, root: Hash32
) -> bool:
    """Bug: the key's bits are read from the top down (the path of the mirrored key)."""
    mirrored = int(format(key, f"0{depth}b")[::-1], 2)
    return compute_root_lenient(leaf, mirrored, proof, depth) == root


def is_valid_compact_proof_empty_is_absent(
    leaf: Hash32, key: int, proof: CompactProof, depth: int, root: Hash32
) -> bool:
    """Bug: the empty leaf is taken as proved absent without checking the path."""
    return leaf == EMPTY_LEAF or compute_root_lenient(leaf, key, proof, depth) == root


def is_valid_compact_proof_lenient(
    leaf: Hash32, key: int, proof: CompactProof, depth: int, root: Hash32
) -> bool:
    """Bug: no canonicity checks (listed empty siblings and bits past the depth accepted)."""
    return 0 <= key < 1 << depth and compute_root_lenient(leaf, key, proof, depth) == root


def sparse_proof_verifies_key_reversed(key: int) -> bool:
    """Broken twin of ``sparse_proof_verifies``: the verifier reads the key top down.

    pre: 0 <= key < 2**SPARSE_DEPTH
    post: __return__
    """
    proof = compute_compact_proof(SPARSE_LEAVES, key, SPARSE_DEPTH)
    return is_valid_compact_proof_key_reversed(
        get_sparse_leaf(key), key, proof, SPARSE_DEPTH, SPARSE_ROOT
    )


def sparse_proof_shows_non_inclusion_empty_is_absent(key: int) -> bool:
    """Broken twin of ``sparse_proof_shows_non_inclusion``: the empty leaf always verifies.

    pre: 0 <= key < 2**SPARSE_DEPTH
    post: __return__ == (key not in SPARSE_LEAVES)
    """
    proof = compute_compact_proof(SPARSE_LEAVES, key, SPARSE_DEPTH)
    return is_valid_compact_proof_empty_is_absent(EMPTY_LEAF, key, proof, SPARSE_DEPTH, SPARSE_ROOT)


def sparse_proof_refuses_non_canonical_lenient(key: int, bit: int) -> bool:
    """Broken twin of ``sparse_proof_refuses_non_canonical``: no canonicity checks.

    pre: 0 <= key < 2**SPARSE_DEPTH and 0 <= bit < SPARSE_DEPTH + EXTRA_BITS
    pre: make_non_canonical(key, bit) is not None
    post: not __return__
    """
    proof = make_non_canonical(key, bit)
    assert proof is not None
    return is_valid_compact_proof_lenient(
        get_sparse_leaf(key), key, proof, SPARSE_DEPTH, SPARSE_ROOT
    )
