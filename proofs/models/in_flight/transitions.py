"""The transitions of the in-flight model (``proofs.models.in_flight.model``): one per operation.

Each transition maps (state, rules, parameters) to (guard, post-state); see
the model's module docstring for what is abstracted. One in-flight entry's
processing is two kinds of step: :func:`decide_in_flight` (the first
processing) and :func:`settle_piggyback` (one open piggyback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import z3

from proofs.models.in_flight.model import (
    SLOTS,
    FlightCode,
    FlightRules,
    FlightTerms,
    OutcomeCode,
    SlotCode,
    StandardCode,
    choose,
    flight_mark,
    is_active,
    is_in_first_phase,
    is_open_standard,
    is_present,
    is_untouched,
    move_bonds,
    pay_output,
    slot,
    standard_mark,
    store_flight,
    store_slot,
    store_standard,
)
from spec.environments.payments.transactions import MAX_INPUTS, MAX_OUTPUTS


@dataclass(frozen=True)
class FlightParameters:
    """Every operation's fields, as fresh constants (each transition reads its own)."""

    exit_id: z3.ArithRef
    """The exit an operation names (standard or in-flight, by the operation)."""
    k: z3.ArithRef
    """The slot a piggyback, spent challenge or settlement names."""
    output: z3.ArithRef
    """Output id of a standard start."""
    bond: z3.ArithRef
    """Bond sent."""
    inputs: z3.ArithRef
    """Number of inputs of an in-flight start."""
    outputs: z3.ArithRef
    """Number of outputs of an in-flight start."""
    ids: z3.ArrayRef
    """Slot to output id, of an in-flight start."""
    time: z3.ArithRef
    """New time of an advance."""


def declare_parameters(prefix: str) -> FlightParameters:
    """Return fresh parameters named ``prefix.field``."""
    values: dict[str, z3.ExprRef] = {}
    for item in fields(FlightParameters):
        name = f"{prefix}.{item.name}"
        if item.name == "ids":
            values[item.name] = z3.Array(name, z3.IntSort(), z3.IntSort())
        else:
            values[item.name] = z3.Int(name)
    return FlightParameters(**values)


Transition = Callable[[FlightTerms, FlightRules, FlightParameters], tuple[z3.BoolRef, FlightTerms]]
"""A transition: (state, rules, parameters) -> (guard, post-state)."""

Step = tuple[z3.BoolRef, FlightTerms]
"""A transition's guard and post-state."""


def start_standard_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``StartStandardExit`` (witnesses abstracted): refused for a marked output; exact bond."""
    guard = z3.And(z3.Select(state.mark, p.output) == 0, p.bond == rules.exit_bond)
    exit_id = state.std_count
    post = store_standard(
        state,
        exit_id,
        fresh=True,
        output=p.output,
        bond=p.bond,
        status=z3.IntVal(StandardCode.OPEN),
    )
    post = move_bonds(replace(post, std_count=exit_id + 1), p.bond, -p.bond)
    return guard, post


def challenge_standard_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ChallengeStandardExit`` (spend abstracted): cancelled, its bond to the challenger."""
    bond = z3.Select(state.std_bond, p.exit_id)
    post = store_standard(state, p.exit_id, status=z3.IntVal(StandardCode.CHALLENGED))
    return is_open_standard(state, p.exit_id), move_bonds(post, -bond, bond)


