"""The payments exit game's settlement transitions as Z3 relations: start and challenge an exit.

``StartStandardExit`` and ``ChallengeStandardExit`` are the settlement
operations the payments kind adds (``spec.environments.payments.exits``).
Each ``encode_*`` function returns a :class:`~proofs.models.transitions.Step`
like the shared transitions of ``proofs.models.transitions``: the rules as
guards in the spec's order, each with its rejection reason, and the
post-state. The start takes the payments witnesses (the root its inclusion
proof leads to, the exiting output) and the kind-neutral rules of
``spec.settlement.exits`` (the bond, one exit per output); the challenge
takes the spent position and the signer.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from proofs.models.environment import EnvironmentTerms, ModelConfig, store_exit
from proofs.models.operations import list_parameter_terms
from proofs.models.payments.parameters import ChallengeExitParameters, StartExitParameters
from proofs.models.rules import (
    UINT64_MAX,
    UINT256_MAX,
    BlockKindCode,
    ExitStatusCode,
    compute_exitable_time,
    compute_position_key,
)
from proofs.models.transitions import ExitableRule, Guard, Step, is_active
from spec.errors import RejectionReason


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
        Guard(RejectionReason.TX_NO_INPUTS, p.well_formed == 1),
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
