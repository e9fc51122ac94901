"""The tree and signature rules of the wire-format document, as words, give the spec's results.

Roots are computed here from the document's rules alone (its prefixes, its
empty leaf, slot numbering and key bits) and compared with the spec's dense
and sparse trees; a sparse compact proof is checked by the words too. A
negative control swaps left and right and no longer matches.
"""

from __future__ import annotations

import random
from typing import Any

from conformance.wire_format import build_wire_format
from spec.crypto import SECP256K1_ORDER, keccak256
from spec.merkle import compute_leaf_hash, compute_merkle_root
from spec.primitives import Hash32
from spec.sparse_merkle import compute_compact_proof, compute_sparse_root

MERKLE = build_wire_format()["merkle"]
NODE = bytes.fromhex(MERKLE["node_prefix"])
EMPTY = bytes.fromhex(MERKLE["empty_leaf"])


def node(left: bytes, right: bytes, *, swapped: bool = False) -> bytes:
    """Return an inner node by the document's rule (or with its children swapped)."""
    first, second = (right, left) if swapped else (left, right)
    return bytes(keccak256(NODE + first + second))


def empty_root(height: int) -> bytes:
    """Return the empty subtree root of ``height`` by the document's recursion."""
    root = EMPTY
    for _ in range(height):
        root = node(root, root)
    return root


def root_by_words(slots: dict[int, bytes], depth: int, *, swapped: bool = False) -> bytes:
    """Return the root of a tree whose occupied slots are ``slots`` (index to leaf hash)."""
    level = dict(slots)
    for height in range(depth):
        parents = {index >> 1 for index in level}
        empty = empty_root(height)
        level = {
            i: node(level.get(2 * i, empty), level.get(2 * i + 1, empty), swapped=swapped)
            for i in parents
        }
    return level.get(0, empty_root(depth))


def leaf(data: bytes) -> bytes:
    """Return a leaf hash by the document's rule."""
    return bytes(keccak256(bytes.fromhex(MERKLE["leaf_prefix"]) + data))


def test_dense_roots_follow_the_words() -> None:
    """Given blocks of 0 to 9 leaves in a depth-4 tree.

    When their roots are computed from the words (slots 0, 1, 2, ... in order),
    Then they equal the spec's dense roots, and a swapped tree does not.
    """
    for count in range(10):
        leaves = [leaf(bytes([i]) * 5) for i in range(count)]
        assert leaves == [bytes(compute_leaf_hash(bytes([i]) * 5)) for i in range(count)]
        spec_root = bytes(compute_merkle_root([Hash32(x) for x in leaves], 4))
        assert root_by_words(dict(enumerate(leaves)), 4) == spec_root
        if count >= 2:
            assert root_by_words(dict(enumerate(leaves)), 4, swapped=True) != spec_root


def test_sparse_roots_and_proofs_follow_the_words() -> None:
    """Given random sets of coin ids in a depth-16 sparse tree (seeded).

    When roots are computed from the words (coin k in slot k) and each compact
    proof is checked by the words (bit h set: sibling listed, else the empty root),
    Then roots equal the spec's and every proof leads from the leaf to the root.
    """
    rng = random.Random(16)
    for _ in range(20):
        keys = rng.sample(range(2**16), rng.randrange(0, 6))
        slots = {key: leaf(key.to_bytes(8, "big")) for key in keys}
        spec_root = bytes(compute_sparse_root({k: Hash32(v) for k, v in slots.items()}, 16))
        assert root_by_words(slots, 16) == spec_root
        for key in [*keys, rng.randrange(2**16)]:
            proof = compute_compact_proof({k: Hash32(v) for k, v in slots.items()}, key, 16)
            assert climb(slots.get(key, EMPTY), key, proof, 16) == spec_root


def climb(start: bytes, key: int, proof: Any, depth: int) -> bytes:
    """Return the root a compact proof leads to, read by the document's words."""
    listed = iter(bytes(sibling) for sibling in proof.siblings)
    current = start
    for height in range(depth):
        sibling = next(listed) if int(proof.bitmap) >> height & 1 else empty_root(height)
        right = key >> height & 1
        current = node(sibling, current) if right else node(current, sibling)
    return current


def test_signature_rules_name_the_group_order_and_the_checks() -> None:
    """Given the document's signature rules.

    Then they give the group order the spec uses and the three refusal reasons in order.
    """
    rules = " ".join(build_wire_format()["signatures"])
    assert f"{SECP256K1_ORDER:x}" in rules
    order = [rules.index(r) for r in ("signature_malformed", "signature_high_s", "unrecoverable")]
    assert order == sorted(order)
