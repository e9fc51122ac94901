"""The catalog's settlement invariants as clauses of the Z3 model, with their strengthenings.

:func:`make_model_invariants` returns, for one preset, every invariant the
inductive proofs cover: INV-01 to INV-11 except INV-06's balance side
(INV-12 isolation is ``proofs.models.isolation``), and the well-formedness
lemma ``WF`` they rest on. Each entry says which other
entries its proof assumes in the pre-state; since every entry is proved
preserved by every transition, their conjunction is inductive.

Quantified indices range over all integers; clauses about exits restrict
them to ids below the exit count, clauses about blocks to committed numbers.
"""

from __future__ import annotations

import z3

from proofs.models.block_invariants import (
    make_authority,
    make_block_log_integrity,
    make_deposit_fidelity,
)
from proofs.models.clauses import WELL_FORMEDNESS, ModelInvariant, StateClause, TransitionClause
from proofs.models.environment import ModelConfig
from proofs.models.exit_invariants import (
    make_bond_conservation,
    make_finality,
    make_maturity,
    make_priority_order,
)
from proofs.models.payments.invariants import make_challenge_soundness
from proofs.models.predicates import PROCESSED, has_status, is_exit, is_newly_processed
from proofs.models.rules import UINT64_MAX, UINT256_MAX, ExitStatusCode
from spec.invariants.ids import InvariantId

OPEN = ExitStatusCode.OPEN

# WF: well-formedness


def make_well_formedness(config: ModelConfig) -> ModelInvariant:
    """Return WF: registration in the past, rules within the preset, ledgers within Uint256."""
    return ModelInvariant(
        WELL_FORMEDNESS,
        (
            StateClause(
                "registered in the past, time a Uint64",
                0,
                lambda e, now: z3.And(
                    e.registered_at >= 0, e.registered_at <= now, now <= UINT64_MAX
                ),
            ),
            StateClause(
                "MFP at least the preset minimum",
                0,
                lambda e, now: e.finalization_period >= config.minimum_finalization_period,
            ),
            StateClause("exit count non-negative", 0, lambda e, now: e.exit_count >= 0),
            StateClause(
                "deposited totals are Uint256",
                1,
                lambda e, now, t: z3.And(e.deposited[t] >= 0, e.deposited[t] <= UINT256_MAX),
            ),
        ),
    )


# INV-01 Solvency


def make_solvency() -> ModelInvariant:
    """Return INV-01: per token, 0 <= withdrawn <= deposited, strengthened by the exits' pay."""
    return ModelInvariant(
        InvariantId.SOLVENCY,
        (
            StateClause(
                "withdrawn within deposited",
                1,
                lambda e, now, t: z3.And(e.withdrawn[t] >= 0, e.withdrawn[t] <= e.deposited[t]),
            ),
            StateClause(
                "withdrawn equals the exits' pay",
                1,
                lambda e, now, t: e.withdrawn[t] == e.paid_sum[t],
            ),
            StateClause(
                "no exit paid more than its amount",
                1,
                lambda e, now, i: z3.Implies(
                    is_exit(e, i), z3.And(e.exit_paid[i] >= 0, e.exit_paid[i] <= e.exit_amount[i])
                ),
            ),
            StateClause(
                "unprocessed exits are unpaid",
                1,
                lambda e, now, i: z3.Implies(
                    z3.And(is_exit(e, i), e.exit_status[i] != PROCESSED), e.exit_paid[i] == 0
                ),
            ),
        ),
        strengthening=(
            "Z3: 0 <= withdrawn <= deposited alone is not inductive (a negative exit amount "
            "lowers it); added: per token, withdrawn = the sum paid by exits of that token (a "
            "ghost sum updated on every store into the exit table); every exit has "
            "0 <= paid <= amount; an exit that is not processed has paid = 0."
        ),
    )


# INV-02 Single payout and INV-03 Exit uniqueness


def make_single_payout() -> ModelInvariant:
    """Return INV-02: processed exits have distinct outputs; only processed exits are paid."""
    return ModelInvariant(
        InvariantId.SINGLE_PAYOUT,
        (
            StateClause(
                "processed exits have distinct outputs",
                2,
                lambda e, now, i, j: z3.Implies(
                    z3.And(i != j, has_status(e, i, PROCESSED), has_status(e, j, PROCESSED)),
                    e.exit_position[i] != e.exit_position[j],
                ),
            ),
            StateClause(
                "only processed exits are paid",
                1,
                lambda e, now, i: z3.Implies(
                    z3.And(is_exit(e, i), e.exit_paid[i] != 0), e.exit_status[i] == PROCESSED
                ),
            ),
        ),
        (
            TransitionClause(
                "a payment changes only from an open exit",
                1,
                lambda v, i: z3.Implies(
                    z3.And(
                        is_exit(v.pre, i),
                        z3.Or(v.post.exit_paid[i] != v.pre.exit_paid[i], is_newly_processed(v, i)),
                    ),
                    v.pre.exit_status[i] == OPEN,
                ),
            ),
        ),
        assumes=(InvariantId.EXIT_UNIQUENESS,),
        strengthening=(
            "Z3: assumes INV-03 (all exits, not only processed ones, have distinct outputs)."
        ),
    )


def make_exit_uniqueness() -> ModelInvariant:
    """Return INV-03: no two exits, of any status, have the same output."""
    return ModelInvariant(
        InvariantId.EXIT_UNIQUENESS,
        (
            StateClause(
                "exits have distinct outputs",
                2,
                lambda e, now, i, j: z3.Implies(
                    z3.And(i != j, is_exit(e, i), is_exit(e, j)),
                    e.exit_position[i] != e.exit_position[j],
                ),
            ),
        ),
    )


def make_model_invariants(config: ModelConfig) -> tuple[ModelInvariant, ...]:
    """Return every invariant the inductive proofs cover, for one preset."""
    return (
        make_well_formedness(config),
        make_solvency(),
        make_single_payout(),
        make_exit_uniqueness(),
        make_block_log_integrity(config),
        make_authority(),
        make_deposit_fidelity(),
        make_maturity(),
        make_priority_order(),
        make_bond_conservation(),
        make_challenge_soundness(),
        make_finality(),
    )
