"""Scenarios of starting exits: who may exit what, with which bond and which proof.

Starting an exit is decided from its own witnesses: a committed block, a
Merkle proof of the transaction in it, the output's owner as sender, the exact
bond, and no earlier exit of the same output.
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
from fixtures import ALICE, BOB, EXIT_BOND, MALLORY, WATCHER
from spec.errors import RejectionReason


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=100),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.EXIT_ALREADY_STARTED, at=10),
            Rejection(
                ALICE, ActionKind.START_EXIT, RejectionReason.OUTPUT_ALREADY_FINALIZED, at=110
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def same_output_exited_twice(play: Play) -> None:
    """The same output cannot be exited twice, neither while its exit is open nor after payout.

    Alice exits her deposit, then starts a second exit of it while the first is
    open, and a third after the first was paid. Both repeats are rejected (the
    third because the paid output carries its finalized mark); she is paid once.

    Source: OMG plasma-contracts PaymentStartStandardExit test "should fail
    when same Exit has already started"; Plasma Cash, at most one exit per coin
    (loomnetwork/plasma-cash).
    """
    deposit = play.deposit(ALICE, 100)
    play.start_exit(ALICE, deposit)
    play.wait_until(10)
    play.start_exit(ALICE, deposit)
    play.wait_until(100)
    play.process(ALICE)
    play.wait_until(110)
    play.start_exit(ALICE, deposit)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 40, at=210), Payout(ALICE, 60, at=210)),
        bonds=(BondRelease(BOB, BOB), BondRelease(ALICE, ALICE)),
        rejections=(
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.EXIT_NOT_BY_OWNER, at=20),
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.EXIT_NOT_BY_OWNER, at=20),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def exit_by_non_owner_rejected(play: Play) -> None:
    """Only an output's owner may exit it.

    Alice pays Bob 40 of her deposit and keeps 60. Mallory tries to exit
    Alice's deposit and then Bob's new output, each with a valid proof:
    rejected, she owns neither. Bob and Alice exit their outputs and are paid,
    in position order.

    Source: OMG plasma-contracts PaymentStartStandardExit test "should fail
    when not initiated by the output owner"; Minimal Viable Plasma (Buterin,
    ethresear.ch, 2018), startExit by the output's owner.
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [deposit], [make_output(BOB, 40), make_output(ALICE, 60)])
    block = play.commit([payment])
    play.wait_until(20)
    play.start_exit(MALLORY, deposit)
    play.start_exit(MALLORY, make_position(block, 0, 0))
    play.start_exit(BOB, make_position(block, 0, 0))
    play.start_exit(ALICE, make_position(block, 0, 1))
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=100),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.EXIT_BOND_WRONG_AMOUNT, at=0),
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.EXIT_BOND_WRONG_AMOUNT, at=0),
            Rejection(ALICE, ActionKind.START_EXIT, RejectionReason.EXIT_BOND_WRONG_AMOUNT, at=0),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def wrong_exit_bond_rejected(play: Play) -> None:
    """An exit must post exactly the environment's bond: less, more or none is rejected.

    Alice tries to exit her deposit with a bond one below, one above, and zero;
    each is rejected and takes nothing from her. With the exact bond the exit
    starts, pays her in full, and returns the bond.

    Source: OMG plasma-contracts PaymentStartStandardExit test "should fail
    when amount of bond is invalid"; bond sizing in OMG BondSize tests.
    """
    deposit = play.deposit(ALICE, 100)
    for bond in (EXIT_BOND - 1, EXIT_BOND + 1, 0):
        operation = play.make_exit(ALICE, deposit, bond=bond)
        play.submit(ALICE, operation, f"starts an exit of 1/0/0 with a bond of {bond}")
    play.start_exit(ALICE, deposit)
    play.wait_until(100)
    play.process(ALICE)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=210),),
        bonds=(BondRelease(BOB, BOB),),
        rejections=(
            Rejection(
                MALLORY, ActionKind.START_EXIT, RejectionReason.INCLUSION_PROOF_INVALID, at=20
            ),
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.UNKNOWN_BLOCK, at=20),
            Rejection(
                MALLORY, ActionKind.START_EXIT, RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE, at=20
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def exit_without_inclusion_rejected(play: Play) -> None:
    """An exit must prove its transaction in a committed block, at an output that exists.

    Bob receives Alice's deposit in block 4. Mallory makes up a payment to
    herself and claims it is in block 4 (the proof does not match the root),
    then claims it is in block 8 (nothing committed there), then claims a
    fourth output of Bob's one-output payment. All rejected; Bob is paid.

    Source: OMG plasma-contracts PaymentStartStandardExit tests "should fail
    when the block of the position does not exists in the Plasma Framework"
    and "should fail when the transaction is not standard finalized";
    Minimal Viable Plasma (Buterin, ethresear.ch, 2018), Merkle proof of inclusion.
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    block = play.commit([play.sign(ALICE, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    made_up = [play.sign(MALLORY, [deposit], [make_output(MALLORY, 100)])]
    claim = play.make_exit(MALLORY, make_position(block), block=made_up)
    play.submit(MALLORY, claim, f"exits 4/0/0 claiming block {block} holds her made-up payment")
    claim = play.make_exit(MALLORY, make_position(block + 4), block=made_up)
    play.submit(MALLORY, claim, f"exits {block + 4}/0/0, a block never committed")
    claim = play.make_exit(MALLORY, make_position(block, 0, 3))
    play.submit(MALLORY, claim, f"exits {block}/0/3, an output Bob's payment does not have")
    play.start_exit(BOB, make_position(block))
    play.wait_until(210)
    play.process(BOB)
