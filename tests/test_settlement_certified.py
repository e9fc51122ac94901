"""Committee environments at the settlement layer: certified blocks, in order, and halting.

Environment 0 is registered with the four-member test committee (chain 0),
environment 1 with an operator. Every accepted step goes through the
harness, which evaluates the whole catalog (INV-05 and INV-29 included).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures import make_rules
from fixtures.finality import make_commit_proof, make_run
from fixtures.finality_messages import (
    COMMITTEE,
    GENESIS_QC,
    KEYS,
    certify,
    extend,
    make_chain,
    root,
)
from spec.environments.payments.transactions import DepositTransaction, Output
from spec.errors import Rejected, RejectionReason
from spec.finality.commit import CommitProof
from spec.finality.committee import Committee
from spec.finality.messages import Block, compute_block_hash
from spec.finality.replica import FireTimer
from spec.primitives import NATIVE_TOKEN, Hash32, Uint32, Uint64, Uint256
from spec.settlement.operations import (
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import EnvironmentKind, ExitStatus, SettlementState
from tests.harness import advance, apply, apply_rejected, deposit, make_exit, make_genesis
from tests.support import ALICE, OPERATOR, rejects

INTERVAL = 4
"""The tiny preset's block interval: child blocks are 4, 8, 12, ..."""


def make_committee_world() -> SettlementState:
    """Return env 0 (committee, chain 0) and env 1 (operator), both active."""
    state = make_genesis()
    rules = make_rules()
    state = apply(state, RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules, COMMITTEE))
    state = apply(state, RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))
    return advance(state, int(state.preset.quarantine_period))


def submit(
    state: SettlementState, number: int, block: Block, proof: CommitProof
) -> SettlementState:
    """Submit a certified block of env 0 at ``number`` (must be accepted)."""
    return apply(state, SubmitCertifiedBlock(Uint64(0), Uint64(number), block, proof))


def direct_proof(child: Block) -> CommitProof:
    """Return the proof of ``child``'s parent: the child itself, certified."""
    return CommitProof((), child, certify(child))


def make_conflict() -> tuple[Block, CommitProof, Block, CommitProof]:
    """Return two committed siblings of genesis (a committee over its bound signed both)."""
    first = extend(GENESIS_QC, "left")
    second = extend(GENESIS_QC, "right")
    first_child = extend(certify(first), "left-child")
    second_child = extend(certify(second), "right-child")
    return first, direct_proof(first_child), second, direct_proof(second_child)


def test_registration_with_a_committee_keeps_it_with_an_empty_certified_log() -> None:
    """Given a committee in the registration.

    When the environment registers,
    Then it keeps the committee, no certified block, and is not halted.
    """
    record = make_committee_world().environments[0].finality
    assert record is not None and record.committee == COMMITTEE
    assert (dict(record.certified), record.halted) == ({}, False)


@rejects(RejectionReason.COMMITTEE_EMPTY)
def test_registration_with_an_empty_committee_is_refused() -> None:
    """Given an empty committee. When registering, Then COMMITTEE_EMPTY."""
    operation = RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules(), Committee(()))
    apply_rejected(make_genesis(), operation)


def test_certified_blocks_are_accepted_in_order_from_anyone() -> None:
    """Given a chain of three certified blocks of views 1, 2, 3.

    When the first two are submitted with their commit proofs,
    Then they take numbers 4 and 8 with their roots, and their hashes are recorded.
    """
    blocks = make_chain(3)
    state = submit(make_committee_world(), INTERVAL, blocks[0], direct_proof(blocks[1]))
    state = submit(state, 2 * INTERVAL, blocks[1], direct_proof(blocks[2]))
    environment = state.environments[0]
    assert [environment.blocks[Uint64(n)].root for n in (4, 8)] == [
        root("block-0"),
        root("block-1"),
    ]
    assert environment.finality is not None
    assert dict(environment.finality.certified) == {
        Uint64(4): compute_block_hash(blocks[0]),
        Uint64(8): compute_block_hash(blocks[1]),
    }


