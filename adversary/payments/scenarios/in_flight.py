"""Scenarios of in-flight exits (More Viable Plasma): payments caught in a withheld block.

A payment is in flight when its owners cannot show it in a published block.
MoreVP lets them exit it as a whole: the exit pays the piggybacked outputs if
the payment is canonical (no older spend of an input), and the piggybacked
inputs otherwise. These scenarios play the honest stories (a receiver and a
sender each get their due) and attacks on the exit game: griefing
canonicity challenges, piggybacks by the wrong party or too late, and
deletions of live exits (challenges of spent claims are in
``adversary.payments.scenarios.in_flight_challenges``, the production bugs in
``adversary.payments.scenarios.in_flight_bugs``). Unless a scenario says
otherwise, an in-flight exit's first phase lasts half a period (50 s) from
its start, and a token's first piggyback sets its exitable time to
``max(youngest input's block + 2 MFP, now + MFP)``.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.in_flight_play import (
    INPUT,
    OUTPUT,
    challenge_canonicity,
    delete_in_flight_exit,
    piggyback,
    publish,
    respond,
    sign_jointly,
    start_in_flight_exit,
)
from adversary.payments.scenarios.play import Play, make_output
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Impossible,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, PROCESSING_BOUNTY, WATCHER
from spec.errors import RejectionReason

KEPT = 50 - PROCESSING_BOUNTY
"""What a settled piggyback's owner gets back of its bond of 50."""


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        impossible=(Impossible(BOB, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 30),),
    )
)
def in_flight_receiver_is_paid(play: Play) -> None:
    """A payment in a withheld block is paid to its receiver through an in-flight exit.

    The MVP limit lifted. Alice pays Bob 100; the operator puts the payment in
    a block and withholds it, so Bob cannot prove his output. Bob, holding
    the signed payment, starts its in-flight exit at once, proving Alice's
    deposit as its input, and piggybacks his output. Nobody can show an older
    spend of Alice's deposit: the payment stays canonical, and at its exitable
    time (two periods after the deposit) Bob is paid. His piggyback bond comes
    back less the processing bounty, which goes to the watcher who processed,
    and he gets the exit's own bond back. Carol, not involved, keeps her 30 in
    the vault.

    Source: More Viable Plasma (Jones and Fichter, ethresear.ch, 2018),
    in-flight exits; OMG plasma-contracts PaymentInFlightExit end-to-end
    tests ("should be able to exit an output of an in-flight transaction").
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.deposit(CAROL, 30)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    withheld = play.commit([payment], withhold=True)
    play.wait_until(20)
    play.check_block(BOB, withheld)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=200), Payout(MALLORY, 50, at=200)),
        bonds=(
            BondRelease(ALICE, ALICE, KEPT),
            BondRelease(ALICE, WATCHER, PROCESSING_BOUNTY),
            BondRelease(MALLORY, MALLORY, KEPT),
            BondRelease(MALLORY, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(MALLORY, MALLORY),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def dishonest_co_signer_cannot_take_the_honest_input(play: Play) -> None:
    """A co-signer who double-spends her input makes the payment non-canonical; Alice is refunded.

    Alice and Mallory together pay Bob 150 (Alice's 100 and Mallory's 50); the
    operator withholds the block. Mallory also signs a second spend of her
    deposit to herself and, as soon as Alice starts the in-flight exit,
    challenges its canonicity with it. Nobody can show the payment included
    in a published block, so it stays non-canonical and Mallory holds the
    exit's bond. The exit then pays inputs: Alice, who piggybacked her input,
    is refunded her 100; Mallory gets back her own 50; Bob's piggybacked
    output is settled unpaid (his bond comes back): a receiver is protected
    only when every sender is honest.

    Source: More Viable Plasma (Jones and Fichter, 2018), canonicity and the
    exit of inputs; OMG plasma-contracts PaymentChallengeIFENotCanonical.
    """
    alice_deposit = play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 50)
    play.wait_until(10)
    payment = sign_jointly(
        play, [(ALICE, alice_deposit), (MALLORY, mallory_deposit)], [make_output(BOB, 150)]
    )
    play.commit([payment], withhold=True)
    competitor = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 50)])
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, ALICE, payment)
    piggyback(play, ALICE, exit_id, INPUT, 0)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    challenge_canonicity(play, MALLORY, exit_id, competitor, included=False)
    piggyback(play, MALLORY, exit_id, INPUT, 1)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 150, at=200),),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        rejections=(
            Rejection(
                MALLORY,
                ActionKind.CHALLENGE_CANONICITY,
                RejectionReason.COMPETITOR_NOT_OLDER,
                at=45,
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def griefing_canonicity_challenge_answered(play: Play) -> None:
    """A canonicity challenge with a younger competitor is answered with the payment's inclusion.

    Alice and Mallory together pay Bob 150; the operator withholds the block,
    and Bob starts the in-flight exit and piggybacks his output. Mallory
    signs a second spend of her deposit and challenges canonicity with it,
    only in flight: the exit turns non-canonical. The operator then publishes
    the block late, and Bob answers with his payment's inclusion, older than
    any competitor in flight: the exit is canonical again and its bond is
    Bob's. Mallory's second try with the same competitor is rejected, since a
    challenge must now name a spend older than the payment itself. Bob is paid.

    Source: More Viable Plasma (Jones and Fichter, 2018), responses to
    non-canonical challenges; OMG plasma-contracts
    PaymentChallengeIFENotCanonical ("respondToNonCanonicalChallenge").
    """
    alice_deposit = play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 50)
    play.wait_until(10)
    payment = sign_jointly(
        play, [(ALICE, alice_deposit), (MALLORY, mallory_deposit)], [make_output(BOB, 150)]
    )
    withheld = play.commit([payment], withhold=True)
    competitor = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 50)])
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(30)
    challenge_canonicity(play, MALLORY, exit_id, competitor, included=False)
    play.wait_until(40)
    publish(play, withheld)
    respond(play, BOB, exit_id, payment)
    play.wait_until(45)
    challenge_canonicity(play, MALLORY, exit_id, competitor, included=False)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        rejections=(
            Rejection(MALLORY, ActionKind.PIGGYBACK, RejectionReason.PIGGYBACK_NOT_BY_OWNER, at=20),
            Rejection(BOB, ActionKind.PIGGYBACK, RejectionReason.PIGGYBACK_ALREADY_MADE, at=30),
            Rejection(ALICE, ActionKind.PIGGYBACK, RejectionReason.PIGGYBACK_PERIOD_OVER, at=70),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def piggybacks_by_the_wrong_party_or_too_late(play: Play) -> None:
    """Only an owner piggybacks, once, and only in the exit's first phase.

    Alice pays Bob 100 in a withheld block and Bob exits it in flight. Mallory
    tries to piggyback Bob's output (to be paid in his place): rejected, she
    does not own it. Bob piggybacks it, then tries again: rejected, it is
    piggybacked already. Alice tries to piggyback her input once the first
    phase is over (50 s after the start): rejected, too late to be queued
    fairly. Bob is paid.

    Source: OMG plasma-contracts PaymentPiggybackInFlightExit tests ("should
    fail when not called by the output owner", "should fail when the output
    has already been piggybacked", "should fail when first phase is over").
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    play.commit([payment], withhold=True)
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, MALLORY, exit_id, OUTPUT, 0)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(30)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(70)
    piggyback(play, ALICE, exit_id, INPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        rejections=(
            Rejection(
                MALLORY,
                ActionKind.DELETE_IN_FLIGHT_EXIT,
                RejectionReason.PIGGYBACK_PERIOD_NOT_OVER,
                at=30,
            ),
            Rejection(
                MALLORY,
                ActionKind.DELETE_IN_FLIGHT_EXIT,
                RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED,
                at=80,
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def live_in_flight_exit_cannot_be_deleted(play: Play) -> None:
    """An in-flight exit cannot be deleted during its first phase, nor once piggybacked.

    Alice pays Bob 100 in a withheld block; Bob exits it in flight and
    piggybacks his output. Mallory tries to delete the exit while owners may
    still piggyback it, then again after the first phase: both rejected, the
    exit has a piggyback to pay. Bob is paid.

    Source: spec design of issue 14 (deleting an exit nobody piggybacked, the
    fix of the locked-bond bug); OMG plasma-contracts
    PaymentDeleteInFlightExit tests ("should fail when there is piggyback").
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    play.commit([payment], withhold=True)
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(30)
    delete_in_flight_exit(play, MALLORY, exit_id)
    play.wait_until(80)
    delete_in_flight_exit(play, MALLORY, exit_id)
    play.wait_until(200)
    play.process(WATCHER)
