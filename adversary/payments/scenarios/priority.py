"""Scenarios of exit timing and order: exitable times, priority, and the processing queue.

An exit of a deposit matures one period (MFP) after it starts; an exit of a
child-block output at ``max(block time + 2·MFP, start + MFP)``. Exits of a
queue are paid in (exitable time, position, exit id) order, and processing
stops at the first exit not yet mature. In these scenarios MFP is 100 s.
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
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, WATCHER
from spec.errors import RejectionReason


def not_mature(at: int) -> Rejection:
    """Return the rejection of the watcher processing, at ``at``, a queue with no mature head."""
    return Rejection(WATCHER, ActionKind.PROCESS_EXITS, RejectionReason.NO_EXIT_TO_PROCESS, at)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(not_mature(109),),
        vaults=(VaultBalance(0, 0),),
    )
)
def deposit_exit_matures_after_one_period(play: Play) -> None:
    """A deposit's exit matures exactly one period after it starts, not two after its block.

    Alice deposits at t+0 and exits at t+10. One second before t+110 there is
    nothing to process; at t+110 she is paid. (A child-block output of t+0
    would wait until t+200.)

    Source: Minimal Viable Plasma exit timing as in the OMG Network docs,
    "Challenge Period" (deposit SFT = exit request + MFP); OMG plasma-contracts
    ExitableTimestamp tests (calculateDepositTxOutputExitableTimestamp).
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    play.start_exit(ALICE, deposit)
    play.wait_until(109)
    play.process(WATCHER)
    play.wait_until(110)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=260), Payout(DAVE, 50, at=350)),
        bonds=(BondRelease(CAROL, CAROL), BondRelease(DAVE, DAVE)),
        rejections=(not_mature(259), not_mature(300)),
        vaults=(VaultBalance(0, 0),),
    )
)
def old_and_young_outputs_mature_differently(play: Play) -> None:
    """Old outputs mature a period after their exit starts; young ones two after their block.

    Carol's output is in block 4 (t+0), Dave's in block 8 (t+150). Both exit at
    t+160. Carol's output is older than a period, so her exit matures at t+260
    (start + MFP); Dave's is younger, so his waits until t+350 (block + 2·MFP),
    leaving watchers a full period to react to block 8 had it been bad.

    Source: OMG Network docs, "Challenge Period": SFT = max(exit request + MFP,
    UTXO block + MFP + REP); Minimal Viable Plasma (Buterin, ethresear.ch, 2018).
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 50)
    old = play.commit([play.sign(ALICE, [alice_deposit], [make_output(CAROL, 100)])])
    play.wait_until(150)
    young = play.commit([play.sign(BOB, [bob_deposit], [make_output(DAVE, 50)])])
    play.wait_until(160)
    play.start_exit(CAROL, make_position(old))
    play.start_exit(DAVE, make_position(young))
    for time in (259, 260, 300, 350):
        play.wait_until(time)
        play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=250), Payout(MALLORY, 0, at=250)),
        bonds=(BondRelease(ALICE, ALICE), BondRelease(MALLORY, MALLORY)),
        impossible=(Impossible(ALICE, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 0),),
    )
)
def withdrawal_delay_attack(play: Play) -> None:
    """The attacker exits first, yet an older output exiting later is still paid first.

    Alice holds an output of block 4. At t+50 the operator withholds block 8,
    giving Mallory funds from nowhere, and Mallory exits at once, hoping that
    being first in time puts her first in line. Alice only reacts at t+120, 70
    seconds later. Her exit still matures at t+220, before Mallory's at t+250,
    so she is paid and Mallory meets an empty vault.

    Source: K. Fichter, "Exploring plasma-mvp: Exit Priority" (omisego/research):
    priority by output age rather than exit start; Minimal Viable Plasma
    (Buterin, ethresear.ch, 2018).
    """
    deposit = play.deposit(BOB, 100)
    old = play.commit([play.sign(BOB, [deposit], [make_output(ALICE, 100)])])
    play.wait_until(50)
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 100)])
    bad = play.commit([forged], withhold=True)
    play.start_insider_exit(MALLORY, make_position(bad))
    play.wait_until(120)
    play.check_block(ALICE, bad)
    play.start_exit(ALICE, make_position(old))
    play.wait_until(250)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=100), Payout(MALLORY, 100, at=190)),
        bonds=(BondRelease(CAROL, CAROL), BondRelease(MALLORY, MALLORY)),
        rejections=(
            Rejection(CAROL, ActionKind.PROCESS_EXITS, RejectionReason.NO_EXIT_TO_PROCESS, at=150),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def old_output_cannot_stall_the_queue(play: Play) -> None:
    """A late exit of an older output cannot block exits that matured before it.

    Carol's exit matures at t+100. At t+90 Mallory starts the exit of an older
    output (deposit block 1, ahead of Carol's block 2). Were exits ordered by
    position alone, Mallory's immature exit would head the queue and hold
    Carol's payout back; ordered by exitable time first, Carol is paid on time
    and Mallory when her own exit matures.

    Source: OMG plasma-contracts ExitPriority tests ("should be positive
    correlative with exitableAt input even given nonce negatively correlated"):
    the exitable time is the most significant part of the priority.
    """
    mallory_deposit = play.deposit(MALLORY, 100)
    carol_deposit = play.deposit(CAROL, 100)
    play.start_exit(CAROL, carol_deposit)
    play.wait_until(90)
    play.start_exit(MALLORY, mallory_deposit)
    play.wait_until(100)
    play.process(CAROL)
    play.wait_until(150)
    play.process(CAROL)
    play.wait_until(190)
    play.process(MALLORY)


@scenario(
    Expectation(
        payouts=(
            Payout(CAROL, 100, at=200),
            Payout(DAVE, 60, at=200),
            Payout(MALLORY, 0, at=200),
        ),
        bonds=(
            BondRelease(CAROL, CAROL),
            BondRelease(DAVE, DAVE),
            BondRelease(MALLORY, MALLORY),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def priority_by_position(play: Play) -> None:
    """Exits maturing at the same time are paid by position (block, transaction, output).

    Block 4 gives Carol (transaction 0) and Dave (transaction 1) their outputs;
    block 8, withheld and invalid, gives Mallory the vault. Mallory exits first,
    Dave second, Carol last, and all three exits mature at t+200. Processed one
    at a time, they are paid in position order: Carol, Dave, then Mallory, who
    gets nothing.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): priority by
    (block number, transaction index, output index); OMG plasma-contracts
    PriorityQueue tests.
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 60)
    to_carol = play.sign(ALICE, [alice_deposit], [make_output(CAROL, 100)])
    to_dave = play.sign(BOB, [bob_deposit], [make_output(DAVE, 60)])
    honest = play.commit([to_carol, to_dave])
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 160)])
    bad = play.commit([forged], withhold=True)
    play.start_insider_exit(MALLORY, make_position(bad))
    play.wait_until(100)
    play.start_exit(DAVE, make_position(honest, 1, 0))
    play.start_exit(CAROL, make_position(honest, 0, 0))
    play.wait_until(200)
    for _ in range(3):
        play.process(WATCHER, max_exits=1)


