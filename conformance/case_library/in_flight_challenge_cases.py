"""In-flight challenge cases: the canonicity game, and piggybacks shown spent.

The usual story (``conformance.case_library.in_flight_worlds``): Carol started
the in-flight exit of Alice's and Bob's payment to her. Alice's competitor
spends her deposit to Dave. Canonicity challenges belong to the first phase
(``now < started_at + MFP // 2``); responses and spent challenges are
accepted after it too, until processing.

What counts as a spend (in a competitor or a spent challenge): a payment of
valid shape, signed at the chosen input by the owner; it need not be
included, and it need not balance.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.case_library.in_flight_worlds import (
    INPUT,
    OUTPUT,
    PaymentStory,
    started_story,
)
from conformance.case_library.worlds import make_output, make_payment
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, TOKEN_A, Actor
from spec.encoding import encode
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.positions import OutputPosition, TransactionPosition
from spec.presets import Preset
from spec.primitives import Uint8, Uint16, Uint64
from spec.settlement.transition import Operation


def challenged_story(preset: Preset) -> PaymentStory:
    """Return the story after the competitor's block and a challenge naming it included."""
    story = started_story(preset)
    story.commit_competitor()
    story.apply(story.challenge(story.competitor))
    return story


def alice_spend(story: PaymentStory, signer: Actor = ALICE, amount: int = 100) -> SignedTransaction:
    """Return a spend of Alice's deposit of ``amount`` to Dave, signed by ``signer``."""
    return make_payment([story.alice_deposit], [make_output(DAVE, amount, TOKEN_A)], [signer])


# Canonicity challenges


@case(None)
def challenge_canonicity_with_an_included_competitor(preset: Preset) -> TraceBuilder:
    """An included competitor of Alice's input: the exit turns non-canonical, the watcher wins."""
    return challenged_story(preset).builder


@case(None)
def challenge_canonicity_in_the_last_second_of_the_first_phase(preset: Preset) -> TraceBuilder:
    """At ``started_at + MFP // 2 - 1`` a competitor shown only in flight still counts."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end() - 1)
    story.apply(story.challenge(story.competitor, included=False))
    return story.builder


@case(RejectionReason.CANONICITY_PERIOD_OVER)
def challenge_canonicity_when_the_first_phase_is_over(preset: Preset) -> TraceBuilder:
    """At ``started_at + MFP // 2`` canonicity challenges are over."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.challenge(story.competitor, included=False))
    return story.builder


