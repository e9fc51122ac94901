"""INV-02, INV-09 and INV-20 as clauses over :class:`~proofs.models.in_flight.model.FlightTerms`.

A :class:`FlightClause` is a formula over one state at one index of a
domain (an output id, a standard exit, an in-flight exit, a piggyback slot
of an in-flight exit, or none); the proofs quantify it, the drift tests
instantiate it at every concrete index. A :class:`StepClause` relates a
pre-state and a post-state. A :class:`FlightInvariant` groups the clauses
of one catalogued invariant with those added to make it inductive.

- INV-02 Single payout, across exit kinds: every output id is paid at most
  once (ghost ``pays``), and a paid one is marked; a processed standard
  exit marked its output, a paid piggyback its slot's output, each by its
  own exit; a mark, once written, never changes.
- INV-09 Bond conservation, with bounties: bonds held equal the ghost sum
  of open standard exits' bonds, undecided active in-flight exits' bonds
  and open piggybacks' bonds; native balances plus bonds held never
  change; every bond is the exit bond; a settled piggyback's bond went to
  its owner (bond - bounty) and to the processor (bounty), an unsettled
  one's nowhere yet.
- INV-20 In-flight exclusivity: a paid input means the exit pays inputs, a
  paid output that it pays outputs (so never both); settled means decided;
  an exit paying outputs marked every input itself; the outcome, once
  decided, never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import z3

from proofs.models.in_flight.model import (
    SLOTS,
    FlightCode,
    FlightRules,
    FlightTerms,
    OutcomeCode,
    SlotCode,
    StandardCode,
    flight_mark,
    is_present,
    is_untouched,
    slot,
    standard_mark,
)
from spec.environments.payments.transactions import MAX_INPUTS, MAX_OUTPUTS
from spec.invariants.ids import InvariantId


class Domain(StrEnum):
    """What a clause's index ranges over."""

    OUTPUT = "output"
    """Every output id."""
    STANDARD = "standard exit"
    """Standard exit ids ``0 .. std_count - 1``."""
    FLIGHT = "in-flight exit"
    """In-flight exit ids ``0 .. flight_count - 1``."""
    SLOT = "piggyback slot"
    """(In-flight exit id, slot ``0 .. SLOTS - 1``)."""
    NONE = "none"
    """No index."""


ClauseBody = Callable[[FlightTerms, FlightRules, z3.ArithRef, z3.ArithRef], z3.BoolRef]
"""``(state, rules, index, slot) -> condition`` (the slot is read by SLOT clauses only)."""

StepBody = Callable[[FlightTerms, FlightTerms, z3.ArithRef], z3.BoolRef]
"""``(pre-state, post-state, index) -> condition``."""


@dataclass(frozen=True)
class FlightClause:
    """One quantified clause over a state."""

    name: str
    """Short name, shown in counterexamples."""
    domain: Domain
    """What the index ranges over."""
    body: ClauseBody
    """The condition at one index."""


@dataclass(frozen=True)
class StepClause:
    """One quantified clause over a step."""

    name: str
    """Short name."""
    domain: Domain
    """What the index ranges over (in the pre-state)."""
    body: StepBody
    """The condition at one index."""


@dataclass(frozen=True)
class FlightInvariant:
    """The clauses of one catalogued invariant in the in-flight model."""

    identifier: InvariantId
    """The catalog entry it states."""
    clauses: tuple[FlightClause, ...]
    """State clauses (the statement, then its strengthening)."""
    steps: tuple[StepClause, ...] = ()
    """Transition clauses."""
    assumes: tuple[InvariantId, ...] = ()
    """Invariants assumed in the pre-state (each proved on its own)."""


