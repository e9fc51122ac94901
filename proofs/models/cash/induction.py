"""Inductive proofs of the Cash model, one check per (invariant, transition), and their controls.

For each invariant of ``proofs.models.cash.invariants`` and each transition
of ``proofs.models.cash.model``: Init implies the invariant (a newly
registered Cash environment: no coins, no exits, empty ledgers, no bonds),
and every state satisfying it and the invariants it assumes steps only to
states satisfying it. The pre-state assumptions are quantified; the
negated post-state claim names a fresh witness index per clause (so a
counterexample says which exit, coin or token breaks it). Unsat proves;
sat is printed as numbered lines (pre-state, operation, post-state);
unknown (after :data:`CASH_TIMEOUT_MS`) fails.

Each :class:`CashMutant` is a deliberately broken transition; the proof of
the invariant whose catalog entry lists the mutant's name must find a
counterexample against it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import z3

from proofs.models.cash.invariants import (
    CASH_INVARIANTS,
    CashInvariant,
    Domain,
    get_cash_invariant,
    holds_at,
    step_holds_at,
)
from proofs.models.cash.model import (
    TRANSITIONS,
    CashParameters,
    CashRules,
    CashTerms,
    CoinCode,
    Transition,
    add_at,
    cancel_exit,
    choose,
    declare_parameters,
    declare_rules,
    declare_terms,
    get_rules_constraints,
    is_open_exit,
    open_exit,
    pay_exit,
    respond_coin_history,
    store_coin_status,
)
from proofs.models.solving import evaluate, find_counterexample, get_control_outcome, run_check
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.catalog import get_invariants_checked_by
from spec.invariants.checks import Checker
from spec.invariants.ids import InvariantId

CASH_TIMEOUT_MS = 20_000
"""Solver timeout of one Cash proof or control check, in milliseconds."""

MODEL_NAME = "cash"
"""Suffix of every Cash proof's name (the model is preset-independent: MFP and bond are symbols)."""


def assume(invariant: CashInvariant, state: CashTerms, rules: CashRules) -> list[z3.BoolRef]:
    """Return ``invariant``'s state clauses, quantified over their indices."""
    index = z3.Int("i")
    return [
        z3.ForAll([index], holds_at(clause, state, rules, index)) for clause in invariant.clauses
    ]


def get_assumptions(
    invariant: CashInvariant, state: CashTerms, rules: CashRules
) -> list[z3.BoolRef]:
    """Return the quantified clauses of ``invariant`` and of the invariants it assumes."""
    assumed = [invariant, *(get_cash_invariant(i) for i in invariant.assumes)]
    return [clause for item in assumed for clause in assume(item, state, rules)]


@dataclass(frozen=True)
class ViolatedClause:
    """One clause negated at its witness index."""

    name: str
    """The clause's name."""
    domain: Domain
    """What its index ranges over."""
    witness: z3.ArithRef
    """The index at which it is claimed to fail."""
    broken: z3.BoolRef
    """The clause, negated at the witness."""


def get_violations(
    invariant: CashInvariant, pre: CashTerms, post: CashTerms, rules: CashRules
) -> list[ViolatedClause]:
    """Return every clause of ``invariant`` negated at a fresh witness (post-state, or step)."""
    violations = []
    for number, clause in enumerate(invariant.clauses):
        witness = z3.Int(f"witness{number}")
        broken = z3.Not(holds_at(clause, post, rules, witness))
        violations.append(ViolatedClause(clause.name, clause.domain, witness, broken))
    for number, step in enumerate(invariant.steps):
        witness = z3.Int(f"step_witness{number}")
        broken = z3.Not(step_holds_at(step, pre, post, witness))
        violations.append(ViolatedClause(step.name, step.domain, witness, broken))
    return violations


def make_initial_state(prefix: str) -> tuple[CashTerms, list[z3.BoolRef]]:
    """Return a newly registered Cash environment's state, and what defines it."""
    state = declare_terms(prefix)
    empty = z3.K(z3.IntSort(), z3.IntVal(0))
    none = z3.K(z3.IntSort(), z3.BoolVal(False))
    definitions = [
        state.exit_count == 0,
        state.coin_minted == none,
        state.deposited == empty,
        state.withdrawn == empty,
        state.minted_sum == empty,
        state.exited_sum == empty,
        state.bonds_held == 0,
        state.open_bonds == 0,
    ]
    return state, definitions


DOMAIN_FIELDS = {
    Domain.EXIT: (
        "exit_coin",
        "exit_status",
        "exit_bond",
        "exit_exitable",
        "exit_challenges",
        "exit_challenge_bonds",
    ),
    Domain.COIN: ("coin_minted", "coin_status", "coin_amount", "open_exit_of", "final_exit_of"),
    Domain.TOKEN: ("deposited", "withdrawn", "minted_sum", "exited_sum"),
    Domain.NONE: (),
}
"""The fields a counterexample shows for an index of each domain."""

