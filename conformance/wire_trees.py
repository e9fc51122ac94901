"""The Merkle trees and signatures of the wire-format document, stated for implementers.

The rules are written here in words, for readers of any language; the tests
(``tests/test_wire_format.py``) compute roots by these words alone and
compare them with the spec's trees, so the words cannot drift from the code.
"""

from __future__ import annotations

from conformance.readable import JsonValue
from spec import crypto, merkle

TREE_RULES: tuple[str, ...] = (
    "A tree of depth d has 2**d leaf slots, numbered 0 to 2**d - 1 from the left. A slot "
    "holds a leaf hash or the empty leaf (32 zero bytes, used as it is, not hashed).",
    "A leaf hash is keccak256(leaf_prefix ‖ the leaf's data); the data of each tree's leaves "
    "is given by its `leaves` recipe in `hashes`.",
    "The node at height h + 1 and index i is keccak256(node_prefix ‖ L ‖ R), where L and R are "
    "the nodes at height h and indexes 2i and 2i + 1; leaves are height 0, the root is the "
    "only node at height d.",
    "The empty subtree root of height 0 is the empty leaf; of height h + 1, it is "
    "keccak256(node_prefix ‖ E(h) ‖ E(h)). A subtree holding only empty slots has that root.",
    "A dense tree (a payments block) fills slots 0, 1, 2, ... with its leaves in block order; "
    "the other slots are empty.",
    "A sparse tree (a Plasma Cash block) puts the leaf of coin k in slot k; bit h of k "
    "(counting from the least significant) is set when the path turns right at height h.",
    "A dense inclusion proof lists the d siblings of the leaf's path, from the leaf up.",
    "A sparse compact proof has a bitmap and a list of siblings: bit h of the bitmap is set "
    "when the sibling at height h is listed, the listed siblings go from the leaf up, and "
    "the siblings not listed are the empty subtree roots of their heights. A proof is "
    "canonical: no listed sibling equals the empty subtree root of its height, and no bit at "
    "or above the depth is set. Non-inclusion is a proof that the slot holds the empty leaf.",
)
"""How the trees are built and proved, in words."""

SIGNATURE_RULES: tuple[str, ...] = (
    "A signature is 65 bytes, r ‖ s ‖ v: secp256k1 ECDSA over the 32-byte hash the "
    "`hashes` recipe gives (the hash is signed as it is, not hashed again), with recovery "
    "id v in {0, 1}.",
    f"Low s: s must be at most floor(n / 2), n = 0x{crypto.SECP256K1_ORDER:x} (the group "
    "order), so that no signature has a malleable twin.",
    "The signer's address is the last 20 bytes of keccak256 of the uncompressed public key "
    "without its 0x04 prefix byte (as on Ethereum).",
    "Checks, in this order: r in [1, n - 1], s in [1, n - 1] and v in {0, 1}, else "
    "signature_malformed; s <= floor(n / 2), else signature_high_s; a public key recovers "
    "from the signature and the hash, else signature_unrecoverable.",
)
"""The signature scheme, in words."""


def describe_merkle() -> dict[str, JsonValue]:
    """Return the Merkle trees' constants, rules and uses."""
    return {
        "leaf_prefix": merkle.LEAF_PREFIX.hex(),
        "node_prefix": merkle.NODE_PREFIX.hex(),
        "empty_leaf": bytes(merkle.EMPTY_LEAF).hex(),
        "rules": list(TREE_RULES),
        "trees": [
            {
                "name": "payments block",
                "kind": "dense",
                "depth": "preset.transaction_tree_depth",
                "leaves": "payments transaction leaf (the leaf data is the encoded transaction)",
            },
            {
                "name": "Plasma Cash block",
                "kind": "sparse",
                "depth": "preset.coin_tree_depth",
                "leaves": "Plasma Cash coin leaf (the leaf data is the encoded mint or transfer)",
            },
        ],
    }


def describe_signatures() -> list[JsonValue]:
    """Return the signature scheme's rules."""
    return list(SIGNATURE_RULES)
