"""Scenarios of production MoreVP bugs: each plays the story a historical bug got wrong.

Every scenario here restates a bug found in the production More Viable
Plasma contracts (OMG Network's plasma-contracts and their audits) as the
attack that would exploit it, with the outcome the spec must give. The
matching wrong rules are the mutants named in each source paragraph
(``adversary.payments.in_flight_twins``); ``plasma-spec mutate`` shows each
caught by its scenario.
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
    sign_jointly,
    start_in_flight_exit,
)
from adversary.payments.scenarios.play import Play, make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, PROCESSING_BOUNTY, TOKEN_A, WATCHER
from spec.environments.payments.transactions import FeeClaim
from spec.errors import RejectionReason

KEPT = 50 - PROCESSING_BOUNTY
"""What a settled piggyback's owner gets back of its bond of 50."""


@scenario(
    Expectation(
        rejections=(
            Rejection(
                MALLORY,
                ActionKind.START_IN_FLIGHT_EXIT,
                RejectionReason.TX_DUPLICATE_INPUT,
                at=20,
            ),
            Rejection(MALLORY, ActionKind.PIGGYBACK, RejectionReason.UNKNOWN_IN_FLIGHT_EXIT, at=20),
            Rejection(
                WATCHER, ActionKind.PROCESS_EXITS, RejectionReason.NO_EXIT_TO_PROCESS, at=200
            ),
        ),
        vaults=(VaultBalance(0, 200),),
    )
)
def in_flight_exit_with_duplicate_inputs(play: Play) -> None:
    """An in-flight payment naming one input twice cannot be exited at double its value.

    Mallory signs a payment that spends her deposit of 100 twice into one
    output of 200, never included, and starts its in-flight exit: rejected,
    the inputs of a payment must be distinct. Had it been accepted, her
    output would have taken Alice's 100 too.

    Source: production MoreVP bug, duplicate inputs multiplying an in-flight
    exit's value (OMG plasma-contracts audit findings on in-flight exit
    inputs); mutant ``in-flight-duplicate-inputs``.
    """
    play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 100)
    play.wait_until(10)
    doubled = play.sign(MALLORY, [mallory_deposit, mallory_deposit], [make_output(MALLORY, 200)])
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, MALLORY, doubled)
    piggyback(play, MALLORY, exit_id, OUTPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=210),),
        bonds=(BondRelease(BOB, BOB), BondRelease(BOB, BOB)),
        vaults=(VaultBalance(0, 0),),
    )
)
def unpiggybacked_in_flight_exit_returns_its_bond(play: Play) -> None:
    """An in-flight exit nobody piggybacked is deleted after its first phase, and its bond returned.

    Alice pays Bob in a withheld block, and Bob starts the in-flight exit.
    The operator then publishes the block, so Bob exits his output with a
    standard exit instead and never piggybacks. Once the first phase is over,
    Bob deletes the in-flight exit and gets its bond back.

    Source: production MoreVP bug, an in-flight exit's bond locked forever
    when nobody piggybacks it (such an exit was never queued, so never
    processed); mutant ``in-flight-delete-keeps-bond``.
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    withheld = play.commit([payment], withhold=True)
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    play.wait_until(30)
    publish(play, withheld)
    play.start_exit(BOB, make_position(withheld))
    play.wait_until(70)
    delete_in_flight_exit(play, BOB, exit_id)
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
            BondRelease(MALLORY, MALLORY, KEPT),
            BondRelease(MALLORY, WATCHER, PROCESSING_BOUNTY),
            BondRelease(MALLORY, MALLORY),
        ),
        vaults=(VaultBalance(0, 100),),
    )
)
def double_spend_in_two_in_flight_exits(play: Play) -> None:
    """Two in-flight spends of one input, both unchallenged: only the first processed pays.

    Mallory pays Bob 100 in a withheld block and signs a second spend of the
    same deposit to herself, never included. Both payments are exited in
    flight and their outputs piggybacked; nobody challenges canonicity. Bob's
    exit is processed first: it pays his output and settles Mallory's
    deposit. Mallory's exit finds its input settled by another exit, so it
    pays inputs, and her output gets nothing: Alice's 100 stay in the vault.

    Source: production MoreVP bug, an operator's (or co-signer's) double
    spend leaving both transactions canonical (canonical processing ignored
    inputs already finalized by another exit); mutant
    ``in-flight-double-spend-both-canonical``.
    """
    play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 100)
    play.wait_until(10)
    to_bob = play.sign(MALLORY, [mallory_deposit], [make_output(BOB, 100)])
    play.commit([to_bob], withhold=True)
    to_mallory = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 100)])
    play.wait_until(20)
    bob_exit = start_in_flight_exit(play, BOB, to_bob)
    piggyback(play, BOB, bob_exit, OUTPUT, 0)
    mallory_exit = start_in_flight_exit(play, MALLORY, to_mallory)
    piggyback(play, MALLORY, mallory_exit, OUTPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200), Payout(BOB, 40, at=200, token=TOKEN_A)),
        bonds=(
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
        ),
        vaults=(VaultBalance(0, 0), VaultBalance(0, 0, TOKEN_A)),
    )
)
def in_flight_exit_of_two_tokens(play: Play) -> None:
    """An in-flight payment of two tokens is paid in each token's queue.

    Alice pays Bob 100 native and 40 of token A in one payment, which the
    operator withholds. Bob exits it in flight and piggybacks both outputs:
    the exit waits in both tokens' queues. Processing the native queue pays
    his native output; processing token A's queue then pays the other.

    Source: production MoreVP bug, exit priorities that collide across
    tokens (an in-flight exit processed in one token's vault flagged as
    processed for all its tokens, stranding the others); mutant
    ``in-flight-processed-for-all-tokens``.
    """
    native = play.deposit(ALICE, 100)
    token_a = play.deposit(ALICE, 40, TOKEN_A)
    play.wait_until(10)
    payment = play.sign(
        ALICE, [native, token_a], [make_output(BOB, 100), make_output(BOB, 40, TOKEN_A)]
    )
    play.commit([payment], withhold=True)
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    piggyback(play, BOB, exit_id, OUTPUT, 1)
    play.wait_until(200)
    play.process(WATCHER)
    play.process(WATCHER, TOKEN_A)


@scenario(
    Expectation(
        payouts=(Payout(BOB, 100, at=200),),
        bonds=(
            BondRelease(ALICE, ALICE, KEPT),
            BondRelease(ALICE, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def unpaid_piggyback_gets_its_bond_back(play: Play) -> None:
    """A piggyback on the side that is not paid still gets its bond back.

    Alice pays Bob in a withheld block. Unsure whether the payment will
    count, Alice piggybacks her input and Bob his output. The payment is
    canonical, so the exit pays Bob's output; Alice's input is settled
    unpaid, and her bond comes back all the same (less the bounty): she
    piggybacked in good faith.

    Source: production MoreVP bug, a piggyback bond lost on the wrong side
    of canonicity (bonds returned only to paid piggybacks); mutant
    ``in-flight-unpaid-piggyback-keeps-bond``.
    """
    alice_deposit = play.deposit(ALICE, 100)
    play.wait_until(10)
    payment = play.sign(ALICE, [alice_deposit], [make_output(BOB, 100)])
    play.commit([payment], withhold=True)
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, BOB, payment)
    piggyback(play, ALICE, exit_id, INPUT, 0)
    piggyback(play, BOB, exit_id, OUTPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(CAROL, 100, at=210),),
        bonds=(
            BondRelease(CAROL, CAROL),
            BondRelease(MALLORY, MALLORY, KEPT),
            BondRelease(MALLORY, WATCHER, PROCESSING_BOUNTY),
            BondRelease(WATCHER, WATCHER),
        ),
        vaults=(VaultBalance(0, 100),),
    )
)
def non_canonical_outputs_are_not_paid(play: Play) -> None:
    """The outputs of a payment shown non-canonical are never paid.

    Mallory pays Carol 100 in a published block, then signs a second spend
    of the same deposit to herself, exits it in flight and piggybacks its
    output. The watcher challenges canonicity with the payment to Carol,
    included and older. At processing the exit pays inputs, not Mallory's
    output; Carol exits her output and is paid, and Alice's 100 stay.

    Source: production MoreVP bug, canonicity ignored when processing (the
    outputs were paid whatever the canonicity game decided); mutant
    ``in-flight-canonicity-ignored``.
    """
    play.deposit(ALICE, 100)
    mallory_deposit = play.deposit(MALLORY, 100)
    play.wait_until(10)
    to_carol = play.sign(MALLORY, [mallory_deposit], [make_output(CAROL, 100)])
    published = play.commit([to_carol])
    to_mallory = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 100)])
    play.wait_until(20)
    exit_id = start_in_flight_exit(play, MALLORY, to_mallory)
    piggyback(play, MALLORY, exit_id, OUTPUT, 0)
    play.start_exit(CAROL, make_position(published))
    challenge_canonicity(play, WATCHER, exit_id, to_carol)
    play.wait_until(210)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(OPERATOR, 1, at=220), Payout(OPERATOR, 1, at=220)),
        bonds=(BondRelease(OPERATOR, OPERATOR), BondRelease(OPERATOR, OPERATOR)),
        vaults=(VaultBalance(0, 198),),
    )
)
def identical_fee_claims_are_both_paid(play: Play) -> None:
    """Two fee claims alike word for word, in two blocks, are two outputs: both are paid.

    Alice and Bob each pay a fee of 1 in a different block, and the operator
    claims each fee with the same claim (1 native to itself). It exits both
    claims; both are paid, since an output that is not a payment's is named
    by its position as well as its contents.

    Source: production MoreVP bug, a caller-supplied output type trusted
    when computing an output's id (there: deposits and other outputs hashed
    differently, identical transactions colliding; here, the closest faithful
    analogue, a fee claim named like a payment by its body alone); mutant
    ``fee-claim-output-id-without-position``.
    """
    alice_deposit = play.deposit(ALICE, 100)
    bob_deposit = play.deposit(BOB, 100)
    claim = FeeClaim(make_output(OPERATOR, 1))
    play.wait_until(10)
    to_carol = play.sign(ALICE, [alice_deposit], [make_output(CAROL, 99)])
    first = play.commit([to_carol, claim])
    play.wait_until(20)
    to_dave = play.sign(BOB, [bob_deposit], [make_output(CAROL, 99)])
    second = play.commit([to_dave, claim])
    play.wait_until(30)
    play.start_exit(OPERATOR, make_position(first, 1))
    play.start_exit(OPERATOR, make_position(second, 1))
    play.wait_until(220)
    play.process(WATCHER)


@scenario(
    Expectation(
        payouts=(Payout(MALLORY, 100, at=200), Payout(BOB, 50, at=200)),
        bonds=(
            BondRelease(MALLORY, MALLORY, KEPT),
            BondRelease(MALLORY, WATCHER, PROCESSING_BOUNTY),
            BondRelease(MALLORY, MALLORY),
            BondRelease(BOB, BOB, KEPT),
            BondRelease(BOB, WATCHER, PROCESSING_BOUNTY),
            BondRelease(CAROL, CAROL, KEPT),
            BondRelease(CAROL, WATCHER, PROCESSING_BOUNTY),
            BondRelease(BOB, BOB),
        ),
        vaults=(VaultBalance(0, 0),),
    )
)
def honest_co_signer_refunded_despite_settled_input(play: Play) -> None:
    """An honest co-signer is refunded even when the other co-signer's input was settled.

    Mallory and Bob together pay Carol 150 in a withheld block. Mallory also
    spends her deposit to herself, in flight, and exits that payment first:
    its exit is processed first and settles her deposit. The joint payment's
    exit then finds an input settled by another exit, so it pays inputs:
    Bob, who piggybacked his, is refunded his 50 (Mallory's input, settled,
    is not paid twice); Carol, paid by a double-spending sender, gets nothing.

    Source: production MoreVP bug, a finalized-input rule that blocks an
    honest co-signer (no input was paid if any input was already finalized);
    mutant ``in-flight-finalized-input-blocks-co-signer``.
    """
    mallory_deposit = play.deposit(MALLORY, 100)
    bob_deposit = play.deposit(BOB, 50)
    play.wait_until(10)
    joint = sign_jointly(
        play, [(MALLORY, mallory_deposit), (BOB, bob_deposit)], [make_output(CAROL, 150)]
    )
    play.commit([joint], withhold=True)
    to_mallory = play.sign(MALLORY, [mallory_deposit], [make_output(MALLORY, 100)])
    play.wait_until(20)
    mallory_exit = start_in_flight_exit(play, MALLORY, to_mallory)
    piggyback(play, MALLORY, mallory_exit, OUTPUT, 0)
    joint_exit = start_in_flight_exit(play, BOB, joint)
    piggyback(play, BOB, joint_exit, INPUT, 1)
    piggyback(play, CAROL, joint_exit, OUTPUT, 0)
    play.wait_until(200)
    play.process(WATCHER)
