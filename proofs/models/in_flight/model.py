"""The payments exit game with in-flight exits, as Z3 terms, and its transitions.

One payments environment's exit records, in integers and integer arrays with
no bound on the number of standard exits, in-flight exits or outputs:

- standard exits by id ``0 .. std_count - 1``: output id, status
  (:class:`StandardCode`), bond;
- in-flight exits by id ``0 .. flight_count - 1``: status
  (:class:`FlightCode`), outcome (:class:`OutcomeCode`), canonical, bond,
  start time, numbers of inputs and outputs; and, per exit, its
  :data:`SLOTS` piggyback slots (2-index arrays): slot ``k <``
  :data:`MAX_INPUTS` is input ``k``, slot ``MAX_INPUTS + i`` is output
  ``i``; each slot's output id and piggyback status (:class:`SlotCode`);
- the finalized marks, by output id (an integer): 0 for none,
  ``2·s + 1`` for standard exit ``s``, ``2·e + 2`` for in-flight exit ``e``
  (:func:`standard_mark`, :func:`flight_mark`);
- the bonds held, and ghosts updated on every store (never read by a
  transition): ``pays`` (per output id, how many times an exit paid it),
  ``held`` (the bonds of open standard exits, of undecided active
  in-flight exits and of open piggybacks), ``balances`` (the native
  balances of everyone, summed), and per slot what its settlement credited
  its owner (``refund``) and the processor (``bounty``).

Abstractions (each keeps every behaviour of the spec): witnesses
(inclusion proofs, signatures, competitors' positions) are not modelled;
whatever they decide only decides *whether* a start or a challenge is
accepted, and these proofs hold for any such decision. Tokens, amounts and
exitable times are not modelled: processing may take any queue entry at any
time, and one in-flight entry's processing (decide, then settle each open
piggyback of the token) is a sequence of steps :func:`decide_in_flight`
and :func:`settle_piggyback`, in any interleaving with other operations.
Every guard the spec checks on the records is here: a standard start of a
marked output is refused, piggybacks and canonicity challenges only in the
first phase (``now < started + MFP/2``), responses only before the
decision, deletion only after the first phase of an exit nobody
piggybacked, the exact bonds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import IntEnum

import z3

from spec.environments.payments.transactions import MAX_INPUTS, MAX_OUTPUTS

SLOTS = MAX_INPUTS + MAX_OUTPUTS
"""Piggyback slots per in-flight exit: its inputs, then its outputs."""


class StandardCode(IntEnum):
    """A standard exit's status (``ExitStatus``) as an integer."""

    OPEN = 0
    """Started, not processed."""
    PROCESSED = 1
    """Paid and its output marked."""
    CHALLENGED = 2
    """Cancelled by a challenge."""
    SKIPPED = 3
    """Reached processing with its output already marked: bond back, nothing paid."""


class FlightCode(IntEnum):
    """An in-flight exit's status (``InFlightExitStatus``)."""

    ACTIVE = 0
    """Not deleted."""
    DELETED = 1
    """Deleted (nobody piggybacked)."""


class OutcomeCode(IntEnum):
    """An in-flight exit's outcome (``InFlightOutcome``)."""

    UNDECIDED = 0
    """Not processed yet."""
    OUTPUTS = 1
    """Pays its outputs."""
    INPUTS = 2
    """Pays its inputs."""


class SlotCode(IntEnum):
    """A piggyback's status (``PiggybackStatus``)."""

    NONE = 0
    """Not piggybacked."""
    OPEN = 1
    """Piggybacked, bonded."""
    CHALLENGED = 2
    """Shown spent; bond to the challenger."""
    PAID = 3
    """Paid and marked."""
    UNPAID = 4
    """Settled without pay."""


