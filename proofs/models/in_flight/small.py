"""Small states of the in-flight model, where every quantified clause is a finite conjunction.

A negative control expects a counterexample (sat), and model finding with
quantifiers over arrays is slow or inconclusive. In a *small state* every
array is a constant default (zero, or false) with stores at finitely many
symbolic places: :data:`SMALL_EXITS` standard and in-flight exits, their
slots, and the output ids they name. Each clause then holds everywhere
exactly when it holds at those places and at one fresh place standing for
all the others (where every array holds its default), so the assumptions
become quantifier-free without weakening them: a counterexample found here
is a real pre-state satisfying the invariant, and a real broken step.
"""

from __future__ import annotations

from dataclasses import fields

import z3

from proofs.models.in_flight.invariants import (
    Domain,
    FlightInvariant,
    get_flight_invariant,
    holds_at,
)
from proofs.models.in_flight.model import SCALARS, SLOTS, FlightRules, FlightTerms

SMALL_EXITS = 2
"""Standard and in-flight exits of a small state (each kind)."""

EXIT_ARRAYS = ("std_output", "std_status", "std_bond")
"""Arrays indexed by standard exit id."""

FLIGHT_ARRAYS = (
    "flight_status",
    "flight_outcome",
    "flight_bond",
    "flight_started",
    "flight_inputs",
    "flight_outputs",
)
"""Integer arrays indexed by in-flight exit id."""

SLOT_ARRAYS = ("slot_id", "slot_status", "refund", "bounty")
"""Arrays indexed by (in-flight exit id, slot)."""


def store_all(base: z3.ArrayRef, keys: list[tuple[z3.ArithRef, ...]], prefix: str) -> z3.ArrayRef:
    """Return ``base`` with a fresh integer stored at each key."""
    array = base
    for number, key in enumerate(keys):
        array = z3.Store(array, *key, z3.Int(f"{prefix}#{number}"))
    return array


def declare_small_terms(prefix: str) -> tuple[FlightTerms, list[z3.ArithRef], list[z3.BoolRef]]:
    """Return a small state, the output ids it names (and a fresh one), and its constraints."""
    zero = z3.K(z3.IntSort(), z3.IntVal(0))
    zero_pairs = z3.Lambda([z3.Int("_e"), z3.Int("_k")], z3.IntVal(0))
    values: dict[str, z3.ExprRef] = {}
    exits = [(z3.IntVal(e),) for e in range(SMALL_EXITS)]
    pairs = [(z3.IntVal(e), z3.IntVal(k)) for e in range(SMALL_EXITS) for k in range(SLOTS)]
    for name in SCALARS:
        values[name] = z3.Int(f"{prefix}.{name}")
    for name in EXIT_ARRAYS + FLIGHT_ARRAYS:
        values[name] = store_all(zero, exits, f"{prefix}.{name}")
    canonical = z3.K(z3.IntSort(), z3.BoolVal(False))
    for e in range(SMALL_EXITS):
        canonical = z3.Store(canonical, e, z3.Bool(f"{prefix}.flight_canonical#{e}"))
    values["flight_canonical"] = canonical
    for name in SLOT_ARRAYS:
        values[name] = store_all(zero_pairs, pairs, f"{prefix}.{name}")
    ids = [z3.Select(values["std_output"], e) for (e,) in exits]
    ids += [z3.Select(values["slot_id"], e, k) for e, k in pairs]
    fresh = z3.Int(f"{prefix}.other_output")
    for name in ("mark", "pays"):
        values[name] = store_all(zero, [(i,) for i in ids], f"{prefix}.{name}")
    state = FlightTerms(**{item.name: values[item.name] for item in fields(FlightTerms)})
    constraints = [
        state.std_count >= 0,
        state.std_count <= SMALL_EXITS,
        state.flight_count >= 0,
        state.flight_count <= SMALL_EXITS,
        *(fresh != i for i in ids),
    ]
    return state, [*ids, fresh], constraints


def expand(
    invariant: FlightInvariant, state: FlightTerms, rules: FlightRules, ids: list[z3.ArithRef]
) -> list[z3.BoolRef]:
    """Return the clauses of ``invariant`` at every place of a small state (exact there)."""
    conditions = []
    for clause in invariant.clauses:
        if clause.domain == Domain.OUTPUT:
            places = [(i, z3.IntVal(0)) for i in ids]
        elif clause.domain == Domain.SLOT:
            places = [
                (z3.IntVal(e), z3.IntVal(k)) for e in range(SMALL_EXITS) for k in range(SLOTS)
            ]
        elif clause.domain == Domain.NONE:
            places = [(z3.IntVal(0), z3.IntVal(0))]
        else:
            places = [(z3.IntVal(e), z3.IntVal(0)) for e in range(SMALL_EXITS)]
        conditions += [holds_at(clause, state, rules, i, k) for i, k in places]
    return conditions


def get_small_assumptions(
    invariant: FlightInvariant, state: FlightTerms, rules: FlightRules, ids: list[z3.ArithRef]
) -> list[z3.BoolRef]:
    """Return ``invariant``'s clauses and those of the invariants it assumes, expanded."""
    assumed = [invariant, *(get_flight_invariant(i) for i in invariant.assumes)]
    return [condition for item in assumed for condition in expand(item, state, rules, ids)]
