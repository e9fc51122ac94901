"""Block commitments: operator only, next number only, never overwritten."""

from __future__ import annotations

from spec.errors import RejectionReason
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import BlockKind
from tests.harness import advance, apply, apply_rejected, commit_block, deposit, make_world
from tests.support import MALLORY, OPERATOR, rejects

ROOT = Hash32(b"\x11" * 32)


def test_operator_commits_blocks_at_interval_steps_with_their_time() -> None:
    """Given an active environment (interval 4).

    When the operator commits two blocks, ten seconds apart,
    Then they sit at numbers 4 and 8 with the times they were committed.
    """
    state = make_world()
    state = apply(state, SubmitBlock(Uint64(0), OPERATOR, Uint64(4), ROOT))
    first_time = state.time
    state = advance(state, 10)
    state, number = commit_block(state, 0, [])
    blocks = state.environments[0].blocks
    assert number == 8
    assert (blocks[Uint64(4)].kind, blocks[Uint64(4)].root) == (BlockKind.CHILD, ROOT)
    assert (blocks[Uint64(4)].timestamp, blocks[Uint64(8)].timestamp) == (first_time, state.time)


def test_child_block_number_follows_the_last_child_block_not_deposits() -> None:
    """Given deposits at 1 and 2.

    When the operator commits,
    Then the block takes number 4 (deposits do not move the child numbering).
    """
    state, _ = deposit(make_world(), 0, MALLORY, 5)
    state, _ = deposit(state, 0, MALLORY, 5)
    state, number = commit_block(state, 0, [])
    assert number == 4


@rejects(RejectionReason.NOT_OPERATOR)
def test_block_from_non_operator_is_rejected() -> None:
    """Given an environment operated by OPERATOR.

    When Mallory submits the next child block,
    Then the submission is rejected with NOT_OPERATOR.
    """
    apply_rejected(make_world(), SubmitBlock(Uint64(0), MALLORY, Uint64(4), ROOT))


@rejects(RejectionReason.BLOCK_ALREADY_COMMITTED)
def test_overwriting_a_committed_root_is_rejected() -> None:
    """Given a child block committed at number 4.

    When the operator submits another root at number 4,
    Then the submission is rejected with BLOCK_ALREADY_COMMITTED and the root is unchanged.
    """
    state, _ = commit_block(make_world(), 0, [])
    apply_rejected(state, SubmitBlock(Uint64(0), OPERATOR, Uint64(4), ROOT))


@rejects(RejectionReason.BLOCK_ALREADY_COMMITTED)
def test_overwriting_a_deposit_block_is_rejected() -> None:
    """Given a deposit block at number 1.

    When the operator submits a root at number 1,
    Then the submission is rejected with BLOCK_ALREADY_COMMITTED (deposits cannot be rewritten).
    """
    state, _ = deposit(make_world(), 0, MALLORY, 5)
    apply_rejected(state, SubmitBlock(Uint64(0), OPERATOR, Uint64(1), ROOT))


@rejects(RejectionReason.BLOCK_NUMBER_UNEXPECTED)
def test_skipping_a_block_number_is_rejected() -> None:
    """Given no child block yet (next number 4).

    When the operator submits number 8,
    Then the submission is rejected with BLOCK_NUMBER_UNEXPECTED.
    """
    apply_rejected(make_world(), SubmitBlock(Uint64(0), OPERATOR, Uint64(8), ROOT))


@rejects(RejectionReason.BLOCK_NUMBER_UNEXPECTED)
def test_block_number_between_intervals_is_rejected() -> None:
    """Given no child block yet.

    When the operator submits at number 2 (a deposit number, still free),
    Then the submission is rejected with BLOCK_NUMBER_UNEXPECTED.
    """
    apply_rejected(make_world(), SubmitBlock(Uint64(0), OPERATOR, Uint64(2), ROOT))
