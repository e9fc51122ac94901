"""Scenarios of two kinds side by side: payments and Plasma Cash on one settlement layer.

A payments environment and a Cash environment share the settlement layer's
balances and clock but nothing else: their blocks, vaults, exits and bonds
are their own. The scenario attacks both at once and expects each to be
stopped by its own exit game, with each vault paying exactly what it holds.
"""

from __future__ import annotations

from adversary.cash.scenarios.play import CashPlay, cash_scenario
from adversary.payments.scenarios.play import make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, OPERATOR_TWO, WATCHER
from spec.errors import RejectionReason


@cash_scenario(
    Expectation(
        payouts=(Payout(CAROL, 70, at=120), Payout(BOB, 100, at=210)),
        bonds=(BondRelease(ALICE, WATCHER), BondRelease(CAROL, CAROL), BondRelease(BOB, BOB)),
        rejections=(
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.EXIT_NOT_BY_OWNER, at=20),
        ),
        vaults=(VaultBalance(0, 0), VaultBalance(1, 0)),
    ),
    cash_operators=(OPERATOR_TWO,),
    operators=(OPERATOR,),
)
def cash_and_payments_side_by_side(play: CashPlay) -> None:
    """A payments environment and a Cash environment, attacked at once, each defended alone.

    Environment 0 runs payments, environment 1 runs Plasma Cash. In the
    payments environment Alice pays her deposit to Bob and then exits the
    spent deposit; a watcher challenges with her payment and wins her bond,
    and Bob exits what he received. In the Cash environment Carol deposits a
    coin and Mallory tries to exit it in Carol's name: refused; Carol exits.
    Each environment pays out exactly what was deposited into it.

    Source: the environment registry of this spec (one settlement layer,
    many environments of different kinds; isolation, INV-13 commutation);
    Minimal Viable Plasma challengeExit; Plasma Cash startExit ownership.
    """
    payments = play.payments
    deposit = payments.deposit(ALICE, 100)
    coin = play.deposit(CAROL, 70)
    payments.wait_until(10)
    block = payments.commit([payments.sign(ALICE, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    cheat = payments.start_exit(ALICE, deposit)
    play.start_exit(MALLORY, coin, coin)
    carol = play.exit_coin(CAROL, coin)
    play.wait_until(30)
    payments.challenge(WATCHER, cheat)
    payments.start_exit(BOB, make_position(block))
    play.wait_until(120)
    play.finalize(CAROL, carol)
    play.wait_until(210)
    payments.process(BOB)