@dataclass(frozen=True)
class FlightTerms:
    """One payments environment's exit records, marks, bonds and ghosts as terms."""

    now: z3.ArithRef
    """Settlement time."""
    std_count: z3.ArithRef
    """Standard exits ever started."""
    std_output: z3.ArrayRef
    """Standard exit id to its output id."""
    std_status: z3.ArrayRef
    """Standard exit id to its :class:`StandardCode`."""
    std_bond: z3.ArrayRef
    """Standard exit id to its bond."""
    flight_count: z3.ArithRef
    """In-flight exits ever started."""
    flight_status: z3.ArrayRef
    """In-flight exit id to its :class:`FlightCode`."""
    flight_outcome: z3.ArrayRef
    """In-flight exit id to its :class:`OutcomeCode`."""
    flight_canonical: z3.ArrayRef
    """In-flight exit id to whether it stands canonical."""
    flight_bond: z3.ArrayRef
    """In-flight exit id to its bond (also each of its piggybacks' bond)."""
    flight_started: z3.ArrayRef
    """In-flight exit id to its start time."""
    flight_inputs: z3.ArrayRef
    """In-flight exit id to its number of inputs."""
    flight_outputs: z3.ArrayRef
    """In-flight exit id to its number of outputs."""
    slot_id: z3.ArrayRef
    """(In-flight exit id, slot) to the slot's output id."""
    slot_status: z3.ArrayRef
    """(In-flight exit id, slot) to its :class:`SlotCode`."""
    mark: z3.ArrayRef
    """Output id to its finalized mark (0: none)."""
    bonds_held: z3.ArithRef
    """The environment's bonds held."""
    pays: z3.ArrayRef
    """Ghost: output id to how many times an exit paid it."""
    held: z3.ArithRef
    """Ghost: bonds of open standard exits, undecided active in-flight exits, open piggybacks."""
    balances: z3.ArithRef
    """Ghost: the native balances of everyone, summed."""
    supply: z3.ArithRef
    """Ghost: native balances plus bonds held at registration (never changes)."""
    refund: z3.ArrayRef
    """Ghost: (in-flight exit id, slot) to what its settlement credited the slot's owner."""
    bounty: z3.ArrayRef
    """Ghost: (in-flight exit id, slot) to what its settlement credited the processor."""


@dataclass(frozen=True)
class FlightRules:
    """The environment's rules (fixed at registration)."""

    period: z3.ArithRef
    """MFP."""
    exit_bond: z3.ArithRef
    """Exit bond (of standard and in-flight exits and of piggybacks)."""
    processing_bounty: z3.ArithRef
    """What a settled piggyback's bond pays the processor."""


SCALARS = ("now", "std_count", "flight_count", "bonds_held", "held", "balances", "supply")
"""The integer fields."""

PAIR_ARRAYS = ("slot_id", "slot_status", "refund", "bounty")
"""The fields indexed by (in-flight exit id, slot)."""


def declare_terms(prefix: str) -> FlightTerms:
    """Return a state of fresh constants named ``prefix.field``."""
    values: dict[str, z3.ExprRef] = {}
    for item in fields(FlightTerms):
        name = f"{prefix}.{item.name}"
        if item.name in SCALARS:
            values[item.name] = z3.Int(name)
        elif item.name in PAIR_ARRAYS:
            values[item.name] = z3.Array(name, z3.IntSort(), z3.IntSort(), z3.IntSort())
        elif item.name == "flight_canonical":
            values[item.name] = z3.Array(name, z3.IntSort(), z3.BoolSort())
        else:
            values[item.name] = z3.Array(name, z3.IntSort(), z3.IntSort())
    return FlightTerms(**values)


def declare_rules(prefix: str = "rules") -> FlightRules:
    """Return the rules as fresh constants."""
    return FlightRules(*(z3.Int(f"{prefix}.{item.name}") for item in fields(FlightRules)))


def get_rules_constraints(rules: FlightRules) -> list[z3.BoolRef]:
    """Return what registration guarantees: MFP >= 1, 0 <= bounty <= bond."""
    return [
        rules.period >= 1,
        rules.processing_bounty >= 0,
        rules.processing_bounty <= rules.exit_bond,
    ]


# Reading


def standard_mark(exit_id: z3.ArithRef) -> z3.ArithRef:
    """Return the mark naming standard exit ``exit_id``."""
    return 2 * exit_id + 1


def flight_mark(exit_id: z3.ArithRef) -> z3.ArithRef:
    """Return the mark naming in-flight exit ``exit_id``."""
    return 2 * exit_id + 2


def slot(array: z3.ArrayRef, exit_id: z3.ArithRef, k: int | z3.ArithRef) -> z3.ExprRef:
    """Return ``array[exit_id, k]``."""
    return z3.Select(array, exit_id, k)


def is_present(state: FlightTerms, exit_id: z3.ArithRef, k: int | z3.ArithRef) -> z3.BoolRef:
    """Return whether slot ``k`` names an input or an output of the exit's payment."""
    inputs = z3.Select(state.flight_inputs, exit_id)
    outputs = z3.Select(state.flight_outputs, exit_id)
    return z3.Or(
        z3.And(k >= 0, k < inputs, k < MAX_INPUTS),
        z3.And(k >= MAX_INPUTS, k < MAX_INPUTS + outputs, k < SLOTS),
    )


