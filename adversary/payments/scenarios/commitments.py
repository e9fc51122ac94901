"""Scenarios of the block log and deposits: authority, immutability, numbering, rules.

Only an environment's operator appends child blocks, each at the next child
block number; a committed root, child or deposit, never changes. Deposits
fill the numbers between child blocks and obey the environment's rules, which
can be used only after the quarantine that follows registration.
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
from fixtures import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    DEPOSIT_LIMIT,
    MALLORY,
    OPERATOR,
    OPERATOR_TWO,
    WATCHER,
)
from spec.errors import RejectionReason


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=210),),
        bonds=(BondRelease(BOB, BOB),),
        rejections=(
            Rejection(
                OPERATOR, ActionKind.SUBMIT_BLOCK, RejectionReason.BLOCK_ALREADY_COMMITTED, at=20
            ),
            Rejection(
                OPERATOR, ActionKind.SUBMIT_BLOCK, RejectionReason.BLOCK_ALREADY_COMMITTED, at=20
            ),
            Rejection(
                OPERATOR, ActionKind.SUBMIT_BLOCK, RejectionReason.BLOCK_NUMBER_UNEXPECTED, at=20
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def committed_root_cannot_be_overwritten(play: Play) -> None:
    """The operator cannot replace a committed root, overwrite a deposit, or skip numbers.

    Alice pays Bob in block 4. The operator then tries to rewrite block 4 with
    a root paying Mallory instead, to write over deposit block 1, and to jump
    to block 12. All rejected: Bob's output stands and he is paid.

    Source: OMG plasma-contracts BlockController tests (submitBlock writes the
    next child block; deposits take the numbers between); the brief's known
    attacks "a block root overwritten" and "deposits reorganised".
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    block = play.commit([play.sign(ALICE, [deposit], [make_output(BOB, 100)])])
    play.wait_until(20)
    stolen = [play.sign(MALLORY, [deposit], [make_output(MALLORY, 100)])]
    for number, words in (
        (block, f"re-submits block {block} with a root paying Mallory"),
        (1, "submits a root over deposit block 1"),
        (block + 8, f"submits block {block + 8}, skipping block {block + 4}"),
    ):
        play.submit(OPERATOR, play.make_submission(OPERATOR, number, stolen), words)
    play.start_exit(BOB, make_position(block))
    play.wait_until(210)
    play.process(BOB)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(MALLORY, ActionKind.SUBMIT_BLOCK, RejectionReason.NOT_OPERATOR, at=10),
            Rejection(OPERATOR_TWO, ActionKind.SUBMIT_BLOCK, RejectionReason.NOT_OPERATOR, at=10),
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.UNKNOWN_BLOCK, at=10),
        ),
        vaults=(VaultBalance(0, 0),),
    ),
    operators=(OPERATOR, OPERATOR_TWO),
)
def only_the_operator_commits(play: Play) -> None:
    """Nobody but the environment's operator can commit its blocks, not even another operator.

    Mallory submits block 4 of env 0 with a payment of Alice's deposit to
    herself; then the operator of env 1 tries the same on env 0. Both are
    rejected, so Mallory's exit from "block 4" finds no block. Alice exits her
    deposit and is paid.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): submitBlock
    only by the operator; OMG plasma-contracts BlockController and Operated
    tests ("onlyOperator").
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    stolen = [play.sign(MALLORY, [deposit], [make_output(MALLORY, 100)])]
    for sender in (MALLORY, OPERATOR_TWO):
        words = "submits block 4 of env 0, paying Mallory"
        play.submit(sender, play.make_submission(sender, 4, stolen), words)
    claim = play.make_exit(MALLORY, make_position(4), block=stolen)
    play.submit(MALLORY, claim, "exits 4/0/0 of her block 4")
    play.start_exit(ALICE, deposit)
    play.wait_until(110)
    play.process(ALICE)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 10, at=100), Payout(DAVE, 40, at=100)),
        bonds=(BondRelease(ALICE, ALICE), BondRelease(DAVE, DAVE)),
        rejections=(Rejection(DAVE, ActionKind.DEPOSIT, RejectionReason.TOO_MANY_DEPOSITS, at=0),),
        vaults=(VaultBalance(0, 50),),
    )
)
def too_many_deposits(play: Play) -> None:
    """Deposits fill the numbers between child blocks; one more must wait for the next block.

    With a block interval of 4, deposit blocks 1, 2 and 3 fit before child
    block 4. Dave's fourth deposit is rejected and costs him nothing. Once the
    operator commits block 4, Dave's deposit takes block 5. Alice and Dave exit
    their deposits and are paid, oldest position first.

    Source: Minimal Viable Plasma (Buterin, ethresear.ch, 2018): deposit blocks
    between child blocks; OMG plasma-contracts BlockController tests on the
    maximum number of deposit blocks per child block interval.
    """
    alice_deposit = play.deposit(ALICE, 10)
    play.deposit(BOB, 20)
    play.deposit(CAROL, 30)
    play.deposit(DAVE, 40)
    play.commit([])
    dave_deposit = play.deposit(DAVE, 40)
    play.start_exit(DAVE, dave_deposit)
    play.start_exit(ALICE, alice_deposit)
    play.wait_until(100)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=110),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.DEPOSIT, RejectionReason.ENVIRONMENT_IN_QUARANTINE, at=0),
            Rejection(
                OPERATOR_TWO,
                ActionKind.SUBMIT_BLOCK,
                RejectionReason.ENVIRONMENT_IN_QUARANTINE,
                at=0,
            ),
        ),
        vaults=(VaultBalance(1, 0),),
    )
)
def environment_quarantine(play: Play) -> None:
    """A newly registered environment is unusable until its quarantine ends.

    The second operator registers environment 1. Alice's deposit and the
    operator's first block are rejected during the quarantine (10 s here), so
    users can read the fixed rules before any funds move under them. After it
    Alice deposits, exits, and is paid.

    Source: OMG plasma-contracts ExitGameRegistry and VaultRegistry tests
    (new exit games and vaults are quarantined before use); the brief's
    environment registry with quarantine.
    """
    env = play.register(OPERATOR_TWO)
    play.deposit(ALICE, 100, env=env)
    play.commit([], env=env)
    play.wait_until(10)
    deposit = play.deposit(ALICE, 100, env=env)
    play.start_exit(ALICE, deposit, env=env)
    play.wait_until(110)
    play.process(ALICE, env=env)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, DEPOSIT_LIMIT, at=100),),
        bonds=(BondRelease(ALICE, ALICE),),
        rejections=(
            Rejection(ALICE, ActionKind.DEPOSIT, RejectionReason.DEPOSIT_AMOUNT_ZERO, at=0),
            Rejection(ALICE, ActionKind.DEPOSIT, RejectionReason.DEPOSIT_ABOVE_LIMIT, at=0),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def deposit_limits(play: Play) -> None:
    """A deposit must be positive and within the environment's limit; rejected ones take no number.

    Alice deposits nothing, then one more than the limit: both rejected. Her
    deposit of exactly the limit takes block 1, the number the rejected ones
    did not use; she exits it and is paid in full.

    Source: OMG plasma-contracts EthVault/Erc20Vault deposit tests (zero and
    mismatched amounts are refused); invariant 6, deposit fidelity.
    """
    play.deposit(ALICE, 0)
    play.deposit(ALICE, DEPOSIT_LIMIT + 1)
    deposit = play.deposit(ALICE, DEPOSIT_LIMIT)
    play.start_exit(ALICE, deposit)
    play.wait_until(100)
    play.process(ALICE)
