"""Reference Merkle trees (incremental and level by level) equal the spec's roots and proofs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.merkle import (
    IncrementalMerkleTree,
    compute_levels,
    compute_proof,
    compute_root,
    get_empty_subtree_roots,
)
from spec.merkle import (
    compute_empty_subtree_root,
    compute_leaf_hash,
    compute_merkle_levels,
    compute_merkle_proof,
    compute_merkle_root,
    is_valid_merkle_proof,
)
from spec.primitives import Hash32
from tests.strategies import hash32s

FAST = settings(max_examples=40, deadline=None)


def make_leaves(count: int) -> list[Hash32]:
    """Return ``count`` distinct leaf hashes."""
    return [compute_leaf_hash(b"leaf %d" % index) for index in range(count)]


def every_tree(depths: range) -> list[tuple[int, int]]:
    """Return every (depth, leaf count) for the depths and counts 0 to ``2**depth``."""
    return [(depth, count) for depth in depths for count in range(2**depth + 1)]


@pytest.mark.parametrize("depth", range(8))
def test_empty_subtree_roots_equal_the_spec(depth: int) -> None:
    """Given a depth.

    When the empty subtree roots up to it are computed,
    Then each height's root equals the spec's.
    """
    roots = get_empty_subtree_roots(depth)
    assert roots == tuple(bytes(compute_empty_subtree_root(h)) for h in range(depth + 1))


@pytest.mark.parametrize(("depth", "count"), every_tree(range(5)))
def test_incremental_root_equals_the_spec_after_every_leaf(depth: int, count: int) -> None:
    """Given a tree of depth 0 to 4 filled leaf by leaf up to ``count`` leaves.

    When the root is read after every append (and before any),
    Then it always equals the spec's root of the leaves so far.
    """
    leaves = make_leaves(count)
    tree = IncrementalMerkleTree(depth)
    assert tree.get_root() == compute_merkle_root([], depth)
    for used, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.get_root() == compute_merkle_root(leaves[:used], depth)
    assert tree.count == count


@pytest.mark.parametrize(("depth", "count"), every_tree(range(5)))
def test_levels_and_every_proof_equal_the_spec(depth: int, count: int) -> None:
    """Given a tree of depth 0 to 4 with ``count`` leaves.

    When its levels are built and a proof is read for every leaf index,
    Then the levels, root and proofs equal the spec's, and each proof verifies.
    """
    leaves = make_leaves(count)
    levels = compute_levels(leaves, depth)
    root = compute_merkle_root(leaves, depth)
    assert levels == [
        [bytes(node) for node in level] for level in compute_merkle_levels(leaves, depth)
    ]
    assert compute_root(leaves, depth) == root
    for index in range(2**depth):
        proof = compute_proof(levels, index)
        assert proof == compute_merkle_proof(leaves, index, depth)
        leaf = leaves[index] if index < count else Hash32.zero()
        assert is_valid_merkle_proof(leaf, index, proof, depth, root)


@FAST
@given(
    st.integers(5, 9).flatmap(lambda d: st.tuples(st.just(d), st.lists(hash32s(), max_size=2**d)))
)
def test_random_trees_at_larger_depths_equal_the_spec(tree: tuple[int, list[Hash32]]) -> None:
    """Given random leaves in a tree of depth 5 to 9.

    When the root is computed incrementally and from levels, and the last leaf's proof is read,
    Then both roots equal the spec's and the proof equals the spec's and verifies.
    """
    depth, leaves = tree
    incremental = IncrementalMerkleTree(depth)
    for leaf in leaves:
        incremental.append(leaf)
    root = compute_merkle_root(leaves, depth)
    assert incremental.get_root() == root
    assert compute_root(leaves, depth) == root
    index = max(len(leaves) - 1, 0)
    proof = compute_proof(compute_levels(leaves, depth), index)
    assert proof == compute_merkle_proof(leaves, index, depth)
    leaf = leaves[index] if leaves else Hash32.zero()
    assert is_valid_merkle_proof(leaf, index, proof, depth, root)


def test_full_tree_refuses_another_leaf() -> None:
    """Given a depth-2 tree holding its 4 leaves.

    When a fifth leaf is appended,
    Then it is refused (a bug in the caller), and the root still equals the spec's.
    """
    leaves = make_leaves(4)
    tree = IncrementalMerkleTree(2)
    for leaf in leaves:
        tree.append(leaf)
    with pytest.raises(AssertionError):
        tree.append(leaves[0])
    assert tree.get_root() == compute_merkle_root(leaves, 2)


def test_changing_one_leaf_changes_the_root() -> None:
    """Given two depth-3 trees whose fifth leaves differ.

    When their roots are computed incrementally,
    Then they differ.
    """
    first, second = IncrementalMerkleTree(3), IncrementalMerkleTree(3)
    leaves = make_leaves(6)
    for index, leaf in enumerate(leaves):
        first.append(leaf)
        second.append(make_leaves(7)[6] if index == 4 else leaf)
    assert first.get_root() != second.get_root()
