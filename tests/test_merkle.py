"""Merkle trees: roots, inclusion proofs, and leaf / node domain separation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.crypto import keccak256
from spec.merkle import (
    EMPTY_LEAF,
    compute_empty_subtree_root,
    compute_leaf_hash,
    compute_merkle_proof,
    compute_merkle_root,
    compute_node_hash,
    compute_root_from_proof,
    is_valid_merkle_proof,
)
from spec.primitives import Hash32
from tests.strategies import hash32s

DEPTHS = range(5)
"""Depths tested exhaustively (0 to 4: up to 16 leaves)."""

FAST = settings(max_examples=60, deadline=None)


def make_leaves(count: int) -> list[Hash32]:
    """Return ``count`` distinct leaf hashes."""
    return [compute_leaf_hash(b"leaf %d" % index) for index in range(count)]


def compute_naive_root(leaves: list[Hash32], depth: int) -> Hash32:
    """Return the root by padding to ``2**depth`` leaves and hashing every pair, level by level."""
    level = leaves + [EMPTY_LEAF] * (2**depth - len(leaves))
    while len(level) > 1:
        level = [compute_node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def flip(value: Hash32) -> Hash32:
    """Return ``value`` with its last bit flipped."""
    return Hash32(value[:-1] + bytes([value[-1] ^ 1]))


def leaf_at(leaves: list[Hash32], index: int) -> Hash32:
    """Return leaf ``index`` of the tree, the empty leaf past the given ones."""
    return leaves[index] if index < len(leaves) else EMPTY_LEAF


def every_tree() -> list[tuple[int, int]]:
    """Return every (depth, leaf count) for depths 0 to 4 and counts 0 to ``2**depth``."""
    return [(depth, count) for depth in DEPTHS for count in range(2**depth + 1)]


# Roots and proofs


@pytest.mark.parametrize(("depth", "count"), every_tree())
def test_every_proof_verifies_and_reproduces_the_root(depth: int, count: int) -> None:
    """Given a tree of depth 0 to 4 holding 0 to 2**depth distinct leaves.

    When the proof of every leaf position (used or empty) is computed,
    Then it has one sibling per level, it verifies, and it rebuilds the root, which
    equals the root of the naive fully padded tree.
    """
    leaves = make_leaves(count)
    root = compute_merkle_root(leaves, depth)
    assert root == compute_naive_root(leaves, depth)
    for index in range(2**depth):
        leaf = leaf_at(leaves, index)
        proof = compute_merkle_proof(leaves, index, depth)
        assert len(proof) == depth
        assert compute_root_from_proof(leaf, index, proof) == root
        assert is_valid_merkle_proof(leaf, index, proof, depth, root)


@pytest.mark.parametrize("depth", DEPTHS)
def test_empty_tree_root_is_the_empty_subtree_root(depth: int) -> None:
    """Given a tree of depth 0 to 4 with no leaves.

    When its root is computed,
    Then it equals compute_empty_subtree_root(depth), the root of 2**depth empty leaves.
    """
    assert compute_merkle_root([], depth) == compute_empty_subtree_root(depth)
    assert compute_merkle_root([], depth) == compute_naive_root([], depth)


def test_empty_tree_of_the_full_preset_depth() -> None:
    """Given the full preset's depth 16.

    When the root of an empty tree is computed,
    Then it is the empty subtree root of height 16 (computed without 65,536 leaves).
    """
    assert compute_merkle_root([], 16) == compute_empty_subtree_root(16)


@FAST
@given(data=st.data())
def test_random_trees_prove_every_drawn_index(data: st.DataObject) -> None:
    """Given any depth 0 to 6 and any leaves (repeats and empty-leaf values allowed).

    When the proof of a drawn index is computed,
    Then it verifies against the root, which equals the naive padded root.
    """
    depth = data.draw(st.integers(min_value=0, max_value=6), label="depth")
    leaves = data.draw(st.lists(hash32s(), max_size=2**depth), label="leaves")
    index = data.draw(st.integers(min_value=0, max_value=2**depth - 1), label="index")
    root = compute_merkle_root(leaves, depth)
    assert root == compute_naive_root(leaves, depth)
    proof = compute_merkle_proof(leaves, index, depth)
    assert is_valid_merkle_proof(leaf_at(leaves, index), index, proof, depth, root)


# Tampering


@pytest.mark.parametrize(("depth", "count"), every_tree())
def test_tampered_leaf_sibling_or_root_fails(depth: int, count: int) -> None:
    """Given a valid proof of every leaf position of every small tree.

    When the leaf, any one sibling, or the root is changed by one bit,
    Then the proof no longer verifies.
    """
    leaves = make_leaves(count)
    root = compute_merkle_root(leaves, depth)
    for index in range(2**depth):
        leaf = leaf_at(leaves, index)
        proof = compute_merkle_proof(leaves, index, depth)
        assert not is_valid_merkle_proof(flip(leaf), index, proof, depth, root)
        assert not is_valid_merkle_proof(leaf, index, proof, depth, flip(root))
        for height in range(depth):
            tampered = (*proof[:height], flip(proof[height]), *proof[height + 1 :])
            assert not is_valid_merkle_proof(leaf, index, tampered, depth, root)


@pytest.mark.parametrize("depth", range(1, 5))
def test_proof_at_another_index_fails(depth: int) -> None:
    """Given a full tree of distinct leaves.

    When a leaf's proof is checked at any other index of the tree,
    Then it does not verify (the index fixes the left/right order at every level).
    """
    leaves = make_leaves(2**depth)
    root = compute_merkle_root(leaves, depth)
    for index in range(2**depth):
        proof = compute_merkle_proof(leaves, index, depth)
        for other in range(2**depth):
            if other != index:
                assert not is_valid_merkle_proof(leaves[index], other, proof, depth, root)


@pytest.mark.parametrize("depth", DEPTHS)
def test_index_outside_the_tree_fails(depth: int) -> None:
    """Given a valid proof of leaf ``i`` in a full tree.

    When it is checked at ``i + 2**depth`` or at a negative index,
    Then it does not verify, even though the bits the proof reads are the same
    (compute_root_from_proof ignores bits above the depth, so the range check is needed).
    """
    leaves = make_leaves(2**depth)
    root = compute_merkle_root(leaves, depth)
    for index in range(2**depth):
        leaf = leaves[index]
        proof = compute_merkle_proof(leaves, index, depth)
        beyond = index + 2**depth
        assert compute_root_from_proof(leaf, beyond, proof) == root
        assert not is_valid_merkle_proof(leaf, beyond, proof, depth, root)
    last = 2**depth - 1
    proof = compute_merkle_proof(leaves, last, depth)
    assert compute_root_from_proof(leaves[last], -1, proof) == root
    assert not is_valid_merkle_proof(leaves[last], -1, proof, depth, root)


@pytest.mark.parametrize("depth", range(1, 5))
def test_proof_of_the_wrong_length_fails(depth: int) -> None:
    """Given a valid proof in a tree of depth 1 to 4.

    When one sibling is dropped, or an extra sibling is appended,
    Then the proof does not verify against the tree's depth.
    """
    leaves = make_leaves(2**depth - 1)
    root = compute_merkle_root(leaves, depth)
    for index in range(2**depth):
        leaf = leaf_at(leaves, index)
        proof = compute_merkle_proof(leaves, index, depth)
        assert not is_valid_merkle_proof(leaf, index, proof[:-1], depth, root)
        for extra in (EMPTY_LEAF, compute_empty_subtree_root(depth)):
            assert not is_valid_merkle_proof(leaf, index, (*proof, extra), depth, root)


@pytest.mark.parametrize("depth", range(1, 5))
def test_proof_of_a_shallower_tree_fails_in_a_deeper_one(depth: int) -> None:
    """Given a tree of depth d whose leaves are the first leaves of a tree of depth d + 1.

    When a valid depth-d proof is checked against the deeper tree (its root, its depth),
    Then it does not verify: a proof's length is fixed by the depth.
    """
    leaves = make_leaves(2**depth)
    deeper_root = compute_merkle_root(leaves, depth + 1)
    proof = compute_merkle_proof(leaves, 0, depth)
    assert not is_valid_merkle_proof(leaves[0], 0, proof, depth + 1, deeper_root)
    assert is_valid_merkle_proof(
        leaves[0], 0, (*proof, compute_empty_subtree_root(depth)), depth + 1, deeper_root
    )


# Domain separation


def compute_naive_pair_hash(left: bytes, right: bytes) -> Hash32:
    """Hash a pair the way a naive tree (no domain bytes) does."""
    return keccak256(left + right)


def test_inner_node_passed_off_as_a_leaf_does_not_verify() -> None:
    """Given a depth-3 tree of 8 transactions and the inner node N above leaves 0 and 1.

    And an attacker who presents the 64 bytes L0 ‖ L1 (N's two children) as the
    data of a transaction,
    When the forged "transaction" is hashed as a leaf and proven with N's real
    siblings, as the second-preimage attack on a naive tree does,
    Then in a naive tree (no prefixes) the forged proof rebuilds the root, but
    with the spec's 0x00 / 0x01 prefixes its leaf hash differs from N and the root
    does not come out, whatever the depth check says.
    """
    data = [b"tx %d" % index for index in range(8)]

    # The naive tree: leaf = keccak(data), node = keccak(left ‖ right).
    naive_level = [keccak256(item) for item in data]
    naive_levels = [naive_level]
    while len(naive_levels[-1]) > 1:
        below = naive_levels[-1]
        naive_levels.append(
            [compute_naive_pair_hash(below[i], below[i + 1]) for i in range(0, len(below), 2)]
        )
    forged_naive = naive_levels[0][0] + naive_levels[0][1]
    naive_node = naive_levels[1][0]
    rebuilt = compute_naive_pair_hash(keccak256(forged_naive), naive_levels[1][1])
    rebuilt = compute_naive_pair_hash(rebuilt, naive_levels[2][1])
    assert keccak256(forged_naive) == naive_node
    assert rebuilt == naive_levels[3][0]

    # The spec's tree: the forged leaf hashes with 0x00, the node with 0x01.
    leaves = [compute_leaf_hash(item) for item in data]
    root = compute_merkle_root(leaves, 3)
    node = compute_node_hash(leaves[0], leaves[1])
    forged = bytes(leaves[0]) + bytes(leaves[1])
    forged_leaf = compute_leaf_hash(forged)
    siblings_above = compute_merkle_proof(leaves, 0, 3)[1:]
    assert forged_leaf != node
    assert compute_root_from_proof(forged_leaf, 0, siblings_above) != root
    assert compute_root_from_proof(node, 0, siblings_above) == root
    for index in range(8):
        for sibling in (leaves[1], EMPTY_LEAF):
            proof = (sibling, *siblings_above)
            assert not is_valid_merkle_proof(forged_leaf, index, proof, 3, root)


def test_leaf_and_node_hashes_of_the_same_bytes_differ() -> None:
    """Given two 32-byte values a and b.

    When a ‖ b is hashed as leaf data and (a, b) as the children of a node,
    Then the two hashes differ (different domain bytes).
    """
    a, b = Hash32(b"\x0a" * 32), Hash32(b"\x0b" * 32)
    assert compute_leaf_hash(a + b) != compute_node_hash(a, b)
    assert compute_leaf_hash(a + b) == keccak256(b"\x00" + a + b)
    assert compute_node_hash(a, b) == keccak256(b"\x01" + a + b)


# Known answer

PINNED_THREE_LEAF_ROOT = "0x43c18e3d2898c506e9bf1565faf609ba574db5e798da81187b520176e10cfdf5"
"""The root of the "a", "b", "c" tree below, pinned so any change of construction shows."""


def test_known_root_of_a_three_leaf_tree() -> None:
    """Given the data "a", "b", "c" in a tree of depth 2 (the fourth leaf empty).

    When its root is computed,
    Then it is built as documented: leaf = keccak256(0x00 ‖ data), empty leaf = 32
    zero bytes, node = keccak256(0x01 ‖ left ‖ right); and it is pinned in hex.
    """
    leaf_a = keccak256(b"\x00" + b"a")
    leaf_b = keccak256(b"\x00" + b"b")
    leaf_c = keccak256(b"\x00" + b"c")
    empty = b"\x00" * 32
    left = keccak256(b"\x01" + leaf_a + leaf_b)
    right = keccak256(b"\x01" + leaf_c + empty)
    expected = keccak256(b"\x01" + left + right)
    leaves = [compute_leaf_hash(b"a"), compute_leaf_hash(b"b"), compute_leaf_hash(b"c")]
    assert compute_merkle_root(leaves, 2) == expected
    assert compute_merkle_root(leaves, 2) == Hash32.from_hex(PINNED_THREE_LEAF_ROOT)
    assert compute_empty_subtree_root(1) == keccak256(b"\x01" + empty + empty)
