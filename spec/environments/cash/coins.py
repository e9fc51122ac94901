"""Plasma Cash coins: what a block commits at a coin's key, how transfers are signed, block roots.

A Cash environment holds non-fungible coins. A deposit mints one coin whose
id is the number of the deposit block that minted it (unique, and it names
where the coin's history starts); its token and amount never change. A coin
moves only whole, by a :class:`Transfer` that names the coin, the block of
its previous mint or transfer, and the new owner, signed by the current owner.

Every block is a sparse Merkle tree keyed by coin id (``spec.sparse_merkle``,
depth ``coin_tree_depth`` of the preset). A deposit block holds the coin's
:class:`CoinMint` at the coin's key and nothing else; a child block holds at
most one :class:`SignedTransfer` per coin. So a coin's owner needs only the
proofs of the coin's own key in every block (inclusion where it moved,
non-inclusion elsewhere) to know its whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spec.crypto import keccak256, recover_signer, sign
from spec.encoding import declare_union_tags, encode
from spec.merkle import compute_leaf_hash
from spec.primitives import Address, Hash32, Signature, Uint64, Uint256
from spec.sparse_merkle import compute_sparse_root

SIGNING_DOMAIN = b"plasma-spec/cash/transfer/v1"
"""Prefix of every signed transfer, so a signature means nothing outside this protocol."""


@dataclass(frozen=True)
class CoinMint:
    """The entry of a deposit block: a new coin, written by the settlement layer."""

    coin_id: Uint64
    """The coin's id: the number of the deposit block that minted it."""
    owner: Address
    """The depositor, the coin's first owner."""
    token: Address
    """Token of the deposit; fixed for the coin's life."""
    amount: Uint256
    """Amount of the deposit; fixed for the coin's life."""


@dataclass(frozen=True)
class Transfer:
    """The signed body of a coin transfer."""

    coin_id: Uint64
    """The coin that moves."""
    previous_block: Uint64
    """Block of the coin's previous mint or transfer: the one this transfer spends."""
    new_owner: Address
    """Who owns the coin after this transfer."""


@dataclass(frozen=True)
class SignedTransfer:
    """A transfer with its owner's signature."""

    transfer: Transfer
    """What is transferred."""
    signature: Signature
    """Signature by the coin's owner over ``compute_signing_hash``."""


CoinLeaf = CoinMint | SignedTransfer
"""What a block holds at a coin's key: a mint (deposit block) or a transfer (child block)."""

declare_union_tags(CoinLeaf, {CoinMint: 0, SignedTransfer: 1})


@dataclass(frozen=True)
class CoinBlock:
    """A child block of a Cash environment: transfers of distinct coins."""

    transfers: tuple[SignedTransfer, ...]
    """The block's transfers, in any order; their keys are their coin ids."""


# Helpers


def compute_signing_hash(environment_id: Uint64, transfer: Transfer) -> Hash32:
    """Return the hash a coin's owner signs to transfer it.

    The environment id is part of it, so a transfer signed for one
    environment is worthless in any other.
    """
    return keccak256(SIGNING_DOMAIN + encode(environment_id) + encode(transfer))


def sign_transfer(environment_id: Uint64, transfer: Transfer, private_key: bytes) -> SignedTransfer:
    """Return ``transfer`` signed with ``private_key`` (for tests, wallets and vectors)."""
    return SignedTransfer(
        transfer, sign(private_key, compute_signing_hash(environment_id, transfer))
    )


def get_transfer_signer(environment_id: Uint64, signed: SignedTransfer) -> Address:
    """Return who signed a transfer.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    return recover_signer(compute_signing_hash(environment_id, signed.transfer), signed.signature)


def get_leaf_coin(leaf: CoinLeaf) -> Uint64:
    """Return the coin a leaf is about."""
    if isinstance(leaf, CoinMint):
        return leaf.coin_id
    return leaf.transfer.coin_id


def get_leaf_owner(leaf: CoinLeaf) -> Address:
    """Return who owns the coin after a leaf: a mint's depositor, a transfer's new owner."""
    if isinstance(leaf, CoinMint):
        return leaf.owner
    return leaf.transfer.new_owner


def compute_coin_leaf_hash(leaf: CoinLeaf) -> Hash32:
    """Return the sparse tree leaf of a mint or transfer (signature included)."""
    return compute_leaf_hash(encode(leaf, CoinLeaf))


def compute_coin_block_root(leaves: Sequence[CoinLeaf], depth: int) -> Hash32:
    """Return the root of the block holding ``leaves``, each at its coin's key.

    The leaves must name distinct coins inside the tree (a spec bug otherwise:
    blocks are checked before their roots are computed).
    """
    keyed = {int(get_leaf_coin(leaf)): compute_coin_leaf_hash(leaf) for leaf in leaves}
    assert len(keyed) == len(leaves), "two leaves of one coin"
    return compute_sparse_root(keyed, depth)
