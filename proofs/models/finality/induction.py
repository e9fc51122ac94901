"""Inductive proof of agreement (INV-22) and one vote per view (INV-28), one check per step.

For each conjunct of ``proofs.models.finality.invariants``: the genesis
state satisfies it, and for each transition of
``proofs.models.finality.transitions``, a state satisfying every conjunct
steps only to states satisfying it (mypyvy's ``check_transitions``: the
whole invariant is assumed, one conjunct is checked, so a failure names the
transition and the conjunct). A last check shows that the invariant implies
agreement. Every check has a timeout (:data:`FINALITY_TIMEOUT_MS`); unknown
is a failure. No bound on views, replicas, blocks or quorums: all four are
uninterpreted sorts.

The negative controls replace one honest rule by a broken twin
(:data:`~proofs.models.finality.transitions.MUTANTS`); each must break a
conjunct, and its counterexample is printed by
``proofs.models.finality.printing``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import z3

from proofs.models.finality.grounding import ground
from proofs.models.finality.ids import (
    AGREEMENT,
    ONE_VOTE,
    ONE_VOTE_CONJUNCTS,
    get_check_name,
    get_control_name,
)
from proofs.models.finality.invariants import CONJUNCTS, Conjunct, agreement, get_conjunct
from proofs.models.finality.printing import Namer, describe_step
from proofs.models.finality.protocol import (
    BLOCK,
    declare_state,
    declare_universe,
    get_axioms,
    is_committed_via,
    make_initial_state,
)
from proofs.models.finality.transitions import MUTANTS, TRANSITIONS, Transition, declare_parameters
from proofs.models.solving import (
    SolverAnswer,
    find_counterexample,
    get_control_outcome,
    run_check,
    solve,
)
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId

FINALITY_TIMEOUT_MS = 20_000
"""Solver timeout of one proof or control check, in milliseconds."""


def get_label(conjunct: Conjunct) -> InvariantId:
    """Return the id a conjunct's checks are named after (INV-28's conjuncts: INV-28)."""
    return ONE_VOTE if conjunct.name in ONE_VOTE_CONJUNCTS else AGREEMENT


def get_covered_ids(conjunct: Conjunct) -> tuple[InvariantId, ...]:
    """Return the invariants a conjunct's checks cover (INV-28's conjuncts also serve INV-22)."""
    if conjunct.name in ONE_VOTE_CONJUNCTS:
        return (AGREEMENT, ONE_VOTE)
    return (AGREEMENT,)


@dataclass(frozen=True)
class StepAnswer:
    """The answer of one preservation check."""

    verdict: z3.CheckSatResult
    """Unsat: preserved."""
    seconds: float
    """Solver time."""
    detail: str
    """The counterexample, when sat."""


def search_small(assertions: list[z3.BoolRef]) -> tuple[SolverAnswer, list[z3.ExprRef]]:
    """Search the small universe first, quantifier free; then the unbounded one.

    Returns the answer and, when the small search found it, the universe's
    elements (for printing).
    """
    grounded, elements = ground(assertions)
    small = solve(grounded, FINALITY_TIMEOUT_MS)
    if small.verdict == z3.sat:
        return small, elements
    answer = find_counterexample(assertions, timeout_ms=FINALITY_TIMEOUT_MS)
    seconds = small.seconds + answer.seconds
    return SolverAnswer(answer.verdict, answer.model, seconds, answer.reason_unknown), []


def check_step(
    conjunct: Conjunct, name: str, transition: Transition, *, expect_counterexample: bool = False
) -> StepAnswer:
    """Check that ``transition`` preserves ``conjunct``, assuming every conjunct in the pre-state.

    A negative control (``expect_counterexample``) searches the small
    universe first (``proofs.models.finality.grounding``). The time is
    wall-clock: building, expanding and solving.
    """
    started = time.perf_counter()
    u = declare_universe()
    pre = declare_state("pre")
    parameters = declare_parameters()
    guard, post = transition(u, pre, parameters)
    assertions = [
        *get_axioms(u),
        *(item.formula(u, pre) for item in CONJUNCTS),
        guard,
        z3.Not(conjunct.formula(u, post)),
    ]
    elements: list[z3.ExprRef] = []
    if expect_counterexample:
        answer, elements = search_small(assertions)
    else:
        answer = run_check(assertions, timeout_ms=FINALITY_TIMEOUT_MS)
    detail = ""
    if answer.model is not None:
        names = Namer(answer.model, u, elements)
        detail = describe_step(names, (pre, post), parameters, name, conjunct.name)
    return StepAnswer(answer.verdict, time.perf_counter() - started, detail)


def check_initiation(conjunct: Conjunct) -> tuple[z3.CheckSatResult, float]:
    """Return whether the genesis state satisfies ``conjunct`` (unsat: it does)."""
    u = declare_universe()
    state = make_initial_state(u)
    answer = run_check(
        [*get_axioms(u), z3.Not(conjunct.formula(u, state))], timeout_ms=FINALITY_TIMEOUT_MS
    )
    return answer.verdict, answer.seconds


def check_agreement() -> tuple[z3.CheckSatResult, float]:
    """Return whether the invariant implies agreement (unsat: it does)."""
    u = declare_universe()
    state = declare_state("s")
    answer = run_check(
        [
            *get_axioms(u),
            *(item.formula(u, state) for item in CONJUNCTS),
            z3.Not(agreement(u, state)),
        ],
        timeout_ms=FINALITY_TIMEOUT_MS,
    )
    return answer.verdict, answer.seconds


def check_non_vacuity() -> tuple[z3.CheckSatResult, float]:
    """Return whether the invariant admits a state worth the proof (sat: it does).

    In it a block other than genesis is committed, and an honest vote for a
    block justified by an aggregate is enabled: so neither the invariant nor
    the axioms rule out commits or view changes. Searched in small sorts.
    """
    started = time.perf_counter()
    u = declare_universe()
    pre = declare_state("pre")
    parameters = declare_parameters()
    guard, _ = TRANSITIONS["vote"](u, pre, parameters)
    committed, child = z3.Consts("committed child", BLOCK)
    assertions = [
        *get_axioms(u),
        *(item.formula(u, pre) for item in CONJUNCTS),
        guard,
        z3.Not(u.succ(u.view(parameters.parent), u.view(parameters.block))),
        committed != u.genesis,
        is_committed_via(u, pre, committed, child),
    ]
    answer, _ = search_small(assertions)
    return answer.verdict, time.perf_counter() - started


def to_outcome(verdict: z3.CheckSatResult) -> Outcome:
    """Return a proof check's outcome (unsat proves; sat fails; unknown fails as unknown)."""
    if verdict == z3.unsat:
        return Outcome.PROVED
    return Outcome.FAILED if verdict == z3.sat else Outcome.UNKNOWN