def is_active(state: FlightTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``exit_id`` names an in-flight exit that is not deleted."""
    return z3.And(
        exit_id >= 0,
        exit_id < state.flight_count,
        z3.Select(state.flight_status, exit_id) == FlightCode.ACTIVE,
    )


def is_in_first_phase(state: FlightTerms, rules: FlightRules, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether the exit is in its first phase: ``now < started + MFP/2``."""
    return state.now < z3.Select(state.flight_started, exit_id) + rules.period / 2


def get_flight_contribution(state: FlightTerms, exit_id: z3.ArithRef) -> z3.ArithRef:
    """Return what an in-flight exit adds to the bonds held: its own while undecided, open slots."""
    bond = z3.Select(state.flight_bond, exit_id)
    own = z3.If(
        z3.And(
            z3.Select(state.flight_status, exit_id) == FlightCode.ACTIVE,
            z3.Select(state.flight_outcome, exit_id) == OutcomeCode.UNDECIDED,
        ),
        bond,
        0,
    )
    slots = [
        z3.If(slot(state.slot_status, exit_id, k) == SlotCode.OPEN, bond, 0) for k in range(SLOTS)
    ]
    return own + z3.Sum(*slots)


def get_standard_contribution(state: FlightTerms, exit_id: z3.ArithRef) -> z3.ArithRef:
    """Return what a standard exit adds to the bonds held: its bond while open."""
    is_open = z3.Select(state.std_status, exit_id) == StandardCode.OPEN
    return z3.If(is_open, z3.Select(state.std_bond, exit_id), 0)


# Stores that keep the ghosts


def store_flight(
    state: FlightTerms,
    exit_id: z3.ArithRef,
    *,
    fresh: bool = False,
    slots: Mapping[int, z3.ExprRef] | None = None,
    **values: z3.ExprRef,
) -> FlightTerms:
    """Return ``state`` with fields of one in-flight exit stored (``status=`` is ``flight_status``).

    ``slots={k: status}`` stores slot statuses. The ghost ``held`` moves by
    the change of the exit's contribution (from nothing, for a ``fresh`` exit).
    """
    changed = state
    for name, value in values.items():
        array = getattr(state, f"flight_{name}")
        changed = replace(changed, **{f"flight_{name}": z3.Store(array, exit_id, value)})
    statuses = changed.slot_status
    for k, status in (slots or {}).items():
        statuses = z3.Store(statuses, exit_id, k, status)
    changed = replace(changed, slot_status=statuses)
    before = z3.IntVal(0) if fresh else get_flight_contribution(state, exit_id)
    delta = get_flight_contribution(changed, exit_id) - before
    return replace(changed, held=state.held + delta)


def store_standard(
    state: FlightTerms, exit_id: z3.ArithRef, *, fresh: bool = False, **values: z3.ExprRef
) -> FlightTerms:
    """Return ``state`` with fields of one standard exit stored; ``held`` follows."""
    changed = state
    for name, value in values.items():
        array = getattr(state, f"std_{name}")
        changed = replace(changed, **{f"std_{name}": z3.Store(array, exit_id, value)})
    before = z3.IntVal(0) if fresh else get_standard_contribution(state, exit_id)
    delta = get_standard_contribution(changed, exit_id) - before
    return replace(changed, held=state.held + delta)


def pay_output(state: FlightTerms, output_id: z3.ArithRef, mark: z3.ArithRef) -> FlightTerms:
    """Return ``state`` after an exit pays the output ``output_id`` and marks it ``mark``."""
    return replace(
        state,
        mark=z3.Store(state.mark, output_id, mark),
        pays=z3.Store(state.pays, output_id, z3.Select(state.pays, output_id) + 1),
    )


def move_bonds(state: FlightTerms, held: z3.ArithRef, paid_out: z3.ArithRef) -> FlightTerms:
    """Return ``state`` with ``held`` added to the bonds held and ``paid_out`` to balances."""
    return replace(state, bonds_held=state.bonds_held + held, balances=state.balances + paid_out)


# Shared by the transitions


def is_open_standard(state: FlightTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``exit_id`` names an open standard exit."""
    return z3.And(
        exit_id >= 0,
        exit_id < state.std_count,
        z3.Select(state.std_status, exit_id) == StandardCode.OPEN,
    )


def store_slot(
    state: FlightTerms, exit_id: z3.ArithRef, k: z3.ArithRef, status: int
) -> FlightTerms:
    """Return ``state`` with one slot's status stored at a symbolic slot; ``held`` follows."""
    changed = replace(state, slot_status=z3.Store(state.slot_status, exit_id, k, status))
    delta = get_flight_contribution(changed, exit_id) - get_flight_contribution(state, exit_id)
    return replace(changed, held=state.held + delta)


def is_untouched(state: FlightTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether nobody ever piggybacked the exit (every slot NONE)."""
    return z3.And(*(slot(state.slot_status, exit_id, k) == SlotCode.NONE for k in range(SLOTS)))


def choose(condition: z3.BoolRef, then: FlightTerms, otherwise: FlightTerms) -> FlightTerms:
    """Return the state ``then`` if ``condition`` holds, else ``otherwise`` (field by field)."""
    values = {
        item.name: z3.If(condition, getattr(then, item.name), getattr(otherwise, item.name))
        for item in fields(FlightTerms)
    }
    return FlightTerms(**values)
