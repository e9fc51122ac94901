"""In-flight exits challenged: canonicity, responses, spent inputs and outputs, one rule a test."""

from __future__ import annotations

from dataclasses import replace

from spec.environments.payments.records import PiggybackSide, PiggybackStatus
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint8, Uint16, Uint64
from spec.settlement.state import get_balance
from tests.harness import EXIT_BOND, pay
from tests.in_flight_worlds import (
    ENV,
    HALF,
    PERIOD,
    WithheldPayment,
    make_withheld_payment_world,
)
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    CAROL_KEY,
    MALLORY,
    MALLORY_KEY,
    rejects,
)

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT


def started_with_double_spend() -> tuple[WithheldPayment, SignedTransaction]:
    """Return the withheld payment's exit started by Carol, and Alice's later double spend.

    Carol piggybacked her output; the double spend of Alice's deposit is in a
    later, published block.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.commit([double])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    return story, double


# Canonicity challenges


def test_challenge_with_an_in_flight_competitor_takes_the_bond() -> None:
    """Given the exit of the withheld payment, and Alice's double spend that was never included.

    When Mallory challenges with that double spend, shown only in flight,
    Then the exit is non-canonical, Mallory holds its bond, and the competitor is ranked
    younger than every included transaction.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(replace(world.challenge(MALLORY, story.payment), competitor=double, inclusion=None))
    exit = world.exit()
    assert not exit.canonical and exit.bond_owner == MALLORY
    assert exit.oldest_competitor is not None
    assert int(exit.oldest_competitor.block_number) == 2**64 - 1


@rejects(RejectionReason.CANONICITY_PERIOD_OVER)
def test_challenge_after_the_first_phase_is_rejected() -> None:
    """Given the exit started at s and Alice's included double spend.

    When Mallory challenges at s + MFP/2,
    Then it is rejected with CANONICITY_PERIOD_OVER.
    """
    story, double = started_with_double_spend()
    story.world.advance(HALF)
    story.world.reject(story.world.challenge(MALLORY, double))


@rejects(RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
def test_challenge_with_the_in_flight_payment_itself_is_rejected() -> None:
    """Given the exit of the withheld payment.

    When Mallory challenges with the payment itself as competitor,
    Then it is rejected with CHALLENGE_IS_IN_FLIGHT_TRANSACTION.
    """
    story, _ = started_with_double_spend()
    story.world.reject(story.world.challenge(MALLORY, story.payment))


@rejects(RejectionReason.COMPETITOR_NOT_SPENDING_INPUT)
def test_challenge_with_an_unrelated_payment_is_rejected() -> None:
    """Given the exit, and Carol's own payment of an unrelated deposit, included.

    When Mallory challenges with Carol's payment,
    Then it is rejected with COMPETITOR_NOT_SPENDING_INPUT.
    """
    story, _ = started_with_double_spend()
    world = story.world
    carol_deposit = world.deposit(CAROL, 10)
    unrelated = pay(ENV, [(carol_deposit, CAROL_KEY)], [(MALLORY, 10)])
    world.commit([unrelated])
    world.reject(world.challenge(MALLORY, unrelated))


@rejects(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def test_challenge_with_a_competitor_the_owner_did_not_sign_is_rejected() -> None:
    """Given the exit, and Mallory's own signature on a spend of Alice's deposit, included.

    When Mallory challenges with it,
    Then it is rejected with CHALLENGE_NOT_SIGNED_BY_OWNER.
    """
    story = make_withheld_payment_world()
    world = story.world
    forged = pay(ENV, [(story.alice_deposit, MALLORY_KEY)], [(MALLORY, 100)])
    world.commit([forged])
    world.apply(world.start(story.payment, sender=CAROL))
    world.reject(world.challenge(MALLORY, forged))


@rejects(RejectionReason.TX_NO_OUTPUTS)
def test_challenge_with_a_shapeless_competitor_is_rejected() -> None:
    """Given the exit, and Alice's signature on a spend of her deposit with no outputs.

    When Mallory challenges with it, in flight,
    Then it is rejected with TX_NO_OUTPUTS: no block could hold it.
    """
    story = make_withheld_payment_world()
    world = story.world
    empty = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [])
    world.apply(world.start(story.payment, sender=CAROL))
    world.reject(replace(world.challenge(MALLORY, story.payment), competitor=empty, inclusion=None))


@rejects(RejectionReason.INCLUSION_PROOF_INVALID)
def test_challenge_claiming_a_wrong_position_is_rejected() -> None:
    """Given the exit and Alice's included double spend.

    When Mallory challenges claiming it sits at transaction 1 of its block,
    Then it is rejected with INCLUSION_PROOF_INVALID.
    """
    story, double = started_with_double_spend()
    challenge = story.world.challenge(MALLORY, double)
    assert challenge.inclusion is not None
    position = replace(challenge.inclusion.position, transaction_index=Uint16(1))
    moved = replace(challenge.inclusion, position=position)
    story.world.reject(replace(challenge, inclusion=moved))


@rejects(RejectionReason.COMPETITOR_NOT_OLDER)
def test_second_challenge_with_a_younger_competitor_is_rejected() -> None:
    """Given the exit challenged with Alice's included double spend.

    When Mallory challenges again with a second double spend shown only in flight,
    Then it is rejected with COMPETITOR_NOT_OLDER.
    """
    story, double = started_with_double_spend()
    world = story.world
    world.apply(world.challenge(MALLORY, double))
    again = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(BOB, 100)])
    world.reject(replace(world.challenge(MALLORY, story.payment), competitor=again, inclusion=None))


