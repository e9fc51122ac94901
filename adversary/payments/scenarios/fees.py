"""Scenarios of fee claims: the operator's legitimate fee, and claims the child chain refuses.

A fee claim pays the operator at most what the block's payments left over.
The settlement layer never sees a block's contents, so it commits the root of
a block with a bad claim like any other; the child chain's rules mark the
block invalid, and the exit queue limits the damage.
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
from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, WATCHER
from spec.environments.payments.transactions import FeeClaim
from spec.errors import RejectionReason


@scenario(
    Expectation(
        payouts=(
            Payout(CAROL, 100, at=210),
            Payout(BOB, 90, at=210),
            Payout(OPERATOR, 10, at=210),
        ),
        bonds=(
            BondRelease(CAROL, CAROL),
            BondRelease(BOB, BOB),
            BondRelease(OPERATOR, OPERATOR),
        ),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.FEE_CLAIM_EXCEEDS_FEES, at=10
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def fee_claim_above_block_fees(play: Play) -> None:
    """An over-claimed fee makes the block invalid; the operator's exit comes after honest ones.

    Alice pays Bob 90 of 100, leaving a fee of 10, but the operator's block
    claims 50. The settlement layer commits the root; a watcher replaying the
    block finds the claim exceeds the fees. Carol (older deposit), Bob and the
    operator all exit. Carol's and Bob's outputs come first (older, then lower
    transaction index), so the operator's claim meets only the 10 left in the
    vault: exactly the fee it was owed.

    Source: OMG plasma-contracts FeeClaim end-to-end tests and
    FeeClaimOutputToPaymentTxCondition (fee outputs, spendable like payments);
    More Viable Plasma fee accounting (sum of inputs minus outputs).
    """
    carol_deposit = play.deposit(CAROL, 100)
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 90)])
    block = play.commit([payment, FeeClaim(make_output(OPERATOR, 50))])
    play.check_block(WATCHER, block)
    play.wait_until(20)
    play.start_exit(CAROL, carol_deposit)
    play.start_exit(BOB, make_position(block, 0, 0))
    play.start_exit(OPERATOR, make_position(block, 1, 0))
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(
            Payout(BOB, 90, at=220),
            Payout(OPERATOR, 10, at=220),
            Payout(MALLORY, 0, at=220),
        ),
        bonds=(
            BondRelease(BOB, BOB),
            BondRelease(OPERATOR, OPERATOR),
            BondRelease(MALLORY, MALLORY),
        ),
        rejections=(
            Rejection(
                WATCHER, ActionKind.VALIDATE_BLOCK, RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR, at=20
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def operator_exits_its_fee(play: Play) -> None:
    """The operator exits its legitimate fee like any output; a claim to someone else is invalid.

    Alice pays Bob 90 of 100 and the operator claims the fee of 10 in the same
    block, which a watcher finds valid. In the next block the operator hands a
    "fee" of 10 to Mallory: invalid, fees pay only the operator. Bob and the
    operator are paid in full; Mallory's exit comes last and gets nothing.

    Source: OMG plasma-contracts FeeClaim end-to-end tests (the operator exits
    its fee-claim output with a standard exit).
    """
    deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [deposit], [make_output(BOB, 90)])
    block = play.commit([payment, FeeClaim(make_output(OPERATOR, 10))])
    play.check_block(WATCHER, block)
    play.wait_until(20)
    misdirected = play.commit([FeeClaim(make_output(MALLORY, 10))])
    play.check_block(WATCHER, misdirected)
    play.start_exit(OPERATOR, make_position(block, 1, 0))
    play.start_exit(BOB, make_position(block, 0, 0))
    play.start_exit(MALLORY, make_position(misdirected))
    play.wait_until(220)
    play.process(WATCHER)
