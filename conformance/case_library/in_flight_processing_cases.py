"""In-flight processing cases: which side is paid, per token, in one queue with standard exits.

An in-flight exit waits in the queue of each token it has a piggyback of, at
the exitable time that token's first piggyback set:
``max(youngest input's block time + 2·MFP, now + MFP)``. It is decided at its
first processing: outputs if canonical and no input was settled by another
exit, inputs otherwise. Each settled piggyback's bond goes back less the
processing bounty, which goes to the caller of ``ProcessExits``. Standard and
in-flight exits share one queue per token, ordered by (exitable time,
position, kind rank, exit id), and one set of finalized marks.
"""

from __future__ import annotations

from conformance.case_library.in_flight_challenge_cases import challenged_story
from conformance.case_library.in_flight_worlds import (
    INPUT,
    OUTPUT,
    InFlightStory,
    PaymentStory,
    make_outputs,
    started_story,
)
from conformance.case_library.worlds import make_deposit_exit, make_payment, start_settlement
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, TOKEN_A
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN


def piggybacked_story(preset: Preset) -> PaymentStory:
    """Return the story after Carol piggybacked her output (the exit is queued for token A)."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    return story


# Which side is paid


@case(None)
def process_a_canonical_exit_paying_its_output(preset: Preset) -> TraceBuilder:
    """At its exitable time the canonical exit pays Carol 150 and retires both inputs.

    Carol gets her piggyback bond back less the bounty (the watcher's, who
    processes) and the exit's own bond (she started it).
    """
    story = piggybacked_story(preset)
    story.advance_to(story.exitable())
    story.apply(story.process())
    return story.builder


@case(RejectionReason.NO_EXIT_TO_PROCESS)
def process_an_in_flight_exit_one_second_early(preset: Preset) -> TraceBuilder:
    """One second before its exitable time the in-flight exit is not mature."""
    story = piggybacked_story(preset)
    story.advance_to(story.exitable() - 1)
    story.apply(story.process())
    return story.builder


@case(None)
def process_a_non_canonical_exit_paying_its_inputs(preset: Preset) -> TraceBuilder:
    """Challenged with Alice's competitor and never answered: Alice and Bob are paid back.

    Carol's output piggyback is settled unpaid; the exit's bond went to the
    challenger.
    """
    story = started_story(preset)
    story.apply(story.challenge(story.competitor, included=False))
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.piggyback(BOB, INPUT, 1))
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.advance_to(story.exitable())
    story.apply(story.process())
    return story.builder


@case(RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED)
def respond_after_processing(preset: Preset) -> TraceBuilder:
    """Responses end at the exit's first processing, when its side is decided for good."""
    story = challenged_story(preset)
    story.apply(story.piggyback(BOB, INPUT, 1))
    story.advance_to(story.exitable())
    story.apply(story.process())
    story.apply(story.respond(story.payment))
    return story.builder


@case(RejectionReason.PIGGYBACK_NOT_OPEN)
def challenge_a_paid_output_after_processing(preset: Preset) -> TraceBuilder:
    """Spent challenges end when the piggyback is settled: Carol's paid output stays paid."""
    story = piggybacked_story(preset)
    story.advance_to(story.exitable())
    story.apply(story.process())
    story.apply(story.output_spent(0, story.payment, story.spend_of_output()))
    return story.builder


# Per token


def two_token_story(preset: Preset) -> tuple[InFlightStory, int]:
    """Return Alice's (100 of A) and Bob's (50 native) payment to Carol, exited in flight.

    Carol piggybacks her token A output, then one second later her native
    output. Returns the story and the token A exitable time.
    """
    story = InFlightStory(start_settlement(preset))
    alice = story.deposit(ALICE, 100)
    bob = story.deposit(BOB, 50, NATIVE_TOKEN)
    payment = make_payment(
        [alice, bob], make_outputs((CAROL, 100, TOKEN_A), (CAROL, 50, NATIVE_TOKEN)), [ALICE, BOB]
    )
    story.commit([payment])
    story.advance_to(int(story.state.time) + 3 * story.period)
    story.apply(story.start(payment))
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.advance_to(int(story.state.time) + 1)
    story.apply(story.piggyback(CAROL, OUTPUT, 1))
    return story, story.exitable(TOKEN_A)