# Responses


@rejects(RejectionReason.RESPONSE_NOT_OLDER)
def test_response_later_than_the_competitor_is_rejected() -> None:
    """Given the withheld payment was included after Alice's double spend (double first).

    When Carol responds with the payment's inclusion,
    Then it is rejected with RESPONSE_NOT_OLDER: the competitor really is older.
    """
    world = make_withheld_payment_world().world
    alice = world.deposit(ALICE, 100)
    bob = world.deposit(BOB, 50)
    double = pay(ENV, [(alice, ALICE_KEY)], [(MALLORY, 100)])
    world.commit([double])
    payment = pay(ENV, [(alice, ALICE_KEY), (bob, BOB_KEY)], [(CAROL, 150)])
    world.commit([payment])
    world.apply(world.start(payment, sender=CAROL))
    world.apply(world.challenge(MALLORY, double))
    world.reject(world.respond(CAROL, payment))


@rejects(RejectionReason.RESPONSE_WITHOUT_CHALLENGE)
def test_response_to_a_canonical_exit_is_rejected() -> None:
    """Given the exit of the withheld payment, never challenged.

    When Carol responds,
    Then it is rejected with RESPONSE_WITHOUT_CHALLENGE.
    """
    story, _ = started_with_double_spend()
    story.world.reject(story.world.respond(CAROL, story.payment))


@rejects(RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH)
def test_response_with_another_transaction_is_rejected() -> None:
    """Given the exit challenged with the double spend.

    When Mallory responds showing the double spend's inclusion instead of the payment's,
    Then it is rejected with IN_FLIGHT_TRANSACTION_MISMATCH.
    """
    story, double = started_with_double_spend()
    world = story.world
    world.apply(world.challenge(MALLORY, double))
    world.reject(world.respond(MALLORY, double))


@rejects(RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED)
def test_response_after_processing_is_rejected() -> None:
    """Given the challenged exit was processed (its inputs paid side decided).

    When Carol then responds with the payment's older inclusion,
    Then it is rejected with IN_FLIGHT_EXIT_ALREADY_DECIDED.
    """
    story, double = started_with_double_spend()
    world = story.world
    world.apply(world.challenge(MALLORY, double))
    world.advance(3 * PERIOD)
    world.apply(world.process())
    world.reject(world.respond(CAROL, story.payment))


# Spent challenges


def test_input_shown_spent_loses_its_piggyback_bond() -> None:
    """Given Alice piggybacked her input, and Alice also signed a double spend of it.

    When Mallory shows that double spend (not included),
    Then Alice's piggyback is challenged and its bond goes to Mallory.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(ALICE, INPUT, 0))
    before = get_balance(world.state, MALLORY, NATIVE_TOKEN)
    world.apply(world.input_spent(MALLORY, 0, double))
    assert world.exit().input_piggybacks[0].status == PiggybackStatus.CHALLENGED
    assert get_balance(world.state, MALLORY, NATIVE_TOKEN) - before == EXIT_BOND


@rejects(RejectionReason.PIGGYBACK_NOT_OPEN)
def test_spent_challenge_of_an_input_nobody_piggybacked_is_rejected() -> None:
    """Given the exit, with Alice's input not piggybacked.

    When Mallory shows Alice's double spend of it,
    Then it is rejected with PIGGYBACK_NOT_OPEN.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.reject(world.input_spent(MALLORY, 0, double))


