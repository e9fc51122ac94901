"""Certified blocks and conflicting commits: the simulator's steps for committee environments.

Each step checks its operation with the rules of ``spec.settlement.certified``,
in the same order and with the same rejection reasons, then writes the
change through :class:`~reference.settlement.tables.SettlementTables`
(``reference.settlement.finality_tables``). What the spec finds by scanning
is a lookup here: the next child block number is the environment's counter
plus the interval, and the certified head is the last row of the
environment's certified key range.

The commit proofs are checked with the spec's own pure checks
(``spec.finality.commit.validate_commit_proof``, ``compute_block_hash`` and
``compute_genesis_hash`` of ``spec.finality.messages``): functions of the
operation's blocks, certificates and the committee alone, which read no
state (see ``reference``).
"""

from __future__ import annotations

from dataclasses import replace

from reference.settlement.finality_tables import CommitteeRow
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.errors import RejectionReason, require
from spec.finality.commit import validate_commit_proof
from spec.finality.messages import compute_block_hash, compute_genesis_hash
from spec.presets import Preset
from spec.settlement.operations import ReportConflictingCommits, SubmitCertifiedBlock
from spec.settlement.state import BlockKind, BlockRecord


def get_committee(tables: SettlementTables, environment_id: int) -> CommitteeRow:
    """Return a committee environment's committee and halted flag.

    Raises:
        Rejected: ``NO_COMMITTEE`` when the environment has no committee.
    """
    row = tables.read_committee(environment_id)
    # Verify the environment was registered with a committee
    require(row is not None, RejectionReason.NO_COMMITTEE)
    assert row is not None
    return row


def submit_certified_block(
    tables: SettlementTables, preset: Preset, operation: SubmitCertifiedBlock
) -> None:
    """Commit the next child block of a committee environment, from its commit proof.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``NO_COMMITTEE``, ``ENVIRONMENT_HALTED``, ``BLOCK_WRONG_CHAIN``,
            ``BLOCK_ALREADY_COMMITTED``, ``BLOCK_NUMBER_UNEXPECTED``
            (``INTEGER_OVERFLOW`` past the largest Uint64),
            ``CERTIFIED_BLOCK_NOT_EXTENDING_HEAD``, and the reasons of
            ``validate_commit_proof``.
    """
    time = tables.read_time()
    environment = tables.get_active_environment(preset, time, operation.environment_id)
    identifier = environment.environment_id
    committee = get_committee(tables, identifier)
    block, number = operation.block, operation.block_number
    # Verify no conflicting commits halted the environment
    require(not committee.halted, RejectionReason.ENVIRONMENT_HALTED)
    # Verify the block is of this environment's chain
    require(block.chain_id == identifier, RejectionReason.BLOCK_WRONG_CHAIN)
    # Verify nothing is committed at this number (a committed root never changes)
    require(tables.read_block(identifier, number) is None, RejectionReason.BLOCK_ALREADY_COMMITTED)
    # Verify the block takes the next child block number
    require(
        number == environment.last_child_block_number + preset.block_interval,
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
    )
    head = tables.read_certified_head(identifier)
    # Verify the block extends the last block accepted (one branch, in order)
    require(
        block.parent == (compute_genesis_hash(identifier) if head is None else head),
        RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD,
    )
    validate_commit_proof(committee.committee, block, operation.proof)
    tables.write_certified(identifier, number, compute_block_hash(block))
    failpoint()
    # The spec's with_entry replaces what a loaded state's log may hold at this number
    tables.write_block(identifier, number, BlockRecord(BlockKind.CHILD, block.root, time))
    failpoint()
    updated = replace(
        environment,
        last_child_block_number=max(environment.last_child_block_number, number),
        last_block_number=max(environment.last_block_number, number),
    )
    tables.update_environment(updated)


def report_conflicting_commits(
    tables: SettlementTables, preset: Preset, operation: ReportConflictingCommits
) -> None:
    """Halt a committee environment shown to have committed two blocks with one parent.

    ``preset`` is unused (every step takes it): a report is taken even during
    quarantine, as the spec takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``NO_COMMITTEE``, ``ENVIRONMENT_HALTED``,
            ``CONFLICT_SAME_BLOCK``, ``CONFLICT_NOT_SIBLINGS``, ``BLOCK_WRONG_CHAIN``,
            and the reasons of ``validate_commit_proof`` for each proof.
    """
    environment = tables.get_environment(operation.environment_id)
    identifier = environment.environment_id
    committee = get_committee(tables, identifier)
    first, second = operation.first, operation.second
    # Verify the environment is not halted already (the evidence changes nothing)
    require(not committee.halted, RejectionReason.ENVIRONMENT_HALTED)
    # Verify the evidence names two different blocks
    require(
        compute_block_hash(first) != compute_block_hash(second),
        RejectionReason.CONFLICT_SAME_BLOCK,
    )
    # Verify the two blocks share a parent (so neither extends the other)
    require(first.parent == second.parent, RejectionReason.CONFLICT_NOT_SIBLINGS)
    # Verify both blocks are of this environment's chain
    require(
        first.chain_id == identifier and second.chain_id == identifier,
        RejectionReason.BLOCK_WRONG_CHAIN,
    )
    validate_commit_proof(committee.committee, first, operation.first_proof)
    validate_commit_proof(committee.committee, second, operation.second_proof)
    tables.write_halted(identifier)
