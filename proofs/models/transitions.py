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
``proofs.models.processing``.

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
    store_exit,
)
from proofs.models.operations import (
    AdvanceTimeParameters,
    ChallengeExitParameters,
    DepositParameters,
    StartExitParameters,
    SubmitBlockParameters,
    list_parameter_terms,
)
from proofs.models.rules import (
    UINT64_MAX,
    UINT256_MAX,
    BlockKindCode,
    ExitStatusCode,
    compute_exitable_time,
    compute_position_key,
    maximum,
)
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


def can_compute_exitable_time(
    is_deposit_block: z3.BoolRef,
    block_time: z3.ArithRef,
    now: z3.ArithRef,
    period: z3.ArithRef,
) -> z3.BoolRef:
    """Return whether the spec's exitable-time sums stay within Uint64."""
    child_sum_fits = block_time + 2 * period <= UINT64_MAX
    return z3.And(now + period <= UINT64_MAX, z3.Or(is_deposit_block, child_sum_fits))


def is_position_unused(environment: EnvironmentTerms, position: z3.ArithRef) -> z3.BoolRef:
    """Return whether no exit was ever started for ``position`` (spec ``get_exit_of_position``)."""
    exit_id = z3.Int("exit.any")
    started = z3.And(exit_id >= 0, exit_id < environment.exit_count)
    return z3.ForAll([exit_id], z3.Implies(started, environment.exit_position[exit_id] != position))


def encode_start_exit(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: StartExitParameters,
    *,
    exitable_rule: ExitableRule = compute_exitable_time,
) -> Step:
    """Return spec ``process_start_standard_exit``: a new open exit; the bond is held."""
    kind = environment.block_kind[p.block_number]
    block_time = environment.block_time[p.block_number]
    is_deposit_block = kind == BlockKindCode.DEPOSIT
    period = environment.finalization_period
    position = compute_position_key(p.block_number, p.transaction_index, p.output_index)
    guards = (
        Guard(RejectionReason.ENVIRONMENT_IN_QUARANTINE, is_active(config, environment, now)),
        Guard(RejectionReason.UNKNOWN_BLOCK, kind != BlockKindCode.NONE),
        Guard(
            RejectionReason.INCLUSION_PROOF_INVALID,
            environment.block_root[p.block_number] == p.proven_root,
        ),
        Guard(RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE, p.output_index < p.output_count),
        Guard(RejectionReason.EXIT_NOT_BY_OWNER, p.sender == p.output_owner),
        Guard(
            RejectionReason.INTEGER_OVERFLOW,
            can_compute_exitable_time(is_deposit_block, block_time, now, period),
        ),
        Guard(RejectionReason.EXIT_BOND_WRONG_AMOUNT, p.bond == environment.exit_bond),
        Guard(RejectionReason.EXIT_ALREADY_STARTED, is_position_unused(environment, position)),
        Guard(RejectionReason.INTEGER_OVERFLOW, environment.bonds_held + p.bond <= UINT256_MAX),
    )
    stored = store_exit(
        environment,
        environment.exit_count,
        exit_position=position,
        exit_block=p.block_number,
        exit_owner=p.output_owner,
        exit_token=p.output_token,
        exit_amount=p.output_amount,
        exit_bond_posted=p.bond,
        exit_started_at=now,
        exit_exitable_at=exitable_rule(is_deposit_block, block_time, now, period),
        exit_status=z3.IntVal(ExitStatusCode.OPEN),
        exit_paid=z3.IntVal(0),
    )
    post = replace(
        stored,
        exit_count=environment.exit_count + 1,
        bonds_held=environment.bonds_held + p.bond,
    )
    return Step("start_exit", p.domain(), guards, post, now, p.sender, list_parameter_terms(p))


def encode_challenge_exit(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: ChallengeExitParameters,
) -> Step:
    """Return spec ``process_challenge_standard_exit``: the exit is cancelled; its bond leaves."""
    exit_id = p.exit_id
    guards = (
        Guard(RejectionReason.UNKNOWN_EXIT, z3.And(exit_id >= 0, exit_id < environment.exit_count)),
        Guard(
            RejectionReason.EXIT_NOT_OPEN,
            environment.exit_status[exit_id] == ExitStatusCode.OPEN,
        ),
        Guard(
            RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
            p.spent_position == environment.exit_position[exit_id],
        ),
        Guard(
            RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
            p.signer == environment.exit_owner[exit_id],
        ),
    )
    stored = store_exit(environment, exit_id, exit_status=z3.IntVal(ExitStatusCode.CHALLENGED))
    post = replace(
        stored, bonds_held=environment.bonds_held - environment.exit_bond_posted[exit_id]
    )
    return Step("challenge_exit", p.domain(), guards, post, now, p.sender, list_parameter_terms(p))


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
