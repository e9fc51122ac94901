"""Settlement transitions of one environment as Z3 relations.

Each ``encode_*`` function returns a :class:`Step`: the operation's rules as
:class:`Guard` values, in the order the spec checks them, each naming the
``RejectionReason`` the spec raises when it fails, and the post-state as
terms over the pre-state and the parameters. The relation is
``domain ∧ guards ∧ post' = post``; a step is enabled exactly when the spec
accepts, so a rejected operation has no post-state at all.

Not represented (the drift test lists them): settlement-layer balances (so
``INSUFFICIENT_FUNDS`` and overflows of balances on credit), signature
decoding (``SIGNATURE_*`` is modelled as "no valid signer", whose reason is
``CHALLENGE_NOT_SIGNED_BY_OWNER``). Processing exits is in
``proofs.models.processing``; the payments exit game's transitions (start
and challenge a standard exit) are in ``proofs.models.payments.transitions``.

Where a negative control needs to change a rule, the builder takes it as a
keyword argument (here the exitable time; in ``processing`` the queue order
and the payout).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import z3

from proofs.models.environment import (
    EnvironmentTerms,
    ModelConfig,
)
from proofs.models.operations import (
    AdvanceTimeParameters,
    DepositParameters,
    SubmitBlockParameters,
    list_parameter_terms,
)
from proofs.models.rules import UINT256_MAX, BlockKindCode, maximum
from spec.errors import RejectionReason

ExitableRule = Callable[[z3.BoolRef, z3.ArithRef, z3.ArithRef, z3.ArithRef], z3.ArithRef]
"""Exitable time from (is deposit block, block time, start time, MFP)."""


@dataclass(frozen=True)
class Guard:
    """One rule of an operation: a condition, and the reason the spec rejects with if it fails."""

    reason: RejectionReason | None
    """The spec's rejection reason; None for a definition (e.g. which exit is the head)."""
    condition: z3.BoolRef
    """What must hold."""
    label: str = ""
    """What a definition states (for reason-less guards)."""


@dataclass(frozen=True)
class Step:
    """One environment transition: operation ranges, guards in spec order, post-state."""

    name: str
    """Transition name (``deposit``, ``submit_block``, ...)."""
    domain: tuple[z3.BoolRef, ...]
    """Ranges of the operation's field types."""
    guards: tuple[Guard, ...]
    """Rules, in the order the spec checks them."""
    post: EnvironmentTerms
    """The environment afterwards."""
    now_after: z3.ArithRef
    """Settlement time afterwards."""
    sender: z3.ArithRef | None = None
    """The caller, where the rules depend on who calls."""
    parameters: tuple[tuple[str, z3.ArithRef], ...] = ()
    """The operation's fields by name, for printing counterexamples."""


def is_enabled(step: Step) -> z3.BoolRef:
    """Return the condition under which the spec accepts the operation."""
    return z3.And(*step.domain, *(guard.condition for guard in step.guards))


def without_guard(step: Step, reason: RejectionReason) -> Step:
    """Return ``step`` with every guard of ``reason`` removed (for negative controls)."""
    kept = tuple(guard for guard in step.guards if guard.reason != reason)
    assert len(kept) < len(step.guards), f"{step.name} has no guard {reason}"
    return replace(step, guards=kept)


def is_active(config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef) -> z3.BoolRef:
    """Return whether the environment's quarantine is over (spec ``is_environment_active``)."""
    return now >= environment.registered_at + config.quarantine_period


def encode_deposit(
    config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef, p: DepositParameters
) -> Step:
    """Return spec ``process_deposit``: a deposit block at the next number; the vault grows."""
    number = environment.last_block + 1
    guards = (
        Guard(RejectionReason.ENVIRONMENT_IN_QUARANTINE, is_active(config, environment, now)),
        Guard(RejectionReason.DEPOSIT_AMOUNT_ZERO, p.amount > 0),
        Guard(RejectionReason.DEPOSIT_ABOVE_LIMIT, p.amount <= environment.deposit_limit),
        Guard(
            RejectionReason.TOO_MANY_DEPOSITS,
            number < environment.last_child_block + config.block_interval,
        ),
        Guard(
            RejectionReason.INTEGER_OVERFLOW,
            environment.deposited[p.token] + p.amount <= UINT256_MAX,
        ),
    )
    post = replace(
        environment,
        block_kind=z3.Store(environment.block_kind, number, BlockKindCode.DEPOSIT),
        block_time=z3.Store(environment.block_time, number, now),
        block_root=z3.Store(environment.block_root, number, p.root),
        last_block=maximum(environment.last_block, number),
        deposited=z3.Store(
            environment.deposited, p.token, environment.deposited[p.token] + p.amount
        ),
    )
    return Step("deposit", p.domain(), guards, post, now, p.owner, list_parameter_terms(p))


def encode_submit_block(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: SubmitBlockParameters,
) -> Step:
    """Return spec ``process_submit_block``: the operator commits the next child block."""
    number = p.block_number
    guards = (
        Guard(RejectionReason.ENVIRONMENT_IN_QUARANTINE, is_active(config, environment, now)),
        Guard(RejectionReason.NOT_OPERATOR, p.sender == environment.operator),
        Guard(
            RejectionReason.BLOCK_ALREADY_COMMITTED,
            environment.block_kind[number] == BlockKindCode.NONE,
        ),
        Guard(
            RejectionReason.BLOCK_NUMBER_UNEXPECTED,
            number == environment.last_child_block + config.block_interval,
        ),
    )
    post = replace(
        environment,
        block_kind=z3.Store(environment.block_kind, number, BlockKindCode.CHILD),
        block_time=z3.Store(environment.block_time, number, now),
        block_root=z3.Store(environment.block_root, number, p.root),
        last_child_block=maximum(environment.last_child_block, number),
        last_block=maximum(environment.last_block, number),
    )
    return Step("submit_block", p.domain(), guards, post, now, p.sender, list_parameter_terms(p))


def encode_advance_time(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: AdvanceTimeParameters,
) -> Step:
    """Return spec ``process_advance_time`` as seen by one environment: only the clock moves."""
    guards = (Guard(RejectionReason.TIME_NOT_INCREASING, p.time > now),)
    return Step(
        "advance_time", p.domain(), guards, environment, p.time, None, list_parameter_terms(p)
    )
