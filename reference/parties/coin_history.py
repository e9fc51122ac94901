"""A Plasma Cash coin's history as a wallet keeps it, and the strict client rule that judges it.

A coin's history is one :class:`CoinRecord` per committed block since the
coin's mint: the leaf the block holds at the coin's key, or none, with the
compact proof of that key. :func:`judge_history` walks it from the mint, as
the rule of ``spec.environments.cash.challenges`` says an owner must: the
valid leaves (the mint, then each transfer naming the previous valid leaf's
block and signed by the owner that leaf gave the coin to) form the coin's
chain; every other leaf is an intrusion (a forged transfer, a former owner's
second spend). An intrusion before the judging wallet holds the coin taints
the coin for good (:attr:`HistoryVerdict.tainted`). Signers are recovered
with :mod:`reference.signatures` over the reference's signing hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference.environments.cash.encoding import compute_signing_hash, get_leaf_owner
from reference.signatures import try_recover_signer
from spec.environments.cash.coins import CoinLeaf, CoinMint
from spec.environments.cash.witnesses import IncludedLeaf
from spec.primitives import Address, Uint64
from spec.sparse_merkle import CompactProof


@dataclass(frozen=True)
class CoinRecord:
    """One block of a coin's history as the wallet keeps it."""

    block_number: Uint64
    """A committed block at or after the coin's mint."""
    leaf: CoinLeaf | None
    """What the block holds at the coin's key (none: the proof shows non-inclusion)."""
    proof: CompactProof
    """Compact proof of the coin's key in the block, checked against its committed root."""

    def as_included(self) -> IncludedLeaf:
        """Return the record as a witness (the record must hold a leaf)."""
        assert self.leaf is not None, "a non-inclusion record is no witness"
        return IncludedLeaf(self.block_number, self.leaf, self.proof)


@dataclass(frozen=True)
class HistoryVerdict:
    """What a coin's history says, walked from its mint."""

    chain: tuple[CoinRecord, ...]
    """The valid leaves in order: the mint, then each transfer validly spending the last."""
    intrusions: tuple[CoinRecord, ...]
    """Other leaves (forged, or a second spend), in block order."""
    tainted: bool
    """Whether an intrusion came before the wallet became the owner (or never did)."""

    @property
    def owner(self) -> Address | None:
        """The owner by the last valid leaf (none before the mint is known)."""
        return None if not self.chain else get_leaf_owner_of(self.chain[-1])


def get_leaf_owner_of(record: CoinRecord) -> Address:
    """Return the owner a record's leaf gives the coin to."""
    assert record.leaf is not None
    return get_leaf_owner(record.leaf)


def judge_history(
    environment_id: int, coin_id: int, records: list[CoinRecord], me: Address
) -> HistoryVerdict:
    """Walk a coin's history from its mint and sort its leaves into valid and intrusions."""
    chain: list[CoinRecord] = []
    intrusions: list[CoinRecord] = []
    tainted = False
    for record in records:
        leaf = record.leaf
        if leaf is None:
            continue
        if isinstance(leaf, CoinMint):
            valid = not chain and record.block_number == coin_id
        else:
            transfer = leaf.transfer
            signer = try_recover_signer(
                compute_signing_hash(environment_id, transfer), bytes(leaf.signature)
            )
            valid = (
                bool(chain)
                and transfer.previous_block == chain[-1].block_number
                and signer == get_leaf_owner_of(chain[-1])
            )
        if valid:
            chain.append(record)
        else:
            intrusions.append(record)
            # Before the wallet holds the coin, any other leaf taints it for good
            tainted = tainted or not chain or get_leaf_owner_of(chain[-1]) != me
    return HistoryVerdict(tuple(chain), tuple(intrusions), tainted)
