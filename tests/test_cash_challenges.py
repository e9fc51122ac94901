"""The Plasma Cash exit game's challenges and answers, one rule per test."""

from __future__ import annotations

from dataclasses import replace

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, WATCHER
from spec.environments.cash.challenges import ChallengeCoinDoubleSpend, ChallengeCoinSpent
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CashRecords, CoinExitStatus, CoinStatus
from spec.errors import RejectionReason
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.state import SettlementState, get_balance
from tests.cash_worlds import ENV, PERIOD, Chain, make_minted, make_passed_on, make_stolen
from tests.support import rejects

FINALIZE = FinalizeCoinExit(Uint64(ENV), Uint64(0))


def get_records(state: SettlementState) -> CashRecords:
    """Return environment 0's Cash records."""
    records = state.environments[ENV].kind_records
    assert isinstance(records, CashRecords)
    return records


def native(state: SettlementState, actor: object) -> Uint256:
    """Return an actor's native balance."""
    return get_balance(state, actor.address, NATIVE_TOKEN)  # type: ignore[attr-defined]


def spent(chain: Chain, block: int) -> ChallengeCoinSpent:
    """Return a spent-coin challenge of exit 0 by the watcher with the transfer at ``block``."""
    return ChallengeCoinSpent(Uint64(ENV), WATCHER.address, Uint64(0), chain.transfer_at(block))


def double_spend(chain: Chain, block: int) -> ChallengeCoinDoubleSpend:
    """Return a double-spend challenge of exit 0 by the watcher with the transfer at ``block``."""
    return ChallengeCoinDoubleSpend(
        Uint64(ENV), WATCHER.address, Uint64(0), chain.transfer_at(block)
    )


# Spent after


def make_carol_exit_then_spend(signer: object = CAROL, previous: int = 8) -> Chain:
    """Return coin 1 at Carol (block 8), her exit with (4, 8), then a transfer of it at block 16."""
    chain = make_passed_on()
    world = chain.world
    world.apply(chain.start(CAROL, exiting=8, parent=4))
    world.commit(ENV, [world.transfer(ENV, 1, previous, signer, MALLORY.address)])  # type: ignore[arg-type]
    return chain


def test_an_exit_of_a_spent_coin_is_cancelled_at_once() -> None:
    """Given Carol exits coin 1 though she signed it to Dave (block 12).

    When the watcher shows that transfer,
    Then the exit is cancelled, the bond is the watcher's and the coin is at rest.
    """
    chain = make_passed_on()
    chain.world.apply(chain.start(CAROL, exiting=8, parent=4))
    before = native(chain.world.state, WATCHER)
    chain.world.apply(spent(chain, 12))
    records = get_records(chain.world.state)
    assert records.exits[Uint64(0)].status == CoinExitStatus.CANCELLED
    assert records.coins[Uint64(1)].status == CoinStatus.DEPOSITED
    assert native(chain.world.state, WATCHER) == before + chain.bond


