"""Predicates over model environments that the invariant clauses share."""

from __future__ import annotations

import z3

from proofs.models.clauses import StepView
from proofs.models.environment import EnvironmentTerms
from proofs.models.rules import BlockKindCode, ExitStatusCode

PROCESSED = ExitStatusCode.PROCESSED
OPEN = ExitStatusCode.OPEN
NONE = BlockKindCode.NONE


def is_exit(environment: EnvironmentTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``exit_id`` names an exit of the environment."""
    return z3.And(exit_id >= 0, exit_id < environment.exit_count)


def has_status(environment: EnvironmentTerms, exit_id: z3.ArithRef, status: int) -> z3.BoolRef:
    """Return whether ``exit_id`` names an exit with ``status``."""
    return z3.And(is_exit(environment, exit_id), environment.exit_status[exit_id] == status)


def is_committed(environment: EnvironmentTerms, number: z3.ArithRef) -> z3.BoolRef:
    """Return whether a block is committed at ``number``."""
    return environment.block_kind[number] != NONE


def is_newly_processed(view: StepView, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step moved ``exit_id`` to processed."""
    return z3.And(
        has_status(view.post, exit_id, PROCESSED),
        z3.Not(has_status(view.pre, exit_id, PROCESSED)),
    )


def is_newly_committed(view: StepView, number: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step added a block at ``number``."""
    return z3.And(z3.Not(is_committed(view.pre, number)), is_committed(view.post, number))
