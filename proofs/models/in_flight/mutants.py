"""Negative controls of the in-flight inductive proofs: broken transitions that must be caught.

Each :class:`FlightMutant` replaces one transition of
``proofs.models.in_flight.model`` with a deliberately broken one; the proof
of the invariant whose catalog entry lists the mutant's name (among its Z3
controls) must find a counterexample against it:

- INV-02: a standard exit paid over another exit's mark
  (``standard-exit-ignores-marks``); a piggyback paid over a mark, the mark
  written a second time (``piggyback-marks-twice``);
- INV-09: a settled piggyback's owner gets the whole bond back while the
  processor still gets the bounty (``bounty-from-nowhere``); a piggyback
  takes its owner's bond but the bonds held do not grow
  (``piggyback-bond-not-held``);
- INV-20: a piggyback paid on either side (``settle-pays-both-sides``); an
  exit decided again at every processing (``outcome-rewritten``); outputs
  paid whenever the exit stands canonical, ignoring an input another exit
  settled (``canonical-ignores-marks``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import z3

from proofs.models.in_flight.induction import MODEL_NAME, check_step
from proofs.models.in_flight.invariants import get_flight_invariant
from proofs.models.in_flight.model import (
    FlightRules,
    FlightTerms,
    OutcomeCode,
    SlotCode,
    StandardCode,
    choose,
    flight_mark,
    is_active,
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
from proofs.models.in_flight.transitions import (
    FlightParameters,
    Step,
    Transition,
    mark_inputs,
    piggyback_in_flight_exit,
    split_bond,
)
from proofs.models.solving import get_control_outcome
from proofs.results import CheckResult, Method, Outcome
from spec.environments.payments.transactions import MAX_INPUTS
from spec.invariants.catalog import get_invariants_checked_by
from spec.invariants.checks import Checker
from spec.invariants.ids import InvariantId


@dataclass(frozen=True)
class FlightMutant:
    """A broken transition that the proof of one invariant must reject."""

    name: str
    """Stable name; the catalog entry that lists it says which proof must catch it."""
    description: str
    """What is broken."""
    transition: str
    """The transition it replaces."""
    broken: Transition
    """The broken transition."""


def process_standard_ignoring_marks(
    state: FlightTerms, rules: FlightRules, p: FlightParameters
) -> Step:
    """Broken processing: a standard exit is paid (and marks) even if its output is marked."""
    output = z3.Select(state.std_output, p.exit_id)
    bond = z3.Select(state.std_bond, p.exit_id)
    paid = store_standard(state, p.exit_id, status=z3.IntVal(StandardCode.PROCESSED))
    paid = pay_output(paid, output, standard_mark(p.exit_id))
    return is_open_standard(state, p.exit_id), move_bonds(paid, -bond, bond)


def settle_with_pays(
    state: FlightTerms,
    rules: FlightRules,
    p: FlightParameters,
    pays: z3.BoolRef,
    bounty: z3.ArithRef,
) -> Step:
    """Return a settlement paying when ``pays``; the bond is split with ``bounty`` to the caller."""
    outcome = z3.Select(state.flight_outcome, p.exit_id)
    guard = z3.And(
        is_active(state, p.exit_id),
        outcome != OutcomeCode.UNDECIDED,
        is_present(state, p.exit_id, p.k),
        slot(state.slot_status, p.exit_id, p.k) == SlotCode.OPEN,
    )
    output_id = slot(state.slot_id, p.exit_id, p.k)
    paid = pay_output(
        store_slot(state, p.exit_id, p.k, SlotCode.PAID), output_id, flight_mark(p.exit_id)
    )
    unpaid = store_slot(state, p.exit_id, p.k, SlotCode.UNPAID)
    post = split_bond(choose(pays, paid, unpaid), rules, p, bounty)
    return guard, post


def paid_side(state: FlightTerms, p: FlightParameters) -> z3.BoolRef:
    """Return whether the slot is on the side its exit pays."""
    outcome = z3.Select(state.flight_outcome, p.exit_id)
    return z3.If(p.k < MAX_INPUTS, outcome == OutcomeCode.INPUTS, outcome == OutcomeCode.OUTPUTS)


def settle_over_marks(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken settlement: a piggyback on the paid side is paid even if its output is marked."""
    return settle_with_pays(state, rules, p, paid_side(state, p), rules.processing_bounty)


