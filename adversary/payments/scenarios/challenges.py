"""Scenarios of the challenge game: spent outputs exited, and challenges that must fail.

A standard exit is cancelled for good by a spend of its output signed by the
output's owner; the exit's bond goes to the challenger. The scenarios show a
successful challenge (also after maturity), that a cancelled exit never pays,
and that griefing an honest exit with anything short of the owner's genuine,
low-s signature on a spend of that very output is rejected.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.play import Play, make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, MALLORY, WATCHER, make_high_s_signature
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.primitives import Signature


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=210),),
        bonds=(BondRelease(ALICE, WATCHER), BondRelease(BOB, BOB)),
        vaults=(VaultBalance(0, 0),),
    )
)
def spent_output_exit_challenged(play: Play) -> None:
    """An exit of a spent output is challenged with the spend; the challenger wins the bond.

    Alice pays her deposit to Bob in a block, then tries to exit the deposit
    anyway. A watcher presents Alice's signed payment: the exit is cancelled
    and the watcher wins Alice's bond. Bob exits the output he received and is
    paid in full.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018), challengeExit;
    OMG plasma-contracts PaymentChallengeStandardExit test "should transfer the
    standard exit bond to challenger when successfully challenged"; Plasma Cash
    "challenge after" (loomnetwork/plasma-cash testChallengeAfter.js).
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    block = play.commit([play.sign(ALICE, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    cheat = play.start_exit(ALICE, deposit)
    play.wait_until(30)
    play.challenge(WATCHER, cheat)
    play.start_exit(BOB, make_position(block))
    play.wait_until(210)
    play.process(BOB)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=250),),
        bonds=(BondRelease(ALICE, WATCHER), BondRelease(BOB, BOB)),
        rejections=(
            Rejection(ALICE, ActionKind.PROCESS_EXITS, RejectionReason.NO_EXIT_TO_PROCESS, at=150),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def challenge_after_maturity(play: Play) -> None:
    """An exit that has matured but is not processed yet can still be challenged.

    Alice exits a deposit she already paid to Bob. Her exit matures at t+120,
    but nobody processes the queue. At t+150 a watcher challenges it: still
    accepted, since only processing ends the challenge window. Alice's attempt
    to process right after finds nothing to pay; Bob exits and is paid.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): an exit can be
    challenged until it is finalized; OMG plasma-contracts
    PaymentChallengeStandardExit, which checks only that the exit still exists.
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    block = play.commit([play.sign(ALICE, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    cheat = play.start_exit(ALICE, deposit)
    play.wait_until(150)
    play.challenge(WATCHER, cheat)
    play.process(ALICE)
    play.start_exit(BOB, make_position(block))
    play.wait_until(250)
    play.process(BOB)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=600),),
        bonds=(BondRelease(MALLORY, BOB), BondRelease(BOB, BOB)),
        rejections=(
            Rejection(
                MALLORY, ActionKind.PROCESS_EXITS, RejectionReason.NO_EXIT_TO_PROCESS, at=500
            ),
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.EXIT_ALREADY_STARTED, at=500),
            Rejection(WATCHER, ActionKind.CHALLENGE, RejectionReason.EXIT_NOT_OPEN, at=500),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def challenged_exit_never_pays(play: Play) -> None:
    """A challenged exit is cancelled for good: never paid, never restarted, never re-challenged.

    Mallory pays her deposit to Bob, then exits it; Bob challenges and wins the
    bond. Long after the exit would have matured, Mallory tries to process it
    (nothing to pay), to start it again (an output has at most one exit, ever),
    and a watcher's second challenge finds the exit no longer open. Bob is paid.

    Source: OMG plasma-contracts PaymentChallengeStandardExit test "should set
    exitable flag to false when successfully challenged" and
    PaymentProcessStandardExit (a non-exitable exit pays nothing); Plasma Cash,
    at most one exit per coin (loomnetwork/plasma-cash).
    """
    deposit = play.deposit(MALLORY, 100)
    play.wait_until(10)
    block = play.commit([play.sign(MALLORY, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    cheat = play.start_exit(MALLORY, deposit)
    play.wait_until(30)
    play.challenge(BOB, cheat)
    play.wait_until(500)
    play.process(MALLORY)
    play.start_exit(MALLORY, deposit)
    play.challenge(WATCHER, cheat)
    play.start_exit(BOB, make_position(block))
    play.wait_until(600)
    play.process(BOB)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(
                MALLORY, ActionKind.CHALLENGE, RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER, at=20
            ),
            Rejection(
                MALLORY, ActionKind.CHALLENGE, RejectionReason.CHALLENGE_NOT_SPENDING_EXIT, at=20
            ),
            Rejection(MALLORY, ActionKind.CHALLENGE, RejectionReason.SIGNATURE_MALFORMED, at=20),
        ),
        vaults=(VaultBalance(0, 30),),
    )
)
def griefing_challenges_rejected(play: Play) -> None:
    """Griefing an honest exit fails: forged, unrelated and malformed spends are all rejected.

    Alice exits her unspent deposit. Mallory, hoping to win Alice's bond, tries
    three challenges: a "spend" of Alice's output signed with Mallory's own key,
    a genuine spend of a different output (her own), and a spend carrying a
    signature of zero bytes. Each is rejected with its own reason; Alice is paid
    in full and gets her bond back.

    Source: the griefing attack on exit bonds (brief, known attacks); OMG
    plasma-contracts PaymentChallengeStandardExit test "should fail when
    spending condition contract returns false"; invariant 10, challenge
    soundness.
    """
    alice_deposit = play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 30)
    play.wait_until(10)
    honest = play.start_exit(ALICE, alice_deposit)
    play.wait_until(20)
    forged = play.sign(MALLORY, [alice_deposit], [make_output(MALLORY, 100)])
    play.challenge(MALLORY, honest, spend=forged)
    unrelated = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 30)])
    play.challenge(MALLORY, honest, spend=unrelated)
    garbage = SignedTransaction(forged.transaction, (Signature(bytes(65)),))
    play.challenge(MALLORY, honest, spend=garbage)
    play.wait_until(110)
    play.process(ALICE)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=210),),
        bonds=(BondRelease(ALICE, WATCHER), BondRelease(BOB, BOB)),
        rejections=(
            Rejection(MALLORY, ActionKind.CHALLENGE, RejectionReason.SIGNATURE_HIGH_S, at=30),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def malleated_signature_rejected(play: Play) -> None:
    """A malleated (high-s) twin of a genuine signature is rejected; only the original counts.

    Alice exits a deposit she paid to Bob. Mallory copies Alice's signature on
    that payment, turns it into its malleable twin (s replaced by n - s, the
    recovery id flipped), which recovers to Alice too, and races the watcher
    with it: rejected by the low-s rule. The watcher's challenge with the
    original signature wins the bond; Bob is paid.

    Source: Ethereum EIP-2 (low-s signatures) and Bitcoin BIP-62 on ECDSA
    malleability; OMG plasma-contracts verifies signatures with OpenZeppelin's
    ECDSA, which rejects high-s values.
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [deposit], [make_output(BOB, 100)])
    block = play.commit([payment])
    play.wait_until(20)
    cheat = play.start_exit(ALICE, deposit)
    play.wait_until(30)
    twin = SignedTransaction(payment.transaction, (make_high_s_signature(payment.signatures[0]),))
    play.challenge(MALLORY, cheat, spend=twin)
    play.challenge(WATCHER, cheat, spend=payment)
    play.start_exit(BOB, make_position(block))
    play.wait_until(210)
    play.process(BOB)