@case(RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
def challenge_canonicity_with_the_payment_itself(preset: Preset) -> TraceBuilder:
    """The in-flight payment does not compete with itself."""
    story = started_story(preset)
    story.apply(story.challenge(story.payment, included=False))
    return story.builder


@case(RejectionReason.COMPETITOR_NOT_SPENDING_INPUT)
def challenge_canonicity_naming_a_missing_input(preset: Preset) -> TraceBuilder:
    """The competitor has one input; index 1 names none of the payment's inputs."""
    story = started_story(preset)
    story.apply(story.challenge(story.competitor, included=False, at=1))
    return story.builder


@case(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def challenge_canonicity_with_a_spend_signed_by_another(preset: Preset) -> TraceBuilder:
    """A spend of Alice's deposit signed by Mallory is no double spend of Alice's."""
    story = started_story(preset)
    story.apply(story.challenge(alice_spend(story, MALLORY), included=False))
    return story.builder


@case(RejectionReason.TX_DUPLICATE_INPUT)
def challenge_canonicity_with_a_shapeless_competitor(preset: Preset) -> TraceBuilder:
    """A competitor naming Alice's deposit twice could be in no block: refused with its shape."""
    story = started_story(preset)
    deposit = story.alice_deposit
    twice = make_payment([deposit, deposit], [make_output(DAVE, 100, TOKEN_A)], [ALICE, ALICE])
    story.apply(story.challenge(twice, included=False))
    return story.builder


@case(RejectionReason.INCLUSION_PROOF_INVALID)
def challenge_canonicity_with_a_wrong_inclusion_proof(preset: Preset) -> TraceBuilder:
    """The competitor's proof must put it at the position claimed."""
    story = started_story(preset)
    story.commit_competitor()
    challenge = story.challenge(story.competitor)
    assert challenge.inclusion is not None
    moved = TransactionPosition(challenge.inclusion.position.block_number, Uint16(1))
    story.apply(replace(challenge, inclusion=replace(challenge.inclusion, position=moved)))
    return story.builder


@case(RejectionReason.COMPETITOR_NOT_OLDER)
def challenge_canonicity_twice_with_competitors_in_flight(preset: Preset) -> TraceBuilder:
    """Each challenge needs a strictly older competitor; two in flight rank the same."""
    story = started_story(preset)
    story.apply(story.challenge(story.competitor, included=False))
    story.apply(story.challenge(alice_spend(story, amount=99), included=False))
    return story.builder


@case(None)
def challenge_canonicity_again_with_an_older_competitor(preset: Preset) -> TraceBuilder:
    """A competitor in flight, then the same one shown included: older, so accepted."""
    story = started_story(preset)
    story.apply(story.challenge(story.competitor, included=False))
    story.commit_competitor()
    story.apply(story.challenge(story.competitor))
    return story.builder


@case(RejectionReason.ENCODING_INVALID_FLAG)
def challenge_canonicity_bytes_with_an_invalid_inclusion_flag(preset: Preset) -> TraceBuilder:
    """An optional field is a flag byte (0 absent, 1 present) then the value: 2 does not decode.

    The challenge's last field is its optional inclusion; with the competitor
    in flight, its encoding ends with the flag 0, here made 2.
    """
    story = started_story(preset)
    challenge = story.challenge(story.competitor, included=False)
    encoding = encode(challenge, Operation)
    story.builder.apply_bytes(encoding[:-1] + b"\x02")
    return story.builder


# Responses


@case(None)
def respond_with_the_payment_included_before_the_competitor(preset: Preset) -> TraceBuilder:
    """Carol shows the payment in a block older than the competitor's: canonical again."""
    story = challenged_story(preset)
    story.apply(story.respond(story.payment))
    return story.builder


@case(None)
def respond_after_the_first_phase(preset: Preset) -> TraceBuilder:
    """Responses do not end with the first phase: one at ``started_at + MFP // 2`` is accepted."""
    story = challenged_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.respond(story.payment))
    return story.builder


@case(RejectionReason.RESPONSE_WITHOUT_CHALLENGE)
def respond_to_no_challenge(preset: Preset) -> TraceBuilder:
    """A canonical exit has no challenge to answer."""
    story = started_story(preset)
    story.apply(story.respond(story.payment))
    return story.builder


@case(RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH)
def respond_with_another_transaction(preset: Preset) -> TraceBuilder:
    """A response shows the in-flight payment, not some other included transaction."""
    story = challenged_story(preset)
    story.apply(replace(story.respond(story.payment), transaction=story.competitor))
    return story.builder


@case(RejectionReason.RESPONSE_NOT_OLDER)
def respond_when_the_competitor_was_included_first(preset: Preset) -> TraceBuilder:
    """Alice's competitor was committed before the payment: the payment is not canonical."""
    story = started_story(preset, competitor_first=True)
    story.apply(story.challenge(story.competitor))
    story.apply(story.respond(story.payment))
    return story.builder


@case(RejectionReason.COMPETITOR_NOT_OLDER)
def challenge_canonicity_after_a_response_with_a_younger_competitor(
    preset: Preset,
) -> TraceBuilder:
    """After a response, a challenge must name a competitor older than the payment itself."""
    story = challenged_story(preset)
    story.apply(story.respond(story.payment))
    story.apply(story.challenge(story.competitor))
    return story.builder


# Inputs shown spent


@case(None)
def challenge_a_piggybacked_input_spent_elsewhere(preset: Preset) -> TraceBuilder:
    """Alice piggybacked her input but signed another spend of it: her bond is the watcher's."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.input_spent(0, story.competitor))
    return story.builder


@case(None)
def challenge_a_piggybacked_input_after_the_first_phase(preset: Preset) -> TraceBuilder:
    """Spent challenges do not end with the first phase (they end when the piggyback settles)."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.advance_to(story.first_phase_end())
    story.apply(story.input_spent(0, story.competitor))
    return story.builder


@case(None)
def challenge_a_piggybacked_input_with_an_unbalanced_spend(preset: Preset) -> TraceBuilder:
    """A well-formed spend need not balance: Alice's signature on 100 paying 1000 is a spend."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.input_spent(0, alice_spend(story, amount=1000)))
    return story.builder


@case(RejectionReason.PIGGYBACK_NOT_OPEN)
def challenge_an_input_nobody_piggybacked(preset: Preset) -> TraceBuilder:
    """Only an open piggyback can be shown spent."""
    story = started_story(preset)
    story.apply(story.input_spent(0, story.competitor))
    return story.builder


@case(RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
def challenge_a_piggybacked_input_with_the_payment_itself(preset: Preset) -> TraceBuilder:
    """The in-flight payment spending the input is no spend *elsewhere*."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.input_spent(0, story.payment))
    return story.builder


@case(RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK)
def challenge_a_piggybacked_input_with_a_spend_of_another(preset: Preset) -> TraceBuilder:
    """Bob's spend of his own deposit says nothing about Alice's input."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    bobs = make_payment([story.bob_deposit], [make_output(DAVE, 50, TOKEN_A)], [BOB])
    story.apply(story.input_spent(0, bobs))
    return story.builder


@case(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def challenge_a_piggybacked_input_with_a_spend_signed_by_another(preset: Preset) -> TraceBuilder:
    """A spend of Alice's input signed by Mallory proves nothing against Alice."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.input_spent(0, alice_spend(story, MALLORY)))
    return story.builder


@case(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def challenge_a_piggybacked_input_with_a_shapeless_spend(preset: Preset) -> TraceBuilder:
    """A spend with two signatures on one input has no valid shape: refused with that reason."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    spend = story.competitor
    doubled = SignedTransaction(spend.transaction, spend.signatures * 2)
    story.apply(story.input_spent(0, doubled))
    return story.builder


# Outputs shown spent


@case(None)
def challenge_a_piggybacked_output_of_an_included_payment(preset: Preset) -> TraceBuilder:
    """The payment was included after all, and Carol spent its output: her bond is lost."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.apply(story.output_spent(0, story.payment, story.spend_of_output()))
    return story.builder


@case(RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH)
def challenge_a_piggybacked_output_showing_another_transaction(preset: Preset) -> TraceBuilder:
    """The transaction shown included must be the in-flight payment."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.commit_competitor()
    story.apply(story.output_spent(0, story.competitor, story.spend_of_output()))
    return story.builder


@case(RejectionReason.UNKNOWN_BLOCK)
def challenge_a_piggybacked_output_in_an_uncommitted_block(preset: Preset) -> TraceBuilder:
    """The payment's inclusion must name a committed block."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    inclusion = story.inclusion(story.payment)
    nowhere = replace(inclusion, position=TransactionPosition(Uint64(3), Uint16(0)))
    story.apply(story.output_spent(0, story.payment, story.spend_of_output(), inclusion=nowhere))
    return story.builder


@case(RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK)
def challenge_a_piggybacked_output_with_a_spend_of_another(preset: Preset) -> TraceBuilder:
    """A spend of output 1 at the payment's position is no spend of output 0."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    position = story.output_position(story.payment)
    other = OutputPosition(position.block_number, position.transaction_index, Uint8(1))
    spend = make_payment([other], [make_output(DAVE, 150, TOKEN_A)], [CAROL])
    story.apply(story.output_spent(0, story.payment, spend))
    return story.builder


@case(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def challenge_a_piggybacked_output_with_a_spend_signed_by_another(preset: Preset) -> TraceBuilder:
    """Carol's output spent by Mallory's signature is not spent."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.apply(story.output_spent(0, story.payment, story.spend_of_output(MALLORY)))
    return story.builder