SCALARS = ("now", "exit_count", "bonds_held", "open_bonds")
"""The scalar fields every counterexample shows."""


def show_state(model: z3.ModelRef, state: CashTerms, domain: Domain, index: z3.ArithRef) -> str:
    """Return the scalars of ``state`` and its fields at ``index`` of ``domain``, as text."""
    at = evaluate(model, index)
    values = [f"{name}={evaluate(model, getattr(state, name))}" for name in SCALARS]
    for name in DOMAIN_FIELDS[domain]:
        values.append(f"{name}[{at}]={evaluate(model, z3.Select(getattr(state, name), index))}")
    if domain == Domain.EXIT:
        coin = z3.Select(state.exit_coin, index)
        values.append(f"status of its coin={evaluate(model, z3.Select(state.coin_status, coin))}")
        values.append(
            f"open exit of its coin={evaluate(model, z3.Select(state.open_exit_of, coin))}"
        )
    return ", ".join(values)


def describe_counterexample(
    model: z3.ModelRef,
    name: str,
    *,
    pre: CashTerms,
    post: CashTerms,
    parameters: CashParameters,
    violations: list[ViolatedClause],
) -> str:
    """Return a counterexample as numbered lines: pre-state, operation, the clause it breaks."""
    arguments = ", ".join(
        f"{field}={evaluate(model, getattr(parameters, field))}"
        for field in ("coin", "token", "amount", "exit_id", "bond", "time")
    )
    failing = [v for v in violations if evaluate(model, v.broken) is True]
    lines = []
    for violation in failing:
        lines.append(
            f"pre at {violation.domain} {evaluate(model, violation.witness)}: "
            f"{show_state(model, pre, violation.domain, violation.witness)}"
        )
    lines.append(f"{name}({arguments})")
    for violation in failing:
        lines.append(
            f"post breaks '{violation.name}' at {violation.domain} "
            f"{evaluate(model, violation.witness)}: "
            f"{show_state(model, post, violation.domain, violation.witness)}"
        )
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))


def check_step(
    invariant: CashInvariant, name: str, transition: Transition, *, expect_counterexample: bool
) -> tuple[z3.CheckSatResult, float, str]:
    """Run one preservation check; return the verdict, its time and a counterexample if sat."""
    rules = declare_rules()
    pre = declare_terms("pre")
    parameters = declare_parameters("op")
    guard, post = transition(pre, rules, parameters)
    violations = get_violations(invariant, pre, post, rules)
    assertions = [
        *get_rules_constraints(rules),
        *get_assumptions(invariant, pre, rules),
        guard,
        z3.Or(*(v.broken for v in violations)),
    ]
    readable = [
        rules.period == 10,
        rules.exit_bond == 5,
        pre.exit_count <= 3,
        pre.now <= 100,
        *(z3.And(v.witness >= 0, v.witness <= 3) for v in violations),
        *(
            z3.And(term >= 0, term <= 100)
            for term in (parameters.amount, parameters.coin, parameters.token)
        ),
    ]
    search = find_counterexample if expect_counterexample else run_check
    answer = search(assertions, readable=readable, timeout_ms=CASH_TIMEOUT_MS)
    detail = ""
    if answer.model is not None:
        detail = describe_counterexample(
            answer.model,
            name,
            pre=pre,
            post=post,
            parameters=parameters,
            violations=violations,
        )
    return answer.verdict, answer.seconds, detail


def check_initiation(invariant: CashInvariant) -> tuple[z3.CheckSatResult, float]:
    """Return whether a newly registered environment satisfies ``invariant`` (unsat: it does)."""
    rules = declare_rules()
    state, definitions = make_initial_state("init")
    index = z3.Int("witness")
    broken = z3.Or(*(z3.Not(holds_at(c, state, rules, index)) for c in invariant.clauses))
    answer = run_check(
        [*get_rules_constraints(rules), *definitions, broken], timeout_ms=CASH_TIMEOUT_MS
    )
    return answer.verdict, answer.seconds


def to_outcome(verdict: z3.CheckSatResult) -> Outcome:
    """Return a proof's outcome: unsat proves, sat fails, unknown is unknown."""
    if verdict == z3.unsat:
        return Outcome.PROVED
    return Outcome.FAILED if verdict == z3.sat else Outcome.UNKNOWN