def in_domain(domain: Domain, state: FlightTerms, index: z3.ArithRef, k: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``index`` (and ``k``, for slots) is in ``domain`` in ``state``."""
    if domain == Domain.STANDARD:
        return z3.And(index >= 0, index < state.std_count)
    if domain == Domain.FLIGHT:
        return z3.And(index >= 0, index < state.flight_count)
    if domain == Domain.SLOT:
        return z3.And(index >= 0, index < state.flight_count, k >= 0, k < SLOTS)
    return z3.BoolVal(True)


def holds_at(
    clause: FlightClause,
    state: FlightTerms,
    rules: FlightRules,
    index: z3.ArithRef,
    k: z3.ArithRef,
) -> z3.BoolRef:
    """Return ``clause`` at ``index`` (and ``k``), guarded by its domain."""
    return z3.Implies(
        in_domain(clause.domain, state, index, k), clause.body(state, rules, index, k)
    )


def step_holds_at(
    clause: StepClause, pre: FlightTerms, post: FlightTerms, index: z3.ArithRef
) -> z3.BoolRef:
    """Return a step clause at ``index``, guarded by its domain in the pre-state."""
    zero = z3.IntVal(0)
    return z3.Implies(in_domain(clause.domain, pre, index, zero), clause.body(pre, post, index))


def sel(array: z3.ArrayRef, index: z3.ArithRef) -> z3.ExprRef:
    """Return ``array[index]``."""
    return z3.Select(array, index)


# INV-02 Single payout across exit kinds


def paid_at_most_once(s: FlightTerms, r: FlightRules, o: z3.ArithRef, _: z3.ArithRef) -> z3.BoolRef:
    """An output id is paid at most once, and a paid one is marked."""
    pays = sel(s.pays, o)
    return z3.And(pays >= 0, pays <= 1, z3.Implies(pays >= 1, sel(s.mark, o) != 0))


def processed_exit_marked_its_output(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, _: z3.ArithRef
) -> z3.BoolRef:
    """A standard exit's status is a status; a processed one marked its output."""
    status = sel(s.std_status, e)
    return z3.And(
        status >= StandardCode.OPEN,
        status <= StandardCode.SKIPPED,
        z3.Implies(
            status == StandardCode.PROCESSED,
            sel(s.mark, sel(s.std_output, e)) == standard_mark(e),
        ),
    )


def paid_piggyback_marked_its_output(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, k: z3.ArithRef
) -> z3.BoolRef:
    """A paid piggyback's output is marked by its in-flight exit."""
    return z3.Implies(
        slot(s.slot_status, e, k) == SlotCode.PAID,
        sel(s.mark, slot(s.slot_id, e, k)) == flight_mark(e),
    )


def counts_are_natural(
    s: FlightTerms, r: FlightRules, _: z3.ArithRef, __: z3.ArithRef
) -> z3.BoolRef:
    """The exit counts are non-negative."""
    return z3.And(s.std_count >= 0, s.flight_count >= 0)


def marks_written_once(pre: FlightTerms, post: FlightTerms, o: z3.ArithRef) -> z3.BoolRef:
    """A written mark never changes or disappears."""
    return z3.Implies(sel(pre.mark, o) != 0, sel(post.mark, o) == sel(pre.mark, o))


SINGLE_PAYOUT = FlightInvariant(
    InvariantId.SINGLE_PAYOUT,
    (
        FlightClause("output paid at most once", Domain.OUTPUT, paid_at_most_once),
        FlightClause(
            "processed standard exit marked its output",
            Domain.STANDARD,
            processed_exit_marked_its_output,
        ),
        FlightClause(
            "paid piggyback marked its output", Domain.SLOT, paid_piggyback_marked_its_output
        ),
        FlightClause("exit counts", Domain.NONE, counts_are_natural),
    ),
    steps=(StepClause("marks written once", Domain.OUTPUT, marks_written_once),),
)
"""INV-02 across exit kinds, in the model."""


# INV-20 In-flight exclusivity


def exit_fields_are_sound(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, _: z3.ArithRef
) -> z3.BoolRef:
    """Status and outcome are codes, 1-4 inputs and outputs; a decided exit was piggybacked."""
    outcome = sel(s.flight_outcome, e)
    inputs, outputs = sel(s.flight_inputs, e), sel(s.flight_outputs, e)
    return z3.And(
        outcome >= OutcomeCode.UNDECIDED,
        outcome <= OutcomeCode.INPUTS,
        z3.Or(
            sel(s.flight_status, e) == FlightCode.ACTIVE,
            sel(s.flight_status, e) == FlightCode.DELETED,
        ),
        inputs >= 1,
        inputs <= MAX_INPUTS,
        outputs >= 1,
        outputs <= MAX_OUTPUTS,
        z3.Implies(outcome != OutcomeCode.UNDECIDED, z3.Not(is_untouched(s, e))),
    )


def outputs_paid_only_with_inputs_retired(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, _: z3.ArithRef
) -> z3.BoolRef:
    """An exit paying its outputs marked every input itself (no other exit settled one)."""
    inputs = sel(s.flight_inputs, e)
    retired = [
        z3.Implies(k < inputs, sel(s.mark, slot(s.slot_id, e, k)) == flight_mark(e))
        for k in range(MAX_INPUTS)
    ]
    return z3.Implies(sel(s.flight_outcome, e) == OutcomeCode.OUTPUTS, z3.And(*retired))


def paid_side_is_the_outcome(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, k: z3.ArithRef
) -> z3.BoolRef:
    """A paid input means the exit pays inputs, a paid output outputs; settled means decided."""
    status, outcome = slot(s.slot_status, e, k), sel(s.flight_outcome, e)
    side = z3.If(k < MAX_INPUTS, outcome == OutcomeCode.INPUTS, outcome == OutcomeCode.OUTPUTS)
    settled = z3.Or(status == SlotCode.PAID, status == SlotCode.UNPAID)
    return z3.And(
        status >= SlotCode.NONE,
        status <= SlotCode.UNPAID,
        z3.Implies(z3.Not(is_present(s, e, k)), status == SlotCode.NONE),
        z3.Implies(settled, outcome != OutcomeCode.UNDECIDED),
        z3.Implies(status == SlotCode.PAID, side),
    )


def outcome_written_once(pre: FlightTerms, post: FlightTerms, e: z3.ArithRef) -> z3.BoolRef:
    """A decided outcome never changes."""
    before = sel(pre.flight_outcome, e)
    return z3.Implies(before != OutcomeCode.UNDECIDED, sel(post.flight_outcome, e) == before)


IN_FLIGHT_EXCLUSIVITY = FlightInvariant(
    InvariantId.IN_FLIGHT_EXCLUSIVITY,
    (
        FlightClause("paid side is the outcome", Domain.SLOT, paid_side_is_the_outcome),
        FlightClause(
            "outputs paid only with inputs retired",
            Domain.FLIGHT,
            outputs_paid_only_with_inputs_retired,
        ),
        FlightClause("exit fields", Domain.FLIGHT, exit_fields_are_sound),
        FlightClause("exit counts", Domain.NONE, counts_are_natural),
    ),
    steps=(StepClause("outcome written once", Domain.FLIGHT, outcome_written_once),),
    assumes=(InvariantId.SINGLE_PAYOUT,),
)
"""INV-20 in the model."""


# INV-09 Bond conservation with bounties


def bonds_are_conserved(
    s: FlightTerms, r: FlightRules, _: z3.ArithRef, __: z3.ArithRef
) -> z3.BoolRef:
    """Bonds held equal the held bonds' ghost sum; balances plus bonds held never change."""
    return z3.And(s.bonds_held == s.held, s.balances + s.bonds_held == s.supply)


def standard_bond_is_the_exit_bond(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, _: z3.ArithRef
) -> z3.BoolRef:
    """A standard exit's bond is the exit bond."""
    return sel(s.std_bond, e) == r.exit_bond


def flight_bond_is_the_exit_bond(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, _: z3.ArithRef
) -> z3.BoolRef:
    """An in-flight exit's bond (and each of its piggybacks') is the exit bond."""
    return sel(s.flight_bond, e) == r.exit_bond


def settled_bond_is_split(
    s: FlightTerms, r: FlightRules, e: z3.ArithRef, k: z3.ArithRef
) -> z3.BoolRef:
    """A settled piggyback's bond went to its owner less the bounty, and the bounty; else none."""
    status = slot(s.slot_status, e, k)
    refund, bounty = slot(s.refund, e, k), slot(s.bounty, e, k)
    settled = z3.Or(status == SlotCode.PAID, status == SlotCode.UNPAID)
    split = z3.And(
        bounty == r.processing_bounty, refund == sel(s.flight_bond, e) - r.processing_bounty
    )
    return z3.If(settled, split, z3.And(refund == 0, bounty == 0))


BOND_CONSERVATION = FlightInvariant(
    InvariantId.BOND_CONSERVATION,
    (
        FlightClause("bonds conserved", Domain.NONE, bonds_are_conserved),
        FlightClause("standard bond", Domain.STANDARD, standard_bond_is_the_exit_bond),
        FlightClause("in-flight bond", Domain.FLIGHT, flight_bond_is_the_exit_bond),
        FlightClause("settled bond split", Domain.SLOT, settled_bond_is_split),
    ),
    assumes=(InvariantId.IN_FLIGHT_EXCLUSIVITY,),
)
"""INV-09 (standard and in-flight exits, with bounties) in the model."""


FLIGHT_INVARIANTS = (SINGLE_PAYOUT, BOND_CONSERVATION, IN_FLIGHT_EXCLUSIVITY)
"""Every invariant of the in-flight model, in catalog order."""


def get_flight_invariant(identifier: InvariantId) -> FlightInvariant:
    """Return the model invariant of a catalog id."""
    (invariant,) = (i for i in FLIGHT_INVARIANTS if i.identifier == identifier)
    return invariant