def test_committee_run_with_a_view_change_commits_through_the_settlement_layer() -> None:
    """Given the spec's replicas running chain 0, with a view in which every replica times out.

    When every block they committed is submitted in order with a proof built from the run,
    Then the settlement layer accepts each one (the block before the failed view via its
    descendants) and records the committed chain.
    """
    run = make_run(chain_id=0)
    run.propose(root("one"))
    run.propose(root("two"))
    run.deliver([(a, FireTimer(r.safety.view)) for a, r in run.replicas.items()])
    while not run.can_propose():
        run.time_out()
    for label in ("three", "four", "five"):
        run.propose(root(label))
    ordered = sorted(run.blocks.values(), key=lambda b: b.view)
    state = make_committee_world()
    number = INTERVAL
    for block in ordered:
        proof = make_commit_proof(run, compute_block_hash(block))
        if proof is None:
            break
        state = submit(state, number, block, proof)
        number += INTERVAL
    assert number > 3 * INTERVAL, "the run committed fewer than three blocks"
    record = state.environments[0].finality
    assert record is not None
    assert list(record.certified.values()) == [
        compute_block_hash(b) for b in ordered[: len(record.certified)]
    ]


@rejects(RejectionReason.CERTIFICATE_REQUIRED)
def test_operator_block_for_a_committee_environment_is_refused() -> None:
    """Given env 0 with a committee.

    When its operator submits a plain block, Then CERTIFICATE_REQUIRED.
    """
    apply_rejected(make_committee_world(), SubmitBlock(Uint64(0), OPERATOR, Uint64(4), root("x")))


@rejects(RejectionReason.NO_COMMITTEE)
def test_certified_block_for_an_operator_environment_is_refused() -> None:
    """Given env 1 run by an operator. When a certified block is submitted, Then NO_COMMITTEE."""
    blocks = make_chain(2)
    operation = SubmitCertifiedBlock(Uint64(1), Uint64(4), blocks[0], direct_proof(blocks[1]))
    apply_rejected(make_committee_world(), operation)


@rejects(RejectionReason.BLOCK_WRONG_CHAIN)
def test_certified_block_of_another_chain_is_refused() -> None:
    """Given a block of chain 1 (env 1's chain id).

    When submitted to env 0, Then BLOCK_WRONG_CHAIN.
    """
    blocks = make_chain(2)
    wrong = replace(blocks[0], chain_id=Uint64(1))
    operation = SubmitCertifiedBlock(Uint64(0), Uint64(4), wrong, direct_proof(blocks[1]))
    apply_rejected(make_committee_world(), operation)


@rejects(RejectionReason.BLOCK_NUMBER_UNEXPECTED)
def test_certified_block_at_a_skipped_number_is_refused() -> None:
    """Given the first certified block. When submitted at number 8, Then BLOCK_NUMBER_UNEXPECTED."""
    blocks = make_chain(2)
    operation = SubmitCertifiedBlock(Uint64(0), Uint64(8), blocks[0], direct_proof(blocks[1]))
    apply_rejected(make_committee_world(), operation)


@rejects(RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD)
def test_certified_block_skipping_its_parent_is_refused() -> None:
    """Given a committed chain 1-2-3. When block 2 is submitted first, Then NOT_EXTENDING_HEAD."""
    blocks = make_chain(3)
    operation = SubmitCertifiedBlock(Uint64(0), Uint64(4), blocks[1], direct_proof(blocks[2]))
    apply_rejected(make_committee_world(), operation)


@rejects(RejectionReason.CERTIFICATE_QUORUM_SHORT)
def test_certified_block_whose_child_has_two_votes_of_four_is_refused() -> None:
    """Given block 1 and its child certified by two of four. When submitted, Then QUORUM_SHORT."""
    blocks = make_chain(2)
    proof = CommitProof((), blocks[1], certify(blocks[1], KEYS[:2]))
    apply_rejected(
        make_committee_world(), SubmitCertifiedBlock(Uint64(0), Uint64(4), blocks[0], proof)
    )


