"""The Plasma Cash exit game: starting and finalizing a coin exit, one rule per test."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExitStatus, CoinStatus
from spec.environments.payments.exits import StartStandardExit
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import Deposit, RegisterEnvironment
from spec.settlement.state import EnvironmentKind, get_balance
from tests.cash_worlds import ENV, PERIOD, Chain, make_minted, make_passed_on
from tests.support import rejects

FINALIZE = FinalizeCoinExit(Uint64(ENV), Uint64(0))


def get_records(state: object) -> CashRecords:
    """Return environment 0's Cash records."""
    records = state.environments[ENV].kind_records  # type: ignore[attr-defined]
    assert isinstance(records, CashRecords)
    return records


# Deposits mint coins


def test_a_deposit_mints_a_coin_named_by_its_block() -> None:
    """Given a Cash environment.

    When Alice deposits 100,
    Then coin 1 (the deposit block's number) exists at rest with that amount.
    """
    chain = make_minted()
    coin = get_records(chain.world.state).coins[Uint64(1)]
    assert (chain.coin, coin.amount, coin.status) == (1, 100, CoinStatus.DEPOSITED)


@rejects(RejectionReason.COIN_TREE_FULL)
def test_a_deposit_beyond_the_coin_tree_is_refused() -> None:
    """Given a Cash environment whose next deposit block is 257 (the tiny tree has keys below 256).

    When Alice deposits,
    Then it is rejected with COIN_TREE_FULL.
    """
    chain = make_minted()
    while chain.world.next_child_block(ENV) <= 256:
        chain.world.commit(ENV, [])
    chain.world.apply(Deposit(Uint64(ENV), ALICE.address, NATIVE_TOKEN, Uint256(1)))


# Start: the happy paths


def test_an_exit_from_the_mint_pays_the_depositor_after_one_period() -> None:
    """Given Alice's coin 1, never moved.

    When Alice exits it from its mint and it is finalized one period later,
    Then she has her 100 back and her bond, and the coin is exited for good.
    """
    chain = make_minted()
    world = chain.world
    before = get_balance(world.state, ALICE.address, NATIVE_TOKEN)
    world.apply(chain.start(ALICE, exiting=1, parent=None))
    world.advance(PERIOD)
    world.apply(FINALIZE)
    assert get_balance(world.state, ALICE.address, NATIVE_TOKEN) == before + 100
    records = get_records(world.state)
    assert records.coins[Uint64(1)].status == CoinStatus.EXITED
    assert records.exits[Uint64(0)].status == CoinExitStatus.FINALIZED
    assert world.state.environments[ENV].bonds_held == 0


def test_an_exit_with_the_last_two_transfers_pays_the_last_owner() -> None:
    """Given coin 1 passed Alice -> Bob -> Carol -> Dave.

    When Dave exits with (block 8, block 12),
    Then the exit records both blocks and Carol as the parent's owner.
    """
    chain = make_passed_on()
    chain.world.apply(chain.start(DAVE, exiting=12, parent=8))
    exit = get_records(chain.world.state).exits[Uint64(0)]
    assert (exit.exit_block, exit.parent_block, exit.parent_owner) == (12, 8, CAROL.address)
    assert exit.exitable_at == exit.started_at + PERIOD


# Start: one rule per test


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_a_coin_exit_in_a_payments_environment_is_refused() -> None:
    """Given a payments environment registered beside the Cash one.

    When a coin exit names it,
    Then it is rejected with ENVIRONMENT_KIND_MISMATCH.
    """
    chain = make_minted()
    world = chain.world
    rules = world.state.environments[ENV].rules
    world.apply(RegisterEnvironment(ALICE.address, EnvironmentKind.PAYMENTS, rules))
    world.apply(replace(chain.start(ALICE, exiting=1, parent=None), environment_id=Uint64(1)))


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_a_standard_exit_in_a_cash_environment_is_refused() -> None:
    """Given a Cash environment.

    When a payments standard exit names it,
    Then it is rejected with ENVIRONMENT_KIND_MISMATCH (before any witness is read).
    """
    chain = make_minted()
    position = OutputPosition(Uint64(1), 0, 0)  # type: ignore[arg-type]
    chain.world.apply(
        StartStandardExit(Uint64(ENV), ALICE.address, position, None, (), chain.bond)  # type: ignore[arg-type]
    )


@rejects(RejectionReason.COIN_UNKNOWN)
def test_an_exit_of_a_coin_never_minted_is_refused() -> None:
    """Given coin 1 only.

    When Alice exits coin 2,
    Then it is rejected with COIN_UNKNOWN.
    """
    chain = make_minted()
    chain.world.apply(replace(chain.start(ALICE, 1, None), coin_id=Uint64(2)))


