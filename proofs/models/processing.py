"""Processing exits as Z3 relations: the queue, its head, and ``ProcessExits``.

The queue of one (environment, token) holds its open exits ordered by
(exitable time, position, exit id) (spec ``get_exit_queue``). One
processing step pays the mature head (:func:`encode_process_head_exit`);
``ProcessExits`` is a chain of such steps unrolled a fixed number of times
(:func:`encode_process_exits`). Guards and post-states follow the
conventions of ``proofs.models.transitions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import z3

from proofs.models.environment import (
    EnvironmentTerms,
    ModelConfig,
    is_exit_open,
    select_environment,
    store_exit,
)
from proofs.models.operations import (
    ProcessExitsParameters,
    ProcessHeadParameters,
    list_parameter_terms,
)
from proofs.models.rules import ExitStatusCode, compute_payout, is_earlier_in_queue
from proofs.models.transitions import Guard, Step, is_enabled
from spec.errors import RejectionReason

QueueOrder = Callable[
    [tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef], tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef]],
    z3.BoolRef,
]
"""Strict order of exit queue keys (exitable time, position, exit id)."""

PayoutRule = Callable[[z3.ArithRef, z3.ArithRef], z3.ArithRef]
"""What processing pays, from (exit amount, vault balance)."""


def get_queue_key(
    environment: EnvironmentTerms, exit_id: z3.ArithRef
) -> tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef]:
    """Return an exit's queue key (spec ``compute_exit_priority``)."""
    return (environment.exit_exitable_at[exit_id], environment.exit_position[exit_id], exit_id)


def is_in_queue(
    environment: EnvironmentTerms, token: z3.ArithRef, exit_id: z3.ArithRef
) -> z3.BoolRef:
    """Return whether the exit is open and of ``token`` (spec ``get_exit_queue``)."""
    return z3.And(is_exit_open(environment, exit_id), environment.exit_token[exit_id] == token)


def is_queue_head(
    environment: EnvironmentTerms,
    token: z3.ArithRef,
    head: z3.ArithRef,
    order: QueueOrder = is_earlier_in_queue,
) -> z3.BoolRef:
    """Return whether ``head`` is first in the token's queue of open exits."""
    other = z3.Int("queue.other")
    precedes = z3.Implies(
        z3.And(is_in_queue(environment, token, other), other != head),
        order(get_queue_key(environment, head), get_queue_key(environment, other)),
    )
    return z3.And(is_in_queue(environment, token, head), z3.ForAll([other], precedes))


def has_mature_exit(
    environment: EnvironmentTerms, now: z3.ArithRef, token: z3.ArithRef
) -> z3.BoolRef:
    """Return whether the token's queue holds a mature exit (then its head is mature).

    The queue is ordered by exitable time first, so its head is mature
    exactly when some exit in it is.
    """
    exit_id = z3.Int("queue.mature")
    mature = z3.And(
        is_in_queue(environment, token, exit_id),
        environment.exit_exitable_at[exit_id] <= now,
    )
    return z3.Exists([exit_id], mature)


def encode_process_head_exit(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: ProcessHeadParameters,
    *,
    order: QueueOrder = is_earlier_in_queue,
    payout_rule: PayoutRule = compute_payout,
) -> Step:
    """Return one step of spec ``process_exit_queue``: pay the mature head of a queue.

    Pays ``min(amount, vault)`` (spec ``process_exit``), marks the exit
    processed and returns its bond.
    """
    head = p.head
    token = environment.exit_token[head]
    vault = environment.deposited[token] - environment.withdrawn[token]
    payout = payout_rule(environment.exit_amount[head], vault)
    guards = (
        Guard(
            None,
            is_queue_head(environment, p.token, head, order),
            "the exit processed is the head of the token's queue",
        ),
        Guard(RejectionReason.NO_EXIT_TO_PROCESS, environment.exit_exitable_at[head] <= now),
    )
    stored = store_exit(
        environment,
        head,
        exit_status=z3.IntVal(ExitStatusCode.PROCESSED),
        exit_paid=payout,
    )
    post = replace(
        stored,
        withdrawn=z3.Store(environment.withdrawn, token, environment.withdrawn[token] + payout),
        bonds_held=environment.bonds_held - environment.exit_bond_posted[head],
    )
    return Step("process_head_exit", p.domain(), guards, post, now, None, list_parameter_terms(p))


def encode_process_exits(
    config: ModelConfig,
    environment: EnvironmentTerms,
    now: z3.ArithRef,
    p: ProcessExitsParameters,
    *,
    process_head: Callable[..., Step] = encode_process_head_exit,
) -> Step:
    """Return spec ``process_exit_queue`` unrolled to ``len(p.heads)`` head steps.

    Step ``k`` runs while ``k < max_exits`` and the queue has a mature exit.
    A call that would process more exits than the unrolling holds is outside
    the model (a reason-less guard excludes it).
    """
    guards = [
        Guard(RejectionReason.PROCESS_LIMIT_ZERO, p.max_exits > 0),
        Guard(RejectionReason.NO_EXIT_TO_PROCESS, has_mature_exit(environment, now, p.token)),
    ]
    state = environment
    for index, head in enumerate(p.heads):
        runs = z3.And(index < p.max_exits, has_mature_exit(state, now, p.token))
        step = process_head(config, state, now, ProcessHeadParameters(p.token, head))
        label = f"step {index + 1} processes the head of the queue"
        guards.append(Guard(None, z3.Implies(runs, is_enabled(step)), label))
        state = select_environment(runs, step.post, state)
    beyond = z3.And(len(p.heads) < p.max_exits, has_mature_exit(state, now, p.token))
    guards.append(Guard(None, z3.Not(beyond), "the call processes no more exits than unrolled"))
    parameters = list_parameter_terms(p)
    return Step("process_exits", p.domain(), tuple(guards), state, now, None, parameters)
