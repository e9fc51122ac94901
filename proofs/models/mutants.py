"""Negative controls: deliberately broken transitions that each proof must reject.

A proof that cannot fail proves nothing. Each :class:`Mutant` replaces one
transition of ``proofs.models.steps.STEP_FACTORIES`` with a broken version
(a guard dropped, an effect changed, a rule altered). The catalog entry that
lists the mutant's name among its Z3 negative controls
(``spec.invariants.catalog``) names the invariant whose proof must then
find a counterexample. A control is
*caught* when that proof's check is sat; unsat (not caught) and unknown are
failures. The isolation controls are in ``proofs.models.isolation``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import z3

from proofs.models.clauses import ModelInvariant
from proofs.models.environment import EnvironmentTerms, ModelConfig, store_exit
from proofs.models.induction import check_preservation
from proofs.models.invariants import make_model_invariants
from proofs.models.operations import (
    DepositParameters,
    ProcessHeadParameters,
    declare_parameters,
)
from proofs.models.payments.parameters import ChallengeExitParameters, StartExitParameters
from proofs.models.payments.transitions import encode_challenge_exit, encode_start_exit
from proofs.models.processing import encode_process_head_exit
from proofs.models.rules import ExitStatusCode
from proofs.models.solving import get_control_outcome
from proofs.models.steps import STEP_FACTORIES, StepFactory
from proofs.models.transitions import (
    Step,
    encode_deposit,
    without_guard,
)
from proofs.results import CheckResult, Method, Outcome
from spec.errors import RejectionReason
from spec.invariants.catalog import get_invariants_checked_by
from spec.invariants.checks import Checker
from spec.invariants.ids import InvariantId


@dataclass(frozen=True)
class Mutant:
    """A broken transition; the proof of the catalog entry listing its name must catch it."""

    name: str
    """Short name of the control, as the catalog lists it."""
    description: str
    """What is broken, in words."""
    transition: str
    """Name of the transition replaced."""
    factory: StepFactory
    """The broken transition."""


def drop_guard(transition: str, reason: RejectionReason) -> StepFactory:
    """Return the transition ``transition`` without its ``reason`` guard."""
    honest = STEP_FACTORIES[transition]

    def broken(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> Step:
        return without_guard(honest(config, environment, now), reason)

    return broken


def process_without_vault_cap(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Process that pays the full amount whatever the vault holds."""
    parameters = declare_parameters(ProcessHeadParameters, "op")
    return encode_process_head_exit(
        config, environment, now, parameters, payout_rule=lambda amount, vault: amount
    )


