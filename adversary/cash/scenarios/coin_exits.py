"""Scenarios of Plasma Cash coin exits: exits that must succeed, and every exit's limits.

A coin leaves alone, with its last two leaves (or its mint), after one
minimal finalization period, and never twice. These scenarios show an exit
from a deposit (refused one second before it matures, and refused a second
open exit of the same coin), exits after a chain of transfers, and that a
coin that has exited is gone for good, and that a history the operator
committed before a coin's mint cannot exit it.
"""

from __future__ import annotations

from adversary.cash.scenarios.play import CashPlay, cash_scenario
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, TOKEN_A
from spec.errors import RejectionReason


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.COIN_EXIT_ALREADY_OPEN, at=20),
            Rejection(ALICE, ActionKind.PROCESS_EXITS, RejectionReason.EXIT_NOT_MATURE, at=109),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_deposit_exit(play: CashPlay) -> None:
    """A coin that never moved exits with its mint alone, after exactly one period.

    Alice deposits 100 and, at t+10, exits the coin with its mint. A second
    exit of the coin while the first is open is refused (one open exit per
    coin). Finalizing one second before the period ends is refused; at t+110
    the exit pays Alice the coin's amount and her bond.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018): a coin exits with its
    last two transactions, or its deposit; loomnetwork/plasma-cash
    startDepositExit and finalizeExit after the maturity period.
    """
    coin = play.deposit(ALICE, 100)
    play.wait_until(10)
    exit_id = play.exit_coin(ALICE, coin)
    play.wait_until(20)
    play.exit_coin(ALICE, coin)
    play.wait_until(109)
    play.finalize(ALICE, exit_id)
    play.wait_until(110)
    play.finalize(ALICE, exit_id)


@cash_scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=110), Payout(BOB, 30, at=110, token=TOKEN_A)),
        bonds=(BondRelease(CAROL, CAROL), BondRelease(BOB, BOB)),
        vaults=(VaultBalance(0, 0), VaultBalance(0, 0, TOKEN_A)),
    )
)
def cash_exit_after_transfers(play: CashPlay) -> None:
    """After a chain of transfers, the last owner exits with the last two leaves.

    Alice deposits a coin of 100 native units and Bob one of 30 of token A.
    Alice pays her coin to Bob (block 4), Bob pays it on to Carol (block 8).
    Carol exits it with Bob's transfer to her and its parent, Alice's transfer
    to Bob; Bob exits his own coin with its mint. Both are paid in their
    coin's token, whole: a coin is never split.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018); loomnetwork/plasma-cash
    startExit(prevTx, exitingTx); K. Floersch, "Plasma Cash simple spec".
    """
    coin = play.deposit(ALICE, 100)
    other = play.deposit(BOB, 30, token=TOKEN_A)
    to_bob = play.commit([play.sign(ALICE, coin, coin, BOB)])
    to_carol = play.commit([play.sign(BOB, coin, to_bob, CAROL)])
    play.wait_until(10)
    carol = play.start_exit(CAROL, coin, to_carol, to_bob)
    bob = play.exit_coin(BOB, other)
    play.wait_until(110)
    play.finalize(CAROL, carol)
    play.finalize(BOB, bob)


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.COIN_ALREADY_EXITED, at=120),
            Rejection(MALLORY, ActionKind.PROCESS_EXITS, RejectionReason.EXIT_NOT_OPEN, at=120),
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.COIN_ALREADY_EXITED, at=120),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_coin_exits_once(play: CashPlay) -> None:
    """A coin that exited is gone for good: no second exit, no second payout.

    Alice exits her deposit and is paid at t+110. Ten seconds later she tries
    to exit it again with the same mint, Mallory tries to finalize the paid
    exit once more, and Mallory tries an exit of her own with a transfer of
    the coin she signed after it left: all refused.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018): a coin exits once;
    loomnetwork/plasma-cash, a coin's state EXITED is final.
    """
    coin = play.deposit(ALICE, 100)
    play.wait_until(10)
    exit_id = play.exit_coin(ALICE, coin)
    play.wait_until(110)
    play.finalize(ALICE, exit_id)
    late = play.commit([play.sign(ALICE, coin, coin, MALLORY)])
    play.wait_until(120)
    play.start_exit(ALICE, coin, coin)
    play.finalize(MALLORY, exit_id)
    play.start_exit(MALLORY, coin, late, coin)


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.PARENT_BEFORE_MINT, at=10),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_exit_with_history_before_mint_refused(play: CashPlay) -> None:
    """A coin cannot exit with leaves the operator committed at its key before it was minted.

    The operator guesses the next coin's id (9) and commits, in blocks 4 and
    8, a transfer of that coin to Mallory and one from Mallory to herself.
    Alice deposits and mints coin 9. Mallory exits it with those two leaves:
    they are committed, hers, and the second spends the first, but the parent
    lies before the mint. Refused; Alice exits and is paid. Without this rule
    no challenge could stop the theft: an invalid-history challenge shows a
    leaf at or after the mint and before the exit's parent, and there is none.

    Source: found by this project's Cash adversary (the exit game had no mint
    bound on an exit's parent, only on history challenges); Plasma Cash: a
    coin's history starts at its deposit block (loomnetwork/plasma-cash keeps
    each coin's depositBlock); rule PARENT_BEFORE_MINT.
    """
    before = play.commit([play.sign(MALLORY, 9, 0, MALLORY)])
    guess = play.commit([play.sign(MALLORY, 9, before, MALLORY)])
    coin = play.deposit(ALICE, 100)
    play.wait_until(10)
    play.start_exit(MALLORY, coin, guess, before)
    honest = play.exit_coin(ALICE, coin)
    play.wait_until(110)
    play.finalize(ALICE, honest)
