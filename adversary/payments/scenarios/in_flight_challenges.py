"""Scenarios of challenges to in-flight exits: spent inputs, spent outputs, a spent deposit.

A piggyback claims an input or an output of an in-flight payment; watchers
(and the parties themselves) show a claim wrong by a payment that spends
what it claims, signed by its owner, and take its bond. These scenarios play
a sender who piggybacks an input she spent elsewhere, a receiver who
piggybacks an output he already spent, and a sender who exits, by a standard
exit, the deposit she paid away in flight. Unless a scenario says otherwise,
an in-flight exit's first phase lasts half a period (50 s) from its start.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.in_flight_play import (
    INPUT,
    OUTPUT,
    challenge_canonicity,
    challenge_input_spent,
    challenge_output_spent,
    piggyback,
    start_in_flight_exit,
)
from adversary.payments.scenarios.play import Play, make_output, make_position
from adversary.payments.scenarios.records import (
    BondRelease,
    Expectation,
    Payout,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, PROCESSING_BOUNTY, WATCHER

KEPT = 50 - PROCESSING_BOUNTY
"""What a settled piggyback's owner gets back of its bond of 50."""


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=210),),
        bonds=(
            BondRelease(MALLORY, WATCHER),
            BondRelease(CAROL, CAROL),
            BondRelease(WATCHER, WATCHER),
        ),
        vaults=(VaultBalance(0, 30),),
    )
)
def piggyback_of_spent_input_challenged(play: Play) -> None:
    """A sender who piggybacks an input she spent elsewhere loses the bond and the input.

    Mallory pays Carol 100 in a published block. She then signs a second
    spend of the same deposit, never included, exits it in flight and
    piggybacks its input, hoping for a refund of what Carol now owns. The
    watcher shows the input spent by the payment to Carol and takes the
    piggyback's bond, then challenges canonicity with that older, included
    payment and takes the exit's bond. Carol exits her output and is paid.

    Source: More Viable Plasma (Jones and Fichter, 2018), challenges of
    spent inputs; OMG plasma-contracts PaymentChallengeIFEInputSpent.
    """
    mallory_deposit = play.deposit(MALLORY, 100)
    play.deposit(CAROL, 30)
    play.wait_until(10)
    to_carol = play.sign(MALLORY, [mallory_deposit], [make_output(CAROL, 100)])
    published = play.commit([to_carol])
    second = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 100)])
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, MALLORY, second)
    piggyback(play, MALLORY, exit_id, INPUT, 0)
    play.start_exit(CAROL, make_position(published))
    play.wait_until(30)
    challenge_input_spent(play, WATCHER, exit_id, 0, to_carol)
    challenge_canonicity(play, WATCHER, exit_id, to_carol)
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=220),),
        bonds=(
            BondRelease(MALLORY, WATCHER),
            BondRelease(CAROL, CAROL),
            BondRelease(MALLORY, MALLORY),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def piggyback_of_spent_output_challenged(play: Play) -> None:
    """A receiver who piggybacks an output she already spent loses the piggyback's bond.

    Alice pays Mallory 100 and Mallory pays Carol with that output, both in
    published blocks. Mallory then exits Alice's payment in flight and
    piggybacks her output, which she spent. The watcher shows the payment
    included and its output spent by the payment to Carol, and takes the
    bond. The exit pays nothing; Carol exits her output and is paid.

    Source: More Viable Plasma (Jones and Fichter, 2018), challenges of
    spent outputs; OMG plasma-contracts PaymentChallengeIFEOutputSpent.
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    to_mallory = play.sign(ALICE, [alice_deposit], [make_output(MALLORY, 100)])
    first = play.commit([to_mallory])
    play.wait_until(20)
    to_carol = play.sign(MALLORY, [make_position(first)], [make_output(CAROL, 100)])
    second = play.commit([to_carol])
    play.wait_until(30)
    exit_id = start_in_flight_exit(play, MALLORY, to_mallory)
    piggyback(play, MALLORY, exit_id, OUTPUT, 0)
    play.start_exit(CAROL, make_position(second))
    challenge_output_spent(play, WATCHER, exit_id, 0, to_carol)
    play.wait_until(220)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(MALLORY, BOB),
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def sender_exit_of_in_flight_input_challenged(play: Play) -> None:
    """A sender who exits the deposit she paid away in flight is challenged with her payment.

    Mallory pays Bob 100 in a withheld block, then starts a standard exit of
    the deposit she spent (it would mature before Bob's in-flight exit and
    settle the deposit first). Bob exits in flight and piggybacks his output;
    he holds Mallory's signed payment, so he challenges her standard exit
    with it and takes her bond. Bob is paid.

    Source: More Viable Plasma (Jones and Fichter, 2018): a standard exit of
    a spent input is challenged with the in-flight spend; OMG
    plasma-contracts PaymentChallengeStandardExit.
    """
    mallory_deposit = play.deposit(MALLORY, 100)
    play.wait_until(10)
    payment = play.sign(MALLORY, [mallory_deposit], [make_output(BOB, 100)])
    play.commit([payment], withhold=True)
    play.wait_until(20)
    mallory_exit = play.start_exit(MALLORY, mallory_deposit)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(30)
    play.challenge(BOB, mallory_exit, spend=payment)
    play.wait_until(200)
    play.process(WATCHER)
