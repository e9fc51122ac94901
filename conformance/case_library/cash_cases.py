"""Plasma Cash exit game cases at the settlement layer: starts, challenges, answers, finalization.

Each case registers a Cash environment (id 1) beside the payments one, lets
Alice deposit 100 as a coin, moves it along child blocks as the case needs
(honestly, or as a byzantine operator would), and ends with the operation
whose outcome the vector pins.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.case_library.cash_worlds import CASH_ENVIRONMENT, start_cash, start_passed_on
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, WATCHER
from spec.environments.cash.challenges import ChallengeCoinDoubleSpend, ChallengeCoinSpent
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.exits import StartCoinExit
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import Deposit

ENV = CASH_ENVIRONMENT


@case(None)
def cash_exit_from_the_mint_paid(preset: Preset) -> TraceBuilder:
    """Alice exits her unmoved coin from its mint; one period later it is finalized and paid."""
    builder, world = start_cash(preset)
    world.apply(world.start(ALICE, world.coin, None))
    world.wait_period()
    world.apply(world.finalize())
    return builder


@case(None)
def cash_exit_with_the_last_two_transfers(preset: Preset) -> TraceBuilder:
    """Dave, the coin's fourth owner, exits with Carol's transfer to him and its parent."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(DAVE, blocks[3], blocks[2]))
    return builder