@scenario(
    Expectation(
        payouts=(
            Payout(BOB, 100, at=300),
            Payout(ALICE, 100, at=300),
            Payout(DAVE, 100, at=300),
            Payout(MALLORY, 0, at=300),
        ),
        bonds=(
            BondRelease(BOB, BOB),
            BondRelease(ALICE, ALICE),
            BondRelease(DAVE, DAVE),
            BondRelease(MALLORY, MALLORY),
        ),
        impossible=(Impossible(WATCHER, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 0),),
    )
)
def mass_exit(play: Play) -> None:
    """When the operator turns byzantine everyone exits; all are paid before the attacker.

    Three users deposit; Carol pays Dave. The operator withholds a block giving
    Mallory everything, and she exits first. The honest users exit over the
    next 30 seconds in no particular order. Processed in two batches, the
    queue pays Bob and Alice (deposits), then Dave (block 4), then Mallory
    from an empty vault. Each user needs an exit of their own: with data
    withheld, a Plasma needs such mass exits.

    Source: Dziembowski et al., "Lower bounds for off-chain protocols: exploring
    the limits of Plasma" (ITCS 2021): mass exits under data unavailability;
    K. Fichter, "Basic Mass Exits for Plasma MVP" (ethresear.ch, 2018).
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 100)
    carol_deposit = play.deposit(CAROL, 100)
    block = play.commit([play.sign(CAROL, [carol_deposit], [make_output(DAVE, 100)])])
    play.wait_until(20)
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 300)])
    bad = play.commit([forged], withhold=True)
    play.start_insider_exit(MALLORY, make_position(bad))
    play.wait_until(30)
    play.check_block(WATCHER, bad)
    play.start_exit(DAVE, make_position(block))
    play.wait_until(40)
    play.start_exit(BOB, bob_deposit)
    play.wait_until(50)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(300)
    play.process(WATCHER, max_exits=2)
    play.process(WATCHER, max_exits=2)


@scenario(
    Expectation(
        payouts=(
            Payout(ALICE, 10, at=120),
            Payout(BOB, 20, at=120),
            Payout(CAROL, 30, at=120),
            Payout(DAVE, 40, at=150),
        ),
        bonds=(
            BondRelease(ALICE, ALICE),
            BondRelease(BOB, BOB),
            BondRelease(CAROL, CAROL),
            BondRelease(DAVE, DAVE),
        ),
        rejections=(
            Rejection(
                WATCHER, ActionKind.PROCESS_EXITS, RejectionReason.PROCESS_LIMIT_ZERO, at=120
            ),
            not_mature(120),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def processing_limit(play: Play) -> None:
    """Processing honours its limit and stops at the first immature exit.

    Three deposit exits mature at t+100..102, a fourth at t+150. At t+120 a
    limit of zero is rejected; limits of one pay Alice, then Bob; a limit of
    five pays Carol and stops at Dave's immature exit; one more call finds
    nothing mature. Dave is paid at t+150.

    Source: OMG plasma-contracts PlasmaFramework processExits(vaultId, token,
    topExitId, maxExitsToProcess), which bounds the work of one call during a
    mass exit; Minimal Viable Plasma finalizeExits.
    """
    alice_deposit = play.deposit(ALICE, 10)
    bob_deposit = play.deposit(BOB, 20)
    carol_deposit = play.deposit(CAROL, 30)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(1)
    play.start_exit(BOB, bob_deposit)
    play.wait_until(2)
    play.start_exit(CAROL, carol_deposit)
    play.commit([])
    dave_deposit = play.deposit(DAVE, 40)
    play.wait_until(50)
    play.start_exit(DAVE, dave_deposit)
    play.wait_until(120)
    for limit in (0, 1, 1, 5, 16):
        play.process(WATCHER, max_exits=limit)
    play.wait_until(150)
    play.process(WATCHER)