def settle_both_sides(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken settlement: any unmarked piggyback is paid, on whichever side."""
    unmarked = z3.Select(state.mark, slot(state.slot_id, p.exit_id, p.k)) == 0
    return settle_with_pays(state, rules, p, unmarked, rules.processing_bounty)


def settle_bounty_from_nowhere(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken settlement: the owner gets the whole bond back and the processor the bounty too."""
    unmarked = z3.Select(state.mark, slot(state.slot_id, p.exit_id, p.k)) == 0
    guard, post = settle_with_pays(
        state, rules, p, z3.And(paid_side(state, p), unmarked), rules.processing_bounty
    )
    bounty = rules.processing_bounty
    refund = z3.Store(post.refund, p.exit_id, p.k, z3.Select(state.flight_bond, p.exit_id))
    return guard, replace(post, refund=refund, balances=post.balances + bounty)


def piggyback_bond_not_held(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken piggyback: the owner's bond is taken but the bonds held do not grow."""
    guard, post = piggyback_in_flight_exit(state, rules, p)
    return guard, replace(post, bonds_held=state.bonds_held)


def decide(
    state: FlightTerms, p: FlightParameters, guard: z3.BoolRef, pays_outputs: z3.BoolRef
) -> Step:
    """Return a decision under ``guard`` that pays outputs when ``pays_outputs``."""
    outputs = store_flight(
        mark_inputs(state, p.exit_id), p.exit_id, outcome=z3.IntVal(OutcomeCode.OUTPUTS)
    )
    inputs = store_flight(state, p.exit_id, outcome=z3.IntVal(OutcomeCode.INPUTS))
    bond = z3.Select(state.flight_bond, p.exit_id)
    return guard, move_bonds(choose(pays_outputs, outputs, inputs), -bond, bond)


def decide_again(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken decision: every processing decides the exit again (from its canonicity alone)."""
    guard = z3.And(is_active(state, p.exit_id), z3.Not(is_untouched(state, p.exit_id)))
    canonical = z3.Select(state.flight_canonical, p.exit_id) == True  # noqa: E712
    return decide(state, p, guard, canonical)


def decide_ignoring_marks(state: FlightTerms, rules: FlightRules, p: FlightParameters) -> Step:
    """Broken decision: outputs whenever canonical, even if another exit settled an input."""
    guard = z3.And(
        is_active(state, p.exit_id),
        z3.Select(state.flight_outcome, p.exit_id) == OutcomeCode.UNDECIDED,
        z3.Not(is_untouched(state, p.exit_id)),
    )
    canonical = z3.Select(state.flight_canonical, p.exit_id) == True  # noqa: E712
    return decide(state, p, guard, canonical)


FLIGHT_MUTANTS = (
    FlightMutant(
        "standard-exit-ignores-marks",
        "a standard exit is paid even when another exit (an in-flight one) marked its output",
        "process_standard_exit",
        process_standard_ignoring_marks,
    ),
    FlightMutant(
        "piggyback-marks-twice",
        "a piggyback on the paid side is paid even when its output is marked, marking it again",
        "settle_piggyback",
        settle_over_marks,
    ),
    FlightMutant(
        "bounty-from-nowhere",
        "a settled piggyback's owner gets the whole bond back, and the processor the bounty",
        "settle_piggyback",
        settle_bounty_from_nowhere,
    ),
    FlightMutant(
        "piggyback-bond-not-held",
        "a piggyback takes its owner's bond but the bonds held do not grow",
        "piggyback_in_flight_exit",
        piggyback_bond_not_held,
    ),
    FlightMutant(
        "settle-pays-both-sides",
        "any unmarked piggyback is paid, input or output, whatever the exit decided",
        "settle_piggyback",
        settle_both_sides,
    ),
    FlightMutant(
        "outcome-rewritten",
        "every processing decides the exit again, from its canonicity at that time",
        "decide_in_flight_exit",
        decide_again,
    ),
    FlightMutant(
        "canonical-ignores-marks",
        "a canonical exit pays its outputs even when another exit settled one of its inputs",
        "decide_in_flight_exit",
        decide_ignoring_marks,
    ),
)
"""The negative controls of the in-flight inductive proofs."""


def get_mutant_invariant(mutant: FlightMutant) -> InvariantId:
    """Return the one invariant whose catalog entry lists the mutant among its Z3 controls."""
    (identifier,) = get_invariants_checked_by(Checker.Z3_CONTROLS, mutant.name)
    return identifier


def run_flight_mutant(mutant: FlightMutant, identifier: InvariantId | None = None) -> CheckResult:
    """Run the proof of the mutant's invariant against its broken transition (must be sat).

    ``identifier`` overrides the catalog's (before the catalog lists the mutant).
    """
    started = time.perf_counter()
    identifier = identifier or get_mutant_invariant(mutant)
    invariant = get_flight_invariant(identifier)
    verdict, _, detail = check_step(
        invariant, mutant.transition, mutant.broken, expect_counterexample=True
    )
    outcome = get_control_outcome(verdict)
    texts = {
        Outcome.CAUGHT: f"{mutant.description}; caught:\n{detail}",
        Outcome.FAILED: f"{mutant.description}; NOT caught: the proof still passes",
        Outcome.UNKNOWN: f"{mutant.description}; solver gave up",
    }
    return CheckResult(
        f"control/{identifier}/{mutant.name} [{MODEL_NAME}]",
        (identifier,),
        Method.NEGATIVE_CONTROL,
        outcome,
        time.perf_counter() - started,
        detail=texts[outcome],
    )


def iterate_flight_mutant_checks() -> Iterator[CheckResult]:
    """Yield the result of every negative control of the in-flight inductive proofs."""
    for mutant in FLIGHT_MUTANTS:
        yield run_flight_mutant(mutant)
