"""Scenarios of the Loom Plasma Cash flaws: each published flaw, now a rule of the spec.

Loom Network's Plasma Cash contracts (loomnetwork/plasma-cash, the first
public implementation) shipped with exit-game flaws that were later published.
Each is a rule of this spec, and each scenario below plays the exploit and
expects the exact rejection: an exit by someone who does not own the exiting
transfer, an exit whose transfer does not spend the parent it shows, a
re-submitted root at the latest block number, and an invalid-history game
that does not tie signatures to the coin's owner at that point (the answer
must be signed by the challenged leaf's recipient, the challenge's own leaf by
its parent's owner).
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
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR
from spec.errors import RejectionReason


@cash_scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=110),),
        bonds=(BondRelease(BOB, BOB),),
        rejections=(
            Rejection(MALLORY, ActionKind.START_EXIT, RejectionReason.EXIT_NOT_BY_OWNER, at=10),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_exit_by_non_owner_refused(play: CashPlay) -> None:
    """Someone else exiting Bob's coin with Bob's own leaves is refused; Bob exits it.

    Alice deposits a coin and transfers it to Bob. Mallory, who can read the
    chain like anyone, starts an exit of the coin with exactly the leaves Bob
    would show (Alice's transfer to Bob and its parent, the mint), naming
    herself as the exiter. The exiting transfer gives the coin to Bob, not to
    the sender: refused. Bob exits and is paid.

    Source: published flaw of the Loom Plasma Cash contracts (loomnetwork/
    plasma-cash RootChain.startExit did not require the sender to own the
    exiting transaction), listed in this project's issue; rule EXIT_NOT_BY_OWNER.
    """
    coin = play.deposit(ALICE, 100)
    block = play.commit([play.sign(ALICE, coin, coin, BOB)])
    play.wait_until(10)
    play.start_exit(MALLORY, coin, block, coin)
    play.start_exit(BOB, coin, block, coin)
    play.wait_until(110)
    play.finalize(BOB, 0)


@cash_scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=110),),
        bonds=(BondRelease(BOB, BOB),),
        rejections=(
            Rejection(
                MALLORY,
                ActionKind.START_EXIT,
                RejectionReason.TRANSFER_NOT_SPENDING_PARENT,
                at=10,
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_exit_not_spending_parent_refused(play: CashPlay) -> None:
    """An exit whose transfer does not spend the parent it shows is refused.

    Alice's coin goes to Mallory in block 4, and Mallory pays it to Bob in
    block 8. The operator, colluding, then includes a transfer Mallory signed
    to herself in block 12, naming block 8 (Bob's) as the one it spends.
    Mallory exits with that transfer and, as its parent, her own leaf of block
    4: the signature matches the parent's owner, but the transfer names block 8,
    not 4. Refused; Bob exits and is paid.

    Source: published flaw of the Loom Plasma Cash contracts (the exit did not
    check that the exiting transaction's previous block is the parent's
    block), listed in this project's issue; rule TRANSFER_NOT_SPENDING_PARENT.
    """
    coin = play.deposit(ALICE, 100)
    to_mallory = play.commit([play.sign(ALICE, coin, coin, MALLORY)])
    to_bob = play.commit([play.sign(MALLORY, coin, to_mallory, BOB)])
    again = play.commit([play.sign(MALLORY, coin, to_bob, MALLORY)])
    play.wait_until(10)
    play.start_exit(MALLORY, coin, again, to_mallory)
    play.start_exit(BOB, coin, to_bob, to_mallory)
    play.wait_until(110)
    play.finalize(BOB, 0)


@cash_scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=110),),
        bonds=(BondRelease(BOB, BOB),),
        rejections=(
            Rejection(
                OPERATOR, ActionKind.SUBMIT_BLOCK, RejectionReason.BLOCK_ALREADY_COMMITTED, at=10
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_latest_root_never_overwritten(play: CashPlay) -> None:
    """The operator cannot replace the latest committed root, not even its own last block.

    Alice pays her coin to Bob in block 4, the latest block. The operator then
    submits a new root at block 4 in which the coin went to Mallory instead,
    to erase Bob's leaf. A committed root never changes: refused. Bob exits
    with his leaf and is paid.

    Source: published flaw of the Loom Plasma Cash contracts (submitBlock
    accepted a block number equal to the current one, so the latest root could
    be overwritten), listed in this project's issue; rule BLOCK_ALREADY_COMMITTED.
    """
    coin = play.deposit(ALICE, 100)
    block = play.commit([play.sign(ALICE, coin, coin, BOB)])
    play.wait_until(10)
    play.resubmit(OPERATOR, block, [play.sign(ALICE, coin, coin, MALLORY)])
    play.start_exit(BOB, coin, block, coin)
    play.wait_until(110)
    play.finalize(BOB, 0)


@cash_scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=210),),
        bonds=(
            BondRelease(MALLORY, ALICE),
            BondRelease(ALICE, ALICE),
            BondRelease(ALICE, ALICE),
        ),
        rejections=(
            Rejection(
                MALLORY, ActionKind.CHALLENGE, RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER, at=30
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_thief_answer_not_signed_by_owner(play: CashPlay) -> None:
    """A thief's exit, challenged by the rightful owner, cannot be defended with a forged answer.

    Alice holds a freshly minted coin. The operator forges its history: in
    block 4 a transfer of the coin to Mallory signed by Mallory, in block 8
    Mallory's transfer to herself. Mallory exits with those two leaves. Alice
    challenges with her mint: the coin was hers, who spent it? Mallory answers
    with the forged block-4 transfer, which does spend the mint, but is not
    signed by Alice, its owner: refused. At maturity the exit is cancelled and
    Alice, the only challenger, wins Mallory's bond; Alice then exits and is paid.

    Source: published flaw of the Loom Plasma Cash contracts (the response to
    challengeBefore did not check that the responding transaction was signed
    by the challenged transaction's recipient), listed in this project's
    issue; rule RESPONSE_NOT_SIGNED_BY_OWNER.
    """
    coin = play.deposit(ALICE, 100)
    forged = play.commit([play.sign(MALLORY, coin, coin, MALLORY)])
    onward = play.commit([play.sign(MALLORY, coin, forged, MALLORY)])
    play.wait_until(10)
    theft = play.start_exit(MALLORY, coin, onward, forged)
    play.wait_until(20)
    play.challenge_history(ALICE, theft, coin, None)
    play.wait_until(30)
    play.respond(MALLORY, theft, coin, forged)
    play.wait_until(110)
    play.finalize(MALLORY, theft)
    play.exit_coin(ALICE, coin)
    play.wait_until(210)
    play.finalize(ALICE, 1)


@cash_scenario(
    Expectation(
        payouts=(Payout(DAVE, 100, at=110),),
        bonds=(BondRelease(DAVE, DAVE),),
        rejections=(
            Rejection(
                MALLORY,
                ActionKind.CHALLENGE,
                RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER,
                at=20,
            ),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def cash_history_challenge_with_forged_leaf_refused(play: CashPlay) -> None:
    """An invalid-history challenge must show a leaf signed by the coin's owner at that point.

    Alice pays her coin to Bob (block 4). The operator commits, in block 8, a
    transfer of the coin from Bob's leaf to Mallory that Mallory signed: it
    moves nothing. Bob pays Carol (block 12) and Carol pays Dave (block 16);
    Dave exits. Mallory challenges Dave's history with the forged leaf of
    block 8, which Dave could never answer (nobody spent it). The leaf is not
    signed by Bob, the owner of the leaf it spends: refused. Dave is paid.

    Source: published flaw of the Loom Plasma Cash contracts (challengeBefore
    did not check the challenging transaction's signature against its parent's
    owner, so an unanswerable challenge could be made up), listed in this
    project's issue; rule TRANSFER_NOT_SIGNED_BY_PARENT_OWNER.
    """
    coin = play.deposit(ALICE, 100)
    to_bob = play.commit([play.sign(ALICE, coin, coin, BOB)])
    forged = play.commit([play.sign(MALLORY, coin, to_bob, MALLORY)])
    to_carol = play.commit([play.sign(BOB, coin, to_bob, CAROL)])
    to_dave = play.commit([play.sign(CAROL, coin, to_carol, DAVE)])
    play.wait_until(10)
    honest = play.start_exit(DAVE, coin, to_dave, to_carol)
    play.wait_until(20)
    play.challenge_history(MALLORY, honest, forged, to_bob)
    play.wait_until(110)
    play.finalize(DAVE, honest)
