"""Plasma Cash invalid-history challenges and their answers, at the settlement layer.

A thief's exit (the operator forged Alice's coin to Mallory, who passed it to
Dave) is challenged by Alice with her mint and cannot be answered; an honest
exit (the coin passed Alice -> Bob -> Carol -> Dave) is challenged by a
griefer and answered.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.case_library.cash_worlds import (
    CASH_ENVIRONMENT,
    TracedCashWorld,
    start_cash,
    start_passed_on,
)
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY
from spec.environments.cash.challenges import ChallengeCoinHistory
from spec.environments.cash.exits import StartCoinExit
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Uint64


def start_thief_exit(preset: Preset) -> tuple[TraceBuilder, TracedCashWorld, int, int]:
    """Return the forged history, Dave's exit of it, and Alice's challenge with her mint."""
    builder, world = start_cash(preset)
    forged = world.send(world.coin, MALLORY, MALLORY)
    dave = world.send(forged, MALLORY, DAVE)
    world.apply(world.start(DAVE, dave, forged))
    world.apply(world.history_challenge(ALICE, world.coin, None))
    return builder, world, forged, dave


@case(None)
def cash_thief_exit_cancelled_at_finalization(preset: Preset) -> TraceBuilder:
    """Nobody can answer Alice's challenge: when finalized, Dave's exit is cancelled for her."""
    builder, world, _, _ = start_thief_exit(preset)
    world.wait_period()
    world.apply(world.finalize())
    return builder


@case(RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER)
def cash_thief_answers_with_the_forged_transfer(preset: Preset) -> TraceBuilder:
    """The forged transfer spends the mint but is not Alice's: the answer is refused."""
    builder, world, forged, _ = start_thief_exit(preset)
    world.apply(world.response(DAVE, world.coin, forged))
    return builder


@case(RejectionReason.RESPONSE_NOT_SPENDING_CHALLENGE)
def cash_answer_not_spending_the_challenge(preset: Preset) -> TraceBuilder:
    """Dave answers with his own receipt, which spends the forged leaf, not the mint."""
    builder, world, _, dave = start_thief_exit(preset)
    world.apply(world.response(DAVE, world.coin, dave))
    return builder


@case(RejectionReason.UNKNOWN_CHALLENGE)
def cash_answer_to_no_challenge(preset: Preset) -> TraceBuilder:
    """An answer naming a block no open challenge names is refused."""
    builder, world, forged, _ = start_thief_exit(preset)
    world.apply(world.response(DAVE, forged, forged))
    return builder


def start_honest_exit(preset: Preset) -> tuple[TraceBuilder, TracedCashWorld, list[int]]:
    """Return the coin passed to Dave and Dave's exit with his receipt and its parent."""
    builder, world, blocks = start_passed_on(preset)
    world.apply(world.start(DAVE, blocks[3], blocks[2]))
    return builder, world, blocks


@case(None)
def cash_griefing_challenge_answered(preset: Preset) -> TraceBuilder:
    """Mallory challenges with Alice's transfer to Bob; Dave answers with Bob's to Carol."""
    builder, world, blocks = start_honest_exit(preset)
    world.apply(world.history_challenge(MALLORY, blocks[1], blocks[0]))
    world.apply(world.response(DAVE, blocks[1], blocks[2]))
    return builder


@case(RejectionReason.RESPONSE_OUTSIDE_HISTORY)
def cash_answer_after_the_exits_parent(preset: Preset) -> TraceBuilder:
    """Alice's second spend of the mint, committed after the exit's parent, answers nothing."""
    builder, world, blocks = start_honest_exit(preset)
    world.apply(world.history_challenge(MALLORY, blocks[0], None))
    late = world.send(blocks[0], ALICE, MALLORY)
    world.apply(world.response(DAVE, blocks[0], late))
    return builder


@case(RejectionReason.CHALLENGE_WINDOW_CLOSED)
def cash_history_challenge_after_half_the_period(preset: Preset) -> TraceBuilder:
    """History challenges close half a period after the exit's start."""
    builder, world, blocks = start_honest_exit(preset)
    world.wait_period(0.5)
    world.apply(world.history_challenge(MALLORY, blocks[0], None))
    return builder


@case(RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT)
def cash_history_challenge_with_a_large_bond(preset: Preset) -> TraceBuilder:
    """A history challenge must send exactly the exit bond."""
    builder, world, blocks = start_honest_exit(preset)
    challenge = world.history_challenge(MALLORY, blocks[0], None)
    world.apply(replace(challenge, bond=challenge.bond + 1))
    return builder


@case(RejectionReason.CHALLENGE_NOT_BEFORE_PARENT)
def cash_history_challenge_with_the_parent(preset: Preset) -> TraceBuilder:
    """The exit's parent itself is not an earlier leaf."""
    builder, world, blocks = start_honest_exit(preset)
    world.apply(world.history_challenge(MALLORY, blocks[2], blocks[1]))
    return builder


@case(RejectionReason.CHALLENGE_ALREADY_OPEN)
def cash_history_challenge_twice_with_one_leaf(preset: Preset) -> TraceBuilder:
    """One open challenge per challenging block."""
    builder, world, blocks = start_honest_exit(preset)
    world.apply(world.history_challenge(MALLORY, blocks[0], None))
    world.apply(world.history_challenge(MALLORY, blocks[0], None))
    return builder


@case(RejectionReason.CHALLENGE_BEFORE_MINT)
def cash_history_challenge_before_the_mint(preset: Preset) -> TraceBuilder:
    """A leaf of a coin committed before the coin was minted is no part of its history."""
    builder, world = start_cash(preset)
    env = CASH_ENVIRONMENT
    future = world.next_child_block(env) + 1  # the id of the coin deposited after that block
    junk = world.commit(env, [world.transfer(env, future, 0, MALLORY, MALLORY.address)])
    coin = world.deposit(env, BOB.address, 100)
    assert coin == future
    receipt = world.commit(env, [world.transfer(env, coin, coin, BOB, CAROL.address)])
    bond = world.bond
    exiting, parent = world.witness(env, receipt, coin), world.witness(env, coin, coin)
    world.apply(StartCoinExit(Uint64(env), CAROL.address, Uint64(coin), exiting, parent, bond))
    earlier = world.witness(env, junk, coin)
    world.apply(ChallengeCoinHistory(Uint64(env), MALLORY.address, Uint64(0), earlier, None, bond))
    return builder