def test_conflicting_commits_halt_deposits_and_blocks_but_not_exits() -> None:
    """Given a deposit by Alice, then evidence of two committed siblings.

    When the evidence is reported,
    Then env 0 is halted: deposits and certified blocks are refused with
    ENVIRONMENT_HALTED, while Alice's exit of her deposit starts, matures and is paid.
    """
    state, deposited = deposit(make_committee_world(), 0, ALICE, 50)
    first, first_proof, second, second_proof = make_conflict()
    state = apply(
        state, ReportConflictingCommits(Uint64(0), first, first_proof, second, second_proof)
    )
    assert state.environments[0].finality is not None and state.environments[0].finality.halted
    for operation in (
        Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5)),
        SubmitCertifiedBlock(Uint64(0), Uint64(4), first, first_proof),
    ):
        with pytest.raises(Rejected) as raised:
            apply_rejected(state, operation)
        assert raised.value.reason == RejectionReason.ENVIRONMENT_HALTED
    transaction = DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(50)))
    state = apply(state, make_exit(state, 0, ALICE, deposited.position, [transaction]))
    state = advance(state, 2 * int(state.preset.minimum_finalization_period))
    state = apply(state, ProcessExits(Uint64(0), ALICE, NATIVE_TOKEN, Uint32(1)))
    (exit_record,) = state.environments[0].exits.values()
    assert (exit_record.status, exit_record.paid) == (ExitStatus.PROCESSED, 50)


@rejects(RejectionReason.ENVIRONMENT_HALTED)
def test_a_second_report_on_a_halted_environment_is_refused() -> None:
    """Given env 0 halted. When the evidence is reported again, Then ENVIRONMENT_HALTED."""
    report = ReportConflictingCommits(Uint64(0), *make_conflict())
    apply_rejected(apply(make_committee_world(), report), report)


@rejects(RejectionReason.CONFLICT_SAME_BLOCK)
def test_evidence_naming_one_block_twice_is_refused() -> None:
    """Given one committed block named twice. When reported, Then CONFLICT_SAME_BLOCK."""
    first, proof, _, _ = make_conflict()
    apply_rejected(
        make_committee_world(), ReportConflictingCommits(Uint64(0), first, proof, first, proof)
    )


@rejects(RejectionReason.CONFLICT_NOT_SIBLINGS)
def test_evidence_of_a_block_and_its_descendant_is_refused() -> None:
    """Given committed blocks 1 and 2 of one chain. When reported, Then CONFLICT_NOT_SIBLINGS."""
    blocks = make_chain(3)
    report = ReportConflictingCommits(
        Uint64(0), blocks[0], direct_proof(blocks[1]), blocks[1], direct_proof(blocks[2])
    )
    apply_rejected(make_committee_world(), report)


@rejects(RejectionReason.NO_COMMITTEE)
def test_evidence_against_an_operator_environment_is_refused() -> None:
    """Given env 1 run by an operator. When conflict evidence names it, Then NO_COMMITTEE."""
    first, first_proof, second, second_proof = make_conflict()
    report = ReportConflictingCommits(Uint64(1), first, first_proof, second, second_proof)
    apply_rejected(make_committee_world(), report)


@rejects(RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW)
def test_evidence_with_an_uncommitted_sibling_is_refused() -> None:
    """Given a committed block and a sibling whose certified child is two views later.

    When reported, Then the second proof fails: COMMIT_CHILD_NOT_NEXT_VIEW.
    """
    first, first_proof, second, _ = make_conflict()
    late_child = extend(certify(second), "late", view=3)
    late_child = replace(late_child, justify=replace(certify(second), view=Uint64(2)))
    report = ReportConflictingCommits(
        Uint64(0), first, first_proof, second, direct_proof(late_child)
    )
    apply_rejected(make_committee_world(), report)


def test_hash_of_genesis_parent_is_what_the_first_block_extends() -> None:
    """Given a first block whose parent is not the genesis hash.

    When submitted, Then it is refused (it does not extend the head).
    """
    block = replace(make_chain(1)[0], parent=Hash32(b"\x07" * 32))
    child = extend(certify(block), "child")
    with pytest.raises(Rejected) as raised:
        apply_rejected(
            make_committee_world(),
            SubmitCertifiedBlock(Uint64(0), Uint64(4), block, direct_proof(child)),
        )
    assert raised.value.reason == RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD
