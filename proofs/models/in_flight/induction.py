"""Inductive proofs of the in-flight model, one check per (invariant, transition).

For each invariant of ``proofs.models.in_flight.invariants`` and each
transition of ``proofs.models.in_flight.model``: Init implies the invariant
(a newly registered payments environment: no exits, no marks, no bonds),
and every state satisfying it and the invariants it assumes steps only to
states satisfying it. The pre-state assumptions are quantified; the
negated post-state claim names a fresh witness per clause (so a
counterexample says which output, exit or slot breaks it). Unsat proves;
sat is printed as numbered lines (pre-state, operation, post-state);
unknown (after :data:`FLIGHT_TIMEOUT_MS`) fails.

The negative controls (``proofs.models.in_flight.mutants``) run the same
check against deliberately broken transitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import z3

from proofs.models.in_flight.invariants import (
    FLIGHT_INVARIANTS,
    Domain,
    FlightInvariant,
    get_flight_invariant,
    holds_at,
    step_holds_at,
)
from proofs.models.in_flight.model import (
    SLOTS,
    FlightRules,
    FlightTerms,
    declare_rules,
    declare_terms,
    get_rules_constraints,
    slot,
)
from proofs.models.in_flight.small import declare_small_terms, get_small_assumptions
from proofs.models.in_flight.transitions import (
    TRANSITIONS,
    FlightParameters,
    Transition,
    declare_parameters,
)
from proofs.models.solving import evaluate, find_counterexample, get_proof_outcome, run_check
from proofs.results import CheckResult, Method

FLIGHT_TIMEOUT_MS = 20_000
"""Solver timeout of one proof or control check, in milliseconds."""

MODEL_NAME = "in-flight"
"""Suffix of every proof's name (the model is preset-independent: MFP, bond, bounty are symbols)."""


def assume(invariant: FlightInvariant, state: FlightTerms, rules: FlightRules) -> list[z3.BoolRef]:
    """Return ``invariant``'s state clauses, quantified over their indices."""
    index, k = z3.Int("i"), z3.Int("k")
    return [
        z3.ForAll([index, k], holds_at(clause, state, rules, index, k))
        if clause.domain == Domain.SLOT
        else z3.ForAll([index], holds_at(clause, state, rules, index, z3.IntVal(0)))
        for clause in invariant.clauses
    ]


def get_assumptions(
    invariant: FlightInvariant, state: FlightTerms, rules: FlightRules
) -> list[z3.BoolRef]:
    """Return the quantified clauses of ``invariant`` and of the invariants it assumes."""
    assumed = [invariant, *(get_flight_invariant(i) for i in invariant.assumes)]
    return [clause for item in assumed for clause in assume(item, state, rules)]


@dataclass(frozen=True)
class ViolatedClause:
    """One clause negated at its witness."""

    name: str
    """The clause's name."""
    domain: Domain
    """What its index ranges over."""
    witness: z3.ArithRef
    """The index at which it is claimed to fail."""
    witness_slot: z3.ArithRef
    """The slot, for slot clauses."""
    broken: z3.BoolRef
    """The clause, negated at the witness."""


def get_violations(
    invariant: FlightInvariant, pre: FlightTerms, post: FlightTerms, rules: FlightRules
) -> list[ViolatedClause]:
    """Return every clause of ``invariant`` negated at a fresh witness (post-state, or step)."""
    violations = []
    for number, clause in enumerate(invariant.clauses):
        witness, k = z3.Int(f"witness{number}"), z3.Int(f"witness_slot{number}")
        broken = z3.Not(holds_at(clause, post, rules, witness, k))
        violations.append(ViolatedClause(clause.name, clause.domain, witness, k, broken))
    for number, step in enumerate(invariant.steps):
        witness = z3.Int(f"step_witness{number}")
        broken = z3.Not(step_holds_at(step, pre, post, witness))
        violations.append(ViolatedClause(step.name, step.domain, witness, z3.IntVal(0), broken))
    return violations


def make_initial_state(prefix: str) -> tuple[FlightTerms, list[z3.BoolRef]]:
    """Return a newly registered environment's state, and what defines it."""
    state = declare_terms(prefix)
    empty = z3.K(z3.IntSort(), z3.IntVal(0))
    definitions = [
        state.std_count == 0,
        state.flight_count == 0,
        state.mark == empty,
        state.pays == empty,
        state.bonds_held == 0,
        state.held == 0,
        state.supply == state.balances,
    ]
    return state, definitions


DOMAIN_FIELDS = {
    Domain.OUTPUT: ("mark", "pays"),
    Domain.STANDARD: ("std_output", "std_status", "std_bond"),
    Domain.FLIGHT: (
        "flight_status",
        "flight_outcome",
        "flight_canonical",
        "flight_bond",
        "flight_inputs",
        "flight_outputs",
    ),
    Domain.SLOT: ("flight_outcome", "flight_inputs", "flight_outputs"),
    Domain.NONE: (),
}
"""The fields a counterexample shows for an index of each domain."""

SHOWN_SCALARS = ("now", "std_count", "flight_count", "bonds_held", "held", "balances", "supply")
"""The scalar fields every counterexample shows."""


