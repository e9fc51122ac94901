"""Scenarios of published invalid blocks: value from nowhere, inflation, double spends.

Everyone can replay a published block on the child chain and see it break a
rule; the settlement layer cannot, and commits its root anyway. Users with
older outputs exit ahead of everything the bad block created, the vault pays
no exit more than it holds, and a double-spent input can still be challenged.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.play import NOWHERE, Play, make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, TOKEN_A, WATCHER
from spec.errors import RejectionReason


@scenario(
    Expectation(
        payouts=(
            Payout(ALICE, 100, at=220),
            Payout(MALLORY, 60, at=220),
            Payout(BOB, 80, at=220, token=TOKEN_A),
            Payout(MALLORY, 0, at=220, token=TOKEN_A),
            Payout(CAROL, 0, at=320),
        ),
        bonds=(
            BondRelease(ALICE, ALICE),
            BondRelease(MALLORY, MALLORY),
            BondRelease(BOB, BOB),
            BondRelease(MALLORY, MALLORY),
            BondRelease(CAROL, CAROL),
        ),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.TX_INPUT_NOT_UNSPENT, at=10
            ),
        ),
        vaults=(VaultBalance(0, 0), VaultBalance(0, 0, TOKEN_A)),
    )
)
def vault_caps_payouts(play: Play) -> None:
    """Exits from nowhere are capped by each token's vault, which never goes below zero.

    The operator publishes an invalid block giving Mallory 500 of each token
    from nowhere, and Mallory exits both. Alice (native) and Bob (token-a) exit
    in time and are paid in full. Mallory's native exit then meets only what
    sleeping Carol left in the vault (60 of 500), her token-a exit meets an
    empty vault, and Carol, exiting too late, gets nothing. Each token's vault
    pays at most what was deposited in it, and one token's vault never pays
    another token's exit.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018), per-token exit
    queues; Dziembowski et al., "Lower bounds for off-chain protocols: exploring
    the limits of Plasma" (ITCS 2021), on solvency under byzantine operators.
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 80, TOKEN_A)
    carol_deposit = play.deposit(CAROL, 60)
    play.wait_until(10)
    outputs = [make_output(MALLORY, 500), make_output(MALLORY, 500, TOKEN_A)]
    invalid = play.commit([play.sign(MALLORY, [NOWHERE], outputs)])
    play.check_block(WATCHER, invalid)
    play.start_exit(MALLORY, make_position(invalid, 0, 0))
    play.start_exit(MALLORY, make_position(invalid, 0, 1))
    play.wait_until(20)
    play.start_exit(ALICE, alice_deposit)
    play.start_exit(BOB, bob_deposit)
    play.wait_until(220)
    play.process(WATCHER)
    play.process(WATCHER, TOKEN_A)
    play.start_exit(CAROL, carol_deposit)
    play.wait_until(320)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=210), Payout(MALLORY, 10, at=210)),
        bonds=(BondRelease(ALICE, ALICE), BondRelease(MALLORY, MALLORY)),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.TX_OUTPUTS_EXCEED_INPUTS, at=10
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def inflating_payment(play: Play) -> None:
    """A published payment that creates value is caught; its owner recovers only what it put in.

    Mallory deposits 10 and the operator publishes her payment turning it into
    110. A watcher replaying the block finds the outputs exceed the inputs.
    Alice exits her older deposit and is paid first; Mallory's inflated exit
    then meets only the 10 she deposited.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): a block with an
    invalid transaction is the signal to exit; OMG plasma-contracts
    PaymentTransactionStateTransitionVerifier tests (outputs may not exceed
    inputs).
    """
    alice_deposit = play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 10)
    play.wait_until(10)
    inflated = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 110)])
    block = play.commit([inflated])
    play.check_block(WATCHER, block)
    play.start_exit(MALLORY, make_position(block))
    play.wait_until(20)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=210), Payout(MALLORY, 50, at=210)),
        bonds=(BondRelease(ALICE, ALICE), BondRelease(MALLORY, MALLORY)),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.TX_DUPLICATE_INPUT, at=10
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def duplicate_input_payment(play: Play) -> None:
    """A payment naming one input twice is caught; counting it twice gains nothing.

    Mallory's payment spends her 50 deposit twice over, as two inputs, into an
    output of 100, and the operator publishes it. The watcher's replay rejects
    the duplicate input. Alice's older deposit is paid first and Mallory's
    exit gets back only her own 50.

    Source: the UTXO validity rules of Minimal Viable Plasma (Buterin,
    ethresear.ch, 2018), inputs distinct; OMG plasma-contracts
    PaymentTransactionStateTransitionVerifier tests.
    """
    alice_deposit = play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 50)
    play.wait_until(10)
    twice = play.sign(MALLORY, [mallory_deposit, mallory_deposit], [make_output(MALLORY, 100)])
    block = play.commit([twice])
    play.check_block(WATCHER, block)
    play.start_exit(MALLORY, make_position(block))
    play.wait_until(20)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(
            Payout(ALICE, 50, at=220),
            Payout(BOB, 100, at=220),
            Payout(MALLORY, 0, at=220),
        ),
        bonds=(
            BondRelease(MALLORY, BOB),
            BondRelease(ALICE, ALICE),
            BondRelease(BOB, BOB),
            BondRelease(MALLORY, MALLORY),
        ),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.TX_INPUT_NOT_UNSPENT, at=20
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def double_spend_in_later_block(play: Play) -> None:
    """A double spend in a later block loses to the first spend, and its input can be challenged.

    Mallory pays her deposit to Bob in block 4, then the colluding operator
    publishes block 8 in which she spends the same deposit again, to herself.
    The watcher's replay finds the input already spent. Mallory tries every
    exit: her deposit (Bob challenges it with her first spend and wins the
    bond) and her block-8 output, which queues behind Alice's deposit and
    Bob's older output and finds the vault empty.

    Source: Plasma Cash double-spend challenge (loomnetwork/plasma-cash
    testChallengeBetween.js); Minimal Viable Plasma (Buterin, ethresear.ch,
    2018), challenge with a spend and priority by age.
    """
    mallory_deposit = play.deposit(MALLORY, 100)
    alice_deposit = play.deposit(ALICE, 50)
    play.wait_until(10)
    first = play.commit([play.sign(MALLORY, [mallory_deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    again = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 100)])
    second = play.commit([again])
    play.check_block(WATCHER, second)
    cheat = play.start_exit(MALLORY, mallory_deposit)
    play.start_exit(MALLORY, make_position(second))
    play.challenge(BOB, cheat, spend=again)
    play.wait_until(30)
    play.start_exit(ALICE, alice_deposit)
    play.start_exit(BOB, make_position(first))
    play.wait_until(220)
    play.process(WATCHER)
