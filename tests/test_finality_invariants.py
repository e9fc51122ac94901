"""The finality invariants' predicates report broken states and steps (INV-05, INV-21, INV-29)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures.finality_messages import certify, make_chain, root
from spec.finality.commit import CommitProof
from spec.invariants import finality
from spec.invariants.blocks import check_authority
from spec.invariants.finality import (
    check_certified_log,
    check_certified_submission,
    check_quorum_arithmetic,
)
from spec.primitives import Uint64
from spec.settlement.operations import SubmitBlock, SubmitCertifiedBlock
from spec.settlement.state import BlockKind, BlockRecord, SettlementState
from spec.settlement.transition import state_transition
from tests.support import OPERATOR
from tests.test_settlement_certified import make_committee_world


def with_env0(state: SettlementState, **changes: object) -> SettlementState:
    """Return ``state`` with environment 0's fields changed."""
    environment = replace(state.environments[0], **changes)  # type: ignore[arg-type]
    return replace(state, environments=(environment, *state.environments[1:]))


def certified_step() -> tuple[SettlementState, SubmitCertifiedBlock, SettlementState]:
    """Return a committee world, the first certified block's submission, and its post-state."""
    pre = make_committee_world()
    blocks = make_chain(2)
    operation = SubmitCertifiedBlock(
        Uint64(0), Uint64(4), blocks[0], CommitProof((), blocks[1], certify(blocks[1]))
    )
    return pre, operation, state_transition(pre, operation)


def test_quorum_arithmetic_reports_a_quorum_that_two_halves_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a quorum rule broken to T // 2 (two quorums may be disjoint).

    When INV-21 is evaluated on a committee world, Then it reports the committee.
    """
    state = make_committee_world()
    assert check_quorum_arithmetic(state) == []
    monkeypatch.setattr(finality, "compute_quorum_stake", lambda total: Uint64(int(total) // 2))
    assert len(check_quorum_arithmetic(state)) == 1


def test_certified_log_reports_a_child_block_without_its_certified_hash() -> None:
    """Given a certified block accepted, then its hash dropped from the record.

    When INV-29's state form is evaluated, Then it reports the environment.
    """
    _, _, post = certified_step()
    assert check_certified_log(post) == []
    record = post.environments[0].finality
    assert record is not None
    assert len(check_certified_log(with_env0(post, finality=replace(record, certified={})))) == 1


def test_certified_submission_reports_an_operator_block_in_a_committee_environment() -> None:
    """Given a committee environment whose log gains a child block from SubmitBlock.

    When INV-29's transition form and INV-05 are evaluated, Then both report it.
    """
    pre = make_committee_world()
    forged = SubmitBlock(Uint64(0), OPERATOR, Uint64(4), root("forged"))
    record = BlockRecord(BlockKind.CHILD, root("forged"), pre.time)
    post = with_env0(pre, blocks={**pre.environments[0].blocks, Uint64(4): record})
    assert len(check_certified_submission(pre, forged, post)) == 1
    assert len(check_authority(pre, forged, post)) == 1


def test_certified_submission_reports_a_root_other_than_the_blocks() -> None:
    """Given an accepted certified block whose recorded root is swapped.

    When INV-29's transition form is evaluated, Then it reports the root.
    """
    pre, operation, post = certified_step()
    assert check_certified_submission(pre, operation, post) == []
    swapped = BlockRecord(BlockKind.CHILD, root("swapped"), post.time)
    broken = with_env0(post, blocks={**post.environments[0].blocks, Uint64(4): swapped})
    assert len(check_certified_submission(pre, operation, broken)) == 1


def test_certified_submission_reports_a_block_accepted_while_halted() -> None:
    """Given a halted committee environment that still gained a certified block.

    When INV-29's transition form is evaluated, Then it reports the halt.
    """
    pre, operation, post = certified_step()
    record = pre.environments[0].finality
    assert record is not None
    halted_pre = with_env0(pre, finality=replace(record, halted=True))
    assert any("halted" in v for v in check_certified_submission(halted_pre, operation, post))


def test_certified_submission_reports_a_proof_that_fails() -> None:
    """Given an accepted step whose proof's certificate is replaced by a short one.

    When INV-29's transition form is evaluated, Then it reports the failing proof.
    """
    pre, operation, post = certified_step()
    child = operation.proof.child
    weak = replace(operation.proof, child_qc=replace(certify(child), signatures=()))
    violations = check_certified_submission(pre, replace(operation, proof=weak), post)
    assert any("commit proof fails" in v for v in violations)
