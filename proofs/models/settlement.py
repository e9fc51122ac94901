"""The whole settlement layer as Z3 terms: the clock and an array of environments.

:class:`SettlementTerms` mirrors ``spec.settlement.state.SettlementState``
without the settlement-layer balances: the time, the number of registered
environments, and an array from environment id to environment record
(``proofs.models.environment.ENVIRONMENT_SORT``). An operation that names an
environment reads that record, applies the one-environment step of
``proofs.models.transitions`` and writes the record back, as the spec's
``with_environment`` does; this is the model the isolation proof (INV-12)
and the drift test use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from proofs.models.environment import (
    ENVIRONMENT_SORT,
    EnvironmentTerms,
    ModelConfig,
    compute_initial_environment,
    pack_environment,
    unpack_environment,
)
from proofs.models.operations import AdvanceTimeParameters, RegisterParameters
from proofs.models.payments.transitions import encode_challenge_exit, encode_start_exit
from proofs.models.processing import encode_process_exits, encode_process_head_exit
from proofs.models.transitions import (
    Guard,
    Step,
    encode_advance_time,
    encode_deposit,
    encode_submit_block,
)
from spec.errors import RejectionReason


@dataclass(frozen=True)
class SettlementTerms:
    """The settlement layer's state as terms (balances abstracted away)."""

    time: z3.ArithRef
    """Settlement time."""
    environment_count: z3.ArithRef
    """Number of registered environments; their ids are 0 .. count - 1."""
    environments: z3.ArrayRef
    """Environment id to environment record."""

    def get_environment(self, environment_id: z3.ArithRef) -> EnvironmentTerms:
        """Return the fields of one environment's record."""
        return unpack_environment(self.environments[environment_id])


@dataclass(frozen=True)
class SettlementStep:
    """One settlement transition: ranges, guards in spec order, post-state."""

    name: str
    """Transition name."""
    domain: tuple[z3.BoolRef, ...]
    """Ranges of the operation's field types."""
    guards: tuple[Guard, ...]
    """Rules, in the order the spec checks them."""
    post: SettlementTerms
    """The settlement layer afterwards."""


def declare_settlement(prefix: str) -> SettlementTerms:
    """Return a settlement state whose every part is a fresh constant."""
    return SettlementTerms(
        z3.Int(f"{prefix}.time"),
        z3.Int(f"{prefix}.environment_count"),
        z3.Array(f"{prefix}.environments", z3.IntSort(), ENVIRONMENT_SORT),
    )


def is_settlement_enabled(step: SettlementStep) -> z3.BoolRef:
    """Return the condition under which the spec accepts the operation."""
    return z3.And(*step.domain, *(guard.condition for guard in step.guards))


def is_known_environment(pre: SettlementTerms, environment_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether the id names a registered environment."""
    return z3.And(environment_id >= 0, environment_id < pre.environment_count)


def lift_environment_step(
    pre: SettlementTerms,
    environment_id: z3.ArithRef,
    step: Step,
    *,
    write_index: z3.ArithRef | None = None,
) -> SettlementStep:
    """Return a step of the environment ``environment_id`` of ``pre`` as a settlement step.

    ``write_index`` (default: the named environment) is where the new record
    is written; only negative controls change it.
    """
    guards = (
        Guard(RejectionReason.UNKNOWN_ENVIRONMENT, is_known_environment(pre, environment_id)),
        *step.guards,
    )
    index = environment_id if write_index is None else write_index
    environments = z3.Store(pre.environments, index, pack_environment(step.post))
    post = SettlementTerms(step.now_after, pre.environment_count, environments)
    return SettlementStep(step.name, step.domain, guards, post)


def encode_register(
    config: ModelConfig, pre: SettlementTerms, p: RegisterParameters
) -> SettlementStep:
    """Return spec ``process_register_environment``: a new environment at index ``count``."""
    guards = (
        Guard(
            RejectionReason.FINALIZATION_PERIOD_TOO_SHORT,
            p.finalization_period >= config.minimum_finalization_period,
        ),
        Guard(RejectionReason.EXIT_BOND_TOO_LOW, p.exit_bond >= config.minimum_exit_bond),
        Guard(RejectionReason.DEPOSIT_LIMIT_ZERO, p.deposit_limit > 0),
    )
    new = compute_initial_environment(
        p.operator, p.finalization_period, p.exit_bond, p.deposit_limit, pre.time
    )
    environments = z3.Store(pre.environments, pre.environment_count, pack_environment(new))
    post = SettlementTerms(pre.time, pre.environment_count + 1, environments)
    return SettlementStep("register", p.domain(), guards, post)


def encode_global_advance_time(
    config: ModelConfig, pre: SettlementTerms, p: AdvanceTimeParameters
) -> SettlementStep:
    """Return spec ``process_advance_time``: only the clock moves."""
    probe = encode_advance_time(config, pre.get_environment(z3.IntVal(0)), pre.time, p)
    post = SettlementTerms(probe.now_after, pre.environment_count, pre.environments)
    return SettlementStep("advance_time", p.domain(), probe.guards, post)


@dataclass(frozen=True)
class OperationTerms:
    """An operation for the settlement model: transition name, environment, parameters."""

    name: str
    """Transition name (``register``, ``deposit``, ..., ``process_exits``, ``advance_time``)."""
    environment_id: z3.ArithRef | None
    """Environment named by the operation; None for global operations."""
    parameters: object
    """The transition's parameter container (``proofs.models.operations``)."""


ENVIRONMENT_ENCODERS = {
    "deposit": encode_deposit,
    "submit_block": encode_submit_block,
    "start_exit": encode_start_exit,
    "challenge_exit": encode_challenge_exit,
    "process_head_exit": encode_process_head_exit,
    "process_exits": encode_process_exits,
}
"""One-environment encoders by transition name."""


def encode_operation(
    config: ModelConfig, pre: SettlementTerms, operation: OperationTerms
) -> SettlementStep:
    """Return the settlement step of any operation (the spec's ``state_transition``)."""
    parameters: Any = operation.parameters
    if operation.name == "register":
        return encode_register(config, pre, parameters)
    if operation.name == "advance_time":
        return encode_global_advance_time(config, pre, parameters)
    assert operation.environment_id is not None, f"{operation.name} names an environment"
    encoder: Any = ENVIRONMENT_ENCODERS[operation.name]
    environment = pre.get_environment(operation.environment_id)
    step = encoder(config, environment, pre.time, parameters)
    return lift_environment_step(pre, operation.environment_id, step)