@rejects(RejectionReason.COIN_EXIT_ALREADY_OPEN)
def test_a_second_exit_of_an_exiting_coin_is_refused() -> None:
    """Given Alice's open exit of coin 1.

    When she starts another,
    Then it is rejected with COIN_EXIT_ALREADY_OPEN.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, 1, None))
    chain.world.apply(chain.start(ALICE, 1, None))


@rejects(RejectionReason.COIN_ALREADY_EXITED)
def test_an_exit_of_an_exited_coin_is_refused() -> None:
    """Given coin 1 exited and paid.

    When Alice starts its exit again,
    Then it is rejected with COIN_ALREADY_EXITED.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, 1, None))
    chain.world.advance(PERIOD)
    chain.world.apply(FINALIZE)
    chain.world.apply(chain.start(ALICE, 1, None))


@rejects(RejectionReason.WITNESS_WRONG_COIN)
def test_an_exit_with_another_coins_leaf_is_refused() -> None:
    """Given coins 1 (Alice) and 2 (Bob).

    When Bob exits coin 1 with coin 2's mint,
    Then it is rejected with WITNESS_WRONG_COIN.
    """
    chain = make_minted()
    chain.world.deposit(ENV, BOB.address, 7)
    mint_of_two = chain.world.witness(ENV, 2, 2)
    chain.world.apply(replace(chain.start(ALICE, 1, None), sender=BOB.address, exiting=mint_of_two))


@rejects(RejectionReason.MINT_NOT_AT_DEPOSIT_BLOCK)
def test_an_exit_from_a_fake_mint_in_a_child_block_is_refused() -> None:
    """Given the operator committed, in child block 4, a mint of coin 1 to Mallory.

    When Mallory exits coin 1 from that mint,
    Then it is rejected with MINT_NOT_AT_DEPOSIT_BLOCK.
    """
    chain = make_minted()
    fake = CoinMint(Uint64(1), MALLORY.address, NATIVE_TOKEN, Uint256(100))
    chain.world.commit(ENV, [fake])
    chain.world.apply(chain.start(MALLORY, exiting=4, parent=None))


@rejects(RejectionReason.UNKNOWN_BLOCK)
def test_an_exit_from_an_uncommitted_block_is_refused() -> None:
    """Given coin 1.

    When Alice's exit names block 9 for its exiting leaf (nothing is committed there),
    Then it is rejected with UNKNOWN_BLOCK.
    """
    chain = make_passed_on()
    start = chain.start(DAVE, exiting=12, parent=8)
    chain.world.apply(replace(start, exiting=replace(start.exiting, block_number=Uint64(9))))


@rejects(RejectionReason.COIN_PROOF_INVALID)
def test_an_exit_with_a_leaf_not_in_its_block_is_refused() -> None:
    """Given coin 1 passed on to Dave at block 12.

    When Dave claims his transfer sits in block 8,
    Then it is rejected with COIN_PROOF_INVALID.
    """
    chain = make_passed_on()
    start = chain.start(DAVE, exiting=12, parent=8)
    chain.world.apply(replace(start, exiting=replace(start.exiting, block_number=Uint64(8))))


@rejects(RejectionReason.EXIT_NOT_BY_OWNER)
def test_an_exit_by_someone_other_than_the_owner_is_refused() -> None:
    """Given coin 1 owned by Dave (flaw: the exiter must own the exiting transfer).

    When Mallory starts its exit with Dave's transfer,
    Then it is rejected with EXIT_NOT_BY_OWNER.
    """
    chain = make_passed_on()
    chain.world.apply(chain.start(MALLORY, exiting=12, parent=8))


@rejects(RejectionReason.PARENT_MISSING)
def test_an_exit_of_a_transfer_without_its_parent_is_refused() -> None:
    """Given coin 1 owned by Dave.

    When Dave exits with his transfer only,
    Then it is rejected with PARENT_MISSING.
    """
    chain = make_passed_on()
    chain.world.apply(chain.start(DAVE, exiting=12, parent=None))