@rejects(RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
def test_spent_challenge_of_a_missing_input_is_rejected() -> None:
    """Given the exit of a two-input payment.

    When Mallory challenges input 5,
    Then it is rejected with PIGGYBACK_INDEX_OUT_OF_RANGE.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.reject(world.input_spent(MALLORY, 5, double))


@rejects(RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
def test_spent_challenge_with_the_in_flight_payment_is_rejected() -> None:
    """Given Alice piggybacked her input.

    When Mallory shows the in-flight payment itself as the spend,
    Then it is rejected with CHALLENGE_IS_IN_FLIGHT_TRANSACTION.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(ALICE, INPUT, 0))
    world.reject(world.input_spent(MALLORY, 0, story.payment))


@rejects(RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK)
def test_spent_challenge_with_a_spend_of_another_input_is_rejected() -> None:
    """Given Alice piggybacked input 0, and Bob signed a spend of his own input 1.

    When Mallory shows Bob's spend against input 0,
    Then it is rejected with CHALLENGE_NOT_SPENDING_PIGGYBACK.
    """
    story = make_withheld_payment_world()
    world = story.world
    bobs = pay(ENV, [(story.bob_deposit, BOB_KEY)], [(MALLORY, 50)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(ALICE, INPUT, 0))
    world.reject(world.input_spent(MALLORY, 0, bobs))


def test_output_of_an_included_payment_shown_spent_loses_its_piggyback() -> None:
    """Given the payment was included (published) and Carol spent her output, yet piggybacked it.

    When Mallory shows Carol's spend with the payment's inclusion,
    Then Carol's piggyback is challenged and its bond goes to Mallory.
    """
    story = make_withheld_payment_world()
    world = story.world
    position = world.find(story.payment)
    carol_output = OutputPosition(position.block_number, position.transaction_index, Uint8(0))
    spend = pay(ENV, [(carol_output, CAROL_KEY)], [(BOB, 150)])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.output_spent(MALLORY, 0, story.payment, spend))
    assert world.exit().output_piggybacks[0].status == PiggybackStatus.CHALLENGED


@rejects(RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH)
def test_output_spent_challenge_proving_another_transaction_is_rejected() -> None:
    """Given Carol piggybacked her output, and Alice's double spend is included.

    When Mallory claims the double spend is the in-flight payment,
    Then it is rejected with IN_FLIGHT_TRANSACTION_MISMATCH.
    """
    story, double = started_with_double_spend()
    spend = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(BOB, 1)])
    story.world.reject(story.world.output_spent(MALLORY, 0, double, spend))


@rejects(RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
def test_challenge_of_an_unknown_exit_is_rejected() -> None:
    """Given only in-flight exit 0 exists.

    When Mallory challenges in-flight exit 7,
    Then it is rejected with UNKNOWN_IN_FLIGHT_EXIT.
    """
    story, double = started_with_double_spend()
    challenge = story.world.challenge(MALLORY, double)
    story.world.reject(replace(challenge, exit_id=Uint64(7)))


def test_an_honest_exit_answered_keeps_paying_its_receiver() -> None:
    """Given Alice piggybacked her input, and a challenge of the exit was answered.

    When the exit is processed,
    Then it pays the outputs, so Alice's input is settled unpaid (her bond back less the bounty).
    """
    story, double = started_with_double_spend()
    world = story.world
    world.apply(world.piggyback(ALICE, INPUT, 0))
    world.apply(world.challenge(MALLORY, double))
    world.apply(world.respond(CAROL, story.payment))
    world.advance(3 * PERIOD)
    before = get_balance(world.state, ALICE, NATIVE_TOKEN)
    world.apply(world.process())
    assert world.exit().input_piggybacks[0].status == PiggybackStatus.UNPAID
    assert get_balance(world.state, ALICE, NATIVE_TOKEN) - before == EXIT_BOND - 10
