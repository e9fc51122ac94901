"""Symbolic transitions for the proofs: each settlement transition on fresh parameters.

A :data:`StepFactory` builds one transition of one environment from a
pre-state and the time, declaring the operation's parameters as fresh
constants. :data:`STEP_FACTORIES` names the transitions every inductive
proof covers; negative controls (``proofs.models.mutants``) swap one factory
for a broken one.

``ProcessExits`` is covered through its steps: ``process_head_exit`` pays the
mature head of one queue, and a call is a chain of such steps, so an
invariant every step preserves is preserved by every call, whatever its limit.
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from proofs.models.environment import EnvironmentTerms, ModelConfig
from proofs.models.operations import (
    AdvanceTimeParameters,
    DepositParameters,
    ProcessHeadParameters,
    SubmitBlockParameters,
    declare_parameters,
)
from proofs.models.payments.parameters import ChallengeExitParameters, StartExitParameters
from proofs.models.payments.transitions import encode_challenge_exit, encode_start_exit
from proofs.models.processing import encode_process_head_exit
from proofs.models.transitions import (
    Step,
    encode_advance_time,
    encode_deposit,
    encode_submit_block,
)

StepFactory = Callable[[ModelConfig, EnvironmentTerms, z3.ArithRef], Step]
"""Builds a transition of ``environment`` at time ``now`` on fresh parameters."""


def make_deposit(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> Step:
    """Return a deposit of any owner, token, amount and root."""
    return encode_deposit(config, environment, now, declare_parameters(DepositParameters, "op"))


def make_submit_block(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> Step:
    """Return a block submission by any sender, of any number and root."""
    parameters = declare_parameters(SubmitBlockParameters, "op")
    return encode_submit_block(config, environment, now, parameters)


def make_start_exit(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> Step:
    """Return an exit start of any output, by any sender, with any proof and bond."""
    parameters = declare_parameters(StartExitParameters, "op")
    return encode_start_exit(config, environment, now, parameters)


def make_challenge_exit(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Return a challenge of any exit with any spent position and signer."""
    parameters = declare_parameters(ChallengeExitParameters, "op")
    return encode_challenge_exit(config, environment, now, parameters)


def make_process_head_exit(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef
) -> Step:
    """Return one processing step of any token's queue."""
    parameters = declare_parameters(ProcessHeadParameters, "op")
    return encode_process_head_exit(config, environment, now, parameters)


def make_advance_time(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> Step:
    """Return a clock move to any time."""
    parameters = declare_parameters(AdvanceTimeParameters, "op")
    return encode_advance_time(config, environment, now, parameters)


STEP_FACTORIES: dict[str, StepFactory] = {
    "deposit": make_deposit,
    "submit_block": make_submit_block,
    "start_exit": make_start_exit,
    "challenge_exit": make_challenge_exit,
    "process_head_exit": make_process_head_exit,
    "advance_time": make_advance_time,
}
"""Every transition of one environment, by name (registration is the initial state)."""