@rejects(RejectionReason.PARENT_UNEXPECTED)
def test_an_exit_from_the_mint_with_a_parent_is_refused() -> None:
    """Given coin 1 never moved.

    When Alice exits from the mint and also names a parent,
    Then it is rejected with PARENT_UNEXPECTED.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, exiting=1, parent=1))


@rejects(RejectionReason.TRANSFER_NOT_SPENDING_PARENT)
def test_an_exit_whose_transfer_does_not_spend_the_parent_is_refused() -> None:
    """Given coin 1 owned by Dave (flaw: the exiting transfer must directly spend the parent).

    When Dave exits with his transfer (block 12) and the mint as its parent,
    Then it is rejected with TRANSFER_NOT_SPENDING_PARENT.
    """
    chain = make_passed_on()
    chain.world.apply(chain.start(DAVE, exiting=12, parent=1))


@rejects(RejectionReason.PARENT_NOT_EARLIER)
def test_an_exit_whose_parent_comes_later_is_refused() -> None:
    """Given block 4 holds a transfer of coin 1 to Dave naming block 8, and block 8 a leaf of it.

    When Dave exits with (block 8 as parent, block 4 as exiting),
    Then it is rejected with PARENT_NOT_EARLIER.
    """
    chain = make_minted()
    world = chain.world
    world.commit(ENV, [world.transfer(ENV, 1, 8, ALICE, DAVE.address)])
    world.commit(ENV, [world.transfer(ENV, 1, 1, ALICE, DAVE.address)])
    world.apply(chain.start(DAVE, exiting=4, parent=8))


@rejects(RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER)
def test_an_exit_with_a_forged_transfer_is_refused() -> None:
    """Given the operator committed a transfer of Alice's coin to Mallory, signed by Mallory.

    When Mallory exits with (the mint, the forged transfer),
    Then it is rejected with TRANSFER_NOT_SIGNED_BY_PARENT_OWNER.
    """
    chain = make_minted()
    chain.world.commit(ENV, [chain.world.transfer(ENV, 1, 1, MALLORY, MALLORY.address)])
    chain.world.apply(chain.start(MALLORY, exiting=4, parent=1))


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_an_exit_with_the_wrong_bond_is_refused() -> None:
    """Given coin 1.

    When Alice exits it with one unit less than the exit bond,
    Then it is rejected with EXIT_BOND_WRONG_AMOUNT.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, 1, None, bond=int(chain.bond) - 1))


# Finalize


@rejects(RejectionReason.EXIT_NOT_MATURE)
def test_finalizing_before_the_period_is_refused() -> None:
    """Given Alice's exit started one second less than a period ago.

    When it is finalized,
    Then it is rejected with EXIT_NOT_MATURE.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, 1, None))
    chain.world.advance(PERIOD - 1)
    chain.world.apply(FINALIZE)


@rejects(RejectionReason.EXIT_NOT_OPEN)
def test_finalizing_twice_is_refused() -> None:
    """Given Alice's finalized exit.

    When it is finalized again,
    Then it is rejected with EXIT_NOT_OPEN.
    """
    chain = make_minted()
    chain.world.apply(chain.start(ALICE, 1, None))
    chain.world.advance(PERIOD)
    chain.world.apply(FINALIZE)
    chain.world.apply(FINALIZE)


@rejects(RejectionReason.UNKNOWN_EXIT)
def test_finalizing_an_unknown_exit_is_refused() -> None:
    """Given no exit.

    When exit 0 is finalized,
    Then it is rejected with UNKNOWN_EXIT.
    """
    make_minted().world.apply(FINALIZE)


def test_a_rejected_start_changes_nothing() -> None:
    """Given coin 1 owned by Dave.

    When Mallory's start is rejected,
    Then the state is the one before it.
    """
    chain = make_passed_on()
    before = chain.world.state
    with contextlib.suppress(Rejected):
        chain.world.apply(chain.start(MALLORY, exiting=12, parent=8))
    assert chain.world.state is before


def test_starting_takes_the_bond_and_the_environment_holds_it() -> None:
    """Given coin 1 owned by Dave.

    When Dave starts its exit,
    Then his native balance drops by the bond and the environment holds it.
    """
    chain = make_passed_on()
    world = chain.world
    before = get_balance(world.state, DAVE.address, NATIVE_TOKEN)
    world.apply(chain.start(DAVE, exiting=12, parent=8))
    assert get_balance(world.state, DAVE.address, NATIVE_TOKEN) == before - chain.bond
    assert world.state.environments[ENV].bonds_held == chain.bond
    assert isinstance(chain.start(DAVE, 12, 8), StartCoinExit)


@rejects(RejectionReason.PARENT_BEFORE_MINT)
def test_an_exit_from_a_history_forged_before_the_mint_is_refused() -> None:
    """Given a transfer of coin 5 to Mallory forged before its mint (block 4), and one after.

    When Mallory exits coin 5 with (block 4, block 8),
    Then it is rejected with PARENT_BEFORE_MINT: otherwise no challenge could reach that
    exit (nothing of the coin's history lies between or before it), and Bob would lose it.
    """
    chain = make_minted()
    world = chain.world
    world.deposit(ENV, ALICE.address, 1)
    world.deposit(ENV, ALICE.address, 1)
    world.commit(ENV, [world.transfer(ENV, 5, 0, MALLORY, MALLORY.address)])
    assert world.deposit(ENV, BOB.address, 100) == 5
    world.commit(ENV, [world.transfer(ENV, 5, 4, MALLORY, MALLORY.address)])
    five = Chain(world, 5)
    world.apply(five.start(MALLORY, exiting=8, parent=4))