@case(None)
def process_one_token_of_a_two_token_exit(preset: Preset) -> TraceBuilder:
    """Processing token A decides the exit and pays the token A output; the native one waits."""
    story, exitable = two_token_story(preset)
    story.advance_to(exitable)
    story.apply(story.process(TOKEN_A))
    return story.builder


@case(RejectionReason.NO_EXIT_TO_PROCESS)
def process_a_token_before_its_own_exitable_time(preset: Preset) -> TraceBuilder:
    """Each token's exitable time is its first piggyback's: native is one second behind token A."""
    story, exitable = two_token_story(preset)
    story.advance_to(exitable)
    story.apply(story.process(TOKEN_A))
    story.apply(story.process(NATIVE_TOKEN))
    return story.builder


@case(None)
def process_the_second_token_on_the_side_already_decided(preset: Preset) -> TraceBuilder:
    """The native output is paid a second later, on the side token A's processing decided."""
    story, exitable = two_token_story(preset)
    story.advance_to(exitable)
    story.apply(story.process(TOKEN_A))
    story.advance_to(exitable + 1)
    story.apply(story.process(NATIVE_TOKEN))
    return story.builder


# With standard exits


@case(None)
def skip_a_standard_exit_of_an_input_the_in_flight_exit_retired(preset: Preset) -> TraceBuilder:
    """Alice's own exit of her deposit matures a second after the in-flight exit: it is skipped.

    One call pays Carol, then skips Alice's exit: bond back, nothing paid, her
    deposit being settled already.
    """
    story = piggybacked_story(preset)
    exitable = story.exitable()
    story.advance_to(exitable - story.period + 1)
    story.apply(make_deposit_exit(story.builder, ALICE, int(story.alice_deposit.block_number), 100))
    story.advance_to(exitable + 1)
    story.apply(story.process())
    return story.builder


@case(RejectionReason.OUTPUT_ALREADY_FINALIZED)
def start_a_standard_exit_of_a_retired_input(preset: Preset) -> TraceBuilder:
    """Once the canonical exit retired Alice's deposit, no standard exit of it can start."""
    story = piggybacked_story(preset)
    story.advance_to(story.exitable())
    story.apply(story.process())
    story.apply(make_deposit_exit(story.builder, ALICE, int(story.alice_deposit.block_number), 100))
    return story.builder


@case(None)
def process_an_exit_whose_input_another_exit_settled(preset: Preset) -> TraceBuilder:
    """Bob's standard exit paid his deposit first: the exit pays inputs, each judged alone.

    Alice's piggybacked input is paid; Bob's, already settled, and Carol's
    output are settled unpaid.
    """
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 0))
    story.apply(story.piggyback(BOB, INPUT, 1))
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.apply(make_deposit_exit(story.builder, BOB, int(story.bob_deposit.block_number), 50))
    story.advance_to(int(story.state.time) + story.period)
    story.apply(story.process())
    story.advance_to(story.exitable())
    story.apply(story.process())
    return story.builder


@case(None)
def process_a_standard_exit_before_an_in_flight_exit_of_equal_rank(
    preset: Preset,
) -> TraceBuilder:
    """Same exitable time, same position (Bob's deposit): the standard exit goes first."""
    story = PaymentStory(start_settlement(preset))
    story.advance_to(int(story.state.time) + 2 * story.period)
    story.apply(story.start(story.payment))
    story.apply(make_deposit_exit(story.builder, BOB, int(story.bob_deposit.block_number), 50))
    story.apply(story.piggyback(CAROL, OUTPUT, 0))
    story.advance_to(story.exitable())
    story.apply(story.process(max_exits=1))
    return story.builder
