"""Block-log invariants of the model: INV-04 integrity, INV-05 authority, INV-06 deposits.

Part of the model invariants (``proofs.models.invariants``).
"""

from __future__ import annotations

import z3

from proofs.models.clauses import ModelInvariant, StateClause, StepView, TransitionClause
from proofs.models.environment import ModelConfig
from proofs.models.predicates import is_committed, is_newly_committed
from proofs.models.rules import BlockKindCode
from spec.invariants.ids import InvariantId

# INV-04 Block log integrity and INV-05 Authority


def make_block_log_integrity(config: ModelConfig) -> ModelInvariant:
    """Return INV-04: numbering, times, and committed records that never change."""
    interval = config.block_interval
    return ModelInvariant(
        InvariantId.BLOCK_LOG_INTEGRITY,
        (
            StateClause(
                "last child block at a multiple of the interval",
                0,
                lambda e, now: z3.And(e.last_child_block >= 0, e.last_child_block % interval == 0),
            ),
            StateClause(
                "fewer than the interval of deposits after the last child block",
                0,
                lambda e, now: z3.And(
                    e.last_child_block <= e.last_block,
                    e.last_block < e.last_child_block + interval,
                ),
            ),
            StateClause(
                "committed numbers are in 1 .. last block",
                1,
                lambda e, now, n: z3.Implies(is_committed(e, n), z3.And(n >= 1, n <= e.last_block)),
            ),
            StateClause(
                "child blocks exactly at multiples of the interval",
                1,
                lambda e, now, n: z3.Implies(
                    is_committed(e, n),
                    z3.And(
                        z3.Or(
                            e.block_kind[n] == BlockKindCode.CHILD,
                            e.block_kind[n] == BlockKindCode.DEPOSIT,
                        ),
                        (e.block_kind[n] == BlockKindCode.CHILD) == (n % interval == 0),
                    ),
                ),
            ),
            StateClause(
                "the last block numbers name committed blocks",
                0,
                lambda e, now: z3.And(
                    z3.Implies(e.last_block > 0, is_committed(e, e.last_block)),
                    z3.Implies(
                        e.last_child_block > 0,
                        e.block_kind[e.last_child_block] == BlockKindCode.CHILD,
                    ),
                ),
            ),
            StateClause(
                "no block time in the future",
                1,
                lambda e, now, n: z3.Implies(is_committed(e, n), e.block_time[n] <= now),
            ),
            StateClause(
                "block times never decrease with the number",
                2,
                lambda e, now, n, m: z3.Implies(
                    z3.And(is_committed(e, n), is_committed(e, m), n < m),
                    e.block_time[n] <= e.block_time[m],
                ),
            ),
        ),
        (
            TransitionClause("committed records never change", 1, is_record_kept),
            TransitionClause(
                "new blocks take numbers above every committed one",
                2,
                lambda v, n, m: z3.Implies(
                    z3.And(is_newly_committed(v, n), is_committed(v.pre, m)), m < n
                ),
            ),
        ),
        strengthening=(
            "Z3: the last child block number and the last block number are kept as ghosts and "
            "tied to the log (the last child block is a multiple of the interval, at most the "
            "last block, which is below the next child number; both name committed blocks; "
            "every committed number is in 1 .. last block)."
        ),
    )


def is_record_kept(view: StepView, number: z3.ArithRef) -> z3.BoolRef:
    """Return whether a block committed before the step is unchanged after it."""
    pre, post = view.pre, view.post
    return z3.Implies(
        is_committed(pre, number),
        z3.And(
            post.block_kind[number] == pre.block_kind[number],
            post.block_time[number] == pre.block_time[number],
            post.block_root[number] == pre.block_root[number],
        ),
    )


def is_authorised_block(view: StepView, number: z3.ArithRef) -> z3.BoolRef:
    """Return whether a block the step added is one its operation may add (INV-05)."""
    kind = view.post.block_kind[number]
    if view.name == "submit_block" and view.sender is not None:
        return z3.And(kind == BlockKindCode.CHILD, view.sender == view.pre.operator)
    if view.name == "deposit":
        return kind == BlockKindCode.DEPOSIT
    return z3.BoolVal(False)


def make_authority() -> ModelInvariant:
    """Return INV-05: only the operator's SubmitBlock adds child blocks, only a Deposit deposits."""
    return ModelInvariant(
        InvariantId.AUTHORITY,
        (),
        (
            TransitionClause(
                "a new block comes from its own operation",
                1,
                lambda v, n: z3.Implies(is_newly_committed(v, n), is_authorised_block(v, n)),
            ),
            TransitionClause(
                "at most one new block per operation",
                2,
                lambda v, n, m: z3.Implies(
                    z3.And(is_newly_committed(v, n), is_newly_committed(v, m)), n == m
                ),
            ),
        ),
    )


def is_faithful_deposit(view: StepView, token: z3.ArithRef) -> z3.BoolRef:
    """Return whether a deposit grew ``token``'s deposited total by exactly its amount."""
    growth = view.post.deposited[token] - view.pre.deposited[token]
    expected = z3.If(token == view.get_parameter("token"), view.get_parameter("amount"), 0)
    return growth == expected


def has_faithful_block(view: StepView, number: z3.ArithRef) -> z3.BoolRef:
    """Return whether a block a deposit added is a deposit block with the deposit's root."""
    return z3.Implies(
        is_newly_committed(view, number),
        z3.And(
            view.post.block_kind[number] == BlockKindCode.DEPOSIT,
            view.post.block_root[number] == view.get_parameter("root"),
        ),
    )


def make_deposit_fidelity() -> ModelInvariant:
    """Return INV-06 (vault side): a deposit adds its own deposit block and exactly its amount."""
    applies = "deposit"
    return ModelInvariant(
        InvariantId.DEPOSIT_FIDELITY,
        (),
        (
            TransitionClause(
                "a deposit grows the vault by exactly its amount, in its token",
                1,
                lambda v, t: z3.BoolVal(True) if v.name != applies else is_faithful_deposit(v, t),
            ),
            TransitionClause(
                "a deposit adds a deposit block with its root",
                1,
                lambda v, n: z3.BoolVal(True) if v.name != applies else has_faithful_block(v, n),
            ),
            TransitionClause(
                "a deposit adds a block at the number after the last one",
                0,
                lambda v: (
                    z3.BoolVal(True)
                    if v.name != applies
                    else is_newly_committed(v, v.pre.last_block + 1)
                ),
            ),
        ),
        assumes=(InvariantId.BLOCK_LOG_INTEGRITY,),
        strengthening=(
            "Z3 covers the vault side only: settlement-layer balances are not in the model, and "
            "the root is the model's parameter (the spec hashes the deposit transaction). "
            "Assumes INV-04 (the number after the last block is free)."
        ),
    )
