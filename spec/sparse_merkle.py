"""Sparse Merkle trees keyed by integers, with compact inclusion and non-inclusion proofs.

A sparse tree of depth ``d`` has a leaf for every key in ``[0, 2**d)``; almost
all of them are empty. It hashes exactly like the dense trees of
``spec.merkle`` (the same leaf and node domain bytes, the empty leaf is 32
zero bytes), so an empty subtree of height ``h`` has the root
``compute_empty_subtree_root(h)`` and only the paths to occupied keys are ever
computed.

A proof of the leaf at ``key`` is compact: of the ``d`` siblings on the path
from the leaf to the root, most are empty subtree roots, which the verifier
knows. :class:`CompactProof` lists only the others, bottom up, and a bitmap
says which levels they belong to (bit ``h`` set: the sibling at height ``h``
is listed). A proof is canonical: a listed sibling is never the empty subtree
root of its height, and no bit at or above the depth is set, so every leaf of
a tree has exactly one proof.

Non-inclusion is inclusion of the empty leaf: a proof that ``key`` holds
``EMPTY_LEAF`` shows that nothing was committed there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from spec.merkle import compute_empty_subtree_root, compute_node_hash
from spec.primitives import Hash32, Uint64

MAX_SPARSE_DEPTH = 64
"""Deepest sparse tree: the bitmap of a proof is a :class:`~spec.primitives.Uint64`."""


@dataclass(frozen=True)
class CompactProof:
    """The siblings of one key's path that are not empty subtrees, and where they go."""

    bitmap: Uint64
    """Bit ``h`` is set when the sibling at height ``h`` (0 = next to the leaf) is listed."""
    siblings: tuple[Hash32, ...]
    """The listed siblings, bottom up: one per set bit, in increasing order of height."""


# Helpers


def is_key_in_tree(key: int, depth: int) -> bool:
    """Return whether ``key`` names a leaf of a tree of ``depth`` levels."""
    return 0 <= key < 1 << depth


def compute_parent_level(level: Mapping[int, Hash32], height: int) -> dict[int, Hash32]:
    """Return the non-empty nodes one level up from ``level`` (the nodes at ``height``)."""
    empty = compute_empty_subtree_root(height)
    parents: dict[int, Hash32] = {}
    for parent in sorted({key >> 1 for key in level}):
        left = level.get(parent * 2, empty)
        right = level.get(parent * 2 + 1, empty)
        parents[parent] = compute_node_hash(left, right)
    return parents


def compute_sparse_levels(leaves: Mapping[int, Hash32], depth: int) -> list[dict[int, Hash32]]:
    """Return every level's non-empty nodes by index, leaves first, root level last."""
    assert all(is_key_in_tree(key, depth) for key in leaves), "a key is outside the tree"
    levels = [dict(leaves)]
    for height in range(depth):
        levels.append(compute_parent_level(levels[-1], height))
    return levels


def compute_sparse_root(leaves: Mapping[int, Hash32], depth: int) -> Hash32:
    """Return the root of the sparse tree holding ``leaves`` (key to leaf hash)."""
    top = compute_sparse_levels(leaves, depth)[-1]
    return top.get(0, compute_empty_subtree_root(depth))


def compute_compact_proof(leaves: Mapping[int, Hash32], key: int, depth: int) -> CompactProof:
    """Return the canonical proof of whatever the tree holds at ``key`` (empty or not)."""
    assert is_key_in_tree(key, depth), "key outside the tree"
    levels = compute_sparse_levels(leaves, depth)
    bitmap = 0
    siblings = []
    for height in range(depth):
        sibling = levels[height].get((key >> height) ^ 1)
        # List only siblings that are not empty subtrees (the canonical form)
        if sibling is not None and sibling != compute_empty_subtree_root(height):
            bitmap |= 1 << height
            siblings.append(sibling)
    return CompactProof(Uint64(bitmap), tuple(siblings))


def compute_root_from_compact_proof(
    leaf: Hash32, key: int, proof: CompactProof, depth: int
) -> Hash32 | None:
    """Return the root ``proof`` implies for ``leaf`` at ``key``; None for a non-canonical proof."""
    # The bitmap names only levels of this tree
    if proof.bitmap >> depth:
        return None
    # Exactly one sibling is listed per set bit
    if len(proof.siblings) != int(proof.bitmap).bit_count():
        return None
    listed = iter(proof.siblings)
    node = leaf
    for height in range(depth):
        empty = compute_empty_subtree_root(height)
        sibling = next(listed) if (proof.bitmap >> height) & 1 else empty
        # A listed sibling is never an empty subtree (one proof per leaf)
        if (proof.bitmap >> height) & 1 and sibling == empty:
            return None
        node = (
            compute_node_hash(sibling, node)
            if (key >> height) & 1
            else compute_node_hash(node, sibling)
        )
    return node


def is_valid_compact_proof(
    leaf: Hash32, key: int, proof: CompactProof, depth: int, root: Hash32
) -> bool:
    """Return whether ``proof`` shows ``leaf`` at ``key`` in the sparse tree ``root``."""
    # The key must name a leaf of this tree
    if not is_key_in_tree(key, depth):
        return False
    return compute_root_from_compact_proof(leaf, key, proof, depth) == root
