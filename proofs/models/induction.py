"""Inductive proofs: Init ⇒ Inv, and Inv ∧ Transition ⇒ Inv', one check per pair.

For every model invariant (``proofs.models.invariants``) and every
transition (``proofs.models.steps``), one solver check looks for a pre-state
that satisfies the invariant and the invariants it assumes, and a step from
it that breaks the invariant's state form in the post-state or its
transition form across the step. Unsat proves the pair; sat is a
counterexample, printed with the operation and the exits and blocks it
touches; unknown is a failure.

Initial states are freshly registered environments (``Init ⇒ Inv``). The
whole-state claim is ``∀ environment e: Inv(e, time)``. It is inductive
because: an operation on ``e`` preserves ``Inv(e)`` (these checks); it
leaves every other environment unchanged and the time too (isolation,
``proofs.models.isolation``); ``advance_time`` changes only the time and is
one of the transitions checked here; a registration adds an environment
satisfying ``Init``. Since every invariant, including those another one
assumes, is proved preserved, their conjunction is inductive.

``ProcessExits`` is checked as its steps (``process_head_exit``); a call is
a chain of them, so what each step preserves every call preserves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import z3

from proofs.models.clauses import ModelInvariant, StepView, find_violation, state_holds
from proofs.models.counterexamples import describe_step_counterexample, make_readable
from proofs.models.environment import (
    ModelConfig,
    compute_initial_environment,
    declare_environment,
)
from proofs.models.invariants import make_model_invariants
from proofs.models.operations import RegisterParameters, declare_parameters
from proofs.models.rules import UINT64_MAX, is_in_range
from proofs.models.settlement import declare_settlement, encode_register, is_settlement_enabled
from proofs.models.solving import (
    SolverAnswer,
    find_counterexample,
    get_proof_outcome,
    run_check,
)
from proofs.models.steps import STEP_FACTORIES, StepFactory
from proofs.models.transitions import Step, is_enabled
from proofs.results import CheckResult, Method
from spec.invariants.ids import InvariantId


def get_assumed_invariants(
    invariant: ModelInvariant, invariants: Mapping[InvariantId | str, ModelInvariant]
) -> list[ModelInvariant]:
    """Return the invariant itself and those its proof assumes."""
    return [invariant, *(invariants[identifier] for identifier in invariant.assumes)]


def check_initiation(config: ModelConfig, invariant: ModelInvariant) -> tuple[SolverAnswer, str]:
    """Look for a freshly registered environment that breaks the invariant's state form."""
    settlement = declare_settlement("init")
    parameters = declare_parameters(RegisterParameters, "register")
    register = encode_register(config, settlement, parameters)
    now = settlement.time
    environment = compute_initial_environment(
        parameters.operator,
        parameters.finalization_period,
        parameters.exit_bond,
        parameters.deposit_limit,
        now,
    )
    view = StepView("register", environment, environment, now, now, None)
    violation = find_violation(invariant, view, include_transition=False)
    assertions = [is_settlement_enabled(register), is_in_range(now, UINT64_MAX)]
    answer = run_check([*assertions, violation.condition])
    if answer.model is None:
        return answer, ""
    step = Step("register", (), (), environment, now)
    return answer, describe_step_counterexample(answer.model, step, view, violation)


def check_preservation(
    config: ModelConfig,
    invariant: ModelInvariant,
    invariants: Mapping[InvariantId | str, ModelInvariant],
    factory: StepFactory,
    *,
    expect_counterexample: bool = False,
) -> tuple[SolverAnswer, str]:
    """Look for a state satisfying the invariant and its assumptions, and a step breaking it.

    A proof expects none (unsat); a negative control (``expect_counterexample``)
    expects one and searches small states first.
    """
    pre = declare_environment("pre")
    now = z3.Int("pre.now")
    step = factory(config, pre, now)
    view = StepView(step.name, pre, step.post, now, step.now_after, step.sender, step.parameters)
    assumptions = [
        state_holds(each, pre, now) for each in get_assumed_invariants(invariant, invariants)
    ]
    violation = find_violation(invariant, view)
    assertions = [*assumptions, is_enabled(step), violation.condition]
    search = find_counterexample if expect_counterexample else run_check
    answer = search(assertions, readable=make_readable(pre, now, config))
    if answer.model is None:
        return answer, ""
    return answer, describe_step_counterexample(answer.model, step, view, violation)


def get_covered_invariants(
    invariant: ModelInvariant, invariants: Mapping[InvariantId | str, ModelInvariant]
) -> tuple[InvariantId, ...]:
    """Return the catalog ids a check supports: its own, or for a lemma those that assume it."""
    if isinstance(invariant.identifier, InvariantId):
        return (invariant.identifier,)
    return tuple(
        other.identifier
        for other in invariants.values()
        if isinstance(other.identifier, InvariantId) and invariant.identifier in other.assumes
    )


def make_result(
    name: str, covered: tuple[InvariantId, ...], answer: SolverAnswer, counterexample: str
) -> CheckResult:
    """Return the CheckResult of one inductive check."""
    detail = counterexample or (
        f"solver gave up: {answer.reason_unknown}" if answer.reason_unknown else ""
    )
    return CheckResult(
        name=name,
        invariants=covered,
        method=Method.INDUCTIVE,
        outcome=get_proof_outcome(answer.verdict),
        seconds=answer.seconds,
        detail=detail,
    )


def iterate_inductive_checks(config: ModelConfig) -> Iterator[CheckResult]:
    """Yield the result of every (invariant, transition) check and every initiation check."""
    invariants = make_model_invariants(config)
    by_id: dict[InvariantId | str, ModelInvariant] = {
        invariant.identifier: invariant for invariant in invariants
    }
    for invariant in invariants:
        prefix, suffix = f"{invariant.identifier}/", f" [{config.name}]"
        covered = get_covered_invariants(invariant, by_id)
        if invariant.state_clauses:
            answer, text = check_initiation(config, invariant)
            yield make_result(f"{prefix}init{suffix}", covered, answer, text)
        for name, factory in STEP_FACTORIES.items():
            answer, text = check_preservation(config, invariant, by_id, factory)
            yield make_result(f"{prefix}{name}{suffix}", covered, answer, text)