def process_standard_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ProcessExits`` reaching a standard exit: skipped if its output is marked, else paid."""
    output = z3.Select(state.std_output, p.exit_id)
    bond = z3.Select(state.std_bond, p.exit_id)
    skipped = store_standard(state, p.exit_id, status=z3.IntVal(StandardCode.SKIPPED))
    paid = store_standard(state, p.exit_id, status=z3.IntVal(StandardCode.PROCESSED))
    paid = pay_output(paid, output, standard_mark(p.exit_id))
    post = choose(z3.Select(state.mark, output) != 0, skipped, paid)
    return is_open_standard(state, p.exit_id), move_bonds(post, -bond, bond)


def are_distinct_ids(p: FlightParameters) -> z3.BoolRef:
    """Return whether the start's present slots name pairwise distinct output ids.

    Distinct input positions (``TX_DUPLICATE_INPUT``) and distinct output
    indices give distinct ids (the output id hash is taken as injective).
    """
    present = [
        z3.Or(
            z3.And(k < MAX_INPUTS, k < p.inputs),
            z3.And(k >= MAX_INPUTS, k - MAX_INPUTS < p.outputs),
        )
        for k in range(SLOTS)
    ]
    pairs = [
        z3.Implies(z3.And(present[a], present[b]), z3.Select(p.ids, a) != z3.Select(p.ids, b))
        for a in range(SLOTS)
        for b in range(a + 1, SLOTS)
    ]
    return z3.And(*pairs)


def start_in_flight_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``StartInFlightExit`` (witnesses abstracted): 1-4 inputs and outputs, exact bond."""
    guard = z3.And(
        p.inputs >= 1,
        p.inputs <= MAX_INPUTS,
        p.outputs >= 1,
        p.outputs <= MAX_OUTPUTS,
        p.bond == rules.exit_bond,
        are_distinct_ids(p),
    )
    exit_id = state.flight_count
    ids, zeros = state.slot_id, state.refund
    for k in range(SLOTS):
        ids = z3.Store(ids, exit_id, k, z3.Select(p.ids, k))
        zeros = z3.Store(zeros, exit_id, k, 0)
    bounties = state.bounty
    for k in range(SLOTS):
        bounties = z3.Store(bounties, exit_id, k, 0)
    post = store_flight(
        replace(state, slot_id=ids, refund=zeros, bounty=bounties),
        exit_id,
        fresh=True,
        status=z3.IntVal(FlightCode.ACTIVE),
        outcome=z3.IntVal(OutcomeCode.UNDECIDED),
        canonical=z3.BoolVal(True),
        bond=p.bond,
        started=state.now,
        inputs=p.inputs,
        outputs=p.outputs,
        slots={k: z3.IntVal(SlotCode.NONE) for k in range(SLOTS)},
    )
    post = move_bonds(replace(post, flight_count=exit_id + 1), p.bond, -p.bond)
    return guard, post


def piggyback_in_flight_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``PiggybackInFlightExit``: first phase, a present slot not piggybacked, exact bond."""
    guard = z3.And(
        is_active(state, p.exit_id),
        is_in_first_phase(state, rules, p.exit_id),
        is_present(state, p.exit_id, p.k),
        slot(state.slot_status, p.exit_id, p.k) == SlotCode.NONE,
        p.bond == rules.exit_bond,
    )
    post = store_slot(state, p.exit_id, p.k, SlotCode.OPEN)
    return guard, move_bonds(post, p.bond, -p.bond)


def challenge_slot_spent(
    state: FlightTerms, rules: FlightRules, p: FlightParameters, *, inputs: bool
) -> Step:
    """A spent challenge of an open piggyback on one side: its bond to the challenger."""
    side = p.k < MAX_INPUTS if inputs else p.k >= MAX_INPUTS
    guard = z3.And(
        is_active(state, p.exit_id),
        is_present(state, p.exit_id, p.k),
        side,
        slot(state.slot_status, p.exit_id, p.k) == SlotCode.OPEN,
    )
    bond = z3.Select(state.flight_bond, p.exit_id)
    post = store_slot(state, p.exit_id, p.k, SlotCode.CHALLENGED)
    return guard, move_bonds(post, -bond, bond)


def challenge_input_spent(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ChallengeInFlightInputSpent`` (the spend abstracted)."""
    return challenge_slot_spent(state, rules, p, inputs=True)


