"""Plasma Cash child chain cases: mints, blocks of transfers, retired coins.

Every case starts from the genesis Cash chain of environment 1 with Alice's
coin 1 minted, and applies one child block at the block interval (or an exit).
"""

from __future__ import annotations

from conformance.areas import CHAIN_AREAS
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, MALLORY, Actor
from spec.environments.cash.chain import compute_genesis_cash_chain
from spec.environments.cash.coins import CoinBlock, CoinMint, Transfer, sign_transfer
from spec.environments.cash.steps import ApplyCoinBlock, ApplyCoinExit, ApplyMint
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.state import EnvironmentKind

ENV = Uint64(1)
"""The Cash environment's id (its transfers are signed for it)."""


def start_cash_chain(preset: Preset) -> TraceBuilder:
    """Return a builder over the Cash chain after Alice's coin 1 (amount 100) is minted."""
    genesis = compute_genesis_cash_chain(ENV, preset.coin_tree_depth)
    builder = TraceBuilder(CHAIN_AREAS[EnvironmentKind.CASH], preset, genesis)
    builder.apply(ApplyMint(CoinMint(Uint64(1), ALICE.address, NATIVE_TOKEN, Uint256(100))))
    return builder


def transfer_block(
    preset: Preset, *moves: tuple[int, int, Actor, Actor], number: int = 1
) -> ApplyCoinBlock:
    """Return child block ``number`` (in intervals) of (coin, previous, signer, receiver) moves."""
    signed = tuple(
        sign_transfer(ENV, Transfer(Uint64(c), Uint64(p), to.address), by.key)
        for c, p, by, to in moves
    )
    return ApplyCoinBlock(Uint64(number * int(preset.block_interval)), CoinBlock(signed))


@case(None)
def cash_chain_transfer(preset: Preset) -> TraceBuilder:
    """Alice's transfer of coin 1 to Bob, then Bob's to Carol, in two blocks."""
    builder = start_cash_chain(preset)
    builder.apply(transfer_block(preset, (1, 1, ALICE, BOB)))
    interval = int(preset.block_interval)
    builder.apply(transfer_block(preset, (1, interval, BOB, CAROL), number=2))
    return builder


@case(None)
def cash_chain_exit_retires_the_coin(preset: Preset) -> TraceBuilder:
    """A finalized exit of coin 1 retires it."""
    builder = start_cash_chain(preset)
    builder.apply(ApplyCoinExit(Uint64(1)))
    return builder


@case(RejectionReason.EXITED_COIN_UNKNOWN)
def cash_chain_exit_of_a_retired_coin(preset: Preset) -> TraceBuilder:
    """A coin is retired once."""
    builder = start_cash_chain(preset)
    builder.apply(ApplyCoinExit(Uint64(1)))
    builder.apply(ApplyCoinExit(Uint64(1)))
    return builder


@case(RejectionReason.TRANSFER_COIN_REPEATED)
def cash_chain_block_moving_a_coin_twice(preset: Preset) -> TraceBuilder:
    """A block holds one leaf per coin."""
    builder = start_cash_chain(preset)
    builder.apply(transfer_block(preset, (1, 1, ALICE, BOB), (1, 1, ALICE, CAROL)))
    return builder


@case(RejectionReason.TRANSFER_COIN_UNKNOWN)
def cash_chain_transfer_of_an_unminted_coin(preset: Preset) -> TraceBuilder:
    """Coin 2 was never minted."""
    builder = start_cash_chain(preset)
    builder.apply(transfer_block(preset, (2, 2, ALICE, BOB)))
    return builder


@case(RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK)
def cash_chain_transfer_naming_an_old_block(preset: Preset) -> TraceBuilder:
    """After Alice's transfer to Bob, a transfer naming the mint again is refused."""
    builder = start_cash_chain(preset)
    builder.apply(transfer_block(preset, (1, 1, ALICE, BOB)))
    builder.apply(transfer_block(preset, (1, 1, ALICE, CAROL), number=2))
    return builder


@case(RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER)
def cash_chain_transfer_signed_by_another(preset: Preset) -> TraceBuilder:
    """Mallory signs a transfer of Alice's coin."""
    builder = start_cash_chain(preset)
    builder.apply(transfer_block(preset, (1, 1, MALLORY, MALLORY)))
    return builder


@case(RejectionReason.COIN_TREE_FULL, omitted_presets=("full",))
def cash_chain_mint_outside_the_tree(preset: Preset) -> TraceBuilder:
    """The tiny coin tree has keys below 256: coin 256 cannot be minted."""
    builder = start_cash_chain(preset)
    builder.apply(ApplyMint(CoinMint(Uint64(256), BOB.address, NATIVE_TOKEN, Uint256(1))))
    return builder
