"""Exit invariants of the settlement model: INV-07, INV-08, INV-09 and INV-11.

Part of the model invariants (``proofs.models.invariants``). INV-10, the payments
exit game's challenge soundness, is in ``proofs.models.payments.invariants``.
"""

from __future__ import annotations

import z3

from proofs.models.block_invariants import is_record_kept
from proofs.models.clauses import (
    WELL_FORMEDNESS,
    ModelInvariant,
    StateClause,
    StepView,
    TransitionClause,
)
from proofs.models.environment import EXIT_FIELDS, EnvironmentTerms
from proofs.models.predicates import (
    OPEN,
    PROCESSED,
    has_status,
    is_committed,
    is_exit,
    is_newly_processed,
)
from proofs.models.processing import get_queue_key
from proofs.models.rules import (
    BlockKindCode,
    compute_exitable_time,
    is_earlier_in_queue,
)
from spec.invariants.ids import InvariantId

# INV-07 Maturity and INV-08 Priority order


def follows_exitable_rule(e: EnvironmentTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether an exit's block is committed and its exitable time follows the MVP rule."""
    block = e.exit_block[exit_id]
    expected = compute_exitable_time(
        e.block_kind[block] == BlockKindCode.DEPOSIT,
        e.block_time[block],
        e.exit_started_at[exit_id],
        e.finalization_period,
    )
    return z3.And(is_committed(e, block), e.exit_exitable_at[exit_id] == expected)


def make_maturity() -> ModelInvariant:
    """Return INV-07: exitable times follow the MVP rule; nothing is paid before it."""
    return ModelInvariant(
        InvariantId.MATURITY,
        (
            StateClause(
                "exitable time follows the MVP rule",
                1,
                lambda e, now, i: z3.Implies(is_exit(e, i), follows_exitable_rule(e, i)),
            ),
            StateClause(
                "processed exits were mature",
                1,
                lambda e, now, i: z3.Implies(
                    has_status(e, i, PROCESSED), e.exit_exitable_at[i] <= now
                ),
            ),
        ),
        (
            TransitionClause(
                "a step pays only mature exits",
                1,
                lambda v, i: z3.Implies(
                    is_newly_processed(v, i), v.pre.exit_exitable_at[i] <= v.now_before
                ),
            ),
        ),
        assumes=(InvariantId.BLOCK_LOG_INTEGRITY,),
        strengthening=(
            "Z3: assumes INV-04 (the block an exit names stays committed with the same kind and "
            "time; without it a deposit could overwrite that block). 'No exit is paid before "
            "its exitable time' is also stated on states: every processed exit has exitable "
            "time <= now."
        ),
    )


def precedes_open_exit(e: EnvironmentTerms, i: z3.ArithRef, j: z3.ArithRef) -> z3.BoolRef:
    """Return whether exit ``i``'s queue key is before exit ``j``'s."""
    return is_earlier_in_queue(get_queue_key(e, i), get_queue_key(e, j))


def make_priority_order() -> ModelInvariant:
    """Return INV-08: a step pays the head of its queue; paid exits precede every open one."""
    return ModelInvariant(
        InvariantId.PRIORITY_ORDER,
        (
            StateClause(
                "paid exits precede open exits of their token",
                2,
                lambda e, now, i, j: z3.Implies(
                    z3.And(
                        has_status(e, i, PROCESSED),
                        has_status(e, j, OPEN),
                        e.exit_token[i] == e.exit_token[j],
                    ),
                    precedes_open_exit(e, i, j),
                ),
            ),
        ),
        (
            TransitionClause(
                "a step pays the head of its queue",
                2,
                lambda v, i, j: z3.Implies(
                    z3.And(
                        is_newly_processed(v, i),
                        j != i,
                        has_status(v.pre, j, OPEN),
                        v.pre.exit_token[j] == v.pre.exit_token[i],
                    ),
                    precedes_open_exit(v.pre, i, j),
                ),
            ),
        ),
        assumes=(InvariantId.MATURITY, WELL_FORMEDNESS),
        strengthening=(
            "Z3: the state form 'every processed exit precedes, in (exitable time, position, "
            "exit id) order, every open exit of its token' (so exits of a queue are paid in "
            "strictly increasing order across calls); assumes INV-07 (processed exits were "
            "mature) and MFP >= 1, so a new exit (exitable >= now + MFP) queues behind every "
            "paid one."
        ),
    )


# INV-09 Bond conservation and INV-11 Finality monotonicity


def make_bond_conservation() -> ModelInvariant:
    """Return INV-09: bonds held equal the bonds of the open exits."""
    return ModelInvariant(
        InvariantId.BOND_CONSERVATION,
        (
            StateClause(
                "bonds held equal the open exits' bonds",
                0,
                lambda e, now: e.bonds_held == e.open_bond_sum,
            ),
        ),
        strengthening=(
            "Z3: the sum of the bonds of open exits is a ghost updated on every store into the "
            "exit table (minus the overwritten exit's share, plus its new one); the drift test "
            "recomputes it on concrete states."
        ),
    )


def is_exit_record_final(view: StepView, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether an exit keeps its record, and an ended exit also its status and pay."""
    pre, post = view.pre, view.post
    fixed = [
        getattr(post, name)[exit_id] == getattr(pre, name)[exit_id]
        for name in EXIT_FIELDS
        if name not in ("exit_status", "exit_paid")
    ]
    ended = z3.And(
        post.exit_status[exit_id] == pre.exit_status[exit_id],
        post.exit_paid[exit_id] == pre.exit_paid[exit_id],
    )
    has_ended = pre.exit_status[exit_id] != OPEN
    return z3.Implies(is_exit(pre, exit_id), z3.And(*fixed, z3.Implies(has_ended, ended)))


def are_rules_kept(view: StepView) -> z3.BoolRef:
    """Return whether operator, registration time and rules are unchanged."""
    names = ("operator", "registered_at", "finalization_period", "exit_bond", "deposit_limit")
    return z3.And(*(getattr(view.post, name) == getattr(view.pre, name) for name in names))


def make_finality() -> ModelInvariant:
    """Return INV-11: exits, ended exits, withdrawn totals, records and rules never go back."""
    return ModelInvariant(
        InvariantId.FINALITY_MONOTONICITY,
        (),
        (
            TransitionClause(
                "no exit disappears", 0, lambda v: v.post.exit_count >= v.pre.exit_count
            ),
            TransitionClause(
                "exit records stay; ended exits never change", 1, is_exit_record_final
            ),
            TransitionClause(
                "withdrawn totals never decrease",
                1,
                lambda v, t: v.post.withdrawn[t] >= v.pre.withdrawn[t],
            ),
            TransitionClause("committed records never change", 1, is_record_kept),
            TransitionClause("rules never change", 0, are_rules_kept),
        ),
        assumes=(InvariantId.SOLVENCY, InvariantId.BLOCK_LOG_INTEGRITY),
        strengthening=(
            "Z3: assumes INV-01 (the vault is never negative, so a payout is never negative) "
            "and INV-04 (new blocks take free numbers)."
        ),
    )