def iterate_cash_inductive_checks() -> Iterator[CheckResult]:
    """Yield Init and every (invariant, transition) preservation check of the Cash model."""
    for invariant in CASH_INVARIANTS:
        identifier = invariant.identifier
        verdict, seconds = check_initiation(invariant)
        yield CheckResult(
            f"{identifier}/init [{MODEL_NAME}]",
            (identifier,),
            Method.INDUCTIVE,
            to_outcome(verdict),
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
                to_outcome(verdict),
                seconds,
                detail=detail,
            )


# Negative controls


@dataclass(frozen=True)
class CashMutant:
    """A broken Cash transition that the proof of one invariant must reject."""

    name: str
    """Stable name; the catalog entry that lists it says which proof must catch it."""
    description: str
    """What is broken."""
    transition: str
    """The transition it replaces."""
    broken: Transition
    """The broken transition."""


def start_exit_while_exiting(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """Broken start: a coin with an open exit may open another (only EXITED is refused)."""
    guard = z3.And(
        z3.Select(state.coin_minted, p.coin),
        z3.Select(state.coin_status, p.coin) != CoinCode.EXITED,
        p.bond == rules.exit_bond,
    )
    return guard, open_exit(state, rules, p)


def cancel_keeps_coin_exiting(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """Broken spent-after challenge: the exit is cancelled but its coin stays EXITING."""
    post = cancel_exit(state, p.exit_id)
    coin = z3.Select(state.exit_coin, p.exit_id)
    return is_open_exit(state, p.exit_id), store_coin_status(post, coin, CoinCode.EXITING)


def finalize_ended_exit(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """Broken finalization: any mature exit (a cancelled one too) is paid when unchallenged."""
    guard = z3.And(
        p.exit_id >= 0,
        p.exit_id < state.exit_count,
        z3.Select(state.exit_exitable, p.exit_id) <= state.now,
        z3.Select(state.exit_challenges, p.exit_id) == 0,
    )
    return guard, pay_exit(state, p.exit_id)


def finalize_pays_twice_the_amount(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """Broken finalization: the withdrawn ledger grows by twice the coin's amount."""
    guard = z3.And(
        is_open_exit(state, p.exit_id), z3.Select(state.exit_exitable, p.exit_id) <= state.now
    )
    post = pay_exit(state, p.exit_id)
    coin = z3.Select(state.exit_coin, p.exit_id)
    token, amount = z3.Select(state.coin_token, coin), z3.Select(state.coin_amount, coin)
    challenged = z3.Select(state.exit_challenges, p.exit_id) > 0
    doubled = replace(post, withdrawn=add_at(post.withdrawn, token, amount))
    return guard, choose(challenged, cancel_exit(state, p.exit_id), doubled)


def respond_keeps_challenge_bond(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """Broken answer: the challenge closes and its bond is paid, but the bonds held keep it."""
    guard, post = respond_coin_history(state, rules, p)
    return guard, replace(post, bonds_held=state.bonds_held)


CASH_MUTANTS = (
    CashMutant(
        "start-exit-while-exiting",
        "a start refuses only EXITED coins: a coin with an open exit opens a second one",
        "start_coin_exit",
        start_exit_while_exiting,
    ),
    CashMutant(
        "cancel-keeps-coin-exiting",
        "a spent-after challenge cancels the exit but leaves its coin EXITING",
        "challenge_coin_spent",
        cancel_keeps_coin_exiting,
    ),
    CashMutant(
        "finalize-ended-exit",
        "finalization does not require the exit to be open",
        "finalize_coin_exit",
        finalize_ended_exit,
    ),
    CashMutant(
        "finalize-pays-twice-the-amount",
        "finalization adds twice the coin's amount to the withdrawn ledger",
        "finalize_coin_exit",
        finalize_pays_twice_the_amount,
    ),
    CashMutant(
        "respond-keeps-challenge-bond",
        "an answer releases the challenge's bond without lowering the bonds held",
        "respond_coin_history",
        respond_keeps_challenge_bond,
    ),
)
"""The negative controls of the Cash inductive proofs."""


def get_mutant_invariant(mutant: CashMutant) -> InvariantId:
    """Return the one invariant whose catalog entry lists the mutant among its Z3 controls."""
    (identifier,) = get_invariants_checked_by(Checker.Z3_CONTROLS, mutant.name)
    return identifier


def run_cash_mutant(mutant: CashMutant) -> CheckResult:
    """Run the proof of the mutant's invariant against its broken transition (must be sat)."""
    started = time.perf_counter()
    identifier = get_mutant_invariant(mutant)
    invariant = get_cash_invariant(identifier)
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


def iterate_cash_mutant_checks() -> Iterator[CheckResult]:
    """Yield the result of every negative control of the Cash inductive proofs."""
    for mutant in CASH_MUTANTS:
        yield run_cash_mutant(mutant)
