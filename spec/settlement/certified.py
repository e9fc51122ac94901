"""Certified blocks: a committee environment's child blocks, accepted only with a commit proof.

An environment registered with a committee (``spec.finality``) does not
trust any one account with its block log. Anyone may relay its next child
block (:class:`~spec.settlement.operations.SubmitCertifiedBlock`): the
consensus block carrying the root, and a commit proof checked against the
committee fixed at registration. The settlement layer accepts the committed
chain one block at a time, in order: each block's parent must be the last
block it accepted (the chain's genesis block first), so it never mixes two
branches.

If the committee breaks its bound (more than ``f`` byzantine stake), it can
commit two blocks with one parent. Anyone holding both commit proofs can
show it (:class:`~spec.settlement.operations.ReportConflictingCommits`); the
environment is then *halted*: it takes no more blocks and no deposits. Exits
keep working on the roots already accepted (standard and in-flight exits,
their challenges and processing do not look at the committee), so users
leave with what the accepted chain gives them, as in any Plasma chain whose
operator misbehaves.
"""

from __future__ import annotations

from dataclasses import replace

from spec.errors import RejectionReason, require
from spec.finality.commit import validate_commit_proof
from spec.finality.messages import compute_block_hash, compute_genesis_hash
from spec.primitives import Hash32
from spec.settlement.blocks import get_next_child_block_number, with_child_block
from spec.settlement.operations import ReportConflictingCommits, SubmitCertifiedBlock
from spec.settlement.state import (
    Environment,
    FinalityRecord,
    SettlementState,
    get_active_environment,
    get_environment,
    with_environment,
)
from spec.totals import with_entry


def get_finality_record(environment: Environment) -> FinalityRecord:
    """Return a committee environment's record.

    Raises:
        Rejected: ``NO_COMMITTEE`` when the environment has no committee.
    """
    # Verify the environment was registered with a committee
    require(environment.finality is not None, RejectionReason.NO_COMMITTEE)
    assert environment.finality is not None
    return environment.finality


def get_certified_head(environment_id: int, record: FinalityRecord) -> Hash32:
    """Return the hash of the last consensus block accepted, or the chain's genesis hash."""
    if not record.certified:
        return compute_genesis_hash(environment_id)
    return record.certified[max(record.certified)]


def process_submit_certified_block(
    state: SettlementState, operation: SubmitCertifiedBlock
) -> SettlementState:
    """Commit the next child block of a committee environment, from its commit proof.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``NO_COMMITTEE``, ``ENVIRONMENT_HALTED``, ``BLOCK_WRONG_CHAIN``,
            ``BLOCK_ALREADY_COMMITTED``, ``BLOCK_NUMBER_UNEXPECTED``,
            ``CERTIFIED_BLOCK_NOT_EXTENDING_HEAD``,
            and the reasons of ``validate_commit_proof``.
    """
    environment_id = operation.environment_id
    environment = get_active_environment(state, environment_id)
    record = get_finality_record(environment)
    # Verify no conflicting commits halted the environment
    require(not record.halted, RejectionReason.ENVIRONMENT_HALTED)
    # Verify the block is of this environment's chain
    require(operation.block.chain_id == environment_id, RejectionReason.BLOCK_WRONG_CHAIN)
    # Verify nothing is committed at this number (a committed root never changes)
    require(
        operation.block_number not in environment.blocks, RejectionReason.BLOCK_ALREADY_COMMITTED
    )
    # Verify the block takes the next child block number
    require(
        operation.block_number == get_next_child_block_number(state, environment),
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
    )
    # Verify the block extends the last block accepted (one branch, in order)
    require(
        operation.block.parent == get_certified_head(environment_id, record),
        RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD,
    )
    validate_commit_proof(record.committee, operation.block, operation.proof)
    block_hash = compute_block_hash(operation.block)
    record = replace(
        record, certified=with_entry(record.certified, operation.block_number, block_hash)
    )
    environment = with_child_block(state, environment, operation.block_number, operation.block.root)
    return with_environment(state, environment_id, replace(environment, finality=record))


def process_report_conflicting_commits(
    state: SettlementState, operation: ReportConflictingCommits
) -> SettlementState:
    """Halt a committee environment shown to have committed two blocks with one parent.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``NO_COMMITTEE``, ``ENVIRONMENT_HALTED``,
            ``CONFLICT_SAME_BLOCK``, ``CONFLICT_NOT_SIBLINGS``, and the reasons of
            ``validate_commit_proof`` (``BLOCK_WRONG_CHAIN`` for a block of another chain).
    """
    environment = get_environment(state, operation.environment_id)
    record = get_finality_record(environment)
    # Verify the environment is not halted already (the evidence changes nothing)
    require(not record.halted, RejectionReason.ENVIRONMENT_HALTED)
    first, second = operation.first, operation.second
    # Verify the evidence names two different blocks
    require(
        compute_block_hash(first) != compute_block_hash(second),
        RejectionReason.CONFLICT_SAME_BLOCK,
    )
    # Verify the two blocks share a parent (so neither extends the other)
    require(first.parent == second.parent, RejectionReason.CONFLICT_NOT_SIBLINGS)
    # Verify both blocks are of this environment's chain
    require(
        first.chain_id == operation.environment_id == second.chain_id,
        RejectionReason.BLOCK_WRONG_CHAIN,
    )
    validate_commit_proof(record.committee, first, operation.first_proof)
    validate_commit_proof(record.committee, second, operation.second_proof)
    halted = replace(record, halted=True)
    return with_environment(state, operation.environment_id, replace(environment, finality=halted))
