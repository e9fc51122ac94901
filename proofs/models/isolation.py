"""Isolation (INV-12): an operation on one environment leaves every other environment unchanged.

Checked on the settlement model (``proofs.models.settlement``), where the
environments are an array of records and an operation reads and writes the
record its ``environment_id`` names. For every operation, one check looks
for an accepted step after which some *other* registered environment's
record differs, or the number of environments is not the one expected
(unchanged; one more after a registration). Global operations (register,
advance time) must change no existing environment. Records are compared as
whole values, every field and every array entry.

``ProcessExits`` is checked both as one head step and as a call unrolled to
``PROCESS_STEPS`` head steps. The negative control writes the new record at
index 0 instead of the named environment.
"""

from __future__ import annotations

from collections.abc import Iterator

import z3

from proofs.models.counterexamples import SPEC_OPERATIONS
from proofs.models.environment import ModelConfig
from proofs.models.mutants import get_control_invariant
from proofs.models.operations import (
    PROCESS_STEPS,
    AdvanceTimeParameters,
    DepositParameters,
    OperationParameters,
    ProcessHeadParameters,
    RegisterParameters,
    SubmitBlockParameters,
    declare_parameters,
    declare_process_exits,
)
from proofs.models.payments.parameters import ChallengeExitParameters, StartExitParameters
from proofs.models.processing import encode_process_head_exit
from proofs.models.settlement import (
    OperationTerms,
    SettlementStep,
    SettlementTerms,
    declare_settlement,
    encode_operation,
    is_settlement_enabled,
    lift_environment_step,
)
from proofs.models.solving import (
    SolverAnswer,
    evaluate,
    find_counterexample,
    get_control_outcome,
    get_proof_outcome,
    run_check,
)
from proofs.results import CheckResult, Method
from spec.invariants.ids import InvariantId

ENVIRONMENT_OPERATIONS: dict[str, type[OperationParameters]] = {
    "deposit": DepositParameters,
    "submit_block": SubmitBlockParameters,
    "start_exit": StartExitParameters,
    "challenge_exit": ChallengeExitParameters,
    "process_head_exit": ProcessHeadParameters,
}
"""Operations that name one environment, with their parameter containers."""

GLOBAL_OPERATIONS: dict[str, type[OperationParameters]] = {
    "register": RegisterParameters,
    "advance_time": AdvanceTimeParameters,
}
"""Operations that name no environment."""


def declare_operation(name: str) -> OperationTerms:
    """Return operation ``name`` with fresh parameters (and a fresh environment id)."""
    if name in GLOBAL_OPERATIONS:
        return OperationTerms(name, None, declare_parameters(GLOBAL_OPERATIONS[name], "op"))
    environment_id = z3.Int("op.environment_id")
    if name == "process_exits":
        return OperationTerms(name, environment_id, declare_process_exits("op", PROCESS_STEPS))
    parameters = declare_parameters(ENVIRONMENT_OPERATIONS[name], "op")
    return OperationTerms(name, environment_id, parameters)


def find_interference(
    pre: SettlementTerms, step: SettlementStep, target: z3.ArithRef | None
) -> tuple[z3.BoolRef, z3.ArithRef]:
    """Return the condition that the step changed another environment, and the witness id."""
    other = z3.Int("witness.other_environment")
    is_other = z3.And(other >= 0, other < pre.environment_count)
    if target is not None:
        is_other = z3.And(is_other, other != target)
    changed = step.post.environments[other] != pre.environments[other]
    expected_count = pre.environment_count + (1 if step.name == "register" else 0)
    miscounted = step.post.environment_count != expected_count
    return z3.Or(z3.And(is_other, changed), miscounted), other


def check_isolation_step(
    pre: SettlementTerms,
    step: SettlementStep,
    target: z3.ArithRef | None,
    *,
    expect_counterexample: bool = False,
) -> tuple[SolverAnswer, str]:
    """Look for an accepted step that changes an environment it does not name."""
    interference, other = find_interference(pre, step, target)
    readable = [pre.environment_count <= 3]
    search = find_counterexample if expect_counterexample else run_check
    answer = search([is_settlement_enabled(step), interference], readable=readable)
    if answer.model is None:
        return answer, ""
    model = answer.model
    named = "none" if target is None else evaluate(model, target)
    operation = SPEC_OPERATIONS.get(step.name, step.name)
    text = (
        f"1. {operation} on environment {named}: environment {evaluate(model, other)} of "
        f"{evaluate(model, pre.environment_count)} changed (count after: "
        f"{evaluate(model, step.post.environment_count)})"
    )
    return answer, text


ISOLATION_CONTROL = "process-writes-environment-0"
"""Name of the isolation proof's negative control, as the catalog lists it."""


def make_isolation_result(
    name: str, answer: SolverAnswer, text: str, control: bool, invariants: tuple[InvariantId, ...]
) -> CheckResult:
    """Return the CheckResult of one isolation check or control."""
    if control:
        outcome, method = get_control_outcome(answer.verdict), Method.NEGATIVE_CONTROL
    else:
        outcome, method = get_proof_outcome(answer.verdict), Method.INDUCTIVE
    detail = text or answer.reason_unknown
    return CheckResult(name, invariants, method, outcome, answer.seconds, detail=detail)


def iterate_isolation_checks(config: ModelConfig) -> Iterator[CheckResult]:
    """Yield one isolation check per operation (the negative control is separate)."""
    for name in (*ENVIRONMENT_OPERATIONS, "process_exits", *GLOBAL_OPERATIONS):
        pre = declare_settlement("pre")
        operation = declare_operation(name)
        step = encode_operation(config, pre, operation)
        answer, text = check_isolation_step(pre, step, operation.environment_id)
        check_name = f"{InvariantId.ISOLATION}/{name} [{config.name}]"
        yield make_isolation_result(check_name, answer, text, False, (InvariantId.ISOLATION,))


def run_isolation_control(config: ModelConfig) -> CheckResult:
    """Run the isolation check on a ProcessExits step that writes to environment 0."""
    pre = declare_settlement("pre")
    environment_id = z3.Int("op.environment_id")
    parameters = declare_parameters(ProcessHeadParameters, "op")
    environment = pre.get_environment(environment_id)
    local = encode_process_head_exit(config, environment, pre.time, parameters)
    step = lift_environment_step(pre, environment_id, local, write_index=z3.IntVal(0))
    answer, text = check_isolation_step(pre, step, environment_id, expect_counterexample=True)
    description = "ProcessExits writes the processed record to environment 0"
    detail = f"{description}; " + (f"caught:\n{text}" if text else "not caught")
    invariants = (get_control_invariant(ISOLATION_CONTROL),)
    name = f"control/{ISOLATION_CONTROL} [{config.name}]"
    return make_isolation_result(name, answer, detail, True, invariants)
