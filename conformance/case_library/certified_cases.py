"""Settlement cases of committee environments: certified blocks and conflicting commits.

Each case registers environment 1 with the four-member test committee
(``fixtures.finality_messages``; chain id 1) beside the operator's
environment 0, waits out the quarantine, then submits consensus blocks of
chain 1 with their commit proofs, or evidence of two committed siblings.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.case_library.settlement_cases import make_registration
from conformance.case_library.worlds import ALICE, start_settlement
from conformance.cases import TraceBuilder, case
from fixtures.finality import make_committee
from fixtures.finality_messages import COMMITTEE, KEYS, certify, extend, make_chain
from spec.errors import RejectionReason
from spec.finality.commit import CommitProof
from spec.finality.committee import MAX_COMMITTEE_SIZE, Committee
from spec.finality.messages import Block, compute_genesis_qc
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)

CHAIN = 1
"""The committee environment's id, which is its chain id."""


def start_committee_environment(preset: Preset, committee: Committee = COMMITTEE) -> TraceBuilder:
    """Return a builder where Alice registered environment 1 with ``committee``, now active."""
    builder = start_settlement(preset)
    registration = make_registration(
        preset, preset.minimum_finalization_period, preset.minimum_exit_bond, 10**6
    )
    builder.apply(replace(registration, committee=committee))
    builder.apply(AdvanceTime(builder.state.time + preset.quarantine_period))
    return builder


def direct_proof(child: Block) -> CommitProof:
    """Return the proof that ``child``'s parent is committed: the child, certified."""
    return CommitProof((), child, certify(child))


def submit(number: int, block: Block, proof: CommitProof) -> SubmitCertifiedBlock:
    """Return the submission of a certified block of environment 1 at ``number``."""
    return SubmitCertifiedBlock(Uint64(CHAIN), Uint64(number), block, proof)


def make_conflict() -> ReportConflictingCommits:
    """Return evidence of two committed siblings of chain 1's genesis block."""
    genesis = compute_genesis_qc(CHAIN)
    left, right = extend(genesis, "left", chain=CHAIN), extend(genesis, "right", chain=CHAIN)
    left_child = extend(certify(left), "left child", chain=CHAIN)
    right_child = extend(certify(right), "right child", chain=CHAIN)
    return ReportConflictingCommits(
        Uint64(CHAIN), left, direct_proof(left_child), right, direct_proof(right_child)
    )


@case(None)
def submit_two_certified_blocks(preset: Preset) -> TraceBuilder:
    """Blocks of views 1 and 2, each proved by its certified child, take child numbers 1 and 2."""
    builder = start_committee_environment(preset)
    blocks = make_chain(3, CHAIN)
    interval = int(preset.block_interval)
    builder.apply(submit(interval, blocks[0], direct_proof(blocks[1])))
    builder.apply(submit(2 * interval, blocks[1], direct_proof(blocks[2])))
    return builder


@case(RejectionReason.CERTIFICATE_REQUIRED)
def refuse_an_operator_block_in_a_committee_environment(preset: Preset) -> TraceBuilder:
    """Alice, who registered the committee environment, submits a plain block: refused."""
    builder = start_committee_environment(preset)
    root = make_chain(1, CHAIN)[0].root
    builder.apply(SubmitBlock(Uint64(CHAIN), ALICE.address, preset.block_interval, root))
    return builder


@case(RejectionReason.NO_COMMITTEE)
def refuse_a_certified_block_in_an_operator_environment(preset: Preset) -> TraceBuilder:
    """A certified block submitted to environment 0, run by its operator, is refused."""
    builder = start_committee_environment(preset)
    blocks = make_chain(2, CHAIN)
    operation = submit(int(preset.block_interval), blocks[0], direct_proof(blocks[1]))
    builder.apply(replace(operation, environment_id=Uint64(0)))
    return builder


@case(RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD)
def refuse_a_certified_block_skipping_its_parent(preset: Preset) -> TraceBuilder:
    """Block 2 of a committed chain, submitted before block 1, is refused."""
    builder = start_committee_environment(preset)
    blocks = make_chain(3, CHAIN)
    builder.apply(submit(int(preset.block_interval), blocks[1], direct_proof(blocks[2])))
    return builder


@case(RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW)
def refuse_a_block_whose_certified_child_is_two_views_later(preset: Preset) -> TraceBuilder:
    """A block whose only certified child is of the view after next is not committed."""
    builder = start_committee_environment(preset)
    first = make_chain(1, CHAIN)[0]
    late = extend(certify(first), "late", view=3, chain=CHAIN)
    builder.apply(submit(int(preset.block_interval), first, direct_proof(late)))
    return builder


@case(RejectionReason.CERTIFICATE_QUORUM_SHORT)
def refuse_a_commit_proof_with_two_votes_of_four(preset: Preset) -> TraceBuilder:
    """A commit proof whose child's certificate has two of four votes is refused."""
    builder = start_committee_environment(preset)
    blocks = make_chain(2, CHAIN)
    proof = CommitProof((), blocks[1], certify(blocks[1], KEYS[:2]))
    builder.apply(submit(int(preset.block_interval), blocks[0], proof))
    return builder


