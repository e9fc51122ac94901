"""Scenarios of a byzantine operator: invalid and withheld blocks, exits from nowhere.

The settlement layer sees only roots, so it cannot tell a withheld block
from a good one. What protects honest users is the exit queue: outputs older
than the bad block mature no later than those depending on it. These
scenarios show it, and the two limits of MVP exits: a user who sleeps through
the exit window, and a payment caught in flight in a withheld block.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.play import NOWHERE, Play, make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Impossible,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, WATCHER
from spec.errors import RejectionReason


@scenario(
    Expectation(
        payouts=(
            Payout(BOB, 50, at=150),
            Payout(CAROL, 40, at=250),
            Payout(ALICE, 60, at=250),
            Payout(MALLORY, 0, at=250),
        ),
        bonds=(
            BondRelease(BOB, BOB),
            BondRelease(CAROL, CAROL),
            BondRelease(ALICE, ALICE),
            BondRelease(MALLORY, MALLORY),
        ),
        impossible=(Impossible(ALICE, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 0),),
    )
)
def withheld_invalid_block(play: Play) -> None:
    """A withheld invalid block mints funds from nowhere; honest users still leave first.

    Alice and Bob deposit; Alice pays Carol in a valid block. The operator then
    commits a block it never publishes, in which Mallory spends an output that
    never existed and receives the whole vault; Mallory exits at once. Alice
    cannot fetch the block, takes that as the signal to leave, and exits with
    Bob and Carol within one period. Their outputs are older than the bad
    block, so their exits mature first and empty the vault: Mallory's exit is
    processed last and paid nothing.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018), exit priority;
    K. Fichter, "Exploring plasma-mvp: Exit Priority" (omisego/research), whose
    worked example is this attack.
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 50)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(CAROL, 40), make_output(ALICE, 60)])
    valid = play.commit([payment])
    play.wait_until(20)
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 150)])
    invalid = play.commit([forged], withhold=True)
    play.start_insider_exit(MALLORY, make_position(invalid))
    play.wait_until(30)
    play.check_block(ALICE, invalid)
    play.start_exit(ALICE, make_position(valid, 0, 1))
    play.start_exit(CAROL, make_position(valid, 0, 0))
    play.start_exit(BOB, bob_deposit)
    play.wait_until(150)
    play.process(WATCHER)
    play.wait_until(250)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(
            Payout(BOB, 50, at=260),
            Payout(MALLORY, 100, at=260),
            Payout(ALICE, 0, at=260),
        ),
        bonds=(
            BondRelease(BOB, BOB),
            BondRelease(MALLORY, MALLORY),
            BondRelease(ALICE, ALICE),
        ),
        impossible=(Impossible(BOB, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 0),),
    )
)
def late_exit_loses_to_attacker(play: Play) -> None:
    """A user who sleeps for more than a period after a bad block is paid after the attacker.

    The stated limit of the honest-withdrawal guarantee: users must watch the
    chain. Mallory's forged output (from a withheld block) matures two periods
    after that block. Bob notices within the period and exits ahead of her;
    Alice wakes up later, so her exit matures after Mallory's: Mallory takes
    what is left and Alice's exit meets an empty vault.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): users must
    check the chain and exit within the challenge period; OMG Network docs,
    "Challenge Period" (users must validate at least every min(REP, MFP/2)).
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 50)
    play.wait_until(20)
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 100)])
    invalid = play.commit([forged], withhold=True)
    play.start_insider_exit(MALLORY, make_position(invalid))
    play.wait_until(60)
    play.check_block(BOB, invalid)
    play.start_exit(BOB, bob_deposit)
    play.wait_until(150)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(260)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 30, at=120),),
        bonds=(BondRelease(ALICE, OPERATOR), BondRelease(CAROL, CAROL)),
        rejections=(
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.EXIT_ALREADY_STARTED, at=30),
        ),
        impossible=(
            Impossible(BOB, ActionKind.VALIDATE_BLOCK),
            Impossible(BOB, ActionKind.START_EXIT),
        ),
        vaults=(VaultBalance(0, 100),),
    )
)
def in_flight_payment_withheld(play: Play) -> None:
    """A payment in a withheld block is lost under standard exits alone (the MVP limit).

    Alice signs a payment to Bob; the operator puts it in a block and withholds
    it. Bob cannot prove his output, so he cannot exit. Alice exits the
    deposit she spent, and the operator, who holds her signed payment, takes
    her bond with a challenge. Nobody can ever exit those 100: they stay in the
    vault. Carol, not involved, leaves untouched. MoreVP's in-flight exits
    exist for exactly this case: the scenario in-flight-receiver-is-paid
    plays the same payment with them.

    Source: More Viable Plasma (Jones and Fichter, ethresear.ch, 2018), the
    in-flight transaction problem that motivates in-flight exits; OMG
    plasma-contracts PaymentInFlightExit end-to-end tests.
    """
    alice_deposit = play.deposit(ALICE, 100)
    carol_deposit = play.deposit(CAROL, 30)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    withheld = play.commit([payment], withhold=True)
    play.wait_until(20)
    play.check_block(BOB, withheld)
    play.start_exit(BOB, make_position(withheld))
    alice_exit = play.start_exit(ALICE, alice_deposit)
    play.start_exit(CAROL, carol_deposit)
    play.wait_until(30)
    play.challenge(OPERATOR, alice_exit)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(120)
    play.process(WATCHER)
