"""What the Cash predicates read: Cash environments, leaves, signers, commitments.

The Cash predicates (INV-24 to INV-26) judge the exit game from the states
and the operation alone. These helpers restate, from the definitions only,
what they need: which environments are Cash environments, who a leaf gives
the coin to, who signed a transfer (``None`` when the signature recovers to
nobody), and whether a leaf is committed at a coin's key in a block. None
calls the exit game's own checks (``spec.environments.cash.witnesses``,
``exits``, ``challenges``), so a wrong check there cannot make its checker
wrong as well; the signing hash, the leaf hash and the sparse proof
verifier are the protocol's definitions, not rules of the exit game.
"""

from __future__ import annotations

from collections.abc import Iterator

from spec.crypto import recover_signer
from spec.environments.cash.coins import (
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    compute_coin_leaf_hash,
    compute_signing_hash,
)
from spec.environments.cash.records import CashRecords
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.errors import Rejected
from spec.primitives import Address, Uint64
from spec.settlement.state import SettlementState
from spec.sparse_merkle import is_valid_compact_proof


def iterate_cash_environments(state: SettlementState) -> Iterator[tuple[int, CashRecords]]:
    """Yield (environment id, Cash records) of every Cash environment of ``state``."""
    for env_id, environment in enumerate(state.environments):
        if isinstance(environment.kind_records, CashRecords):
            yield env_id, environment.kind_records


def get_records(state: SettlementState, env_id: int) -> CashRecords | None:
    """Return the Cash records of environment ``env_id``, or None (unknown or not Cash)."""
    if env_id >= len(state.environments):
        return None
    records = state.environments[env_id].kind_records
    return records if isinstance(records, CashRecords) else None


def read_leaf_owner(leaf: CoinLeaf) -> Address:
    """Return who holds the coin after ``leaf``: a mint's depositor, a transfer's new owner."""
    return leaf.owner if isinstance(leaf, CoinMint) else leaf.transfer.new_owner


def read_leaf_coin(leaf: CoinLeaf) -> Uint64:
    """Return the coin ``leaf`` is about."""
    return leaf.coin_id if isinstance(leaf, CoinMint) else leaf.transfer.coin_id


def read_signer(environment_id: int, signed: SignedTransfer) -> Address | None:
    """Return who signed a transfer for environment ``environment_id``, or None if nobody did."""
    message = compute_signing_hash(Uint64(environment_id), signed.transfer)
    try:
        return recover_signer(message, signed.signature)
    except Rejected:
        return None


def is_committed(
    state: SettlementState, env_id: int, coin_id: int, witness: IncludedLeaf | IncludedTransfer
) -> bool:
    """Return whether a witness's leaf is committed at coin ``coin_id``'s key where it says.

    A mint counts only in the coin's own deposit block (its number is the
    coin's id); any leaf must name the coin, and the proof must take the
    leaf's hash at the coin's key to the root committed at the witness's block.
    """
    leaf = witness.leaf if isinstance(witness, IncludedLeaf) else witness.transfer
    block_number = int(witness.block_number)
    if int(read_leaf_coin(leaf)) != coin_id:
        return False
    if isinstance(leaf, CoinMint) and block_number != coin_id:
        return False
    record = state.environments[env_id].blocks.get(Uint64(block_number))
    if record is None:
        return False
    depth = int(state.preset.coin_tree_depth)
    return is_valid_compact_proof(
        compute_coin_leaf_hash(leaf), coin_id, witness.proof, depth, record.root
    )
