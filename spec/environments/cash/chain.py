"""Plasma Cash child chain: the state transition that mints, transfers and retires coins.

The chain's state is a :class:`CashChainState`: every live coin with its
owner, token, amount and the block of its latest mint or transfer. Three
steps move it forward, each the image of something on the settlement layer:

- :func:`apply_mint`: a deposit block mints its coin;
- :func:`apply_coin_block`: a child block's transfers, each checked against
  the coin as the chain holds it before the block (a block moves a coin at
  most once, so the order of transfers inside a block does not matter);
- :func:`apply_coin_exit`: an exit finalized on the settlement layer retires its coin.

Order of checks for a block: its number, then its transfers in the order
listed; the reason reported is that of the first invalid transfer. A
transfer is checked for: a coin moved once in the block
(``TRANSFER_COIN_REPEATED``), a live coin (``TRANSFER_COIN_UNKNOWN``), the
coin's latest block (``TRANSFER_NOT_FROM_LAST_BLOCK``), then its signature
(``SIGNATURE_*``, ``TRANSFER_NOT_SIGNED_BY_OWNER``).

The root of a block is not the chain's business: the settlement layer stores
whatever root the operator commits, and the exit game judges leaves against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from spec.environments.cash.coins import (
    CoinBlock,
    CoinMint,
    SignedTransfer,
    get_transfer_signer,
)
from spec.errors import RejectionReason, require
from spec.primitives import Address, Uint8, Uint64, Uint256
from spec.sparse_merkle import is_key_in_tree
from spec.totals import add_to_totals

# State container


@dataclass(frozen=True)
class LiveCoin:
    """A coin as the child chain holds it."""

    owner: Address
    """Current owner: the only address whose signature moves the coin."""
    token: Address
    """Token of the coin."""
    amount: Uint256
    """Amount of the coin."""
    last_block: Uint64
    """Block of the coin's latest mint or transfer: what its next transfer must name."""


@dataclass(frozen=True)
class CashChainState:
    """The state of one Cash child chain."""

    environment_id: Uint64
    """Id of the environment; transfers are signed for it (``coins.compute_signing_hash``)."""
    coin_tree_depth: Uint8
    """Depth of each block's sparse tree: coin ids are below ``2**depth``."""
    block_number: Uint64
    """Number of the last block or mint applied; 0 before any."""
    coins: Mapping[Uint64, LiveCoin]
    """The live coins, by id (a retired coin is removed)."""
    minted: Mapping[Address, Uint256]
    """Per token, total value minted by deposits."""
    retired: Mapping[Address, Uint256]
    """Per token, total value retired by exits."""


# Genesis


def compute_genesis_cash_chain(environment_id: Uint64, coin_tree_depth: Uint8) -> CashChainState:
    """Return the state of a Cash child chain before any block or mint."""
    return CashChainState(
        environment_id=environment_id,
        coin_tree_depth=coin_tree_depth,
        block_number=Uint64(0),
        coins={},
        minted={},
        retired={},
    )


# State transition: mints


def apply_mint(state: CashChainState, mint: CoinMint) -> CashChainState:
    """Apply a deposit block: its coin becomes live, owned by the depositor.

    Raises:
        Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``COIN_TREE_FULL``,
            ``OUTPUT_AMOUNT_ZERO``, ``INTEGER_OVERFLOW`` (the token's minted total).
    """
    # Verify blocks and mints come in strictly increasing number order (a coin's id is its block)
    require(mint.coin_id > state.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
    # Verify the coin's id is a key of the block trees
    require(is_key_in_tree(mint.coin_id, state.coin_tree_depth), RejectionReason.COIN_TREE_FULL)
    # Verify the coin carries a positive amount
    require(mint.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
    coin = LiveCoin(mint.owner, mint.token, mint.amount, mint.coin_id)
    return replace(
        state,
        block_number=mint.coin_id,
        coins={**state.coins, mint.coin_id: coin},
        minted=add_to_totals(state.minted, mint.token, mint.amount),
    )


# State transition: blocks


def validate_transfer(state: CashChainState, signed: SignedTransfer) -> LiveCoin:
    """Check one transfer against the chain before its block; return the coin it moves.

    Raises:
        Rejected: ``TRANSFER_COIN_UNKNOWN``, ``TRANSFER_NOT_FROM_LAST_BLOCK``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``TRANSFER_NOT_SIGNED_BY_OWNER``.
    """
    transfer = signed.transfer
    coin = state.coins.get(transfer.coin_id)
    # Verify the transfer moves a live coin
    require(coin is not None, RejectionReason.TRANSFER_COIN_UNKNOWN)
    assert coin is not None
    # Verify the transfer spends the coin's latest mint or transfer
    require(
        transfer.previous_block == coin.last_block, RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK
    )
    # Verify the coin's owner signed the transfer
    require(
        get_transfer_signer(state.environment_id, signed) == coin.owner,
        RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER,
    )
    return coin


def apply_coin_block(
    state: CashChainState, block_number: Uint64, block: CoinBlock
) -> CashChainState:
    """Apply a child block: every transfer moves its coin to the new owner.

    An empty block is allowed; it only advances the block number.

    Raises:
        Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``TRANSFER_COIN_REPEATED``,
            and any reason of :func:`validate_transfer`.
    """
    # Verify blocks and mints are applied in strictly increasing number order
    require(block_number > state.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
    moved: dict[Uint64, LiveCoin] = {}
    for signed in block.transfers:
        coin_id = signed.transfer.coin_id
        # Verify a block moves each coin at most once (one leaf per key)
        require(coin_id not in moved, RejectionReason.TRANSFER_COIN_REPEATED)
        coin = validate_transfer(state, signed)
        moved[coin_id] = replace(coin, owner=signed.transfer.new_owner, last_block=block_number)
    return replace(state, block_number=block_number, coins={**state.coins, **moved})


# State transition: exits


def apply_coin_exit(state: CashChainState, coin_id: Uint64) -> CashChainState:
    """Apply an exit finalized on the settlement layer: the coin is retired.

    Raises:
        Rejected: ``EXITED_COIN_UNKNOWN``.
    """
    coin = state.coins.get(coin_id)
    # Verify the exited coin is live on the child chain
    require(coin is not None, RejectionReason.EXITED_COIN_UNKNOWN)
    assert coin is not None
    return replace(
        state,
        coins={key: value for key, value in state.coins.items() if key != coin_id},
        retired=add_to_totals(state.retired, coin.token, coin.amount),
    )