@rejects(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def test_a_spent_challenge_with_a_transfer_of_another_leaf_is_refused() -> None:
    """Given Carol's exit with (4, 8) and a transfer at 16 naming block 12.

    When it is shown as a spend of her exit,
    Then it is rejected with CHALLENGE_NOT_SPENDING_EXIT.
    """
    chain = make_carol_exit_then_spend(DAVE, previous=12)
    chain.world.apply(spent(chain, 16))


@rejects(RejectionReason.CHALLENGE_NOT_AFTER_EXIT)
def test_a_spent_challenge_with_an_earlier_transfer_is_refused() -> None:
    """Given block 4 holds Carol's transfer naming block 8, and block 8 Alice's transfer to Carol.

    When Carol's exit with (mint, 8) is challenged with the block-4 transfer,
    Then it is rejected with CHALLENGE_NOT_AFTER_EXIT.
    """
    chain = make_minted()
    world = chain.world
    world.commit(ENV, [world.transfer(ENV, 1, 8, CAROL, DAVE.address)])
    world.commit(ENV, [world.transfer(ENV, 1, 1, ALICE, CAROL.address)])
    world.apply(chain.start(CAROL, exiting=8, parent=1))
    world.apply(spent(chain, 4))


@rejects(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def test_a_spent_challenge_signed_by_someone_else_is_refused() -> None:
    """Given Carol's exit with (4, 8) and a transfer of block 8 at 16 signed by Bob.

    When it is shown as a spend of her exit,
    Then it is rejected with CHALLENGE_NOT_SIGNED_BY_OWNER.
    """
    chain = make_carol_exit_then_spend(BOB)
    chain.world.apply(spent(chain, 16))


# Double spend between


def make_double_spent(signer: object = BOB, previous: int = 4) -> Chain:
    """Return coin 1: Alice -> Bob (4), Bob -> Dave (8), Bob -> Carol (12); Carol exits."""
    chain = make_minted()
    world = chain.world
    world.commit(ENV, [world.transfer(ENV, 1, 1, ALICE, BOB.address)])
    world.commit(ENV, [world.transfer(ENV, 1, previous, signer, DAVE.address)])  # type: ignore[arg-type]
    world.commit(ENV, [world.transfer(ENV, 1, 4, BOB, CAROL.address)])
    world.apply(chain.start(CAROL, exiting=12, parent=4))
    return chain


def test_an_exit_after_a_double_spend_is_cancelled_at_once() -> None:
    """Given Bob spent coin 1 to Dave (block 8) before spending it to Carol (block 12).

    When Carol's exit is challenged with the block-8 transfer,
    Then it is cancelled and the bond goes to the challenger.
    """
    chain = make_double_spent()
    chain.world.apply(double_spend(chain, 8))
    assert get_records(chain.world.state).exits[Uint64(0)].status == CoinExitStatus.CANCELLED


@rejects(RejectionReason.CHALLENGE_NOT_BETWEEN)
def test_a_double_spend_challenge_outside_the_gap_is_refused() -> None:
    """Given Carol's exit with (4, 12) and Carol's own later transfer at 16.

    When the block-16 transfer is shown as a double spend,
    Then it is rejected with CHALLENGE_NOT_BETWEEN.
    """
    chain = make_double_spent()
    chain.world.commit(ENV, [chain.world.transfer(ENV, 1, 4, BOB, MALLORY.address)])
    chain.world.apply(double_spend(chain, 16))


@rejects(RejectionReason.TRANSFER_NOT_SPENDING_PARENT)
def test_a_double_spend_challenge_not_spending_the_parent_is_refused() -> None:
    """Given block 8 holds Bob's transfer naming block 1 instead of the parent (4).

    When it is shown as a double spend of Carol's exit,
    Then it is rejected with TRANSFER_NOT_SPENDING_PARENT.
    """
    chain = make_double_spent(previous=1)
    chain.world.apply(double_spend(chain, 8))


@rejects(RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER)
def test_a_double_spend_challenge_not_signed_by_the_parents_owner_is_refused() -> None:
    """Given block 8 holds a transfer of the parent signed by Mallory, not Bob.

    When it is shown as a double spend of Carol's exit,
    Then it is rejected with TRANSFER_NOT_SIGNED_BY_PARENT_OWNER.
    """
    chain = make_double_spent(signer=MALLORY)
    chain.world.apply(double_spend(chain, 8))


# Invalid history before: a thief's exit


def test_a_thief_exit_is_cancelled_by_the_owners_unanswered_challenge() -> None:
    """Given the operator forged Alice's coin to Mallory, who sent it to Dave; Dave exits.

    When Alice challenges with her mint and nobody can answer,
    Then at finalization the exit is cancelled: Dave's bond and her own bond are Alice's.
    """
    chain = make_stolen()
    world = chain.world
    world.apply(chain.start(DAVE, exiting=8, parent=4))
    before = native(world.state, ALICE)
    world.apply(chain.history_challenge(ALICE, earlier=1, earlier_parent=None))
    world.advance(PERIOD)
    world.apply(FINALIZE)
    assert native(world.state, ALICE) == before + chain.bond
    assert get_records(world.state).coins[Uint64(1)].status == CoinStatus.DEPOSITED
    world.apply(chain.start(ALICE, exiting=1, parent=None))


@rejects(RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER)
def test_a_thief_cannot_answer_with_the_forged_transfer() -> None:
    """Given Alice's history challenge (her mint) of Dave's exit of her stolen coin.

    When Dave answers with the forged transfer (block 4, not signed by Alice),
    Then it is rejected with RESPONSE_NOT_SIGNED_BY_OWNER.
    """
    chain = make_stolen()
    chain.world.apply(chain.start(DAVE, exiting=8, parent=4))
    chain.world.apply(chain.history_challenge(ALICE, earlier=1, earlier_parent=None))
    chain.world.apply(chain.response(DAVE, challenge_block=1, block=4))


@rejects(RejectionReason.RESPONSE_NOT_SPENDING_CHALLENGE)
def test_an_answer_that_does_not_spend_the_challenging_leaf_is_refused() -> None:
    """Given Alice's history challenge (her mint) of Dave's exit.

    When Dave answers with his own transfer (block 8, naming block 4),
    Then it is rejected with RESPONSE_NOT_SPENDING_CHALLENGE.
    """
    chain = make_stolen()
    chain.world.apply(chain.start(DAVE, exiting=8, parent=4))
    chain.world.apply(chain.history_challenge(ALICE, earlier=1, earlier_parent=None))
    chain.world.apply(chain.response(DAVE, challenge_block=1, block=8))


@rejects(RejectionReason.UNKNOWN_CHALLENGE)
def test_an_answer_to_no_challenge_is_refused() -> None:
    """Given Dave's exit with no challenge.

    When he answers a challenge at block 1,
    Then it is rejected with UNKNOWN_CHALLENGE.
    """
    chain = make_stolen()
    chain.world.apply(chain.start(DAVE, exiting=8, parent=4))
    chain.world.apply(chain.response(DAVE, challenge_block=1, block=4))


# Invalid history before: griefing an honest exit


def make_honest_exit() -> Chain:
    """Return coin 1 passed Alice -> Bob -> Carol -> Dave, and Dave's exit with (8, 12)."""
    chain = make_passed_on()
    chain.world.apply(chain.start(DAVE, exiting=12, parent=8))
    return chain


def test_a_griefing_challenge_is_answered_and_its_bond_goes_to_the_answerer() -> None:
    """Given Dave's honest exit, challenged with Alice's transfer to Bob (block 4, with the mint).

    When Dave answers with Bob's transfer to Carol (block 8),
    Then the challenge is closed, its bond is Dave's, and the exit pays at finalization.
    """
    chain = make_honest_exit()
    world = chain.world
    world.apply(chain.history_challenge(MALLORY, earlier=4, earlier_parent=1))
    before = native(world.state, DAVE)
    world.apply(chain.response(DAVE, challenge_block=4, block=8))
    assert native(world.state, DAVE) == before + chain.bond
    world.advance(PERIOD)
    world.apply(FINALIZE)
    assert get_records(world.state).exits[Uint64(0)].status == CoinExitStatus.FINALIZED
    assert world.state.environments[ENV].bonds_held == 0


@rejects(RejectionReason.RESPONSE_OUTSIDE_HISTORY)
def test_an_answer_after_the_exits_parent_is_refused() -> None:
    """Given Dave's exit with (8, 12), challenged with the mint, and Alice's second spend at 16.

    When the block-16 transfer (a spend of the mint by Alice) is the answer,
    Then it is rejected with RESPONSE_OUTSIDE_HISTORY.
    """
    chain = make_honest_exit()
    world = chain.world
    world.apply(chain.history_challenge(MALLORY, earlier=1, earlier_parent=None))
    world.commit(ENV, [world.transfer(ENV, 1, 1, ALICE, MALLORY.address)])
    world.apply(chain.response(DAVE, challenge_block=1, block=16))


@rejects(RejectionReason.CHALLENGE_WINDOW_CLOSED)
def test_a_history_challenge_after_half_the_period_is_refused() -> None:
    """Given Dave's exit started half a period ago.

    When a history challenge comes,
    Then it is rejected with CHALLENGE_WINDOW_CLOSED.
    """
    chain = make_honest_exit()
    chain.world.advance(PERIOD // 2)
    chain.world.apply(chain.history_challenge(MALLORY, earlier=1, earlier_parent=None))


@rejects(RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT)
def test_a_history_challenge_with_the_wrong_bond_is_refused() -> None:
    """Given Dave's exit.

    When a history challenge sends one unit more than the exit bond,
    Then it is rejected with CHALLENGE_BOND_WRONG_AMOUNT.
    """
    chain = make_honest_exit()
    challenge = chain.history_challenge(MALLORY, earlier=1, earlier_parent=None)
    chain.world.apply(replace(challenge, bond=chain.bond + 1))


@rejects(RejectionReason.CHALLENGE_NOT_BEFORE_PARENT)
def test_a_history_challenge_with_the_parent_itself_is_refused() -> None:
    """Given Dave's exit with parent at block 8.

    When it is challenged with the block-8 leaf,
    Then it is rejected with CHALLENGE_NOT_BEFORE_PARENT.
    """
    chain = make_honest_exit()
    chain.world.apply(chain.history_challenge(MALLORY, earlier=8, earlier_parent=4))


@rejects(RejectionReason.CHALLENGE_ALREADY_OPEN)
def test_a_second_challenge_with_the_same_leaf_is_refused() -> None:
    """Given Dave's exit challenged with the mint.

    When it is challenged with the mint again,
    Then it is rejected with CHALLENGE_ALREADY_OPEN.
    """
    chain = make_honest_exit()
    chain.world.apply(chain.history_challenge(MALLORY, earlier=1, earlier_parent=None))
    chain.world.apply(chain.history_challenge(MALLORY, earlier=1, earlier_parent=None))


@rejects(RejectionReason.PARENT_MISSING)
def test_a_history_challenge_with_a_transfer_alone_is_refused() -> None:
    """Given Dave's exit.

    When it is challenged with Alice's transfer (block 4) without its parent,
    Then it is rejected with PARENT_MISSING.
    """
    chain = make_honest_exit()
    chain.world.apply(chain.history_challenge(MALLORY, earlier=4, earlier_parent=None))


@rejects(RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER)
def test_a_history_challenge_with_a_forged_transfer_is_refused() -> None:
    """Given an exit of coin 1 whose earlier history holds a transfer signed by Mallory, not Alice.

    When the exit is challenged with that forged transfer and the mint as its parent,
    Then it is rejected with TRANSFER_NOT_SIGNED_BY_PARENT_OWNER (flaw: the challenge must
    be made by the coin's owner at that point).
    """
    chain = make_stolen()
    world = chain.world
    world.commit(ENV, [world.transfer(ENV, 1, 8, DAVE, CAROL.address)])
    world.apply(chain.start(CAROL, exiting=12, parent=8))
    world.apply(chain.history_challenge(MALLORY, earlier=4, earlier_parent=1))


@rejects(RejectionReason.CHALLENGE_BEFORE_MINT)
def test_a_history_challenge_with_a_leaf_before_the_mint_is_refused() -> None:
    """Given the operator committed, in block 4, a transfer of coin 5 before coin 5 was minted.

    When Bob's exit of coin 5 is challenged with that leaf,
    Then it is rejected with CHALLENGE_BEFORE_MINT.
    """
    chain = make_minted()
    world = chain.world
    world.deposit(ENV, ALICE.address, 1)
    world.deposit(ENV, ALICE.address, 1)
    world.commit(ENV, [world.transfer(ENV, 5, 0, MALLORY, MALLORY.address)])
    coin = world.deposit(ENV, ALICE.address, 100)
    assert coin == 5
    world.commit(ENV, [world.transfer(ENV, 5, 5, ALICE, BOB.address)])
    five = Chain(world, 5)
    world.apply(five.start(BOB, exiting=8, parent=5))
    world.apply(five.history_challenge(MALLORY, earlier=4, earlier_parent=None))


@rejects(RejectionReason.CHALLENGE_BEFORE_MINT)
def test_a_history_challenge_whose_parent_is_before_the_mint_is_refused() -> None:
    """Given a leaf of coin 5 forged before its mint (block 4) and Mallory's spend of it after (8).

    When Bob's exit of coin 5 (parent at 12) is challenged with (block 8, parent block 4),
    Then it is rejected with CHALLENGE_BEFORE_MINT: the challenge's transfer spends no
    part of the coin's life.
    """
    chain = make_minted()
    world = chain.world
    world.deposit(ENV, ALICE.address, 1)
    world.deposit(ENV, ALICE.address, 1)
    world.commit(ENV, [world.transfer(ENV, 5, 0, MALLORY, MALLORY.address)])
    assert world.deposit(ENV, ALICE.address, 100) == 5
    world.commit(ENV, [world.transfer(ENV, 5, 4, MALLORY, MALLORY.address)])
    world.commit(ENV, [world.transfer(ENV, 5, 5, ALICE, BOB.address)])
    world.commit(ENV, [world.transfer(ENV, 5, 12, BOB, BOB.address)])
    five = Chain(world, 5)
    world.apply(five.start(BOB, exiting=16, parent=12))
    world.apply(five.history_challenge(MALLORY, earlier=8, earlier_parent=4))