def challenge_output_spent(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ChallengeInFlightOutputSpent`` (inclusion and spend abstracted)."""
    return challenge_slot_spent(state, rules, p, inputs=False)


def challenge_not_canonical(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ChallengeInFlightNotCanonical`` (competitor abstracted): first phase; non-canonical."""
    guard = z3.And(is_active(state, p.exit_id), is_in_first_phase(state, rules, p.exit_id))
    post = store_flight(state, p.exit_id, canonical=z3.BoolVal(False))
    return guard, post


def respond_to_challenge(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``RespondToNonCanonicalChallenge`` (inclusion abstracted): before the decision."""
    guard = z3.And(
        is_active(state, p.exit_id),
        z3.Select(state.flight_outcome, p.exit_id) == OutcomeCode.UNDECIDED,
        z3.Not(z3.Select(state.flight_canonical, p.exit_id)),
    )
    return guard, store_flight(state, p.exit_id, canonical=z3.BoolVal(True))


def delete_in_flight_exit(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``DeleteInFlightExit``: after the first phase, nobody piggybacked; bond back."""
    guard = z3.And(
        is_active(state, p.exit_id),
        z3.Not(is_in_first_phase(state, rules, p.exit_id)),
        is_untouched(state, p.exit_id),
    )
    bond = z3.Select(state.flight_bond, p.exit_id)
    post = store_flight(state, p.exit_id, status=z3.IntVal(FlightCode.DELETED))
    return guard, move_bonds(post, -bond, bond)


def is_settled_elsewhere(state: FlightTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether another exit marked one of the exit's inputs."""
    own = flight_mark(exit_id)
    inputs = z3.Select(state.flight_inputs, exit_id)
    marked = []
    for k in range(MAX_INPUTS):
        mark = z3.Select(state.mark, slot(state.slot_id, exit_id, k))
        marked.append(z3.And(k < inputs, mark != 0, mark != own))
    return z3.Or(*marked)


def mark_inputs(state: FlightTerms, exit_id: z3.ArithRef) -> FlightTerms:
    """Return ``state`` with every unmarked input of the exit marked by it (retired, unpaid)."""
    marks = state.mark
    inputs = z3.Select(state.flight_inputs, exit_id)
    for k in range(MAX_INPUTS):
        output_id = slot(state.slot_id, exit_id, k)
        unmarked = z3.And(k < inputs, z3.Select(marks, output_id) == 0)
        marks = z3.If(unmarked, z3.Store(marks, output_id, flight_mark(exit_id)), marks)
    return replace(state, mark=marks)


def decide_in_flight(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """First ``ProcessExits`` of an in-flight exit: decide its side; its bond to its bond owner.

    Only a queued exit is processed: one that somebody piggybacked.
    """
    guard = z3.And(
        is_active(state, p.exit_id),
        z3.Select(state.flight_outcome, p.exit_id) == OutcomeCode.UNDECIDED,
        z3.Not(is_untouched(state, p.exit_id)),
    )
    pays_outputs = z3.And(
        z3.Select(state.flight_canonical, p.exit_id) == True,  # noqa: E712 (a Z3 term)
        z3.Not(is_settled_elsewhere(state, p.exit_id)),
    )
    outputs = store_flight(
        mark_inputs(state, p.exit_id), p.exit_id, outcome=z3.IntVal(OutcomeCode.OUTPUTS)
    )
    inputs = store_flight(state, p.exit_id, outcome=z3.IntVal(OutcomeCode.INPUTS))
    bond = z3.Select(state.flight_bond, p.exit_id)
    return guard, move_bonds(choose(pays_outputs, outputs, inputs), -bond, bond)


def settle_piggyback(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``ProcessExits`` settling one open piggyback of a decided exit.

    Paid (and marked) if on the paid side and unmarked, else unpaid; its bond
    goes back to its owner less the bounty, which goes to the processor.
    """
    outcome = z3.Select(state.flight_outcome, p.exit_id)
    guard = z3.And(
        is_active(state, p.exit_id),
        outcome != OutcomeCode.UNDECIDED,
        is_present(state, p.exit_id, p.k),
        slot(state.slot_status, p.exit_id, p.k) == SlotCode.OPEN,
    )
    output_id = slot(state.slot_id, p.exit_id, p.k)
    paid_side = z3.If(
        p.k < MAX_INPUTS, outcome == OutcomeCode.INPUTS, outcome == OutcomeCode.OUTPUTS
    )
    pays = z3.And(paid_side, z3.Select(state.mark, output_id) == 0)
    paid = pay_output(
        store_slot(state, p.exit_id, p.k, SlotCode.PAID), output_id, flight_mark(p.exit_id)
    )
    unpaid = store_slot(state, p.exit_id, p.k, SlotCode.UNPAID)
    return guard, split_bond(choose(pays, paid, unpaid), rules, p, rules.processing_bounty)


def split_bond(
    state: FlightTerms, rules: FlightRules, p: FlightParameters, bounty: z3.ArithRef
) -> FlightTerms:
    """Return ``state`` after a settled slot's bond goes to its owner, ``bounty`` to the caller."""
    bond = z3.Select(state.flight_bond, p.exit_id)
    refund = bond - bounty
    post = replace(
        state,
        refund=z3.Store(state.refund, p.exit_id, p.k, refund),
        bounty=z3.Store(state.bounty, p.exit_id, p.k, bounty),
    )
    return move_bonds(post, -bond, refund + bounty)


def advance_time(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """``AdvanceTime``: the clock moves forward."""
    return p.time > state.now, replace(state, now=p.time)


TRANSITIONS: dict[str, Transition] = {
    "start_standard_exit": start_standard_exit,
    "challenge_standard_exit": challenge_standard_exit,
    "process_standard_exit": process_standard_exit,
    "start_in_flight_exit": start_in_flight_exit,
    "piggyback_in_flight_exit": piggyback_in_flight_exit,
    "challenge_in_flight_input_spent": challenge_input_spent,
    "challenge_in_flight_output_spent": challenge_output_spent,
    "challenge_in_flight_not_canonical": challenge_not_canonical,
    "respond_to_non_canonical_challenge": respond_to_challenge,
    "delete_in_flight_exit": delete_in_flight_exit,
    "decide_in_flight_exit": decide_in_flight,
    "settle_piggyback": settle_piggyback,
    "advance_time": advance_time,
}
"""Every transition of the model, by the spec operation (or processing step) it stands for."""