def iterate_agreement_checks() -> Iterator[CheckResult]:
    """Yield Init and every (conjunct, transition) check, then invariant-implies-agreement."""
    for conjunct in CONJUNCTS:
        ids, label = get_covered_ids(conjunct), get_label(conjunct)
        verdict, seconds = check_initiation(conjunct)
        yield CheckResult(
            get_check_name(label, conjunct.name, "init"),
            ids,
            Method.INDUCTIVE,
            to_outcome(verdict),
            seconds,
        )
        for name, transition in TRANSITIONS.items():
            answer = check_step(conjunct, name, transition)
            yield CheckResult(
                get_check_name(label, conjunct.name, name),
                ids,
                Method.INDUCTIVE,
                to_outcome(answer.verdict),
                answer.seconds,
                detail=answer.detail,
            )
    verdict, seconds = check_agreement()
    witness, witness_seconds = check_non_vacuity()
    outcome = to_outcome(verdict)
    if witness != z3.sat:
        outcome = Outcome.UNKNOWN if outcome == Outcome.PROVED else outcome
    yield CheckResult(
        get_check_name(AGREEMENT, "agreement", "implied"),
        (AGREEMENT,),
        Method.INDUCTIVE,
        outcome,
        seconds + witness_seconds,
        detail=f"non-vacuous: a commit and an aggregate-justified honest vote are possible "
        f"under the invariant ({witness})",
    )


CONTROL_TARGETS: dict[str, tuple[str, InvariantId]] = {
    "vote-twice-in-a-view": ("one-vote-per-view", ONE_VOTE),
    "aggregate-not-highest-qc": ("votes-extend", AGREEMENT),
    "timeout-stays-in-view": ("timeout-below-current", AGREEMENT),
}
"""Each mutant's name to the conjunct it must break and the invariant it controls."""


def run_mutant(name: str) -> CheckResult:
    """Run the preservation check of its conjunct against one broken rule: it must fail (sat)."""
    replaced, transition = MUTANTS[name]
    target, identifier = CONTROL_TARGETS[name]
    answer = check_step(get_conjunct(target), replaced, transition, expect_counterexample=True)
    outcome = get_control_outcome(answer.verdict)
    if outcome == Outcome.CAUGHT:
        detail = f"caught: '{replaced}' broken as '{name}' breaks '{target}'\n{answer.detail}"
    else:
        detail = f"not caught ({answer.verdict}): '{name}' preserves '{target}'"
    return CheckResult(
        get_control_name(name),
        (identifier,),
        Method.NEGATIVE_CONTROL,
        outcome,
        answer.seconds,
        detail=detail,
    )


def iterate_agreement_controls() -> Iterator[CheckResult]:
    """Yield one negative control per broken honest rule."""
    for name in CONTROL_TARGETS:
        yield run_mutant(name)
