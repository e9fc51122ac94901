"""Block commitments: the operator appends child block roots to the block log.

(An environment registered with a committee takes its child blocks with a
commit proof instead: ``spec.settlement.certified``.)

Child blocks are numbered ``interval, 2·interval, 3·interval, ...`` and each
one must take the next of these numbers, so the log only grows and a
committed root can never be replaced.
"""

from __future__ import annotations

from dataclasses import replace

from spec.errors import RejectionReason, require
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    SettlementState,
    get_active_environment,
    get_last_child_block_number,
    with_environment,
)
from spec.totals import with_entry


def get_next_child_block_number(state: SettlementState, environment: Environment) -> Uint64:
    """Return the number the operator's next child block must take."""
    return get_last_child_block_number(environment) + state.preset.block_interval


def process_submit_block(state: SettlementState, operation: SubmitBlock) -> SettlementState:
    """Commit a child block root at the next child block number.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``CERTIFICATE_REQUIRED``, ``NOT_OPERATOR``, ``BLOCK_ALREADY_COMMITTED``,
            ``BLOCK_NUMBER_UNEXPECTED``.
    """
    environment = get_active_environment(state, operation.environment_id)
    # Verify the environment takes blocks from its operator, not from a committee
    require(environment.finality is None, RejectionReason.CERTIFICATE_REQUIRED)
    # Verify the sender operates this environment
    require(operation.sender == environment.operator, RejectionReason.NOT_OPERATOR)
    # Verify nothing is committed at this number (a committed root never changes)
    require(
        operation.block_number not in environment.blocks, RejectionReason.BLOCK_ALREADY_COMMITTED
    )
    # Verify the block takes the next child block number
    require(
        operation.block_number == get_next_child_block_number(state, environment),
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
    )
    return with_environment(
        state,
        operation.environment_id,
        with_child_block(state, environment, operation.block_number, operation.root),
    )


def with_child_block(
    state: SettlementState, environment: Environment, block_number: Uint64, root: Hash32
) -> Environment:
    """Return ``environment`` with a child block root appended to its log at the current time."""
    record = BlockRecord(BlockKind.CHILD, root, state.time)
    return replace(environment, blocks=with_entry(environment.blocks, block_number, record))
