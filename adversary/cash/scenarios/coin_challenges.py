"""Scenarios of Plasma Cash challenges: the three refutations, and the owner's duty to watch.

A bad exit of a coin is refuted by its rightful owner from the coin's own
history: a later spend by the exiter (cancels at once), an earlier spend of
the parent (cancels at once), or an earlier leaf nobody answers (bonded, only
in the first half of the period; cancels at maturity). These scenarios play
each, a byzantine operator forging and withholding a coin's history for a
thief, an owner who comes back in time and one who comes back too late, and
griefing challenges that cost the griefer its bond.
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
from fixtures import ALICE, BOB, CAROL, MALLORY
from spec.errors import RejectionReason


@cash_scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=120),),
        bonds=(BondRelease(MALLORY, BOB), BondRelease(BOB, BOB)),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_spent_coin_exit_challenged(play: CashPlay) -> None:
    """An exit of a coin the exiter already spent is cancelled by the spend.

    Mallory deposits a coin, pays it to Bob in block 4, then exits it with its
    mint anyway. Bob shows Mallory's transfer to him, which spends the mint and
    is signed by Mallory: the exit is cancelled at once and Bob wins the bond.
    Bob exits the coin and is paid.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018), challenge 1 (spent
    coin); loomnetwork/plasma-cash challengeAfter.
    """
    coin = play.deposit(MALLORY, 100)
    to_bob = play.commit([play.sign(MALLORY, coin, coin, BOB)])
    play.wait_until(10)
    cheat = play.start_exit(MALLORY, coin, coin)
    play.wait_until(20)
    play.challenge_spent(BOB, cheat, to_bob)
    bob = play.start_exit(BOB, coin, to_bob, coin)
    play.wait_until(120)
    play.finalize(BOB, bob)


@cash_scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=120),),
        bonds=(BondRelease(MALLORY, BOB), BondRelease(BOB, BOB)),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_double_spend_exit_challenged(play: CashPlay) -> None:
    """An exit of a double spend is cancelled by the spend that came first.

    Mallory pays her coin to Bob in block 4. The operator, colluding, includes
    in block 8 a second transfer of the coin from its mint to Mallory herself
    (a double spend: the mint was already spent). Mallory exits with that
    transfer and the mint. Bob shows his transfer, which spends the same mint,
    is signed by its owner, and lies between the mint and the exit: cancelled
    at once; Bob wins the bond, exits and is paid.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018), challenge 2 (double
    spend); loomnetwork/plasma-cash challengeBetween.
    """
    coin = play.deposit(MALLORY, 100)
    to_bob = play.commit([play.sign(MALLORY, coin, coin, BOB)])
    again = play.commit([play.sign(MALLORY, coin, coin, MALLORY)])
    play.wait_until(10)
    cheat = play.start_exit(MALLORY, coin, again, coin)
    play.wait_until(20)
    play.challenge_double_spend(BOB, cheat, to_bob)
    bob = play.start_exit(BOB, coin, to_bob, coin)
    play.wait_until(120)
    play.finalize(BOB, bob)


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=210),),
        bonds=(
            BondRelease(MALLORY, ALICE),
            BondRelease(ALICE, ALICE),
            BondRelease(ALICE, ALICE),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_forged_theft_cancelled(play: CashPlay) -> None:
    """A withheld, forged history of Alice's coin lets a thief exit; Alice's challenge stops it.

    Bob pays his coin to Alice in block 4. The operator then commits two
    blocks it never publishes: block 8 moves the coin from Alice to Mallory
    with Mallory's signature, block 12 from Mallory to herself. Mallory, the
    operator's accomplice, exits with those leaves. Alice, away for half a
    minute, comes back and challenges with the last leaf she can prove, Bob's
    transfer to her: nobody can show her spending it. At maturity the thief's
    exit is cancelled and Alice wins its bond; she exits and is paid.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018), challenge 3 (invalid
    history); loomnetwork/plasma-cash challengeBefore and
    respondChallengeBefore; an owner must look once per half period.
    """
    coin = play.deposit(BOB, 100)
    to_alice = play.commit([play.sign(BOB, coin, coin, ALICE)])
    forged = play.commit([play.sign(MALLORY, coin, to_alice, MALLORY)], withhold=True)
    onward = play.commit([play.sign(MALLORY, coin, forged, MALLORY)], withhold=True)
    play.wait_until(10)
    theft = play.start_exit(MALLORY, coin, onward, forged)
    play.wait_until(40)
    play.watch(ALICE)
    play.wait_until(110)
    play.finalize(ALICE, theft)
    honest = play.exit_coin(ALICE, coin)
    play.wait_until(210)
    play.finalize(ALICE, honest)


@cash_scenario(
    Expectation(
        payouts=(Payout(MALLORY, 100, at=110),),
        bonds=(BondRelease(MALLORY, MALLORY),),
        rejections=(
            Rejection(ALICE, ActionKind.CHALLENGE, RejectionReason.CHALLENGE_WINDOW_CLOSED, at=60),
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.COIN_ALREADY_EXITED, at=110),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_history_challenge_window_closed(play: CashPlay) -> None:
    """An owner who comes back after half the period can no longer challenge a forged history.

    The operator forges a history of Alice's coin for Mallory (blocks 4 and
    8, withheld) and Mallory exits at t+10. Alice is away until t+60, exactly
    half a period after the exit started: her invalid-history challenge is
    refused, since the exiter must keep the second half to answer. The thief
    is paid at t+110 and Alice's own exit finds the coin gone.

    Source: Plasma Cash (Buterin, ethresear.ch, 2018): owners must watch the
    chain once per exit period; the half-period window of this spec
    (spec.environments.cash.exits, get_challenge_deadline).
    """
    coin = play.deposit(ALICE, 100)
    forged = play.commit([play.sign(MALLORY, coin, coin, MALLORY)], withhold=True)
    onward = play.commit([play.sign(MALLORY, coin, forged, MALLORY)], withhold=True)
    play.wait_until(10)
    theft = play.start_exit(MALLORY, coin, onward, forged)
    play.wait_until(60)
    play.challenge_history(ALICE, theft, coin, None)
    play.wait_until(110)
    play.finalize(MALLORY, theft)
    play.exit_coin(ALICE, coin)


@cash_scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=110),),
        bonds=(BondRelease(MALLORY, CAROL), BondRelease(CAROL, CAROL)),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_griefing_history_challenge_answered(play: CashPlay) -> None:
    """A griefer's history challenge with an old leaf is answered; the griefer loses its bond.

    Alice pays her coin to Bob (block 4), Bob pays it to Carol (block 8), and
    Carol exits. Mallory posts a bond and challenges with the coin's mint, a
    valid leaf before the exit's parent, hoping Carol cannot answer. Carol
    shows Alice's transfer to Bob, which spends the mint and is signed by
    Alice: the challenge is closed and its bond goes to Carol, who is paid at
    maturity.

    Source: the griefing attack on exit bonds (brief, known attacks);
    loomnetwork/plasma-cash respondChallengeBefore; K. Floersch, "Plasma Cash
    simple spec", response to an invalid-history challenge.
    """
    coin = play.deposit(ALICE, 100)
    to_bob = play.commit([play.sign(ALICE, coin, coin, BOB)])
    to_carol = play.commit([play.sign(BOB, coin, to_bob, CAROL)])
    play.wait_until(10)
    honest = play.start_exit(CAROL, coin, to_carol, to_bob)
    play.wait_until(20)
    play.challenge_history(MALLORY, honest, coin, None)
    play.wait_until(30)
    play.respond(CAROL, honest, coin, to_bob)
    play.wait_until(110)
    play.finalize(CAROL, honest)


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(MALLORY, ActionKind.CHALLENGE, RejectionReason.CHALLENGE_BEFORE_MINT, at=20),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_history_before_mint_refused(play: CashPlay) -> None:
    """Leaves the operator committed at a coin's key before it was minted are not its history.

    The operator guesses the next coin's id (9, the deposit after block 8) and
    commits, in blocks 4 and 8, a transfer of that coin to Mallory and one from
    Mallory to herself. Alice then deposits and mints coin 9, and exits it
    with its mint. Mallory challenges with the block-8 leaf and its parent:
    nobody can answer it, but a coin has no history before its mint. Refused;
    Alice is paid.

    Source: Plasma Cash: a coin's history starts at its deposit block
    (loomnetwork/plasma-cash keeps each coin's depositBlock); rule
    CHALLENGE_BEFORE_MINT of this spec.
    """
    before = play.commit([play.sign(MALLORY, 9, 0, MALLORY)])
    guess = play.commit([play.sign(MALLORY, 9, before, MALLORY)])
    coin = play.deposit(ALICE, 100)
    play.wait_until(10)
    honest = play.exit_coin(ALICE, coin)
    play.wait_until(20)
    play.challenge_history(MALLORY, honest, guess, before)
    play.wait_until(110)
    play.finalize(ALICE, honest)