def process_without_marking(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Process that pays an exit but leaves it open (so it can be paid again)."""
    parameters = declare_parameters(ProcessHeadParameters, "op")
    step = encode_process_head_exit(config, environment, now, parameters)
    reopened = store_exit(step.post, parameters.head, exit_status=z3.IntVal(ExitStatusCode.OPEN))
    return replace(step, post=reopened)


def process_ignoring_position(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Process whose queue order is (exitable time, exit id): positions ignored."""
    parameters = declare_parameters(ProcessHeadParameters, "op")
    return encode_process_head_exit(
        config,
        environment,
        now,
        parameters,
        order=lambda a, b: z3.Or(a[0] < b[0], z3.And(a[0] == b[0], a[2] < b[2])),
    )


def start_exit_with_one_period(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Start exit whose exitable time is start + MFP for every block (the 2·MFP rule dropped)."""
    parameters = declare_parameters(StartExitParameters, "op")
    return encode_start_exit(
        config,
        environment,
        now,
        parameters,
        exitable_rule=lambda is_deposit, block_time, started_at, period: started_at + period,
    )


def start_exit_without_bond(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Start exit that records the bond but does not add it to the bonds held."""
    parameters = declare_parameters(StartExitParameters, "op")
    step = encode_start_exit(config, environment, now, parameters)
    return replace(step, post=replace(step.post, bonds_held=environment.bonds_held))


def challenge_keeping_bond(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Challenge that cancels the exit but never releases its bond from the bonds held."""
    parameters = declare_parameters(ChallengeExitParameters, "op")
    step = encode_challenge_exit(config, environment, now, parameters)
    return replace(step, post=replace(step.post, bonds_held=environment.bonds_held))


def deposit_without_credit(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Deposit that writes its block but does not credit the vault."""
    parameters = declare_parameters(DepositParameters, "op")
    step = encode_deposit(config, environment, now, parameters)
    return replace(step, post=replace(step.post, deposited=environment.deposited))


def submit_over_committed_block(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Submit block at any number, even a committed one (both numbering guards dropped)."""
    step = STEP_FACTORIES["submit_block"](config, environment, now)
    step = without_guard(step, RejectionReason.BLOCK_ALREADY_COMMITTED)
    return without_guard(step, RejectionReason.BLOCK_NUMBER_UNEXPECTED)


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "process-without-vault-cap",
        "ProcessExits pays the full amount whatever the vault holds",
        "process_head_exit",
        process_without_vault_cap,
    ),
    Mutant(
        "process-without-marking",
        "ProcessExits pays an exit but leaves it open",
        "process_head_exit",
        process_without_marking,
    ),
    Mutant(
        "start-exit-twice",
        "StartStandardExit without the EXIT_ALREADY_STARTED check",
        "start_exit",
        drop_guard("start_exit", RejectionReason.EXIT_ALREADY_STARTED),
    ),
    Mutant(
        "deposit-past-interval",
        "Deposit without the TOO_MANY_DEPOSITS check",
        "deposit",
        drop_guard("deposit", RejectionReason.TOO_MANY_DEPOSITS),
    ),
    Mutant(
        "submit-any-number",
        "SubmitBlock without the BLOCK_NUMBER_UNEXPECTED check",
        "submit_block",
        drop_guard("submit_block", RejectionReason.BLOCK_NUMBER_UNEXPECTED),
    ),
    Mutant(
        "submit-over-committed",
        "SubmitBlock at any number, even over a committed root",
        "submit_block",
        submit_over_committed_block,
    ),
    Mutant(
        "time-backwards",
        "AdvanceTime without the TIME_NOT_INCREASING check",
        "advance_time",
        drop_guard("advance_time", RejectionReason.TIME_NOT_INCREASING),
    ),
    Mutant(
        "submit-by-anyone",
        "SubmitBlock without the NOT_OPERATOR check",
        "submit_block",
        drop_guard("submit_block", RejectionReason.NOT_OPERATOR),
    ),
    Mutant(
        "deposit-without-credit",
        "Deposit writes its block but does not credit the vault",
        "deposit",
        deposit_without_credit,
    ),
    Mutant(
        "process-immature",
        "ProcessExits without the maturity check",
        "process_head_exit",
        drop_guard("process_head_exit", RejectionReason.NO_EXIT_TO_PROCESS),
    ),
    Mutant(
        "exitable-one-period",
        "StartStandardExit with exitable time start + MFP for child "
        "blocks (no 2·MFP after the block)",
        "start_exit",
        start_exit_with_one_period,
    ),
    Mutant(
        "priority-ignoring-position",
        "ProcessExits orders by (exitable time, exit id), ignoring position",
        "process_head_exit",
        process_ignoring_position,
    ),
    Mutant(
        "challenge-keeps-bond",
        "ChallengeStandardExit does not release the bond",
        "challenge_exit",
        challenge_keeping_bond,
    ),
    Mutant(
        "start-exit-without-bond",
        "StartStandardExit does not hold the bond",
        "start_exit",
        start_exit_without_bond,
    ),
    Mutant(
        "challenge-without-signature",
        "ChallengeStandardExit without the owner's signature check",
        "challenge_exit",
        drop_guard("challenge_exit", RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER),
    ),
    Mutant(
        "challenge-ended-exit",
        "ChallengeStandardExit without the EXIT_NOT_OPEN check",
        "challenge_exit",
        drop_guard("challenge_exit", RejectionReason.EXIT_NOT_OPEN),
    ),
)
"""Every negative control of the inductive proofs."""


def get_control_invariant(name: str) -> InvariantId:
    """Return the invariant whose catalog entry lists the Z3 negative control ``name``.

    Exactly one entry must list it: its proof is the one the control breaks.
    """
    (invariant,) = get_invariants_checked_by(Checker.Z3_CONTROLS, name)
    return invariant


def run_mutant(config: ModelConfig, mutant: Mutant) -> CheckResult:
    """Run the proof of the mutant's invariant (from the catalog) against its broken transition."""
    identifier = get_control_invariant(mutant.name)
    invariants: dict[InvariantId | str, ModelInvariant] = {
        invariant.identifier: invariant for invariant in make_model_invariants(config)
    }
    invariant = invariants[identifier]
    answer, counterexample = check_preservation(
        config, invariant, invariants, mutant.factory, expect_counterexample=True
    )
    detail = {
        Outcome.CAUGHT: f"{mutant.description}; caught:\n{counterexample}",
        Outcome.FAILED: f"{mutant.description}; NOT caught: the proof still passes",
        Outcome.UNKNOWN: f"{mutant.description}; solver gave up: {answer.reason_unknown}",
    }
    outcome = get_control_outcome(answer.verdict)
    return CheckResult(
        name=f"control/{mutant.name} [{config.name}]",
        invariants=(identifier,),
        method=Method.NEGATIVE_CONTROL,
        outcome=outcome,
        seconds=answer.seconds,
        detail=detail[outcome],
    )


def iterate_mutant_checks(config: ModelConfig) -> Iterator[CheckResult]:
    """Yield the result of every negative control of the inductive proofs."""
    for mutant in MUTANTS:
        yield run_mutant(config, mutant)