def show_state(model: z3.ModelRef, state: FlightTerms, violation: ViolatedClause) -> str:
    """Return the scalars of ``state`` and its fields at the violation's witness, as text."""
    index, k = violation.witness, violation.witness_slot
    at = evaluate(model, index)
    values = [f"{name}={evaluate(model, getattr(state, name))}" for name in SHOWN_SCALARS]
    for name in DOMAIN_FIELDS[violation.domain]:
        values.append(f"{name}[{at}]={evaluate(model, z3.Select(getattr(state, name), index))}")
    if violation.domain == Domain.SLOT:
        kk = evaluate(model, k)
        for name in ("slot_id", "slot_status", "refund", "bounty"):
            values.append(
                f"{name}[{at},{kk}]={evaluate(model, slot(getattr(state, name), index, k))}"
            )
        output = slot(state.slot_id, index, k)
        values.append(f"mark of its output={evaluate(model, z3.Select(state.mark, output))}")
    if violation.domain == Domain.FLIGHT:
        for number in range(SLOTS):
            status = evaluate(model, slot(state.slot_status, index, number))
            output = slot(state.slot_id, index, number)
            mark = evaluate(model, z3.Select(state.mark, output))
            values.append(
                f"slot {number}: status {status}, id {evaluate(model, output)} mark {mark}"
            )
    return ", ".join(values)


def describe_counterexample(
    model: z3.ModelRef,
    name: str,
    *,
    pre: FlightTerms,
    post: FlightTerms,
    parameters: FlightParameters,
    violations: list[ViolatedClause],
) -> str:
    """Return a counterexample as numbered lines: pre-state, operation, the clause it breaks."""
    arguments = ", ".join(
        f"{field}={evaluate(model, getattr(parameters, field))}"
        for field in ("exit_id", "k", "output", "bond", "inputs", "outputs", "time")
    )
    failing = [v for v in violations if evaluate(model, v.broken) is True]
    lines = []
    for violation in failing:
        lines.append(
            f"pre at {violation.domain} {evaluate(model, violation.witness)}: "
            f"{show_state(model, pre, violation)}"
        )
    lines.append(f"{name}({arguments})")
    for violation in failing:
        lines.append(
            f"post breaks '{violation.name}' at {violation.domain} "
            f"{evaluate(model, violation.witness)}: {show_state(model, post, violation)}"
        )
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))


def check_step(
    invariant: FlightInvariant, name: str, transition: Transition, *, expect_counterexample: bool
) -> tuple[z3.CheckSatResult, float, str]:
    """Run one preservation check; return the verdict, its time and a counterexample if sat.

    A proof quantifies over every pre-state; a negative control
    (``expect_counterexample``) searches the small states of
    ``proofs.models.in_flight.small``, where the assumptions are exact and
    quantifier-free (a counterexample there is a counterexample).
    """
    rules = declare_rules()
    if expect_counterexample:
        pre, ids, shape = declare_small_terms("pre")
        assumptions = [*shape, *get_small_assumptions(invariant, pre, rules, ids)]
    else:
        pre = declare_terms("pre")
        assumptions = get_assumptions(invariant, pre, rules)
    parameters = declare_parameters("op")
    guard, post = transition(pre, rules, parameters)
    violations = get_violations(invariant, pre, post, rules)
    assertions = [
        *get_rules_constraints(rules),
        *assumptions,
        guard,
        z3.Or(*(v.broken for v in violations)),
    ]
    readable = [
        rules.period == 10,
        rules.exit_bond == 5,
        rules.processing_bounty == 1,
        pre.std_count <= 3,
        pre.flight_count <= 3,
        pre.now >= 0,
        pre.now <= 100,
        *(z3.And(v.witness >= 0, v.witness <= 8) for v in violations),
        *(z3.And(term >= 0, term <= 8) for term in (parameters.exit_id, parameters.output)),
    ]
    search = find_counterexample if expect_counterexample else run_check
    answer = search(assertions, readable=readable, timeout_ms=FLIGHT_TIMEOUT_MS)
    detail = ""
    if answer.model is not None:
        detail = describe_counterexample(
            answer.model, name, pre=pre, post=post, parameters=parameters, violations=violations
        )
    return answer.verdict, answer.seconds, detail


def check_initiation(invariant: FlightInvariant) -> tuple[z3.CheckSatResult, float]:
    """Return whether a newly registered environment satisfies ``invariant`` (unsat: it does)."""
    rules = declare_rules()
    state, definitions = make_initial_state("init")
    index, k = z3.Int("witness"), z3.Int("witness_slot")
    broken = z3.Or(*(z3.Not(holds_at(c, state, rules, index, k)) for c in invariant.clauses))
    answer = run_check(
        [*get_rules_constraints(rules), *definitions, broken], timeout_ms=FLIGHT_TIMEOUT_MS
    )
    return answer.verdict, answer.seconds


def iterate_flight_inductive_checks() -> Iterator[CheckResult]:
    """Yield Init and every (invariant, transition) preservation check of the in-flight model."""
    for invariant in FLIGHT_INVARIANTS:
        identifier = invariant.identifier
        verdict, seconds = check_initiation(invariant)
        yield CheckResult(
            f"{identifier}/init [{MODEL_NAME}]",
            (identifier,),
            Method.INDUCTIVE,
            get_proof_outcome(verdict),
            seconds,
        )
        for name, transition in TRANSITIONS.items():
            verdict, seconds, detail = check_step(
                invariant, name, transition, expect_counterexample=False
            )
            yield CheckResult(
                f"{identifier}/{name} [{MODEL_NAME}]",
                (identifier,),
                Method.INDUCTIVE,
                get_proof_outcome(verdict),
                seconds,
                detail=detail,
            )
