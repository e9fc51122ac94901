"""Merkle trees with the spec's hashing, built incrementally or all at once.

The hashing is that of ``spec.merkle``: ``keccak256(0x01 ‖ left ‖ right)`` for
inner nodes, a fixed depth, and unused leaves holding the empty leaf, so that
the subtree of height ``h`` holding only empty leaves has a known root
(:func:`get_empty_subtree_roots`).

Two ways to build a tree:

- :class:`IncrementalMerkleTree` takes leaves one at a time, as an operator
  receives transactions. It keeps only the frontier: at each height, the
  root of the last complete left subtree. Appending a leaf costs at most
  ``depth`` hashes (one on average) and reading the root ``depth`` hashes,
  whatever the number of leaves.
- :func:`compute_levels` builds every level of a finished block in ``O(n)``
  hashes; :func:`compute_proof` then reads any leaf's inclusion proof from
  the levels without hashing. :func:`compute_root_from_height` finds only the
  root, from the roots of equal subtrees (which threads may compute apart).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from reference.hashing import Hasher, get_hasher, hash_bytes
from spec.merkle import EMPTY_LEAF, NODE_PREFIX
from spec.primitives import Hash32


def hash_node(left: bytes, right: bytes) -> bytes:
    """Return the hash of an inner node from its two children."""
    return hash_bytes(NODE_PREFIX + left + right)


@functools.cache
def get_empty_subtree_roots(depth: int) -> tuple[bytes, ...]:
    """Return the roots of the empty subtrees of heights 0 to ``depth`` (the empty leaf first)."""
    roots = [bytes(EMPTY_LEAF)]
    for _ in range(depth):
        roots.append(hash_node(roots[-1], roots[-1]))
    return tuple(roots)


class IncrementalMerkleTree:
    """A fixed-depth Merkle tree filled from the left, one leaf at a time."""

    def __init__(self, depth: int) -> None:
        """Start an empty tree of ``depth`` levels (``2**depth`` leaves)."""
        self.depth = depth
        """Number of levels below the root."""
        self.count = 0
        """Leaves appended so far."""
        self.frontier: list[bytes] = [b""] * depth
        """At each height, the root of the last complete subtree that is a left child."""
        self.full_root: bytes | None = None
        """The root once all ``2**depth`` leaves are in; None before."""

    def append(self, leaf: bytes) -> None:
        """Add the next leaf; costs at most ``depth`` hashes."""
        assert self.count < 1 << self.depth, "the tree is full"
        node = bytes(leaf)
        index = self.count
        self.count += 1
        for height in range(self.depth):
            if not (index >> height) & 1:
                # A left child waits here for its right sibling
                self.frontier[height] = node
                return
            node = hash_node(self.frontier[height], node)
        self.full_root = node

    def get_root(self) -> Hash32:
        """Return the root of the tree as filled so far; costs ``depth`` hashes."""
        if self.full_root is not None:
            return Hash32(self.full_root)
        empty = get_empty_subtree_roots(self.depth)
        # Walk up from the first unused leaf: complete subtrees to its left come
        # from the frontier, everything to its right is empty
        node = empty[0]
        for height in range(self.depth):
            if (self.count >> height) & 1:
                node = hash_node(self.frontier[height], node)
            else:
                node = hash_node(node, empty[height])
        return Hash32(node)


def hash_level(below: Sequence[bytes], height: int, hasher: Hasher) -> list[bytes]:
    """Return the nodes at ``height + 1`` over the used nodes ``below`` at ``height``.

    A node past the end of ``below`` is the empty subtree root of ``height``.
    """
    if len(below) % 2:
        below = [*below, get_empty_subtree_roots(height)[height]]
    return [hasher(NODE_PREFIX + below[i] + below[i + 1]) for i in range(0, len(below), 2)]


def compute_levels(leaves: Sequence[bytes], depth: int) -> list[list[bytes]]:
    """Return every level of the tree, leaves first, root last, in ``O(n)`` hashes.

    Like ``spec.merkle.compute_merkle_levels``, each level holds only the nodes
    with a used leaf below them; a node past a level's end is the empty subtree
    root of its height.
    """
    assert len(leaves) <= 1 << depth, "more leaves than the tree holds"
    hasher = get_hasher()
    levels = [[bytes(leaf) for leaf in leaves]]
    for height in range(depth):
        levels.append(hash_level(levels[-1], height, hasher))
    return levels


def compute_root_from_height(nodes: Sequence[bytes], height: int, depth: int) -> Hash32:
    """Return the root of the depth-``depth`` tree whose first nodes at ``height`` are ``nodes``.

    The nodes at ``height`` are the roots of its consecutive subtrees of that
    height, so a tree's root can be computed from subtree roots found apart
    (in parallel); height 0 takes the leaves. Nodes past ``nodes`` are empty.
    """
    assert len(nodes) <= 1 << (depth - height), "more nodes than the tree holds"
    if not nodes:
        return Hash32(get_empty_subtree_roots(depth)[depth])
    hasher = get_hasher()
    level = list(nodes)
    for below in range(height, depth):
        level = hash_level(level, below, hasher)
    return Hash32(level[0])


def get_root_of_levels(levels: list[list[bytes]]) -> Hash32:
    """Return the root of a tree from its levels (:func:`compute_levels`)."""
    top = levels[-1]
    depth = len(levels) - 1
    return Hash32(top[0] if top else get_empty_subtree_roots(depth)[depth])


def compute_root(leaves: Sequence[bytes], depth: int) -> Hash32:
    """Return the root of the depth-``depth`` tree whose first leaves are ``leaves``."""
    return compute_root_from_height(leaves, 0, depth)


def compute_proof(levels: list[list[bytes]], index: int) -> tuple[Hash32, ...]:
    """Return the inclusion proof (sibling hashes, bottom up) of leaf ``index``; no hashing."""
    depth = len(levels) - 1
    assert 0 <= index < 1 << depth, "leaf index outside the tree"
    empty = get_empty_subtree_roots(depth)
    proof = []
    for height in range(depth):
        sibling = (index >> height) ^ 1
        level = levels[height]
        proof.append(Hash32(level[sibling] if sibling < len(level) else empty[height]))
    return tuple(proof)
