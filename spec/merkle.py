"""Binary Merkle trees of fixed depth, with inclusion proofs.

A tree of depth ``d`` has ``2**d`` leaves; unused leaves hold the empty leaf
(32 zero bytes). Leaf and node hashes are domain-separated so that no inner
node can be passed off as a leaf (the second-preimage attack on naive trees):

- ``leaf hash = keccak256(0x00 ‖ data)``
- ``node hash = keccak256(0x01 ‖ left ‖ right)``

An inclusion proof is the list of the ``d`` sibling hashes from the leaf up to
the root. Its length is fixed by the depth, so a proof for one depth never
verifies against another.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from spec.crypto import keccak256
from spec.primitives import Hash32

LEAF_PREFIX = b"\x00"
"""Domain byte hashed before a leaf's data."""

NODE_PREFIX = b"\x01"
"""Domain byte hashed before the two children of an inner node."""

EMPTY_LEAF = Hash32.zero()
"""The value of an unused leaf."""


def compute_leaf_hash(data: bytes) -> Hash32:
    """Return the leaf hash of ``data``."""
    return keccak256(LEAF_PREFIX + data)


def compute_node_hash(left: Hash32, right: Hash32) -> Hash32:
    """Return the hash of an inner node from its two children."""
    return keccak256(NODE_PREFIX + left + right)


@functools.cache
def compute_empty_subtree_root(height: int) -> Hash32:
    """Return the root of a subtree of ``height`` levels holding only empty leaves.

    A constant per height; cached, since sparse trees of depth 64 ask for it often.
    """
    root = EMPTY_LEAF
    for _ in range(height):
        root = compute_node_hash(root, root)
    return root


def compute_merkle_levels(leaves: Sequence[Hash32], depth: int) -> list[list[Hash32]]:
    """Return every level of the tree, leaves first, root last.

    Levels hold only the nodes with at least one non-empty leaf below them;
    any node past the end of a level is the empty subtree root of its height.
    """
    assert len(leaves) <= 2**depth, "more leaves than the tree holds"
    levels = [list(leaves)]
    for height in range(depth):
        below = levels[-1]
        empty = compute_empty_subtree_root(height)
        padded = below + [empty] * (len(below) % 2)
        levels.append(
            [compute_node_hash(padded[i], padded[i + 1]) for i in range(0, len(padded), 2)]
        )
    return levels


def compute_merkle_root(leaves: Sequence[Hash32], depth: int) -> Hash32:
    """Return the root of the depth-``depth`` tree whose first leaves are ``leaves``."""
    top = compute_merkle_levels(leaves, depth)[-1]
    return top[0] if top else compute_empty_subtree_root(depth)


def compute_merkle_proof(leaves: Sequence[Hash32], index: int, depth: int) -> tuple[Hash32, ...]:
    """Return the inclusion proof (sibling hashes, bottom up) of leaf ``index``."""
    assert 0 <= index < 2**depth, "leaf index outside the tree"
    levels = compute_merkle_levels(leaves, depth)
    proof = []
    for height in range(depth):
        sibling = (index >> height) ^ 1
        level = levels[height]
        proof.append(level[sibling] if sibling < len(level) else compute_empty_subtree_root(height))
    return tuple(proof)


def compute_root_from_proof(leaf: Hash32, index: int, proof: Sequence[Hash32]) -> Hash32:
    """Return the root that ``proof`` implies for ``leaf`` at ``index``."""
    node = leaf
    for height, sibling in enumerate(proof):
        if (index >> height) & 1:
            node = compute_node_hash(sibling, node)
        else:
            node = compute_node_hash(node, sibling)
    return node


def is_valid_merkle_proof(
    leaf: Hash32, index: int, proof: Sequence[Hash32], depth: int, root: Hash32
) -> bool:
    """Return whether ``proof`` shows ``leaf`` at ``index`` in the depth-``depth`` tree ``root``."""
    # A proof has exactly one sibling per level
    if len(proof) != depth:
        return False
    # The index must name a leaf of this tree
    if not 0 <= index < 2**depth:
        return False
    return compute_root_from_proof(leaf, index, proof) == root
