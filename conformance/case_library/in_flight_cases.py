"""In-flight exit cases: starting an exit, piggybacking on it, deleting it.

Each case tells the usual story of ``conformance.case_library.in_flight_worlds``
(Alice and Bob pay Carol 150 in a withheld block) and ends with the step it
is about. The first phase of exit 0 lasts while ``now < started_at + MFP // 2``;
the cases on its edge run at ``started_at + MFP // 2 - 1`` (still inside) and
at ``started_at + MFP // 2`` (over).
"""

from __future__ import annotations

from dataclasses import replace

from conformance.case_library.in_flight_worlds import (
    INPUT,
    OUTPUT,
    start_story,
    started_story,
)
from conformance.case_library.worlds import make_output, make_payment
from conformance.cases import TraceBuilder, case
from fixtures import ALICE, BOB, CAROL, MALLORY, TOKEN_A
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Uint256

# Start


@case(None)
def in_flight_exit_started_by_a_receiver(preset: Preset) -> TraceBuilder:
    """Carol, who cannot see the withheld block, starts the in-flight exit of her payment."""
    return started_story(preset).builder


@case(RejectionReason.IN_FLIGHT_WITNESS_COUNT_MISMATCH)
def in_flight_exit_missing_an_input_witness(preset: Preset) -> TraceBuilder:
    """A start proving one of the payment's two inputs is refused."""
    story = start_story(preset)
    start = story.start(story.payment)
    story.apply(replace(start, input_transactions=start.input_transactions[:1]))
    return story.builder


@case(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def in_flight_exit_of_a_payment_its_input_owner_did_not_sign(preset: Preset) -> TraceBuilder:
    """A payment of Alice's deposit signed by Mallory is no payment of Alice's: refused."""
    story = start_story(preset)
    forged = make_payment([story.alice_deposit], [make_output(MALLORY, 100, TOKEN_A)], [MALLORY])
    story.apply(story.start(forged, sender=MALLORY))
    return story.builder


@case(RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
def in_flight_exit_of_a_payment_creating_value(preset: Preset) -> TraceBuilder:
    """Per token, the proven inputs must cover the outputs: 100 cannot pay 101."""
    story = start_story(preset)
    greedy = make_payment([story.alice_deposit], [make_output(CAROL, 101, TOKEN_A)], [ALICE])
    story.apply(story.start(greedy))
    return story.builder


@case(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def in_flight_exit_with_a_short_bond(preset: Preset) -> TraceBuilder:
    """An in-flight exit posts exactly the environment's exit bond."""
    story = start_story(preset)
    story.apply(story.start(story.payment, bond=Uint256(story.bond - 1)))
    return story.builder


@case(RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED)
def in_flight_exit_started_twice(preset: Preset) -> TraceBuilder:
    """A payment has at most one in-flight exit that is not deleted: Alice cannot start another."""
    story = started_story(preset)
    story.apply(story.start(story.payment, sender=ALICE))
    return story.builder


# Piggyback


@case(None)
def piggyback_an_output_in_the_last_second_of_the_first_phase(preset: Preset) -> TraceBuilder:
    """Carol piggybacks her output at ``started_at + MFP // 2 - 1``: still the first phase."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end() - 1)
    story.apply(story.piggyback(CAROL, OUTPUT))
    return story.builder


@case(RejectionReason.PIGGYBACK_PERIOD_OVER)
def piggyback_when_the_first_phase_is_over(preset: Preset) -> TraceBuilder:
    """At ``started_at + MFP // 2`` the first phase is over: Carol's piggyback is refused."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.piggyback(CAROL, OUTPUT))
    return story.builder


@case(None)
def piggyback_an_input(preset: Preset) -> TraceBuilder:
    """Bob piggybacks his input; the exit is queued for token A from now on."""
    story = started_story(preset)
    story.apply(story.piggyback(BOB, INPUT, 1))
    return story.builder


@case(RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
def piggyback_an_output_the_payment_lacks(preset: Preset) -> TraceBuilder:
    """The payment has one output; index 1 names nothing."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, 1))
    return story.builder


@case(RejectionReason.PIGGYBACK_NOT_BY_OWNER)
def piggyback_of_another_owners_input(preset: Preset) -> TraceBuilder:
    """Only an input's owner piggybacks it: Alice cannot piggyback Bob's input."""
    story = started_story(preset)
    story.apply(story.piggyback(ALICE, INPUT, 1))
    return story.builder


@case(RejectionReason.PIGGYBACK_ALREADY_MADE)
def piggyback_twice(preset: Preset) -> TraceBuilder:
    """An input or output is piggybacked once."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT))
    story.apply(story.piggyback(CAROL, OUTPUT))
    return story.builder


@case(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def piggyback_with_a_short_bond(preset: Preset) -> TraceBuilder:
    """A piggyback's bond is the exit bond, exactly."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, bond=Uint256(story.bond - 1)))
    return story.builder


@case(RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
def piggyback_an_exit_nobody_started(preset: Preset) -> TraceBuilder:
    """In-flight exit 1 was never started (in-flight exits have ids of their own)."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT, exit_id=1))
    return story.builder


# Delete


@case(RejectionReason.PIGGYBACK_PERIOD_NOT_OVER)
def delete_in_the_last_second_of_the_first_phase(preset: Preset) -> TraceBuilder:
    """Nobody piggybacked yet, but someone still may: deletion waits for the phase to end."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end() - 1)
    story.apply(story.delete())
    return story.builder


@case(None)
def delete_an_exit_nobody_piggybacked(preset: Preset) -> TraceBuilder:
    """At ``started_at + MFP // 2`` an exit nobody piggybacked is deleted; its bond goes back."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.delete())
    return story.builder


@case(RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED)
def delete_a_piggybacked_exit(preset: Preset) -> TraceBuilder:
    """An exit someone piggybacked is processed, never deleted."""
    story = started_story(preset)
    story.apply(story.piggyback(CAROL, OUTPUT))
    story.advance_to(story.first_phase_end())
    story.apply(story.delete())
    return story.builder


@case(RejectionReason.IN_FLIGHT_EXIT_DELETED)
def piggyback_a_deleted_exit(preset: Preset) -> TraceBuilder:
    """A deleted exit takes nothing more; a piggyback naming it is refused."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.delete())
    story.apply(story.piggyback(CAROL, OUTPUT))
    return story.builder


@case(None)
def restart_a_deleted_exit(preset: Preset) -> TraceBuilder:
    """After deletion the same payment may be exited again: it gets in-flight exit id 1."""
    story = started_story(preset)
    story.advance_to(story.first_phase_end())
    story.apply(story.delete())
    story.apply(story.start(story.payment))
    return story.builder