@case(None)
def report_conflicting_commits(preset: Preset) -> TraceBuilder:
    """Two committed siblings halt the committee environment."""
    builder = start_committee_environment(preset)
    builder.apply(make_conflict())
    return builder


@case(RejectionReason.ENVIRONMENT_HALTED)
def refuse_a_deposit_into_a_halted_environment(preset: Preset) -> TraceBuilder:
    """After conflicting commits were shown, a deposit is refused."""
    builder = report_conflicting_commits(preset)
    builder.apply(Deposit(Uint64(CHAIN), ALICE.address, NATIVE_TOKEN, Uint256(5)))
    return builder


@case(RejectionReason.CONFLICT_NOT_SIBLINGS)
def refuse_evidence_of_a_block_and_its_child(preset: Preset) -> TraceBuilder:
    """A committed block and its committed child do not conflict."""
    builder = start_committee_environment(preset)
    blocks = make_chain(3, CHAIN)
    evidence = ReportConflictingCommits(
        Uint64(CHAIN), blocks[0], direct_proof(blocks[1]), blocks[1], direct_proof(blocks[2])
    )
    builder.apply(evidence)
    return builder


@case(RejectionReason.CONFLICT_SAME_BLOCK)
def refuse_evidence_naming_one_block_twice(preset: Preset) -> TraceBuilder:
    """One committed block named twice is no conflict."""
    builder = start_committee_environment(preset)
    evidence = make_conflict()
    builder.apply(replace(evidence, second=evidence.first, second_proof=evidence.first_proof))
    return builder


@case(RejectionReason.COMMITTEE_ZERO_STAKE)
def refuse_a_committee_member_without_stake(preset: Preset) -> TraceBuilder:
    """A registration whose committee has a member of stake 0 is refused."""
    builder = start_settlement(preset)
    members = (*COMMITTEE.validators[:3], replace(COMMITTEE.validators[3], stake=Uint64(0)))
    registration = make_registration(
        preset, preset.minimum_finalization_period, preset.minimum_exit_bond, 10**6
    )
    builder.apply(replace(registration, committee=Committee(members)))
    return builder


@case(RejectionReason.COMMITTEE_EMPTY)
def refuse_an_empty_committee(preset: Preset) -> TraceBuilder:
    """A registration with a committee of no member is refused."""
    builder = start_settlement(preset)
    registration = make_registration(
        preset, preset.minimum_finalization_period, preset.minimum_exit_bond, 10**6
    )
    builder.apply(replace(registration, committee=Committee(())))
    return builder


@case(RejectionReason.COMMITTEE_TOO_LARGE)
def refuse_a_committee_above_the_size_bound(preset: Preset) -> TraceBuilder:
    """A registration with a committee of 65 members (one above the bound) is refused."""
    builder = start_settlement(preset)
    committee, _ = make_committee((1,) * (MAX_COMMITTEE_SIZE + 1))
    registration = make_registration(
        preset, preset.minimum_finalization_period, preset.minimum_exit_bond, 10**6
    )
    builder.apply(replace(registration, committee=committee))
    return builder


@case(RejectionReason.COMMITTEE_NOT_ORDERED)
def refuse_a_committee_out_of_address_order(preset: Preset) -> TraceBuilder:
    """A registration listing the committee in decreasing address order is refused."""
    builder = start_settlement(preset)
    registration = make_registration(
        preset, preset.minimum_finalization_period, preset.minimum_exit_bond, 10**6
    )
    reversed_committee = Committee(tuple(reversed(COMMITTEE.validators)))
    builder.apply(replace(registration, committee=reversed_committee))
    return builder


@case(RejectionReason.COMMIT_CHAIN_BROKEN)
def refuse_a_commit_proof_whose_child_extends_another_block(preset: Preset) -> TraceBuilder:
    """The commit proof of block 1 offered for a sibling of block 1 is refused."""
    builder = start_committee_environment(preset)
    blocks = make_chain(2, CHAIN)
    sibling = extend(compute_genesis_qc(CHAIN), "sibling", chain=CHAIN)
    builder.apply(submit(int(preset.block_interval), sibling, direct_proof(blocks[1])))
    return builder


@case(RejectionReason.COMMIT_CERTIFICATE_WRONG_BLOCK)
def refuse_a_commit_proof_carrying_another_blocks_certificate(preset: Preset) -> TraceBuilder:
    """A commit proof whose certificate is block 1's instead of its child's is refused."""
    builder = start_committee_environment(preset)
    blocks = make_chain(2, CHAIN)
    proof = CommitProof((), blocks[1], certify(blocks[0]))
    builder.apply(submit(int(preset.block_interval), blocks[0], proof))
    return builder