@case(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def cash_exit_in_a_payments_environment(preset: Preset) -> TraceBuilder:
    """A coin exit naming the payments environment is refused before anything else is read."""
    builder, world = start_cash(preset)
    world.apply(replace(world.start(ALICE, world.coin, None), environment_id=Uint64(0)))
    return builder


@case(RejectionReason.COIN_UNKNOWN)
def cash_exit_of_an_unminted_coin(preset: Preset) -> TraceBuilder:
    """An exit of a coin id no deposit minted is refused."""
    builder, world = start_cash(preset)
    world.apply(replace(world.start(ALICE, world.coin, None), coin_id=Uint64(world.coin + 1)))
    return builder


@case(RejectionReason.COIN_EXIT_ALREADY_OPEN)
def cash_second_exit_while_one_is_open(preset: Preset) -> TraceBuilder:
    """A coin has at most one open exit."""
    builder, world = start_cash(preset)
    world.apply(world.start(ALICE, world.coin, None))
    world.apply(world.start(ALICE, world.coin, None))
    return builder


@case(RejectionReason.COIN_ALREADY_EXITED)
def cash_exit_of_an_exited_coin(preset: Preset) -> TraceBuilder:
    """A coin exits for good once: after its paid exit, a new exit is refused."""
    builder, world = start_cash(preset)
    world.apply(world.start(ALICE, world.coin, None))
    world.wait_period()
    world.apply(world.finalize())
    world.apply(world.start(ALICE, world.coin, None))
    return builder


@case(RejectionReason.WITNESS_WRONG_COIN)
def cash_exit_with_another_coins_mint(preset: Preset) -> TraceBuilder:
    """Bob exits Alice's coin with the mint of his own coin."""
    builder, world = start_cash(preset)
    other = world.deposit(ENV, BOB.address, 7)
    start = world.start(ALICE, world.coin, None)
    world.apply(replace(start, sender=BOB.address, exiting=world.witness(ENV, other, other)))
    return builder


@case(RejectionReason.MINT_NOT_AT_DEPOSIT_BLOCK)
def cash_exit_from_a_fake_mint(preset: Preset) -> TraceBuilder:
    """The operator commits a mint of Alice's coin to Mallory in a child block; exiting it fails."""
    builder, world = start_cash(preset)
    fake = CoinMint(Uint64(world.coin), MALLORY.address, NATIVE_TOKEN, Uint256(100))
    block = world.commit(ENV, [fake])
    world.apply(world.start(MALLORY, block, None))
    return builder


@case(RejectionReason.UNKNOWN_BLOCK)
def cash_exit_naming_an_uncommitted_block(preset: Preset) -> TraceBuilder:
    """Dave's exit names a block number where nothing is committed."""
    builder, world, blocks = start_passed_on(preset)
    start = world.start(DAVE, blocks[3], blocks[2])
    world.apply(replace(start, exiting=replace(start.exiting, block_number=Uint64(blocks[3] + 1))))
    return builder


@case(RejectionReason.COIN_PROOF_INVALID)
def cash_exit_with_a_leaf_not_in_its_block(preset: Preset) -> TraceBuilder:
    """Dave claims his transfer sits in the block before the one holding it."""
    builder, world, blocks = start_passed_on(preset)
    start = world.start(DAVE, blocks[3], blocks[2])
    world.apply(replace(start, exiting=replace(start.exiting, block_number=Uint64(blocks[2]))))
    return builder


@case(RejectionReason.EXIT_NOT_BY_OWNER)
def cash_exit_by_someone_else(preset: Preset) -> TraceBuilder:
    """Mallory exits Dave's coin with Dave's transfer (Loom flaw: the exiter must own it)."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(MALLORY, blocks[3], blocks[2]))
    return builder


@case(RejectionReason.PARENT_MISSING)
def cash_exit_of_a_transfer_without_parent(preset: Preset) -> TraceBuilder:
    """Dave exits with his transfer alone."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(DAVE, blocks[3], None))
    return builder


@case(RejectionReason.PARENT_UNEXPECTED)
def cash_exit_from_the_mint_with_a_parent(preset: Preset) -> TraceBuilder:
    """Alice exits from the mint and names a parent too."""
    builder, world = start_cash(preset)
    world.apply(world.start(ALICE, world.coin, world.coin))
    return builder


@case(RejectionReason.TRANSFER_NOT_SPENDING_PARENT)
def cash_exit_not_spending_its_parent(preset: Preset) -> TraceBuilder:
    """Dave pairs his transfer with the mint (Loom flaw: it must directly spend the parent)."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(DAVE, blocks[3], blocks[0]))
    return builder


@case(RejectionReason.PARENT_NOT_EARLIER)
def cash_exit_with_a_later_parent(preset: Preset) -> TraceBuilder:
    """A transfer naming a future block, exited with that block's leaf as its parent."""
    builder, world = start_cash(preset)
    interval = int(preset.block_interval)
    first = world.send(2 * interval, ALICE, DAVE)
    second = world.send(world.coin, ALICE, DAVE)
    world.apply(world.start(DAVE, first, second))
    return builder


@case(RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER)
def cash_exit_with_a_forged_transfer(preset: Preset) -> TraceBuilder:
    """The operator commits a transfer of Alice's coin signed by Mallory; her exit is refused."""
    builder, world = start_cash(preset)
    forged = world.send(world.coin, MALLORY, MALLORY)
    world.apply(world.start(MALLORY, forged, world.coin))
    return builder


@case(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def cash_exit_with_a_short_bond(preset: Preset) -> TraceBuilder:
    """A coin exit must send exactly the exit bond."""
    builder, world = start_cash(preset)
    start = world.start(ALICE, world.coin, None)
    world.apply(replace(start, bond=start.bond - 1))
    return builder


@case(RejectionReason.EXIT_NOT_MATURE)
def cash_finalize_before_the_period(preset: Preset) -> TraceBuilder:
    """Finalizing one half period after the start is refused."""
    builder, world = start_cash(preset)
    world.apply(world.start(ALICE, world.coin, None))
    world.wait_period(0.5)
    world.apply(world.finalize())
    return builder


@case(RejectionReason.COIN_TREE_FULL, omitted_presets=("full",))
def cash_deposit_beyond_the_coin_tree(preset: Preset) -> TraceBuilder:
    """The tiny coin tree has keys below 256: a deposit at block 257 is refused."""
    builder, world = start_cash(preset)
    while world.next_child_block(ENV) <= 256:
        world.commit(ENV, [])
    world.apply(Deposit(Uint64(ENV), ALICE.address, NATIVE_TOKEN, Uint256(1)))
    return builder


def spent(world: object, block: int) -> ChallengeCoinSpent:
    """Return the watcher's spent-coin challenge of exit 0 with the transfer at ``block``."""
    witness = world.transfer_witness(ENV, block, world.coin)  # type: ignore[attr-defined]
    return ChallengeCoinSpent(Uint64(ENV), WATCHER.address, Uint64(0), witness)


def double_spend(world: object, block: int) -> ChallengeCoinDoubleSpend:
    """Return the watcher's double-spend challenge of exit 0 with the transfer at ``block``."""
    witness = world.transfer_witness(ENV, block, world.coin)  # type: ignore[attr-defined]
    return ChallengeCoinDoubleSpend(Uint64(ENV), WATCHER.address, Uint64(0), witness)


@case(None)
def cash_challenge_spent_coin(preset: Preset) -> TraceBuilder:
    """Carol exits a coin she already sent to Dave; the watcher shows her transfer."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(CAROL, blocks[2], blocks[1]))
    world.apply(spent(world, blocks[3]))
    return builder


@case(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def cash_challenge_spent_with_another_leafs_spend(preset: Preset) -> TraceBuilder:
    """Bob exits (parent mint, his receipt); Dave's receipt spends Carol's, not Bob's."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(BOB, blocks[1], blocks[0]))
    world.apply(spent(world, blocks[3]))
    return builder


@case(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def cash_challenge_spent_signed_by_another(preset: Preset) -> TraceBuilder:
    """Carol exits; a later transfer of her receipt is signed by Bob, not Carol."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(CAROL, blocks[2], blocks[1]))
    later = world.send(blocks[2], BOB, MALLORY)
    world.apply(spent(world, later))
    return builder


@case(RejectionReason.CHALLENGE_NOT_AFTER_EXIT)
def cash_challenge_spent_with_an_earlier_block(preset: Preset) -> TraceBuilder:
    """A transfer signed by Carol naming her receipt's block sits in an earlier block."""
    builder, world = start_cash(preset)
    interval = int(preset.block_interval)
    early = world.send(2 * interval, CAROL, DAVE)
    receipt = world.send(world.coin, ALICE, CAROL)
    world.apply(world.start(CAROL, receipt, world.coin))
    world.apply(spent(world, early))
    return builder


@case(None)
def cash_challenge_double_spend(preset: Preset) -> TraceBuilder:
    """Bob spends the coin to Dave, then to Carol; Carol's exit falls to the first spend."""
    builder, world = start_cash(preset)
    bob = world.send(world.coin, ALICE, BOB)
    first = world.send(bob, BOB, DAVE)
    carol = world.send(bob, BOB, CAROL)
    world.apply(world.start(CAROL, carol, bob))
    world.apply(double_spend(world, first))
    return builder


@case(RejectionReason.CHALLENGE_NOT_BETWEEN)
def cash_challenge_double_spend_outside_the_gap(preset: Preset) -> TraceBuilder:
    """A double-spend challenge must show a transfer between the exit's parent and exit."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(CAROL, blocks[2], blocks[1]))
    world.apply(double_spend(world, blocks[3]))
    return builder


@case(RejectionReason.PARENT_BEFORE_MINT)
def cash_exit_from_a_history_before_the_mint(preset: Preset) -> TraceBuilder:
    """A forged leaf of a coin committed before its mint cannot be an exit's parent."""
    builder, world = start_cash(preset)
    future = world.next_child_block(ENV) + 1  # the id of the coin deposited after that block
    early = world.commit(ENV, [world.transfer(ENV, future, 0, MALLORY, MALLORY.address)])
    coin = world.deposit(ENV, BOB.address, 100)
    late = world.commit(ENV, [world.transfer(ENV, coin, early, MALLORY, MALLORY.address)])
    bond = world.bond
    exiting, parent = world.witness(ENV, late, coin), world.witness(ENV, early, coin)
    world.apply(StartCoinExit(Uint64(ENV), MALLORY.address, Uint64(coin), exiting, parent, bond))
    return builder
