"""Printing counterexamples of inductive checks: the operation, the broken clause, the records.

A counterexample to ``Inv ∧ Transition ⇒ Inv'`` is a pre-state and an
operation. The text names the transition and its parameters (as the spec
operation they stand for), the clause that fails with its witnesses, and the
exits, blocks and ledgers before and after. Values come from
``model.eval(..., model_completion=True)``, so every symbol has a value.
"""

from __future__ import annotations

import z3

from proofs.models.clauses import StepView, Violation
from proofs.models.environment import EXIT_FIELDS, EnvironmentTerms, ModelConfig
from proofs.models.rules import BlockKindCode, ExitStatusCode
from proofs.models.solving import evaluate, evaluate_int
from proofs.models.transitions import Step

MAX_PRINTED_EXITS = 4
"""Most exit records printed per state."""

SPEC_OPERATIONS = {
    "register": "RegisterEnvironment",
    "deposit": "Deposit",
    "submit_block": "SubmitBlock",
    "start_exit": "StartStandardExit",
    "challenge_exit": "ChallengeStandardExit",
    "process_head_exit": "ProcessExits (one step: the queue head)",
    "process_exits": "ProcessExits",
    "advance_time": "AdvanceTime",
}
"""The spec operation each transition stands for."""


def make_readable(pre: EnvironmentTerms, now: z3.ArithRef, config: ModelConfig) -> list[z3.BoolRef]:
    """Return constraints that keep a counterexample small and its printed records sensible."""
    interval, period = config.block_interval, config.minimum_finalization_period
    readable = [
        z3.And(pre.exit_count >= 0, pre.exit_count <= 3),
        z3.And(pre.last_child_block >= 0, pre.last_block <= 2 * interval),
        z3.And(pre.registered_at >= 0, pre.registered_at <= now, now <= 100 * period),
        pre.finalization_period <= 10 * period,
    ]
    for exit_id in range(3):
        readable.append(z3.Implies(exit_id < pre.exit_count, is_sensible_exit(pre, exit_id)))
    return readable


def is_sensible_exit(environment: EnvironmentTerms, exit_id: int) -> z3.BoolRef:
    """Return whether an exit record has a known status and non-negative fields."""
    status = environment.exit_status[exit_id]
    non_negative = [getattr(environment, name)[exit_id] >= 0 for name in EXIT_FIELDS]
    return z3.And(status >= ExitStatusCode.OPEN, status <= ExitStatusCode.PROCESSED, *non_negative)


def format_operation(model: z3.ModelRef, step: Step) -> str:
    """Return the operation as ``SpecName(field=value, ...)``."""
    arguments = ", ".join(f"{name}={evaluate(model, term)}" for name, term in step.parameters)
    return f"{SPEC_OPERATIONS.get(step.name, step.name)}({arguments})"


def format_exit(model: z3.ModelRef, environment: EnvironmentTerms, exit_id: int) -> str:
    """Return one exit record."""
    values = {
        name.removeprefix("exit_"): evaluate(model, getattr(environment, name)[exit_id])
        for name in EXIT_FIELDS
    }
    status = values["status"]
    if isinstance(status, int) and status in tuple(ExitStatusCode):
        values["status"] = ExitStatusCode(status).name.lower()
    fields = ", ".join(f"{key}={value}" for key, value in values.items())
    return f"exit {exit_id}: {fields}"


def format_block(model: z3.ModelRef, environment: EnvironmentTerms, number: int) -> str | None:
    """Return one block record, or None when nothing is committed at ``number``."""
    kind = evaluate_int(model, environment.block_kind[number])
    if kind == BlockKindCode.NONE:
        return None
    name = BlockKindCode(kind).name.lower() if kind in tuple(BlockKindCode) else str(kind)
    time = evaluate(model, environment.block_time[number])
    return f"block {number}: {name}, time={time}"


def format_state(
    model: z3.ModelRef,
    label: str,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    numbers: set[int],
) -> list[str]:
    """Return the lines describing one state: counters, exits, blocks and ledgers."""
    count = evaluate_int(model, environment.exit_count)
    scalars = ", ".join(
        f"{name}={evaluate(model, getattr(environment, name))}"
        for name in ("exit_count", "last_child_block", "last_block", "bonds_held", "open_bond_sum")
    )
    lines = [f"{label}: now={evaluate(model, now)}, {scalars}"]
    lines.extend(
        "  " + format_exit(model, environment, exit_id)
        for exit_id in range(max(0, min(count, MAX_PRINTED_EXITS)))
    )
    blocks = (format_block(model, environment, number) for number in sorted(numbers))
    lines.extend("  " + block for block in blocks if block is not None)
    tokens = {
        evaluate_int(model, environment.exit_token[i]) for i in range(min(count, MAX_PRINTED_EXITS))
    }
    for token in sorted(tokens):
        ledger = ", ".join(
            f"{name}={evaluate(model, getattr(environment, name)[token])}"
            for name in ("deposited", "withdrawn", "paid_sum")
        )
        lines.append(f"  token {token}: {ledger}")
    return lines


def collect_block_numbers(model: z3.ModelRef, view: StepView, witnesses: list[int]) -> set[int]:
    """Return block numbers worth printing: witnesses, the last blocks, and exits' blocks."""
    numbers = {number for number in witnesses if number >= 0}
    for environment in (view.pre, view.post):
        numbers.add(evaluate_int(model, environment.last_block))
        numbers.add(evaluate_int(model, environment.last_child_block))
        count = evaluate_int(model, environment.exit_count)
        numbers.update(
            evaluate_int(model, environment.exit_block[i])
            for i in range(min(count, MAX_PRINTED_EXITS))
        )
    return {number for number in numbers if number >= 0}


def describe_step_counterexample(
    model: z3.ModelRef, step: Step, view: StepView, violation: Violation
) -> str:
    """Return a counterexample as the operation, the clause it breaks, and the states."""
    broken = []
    witness_values: list[int] = []
    for name, failure, witnesses in violation.clauses:
        if evaluate(model, failure) is True:
            values = [evaluate_int(model, witness) for witness in witnesses]
            witness_values.extend(values)
            at = f" at {tuple(values)}" if values else ""
            broken.append(f"'{name}'{at}")
    numbers = collect_block_numbers(model, view, witness_values)
    lines = [
        f"1. {format_operation(model, step)}",
        f"breaks: {'; '.join(broken)}",
        *format_state(model, "before", view.pre, view.now_before, numbers),
        *format_state(model, "after", view.post, view.now_after, numbers),
    ]
    return "\n".join(lines)
