"""Committee finality rules: committees, quorum, certificates, the voting rule, commit proofs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures.finality import make_committee
from fixtures.finality_messages import (
    CHAIN,
    COMMITTEE,
    GENESIS_QC,
    KEYS,
    OUTSIDER_KEY,
    aggregate,
    certify,
    extend,
    make_chain,
    propose,
    vote,
)
from spec.errors import Rejected, RejectionReason
from spec.finality.certificates import validate_aggregate, validate_quorum_certificate
from spec.finality.commit import CommitProof, validate_commit_proof
from spec.finality.committee import (
    MAX_COMMITTEE_SIZE,
    Committee,
    compute_fault_tolerance,
    compute_quorum_stake,
    get_leader,
    validate_committee,
)
from spec.finality.messages import Block, QuorumCertificate, compute_block_hash
from spec.finality.voting import (
    SafetyState,
    compute_genesis_safety,
    compute_safety_after_vote,
    validate_proposer,
    validate_vote_rule,
)
from spec.primitives import Hash32, Uint64
from tests.support import rejects

SAFETY = compute_genesis_safety(CHAIN)


@given(st.integers(min_value=1, max_value=10**12))
def test_two_quorums_share_more_than_f_and_the_honest_stake_is_a_quorum(total: int) -> None:
    """Given any positive total stake T, f = (T-1)//3 and Q = T - f.

    When the quorum arithmetic is evaluated,
    Then T >= 3f+1, two quorums overlap in more than f, and T - f reaches Q.
    """
    f = compute_fault_tolerance(total)
    quorum = compute_quorum_stake(total)
    assert total >= 3 * f + 1 and total < 3 * f + 4
    assert 2 * quorum - total >= f + 1
    assert total - f >= quorum


def test_four_equal_validators_need_three_votes() -> None:
    """Given four validators of stake 1.

    When the quorum is computed,
    Then f is 1 and a quorum is 3 (2f + 1).
    """
    assert (compute_fault_tolerance(4), compute_quorum_stake(4)) == (1, 3)


def test_leaders_take_turns_in_address_order() -> None:
    """Given the four-member committee.

    When the leaders of views 0..4 are listed,
    Then they follow the member order and wrap around.
    """
    members = [v.address for v in COMMITTEE.validators]
    assert [get_leader(COMMITTEE, v) for v in range(5)] == [*members, members[0]]


@rejects(RejectionReason.COMMITTEE_EMPTY)
def test_committee_without_members_is_refused() -> None:
    """Given no validators. When validated, Then COMMITTEE_EMPTY."""
    validate_committee(Committee(()))


@rejects(RejectionReason.COMMITTEE_TOO_LARGE)
def test_committee_above_the_size_bound_is_refused() -> None:
    """Given MAX_COMMITTEE_SIZE + 1 validators. When validated, Then COMMITTEE_TOO_LARGE."""
    committee, _ = make_committee((1,) * (MAX_COMMITTEE_SIZE + 1))
    validate_committee(committee)


@rejects(RejectionReason.COMMITTEE_NOT_ORDERED)
def test_committee_listing_a_member_twice_is_refused() -> None:
    """Given a member listed twice. When validated, Then COMMITTEE_NOT_ORDERED."""
    first = COMMITTEE.validators[0]
    validate_committee(Committee((first, first)))


@rejects(RejectionReason.COMMITTEE_ZERO_STAKE)
def test_committee_member_without_stake_is_refused() -> None:
    """Given a member of stake 0. When validated, Then COMMITTEE_ZERO_STAKE."""
    members = (*COMMITTEE.validators[:3], replace(COMMITTEE.validators[3], stake=Uint64(0)))
    validate_committee(Committee(members))


def test_quorum_certificate_of_three_members_is_valid_and_weighted_by_stake() -> None:
    """Given stakes (1, 1, 1, 7) (T = 10, f = 3, Q = 7).

    When the heavy member alone, then the three light ones, sign,
    Then the heavy member's certificate is valid and the light ones' is short.
    """
    committee, keys = make_committee((1, 1, 1, 7))
    heavy = next(keys[v.address] for v in committee.validators if v.stake == 7)
    light = [keys[v.address] for v in committee.validators if v.stake == 1]
    block = extend(GENESIS_QC, "weighted")
    validate_quorum_certificate(committee, CHAIN, certify(block, [heavy]))
    with pytest.raises(Rejected) as raised:
        validate_quorum_certificate(committee, CHAIN, certify(block, light))
    assert raised.value.reason == RejectionReason.CERTIFICATE_QUORUM_SHORT


@rejects(RejectionReason.CERTIFICATE_QUORUM_SHORT)
def test_certificate_of_two_of_four_is_short() -> None:
    """Given two signatures of four equal members. When validated, Then CERTIFICATE_QUORUM_SHORT."""
    validate_quorum_certificate(COMMITTEE, CHAIN, certify(make_chain(1)[0], KEYS[:2]))


@rejects(RejectionReason.CERTIFICATE_SIGNER_UNKNOWN)
def test_certificate_signed_by_an_outsider_is_refused() -> None:
    """Given a non-member among the signers. When validated, Then CERTIFICATE_SIGNER_UNKNOWN."""
    block = make_chain(1)[0]
    validate_quorum_certificate(COMMITTEE, CHAIN, certify(block, [*KEYS[:2], OUTSIDER_KEY]))


@rejects(RejectionReason.CERTIFICATE_SIGNER_DUPLICATE)
def test_certificate_counting_one_member_twice_is_refused() -> None:
    """Given a member's vote twice among three.

    When validated, Then CERTIFICATE_SIGNER_DUPLICATE.
    """
    block = make_chain(1)[0]
    validate_quorum_certificate(COMMITTEE, CHAIN, certify(block, [KEYS[0], KEYS[1], KEYS[1]]))


@rejects(RejectionReason.CERTIFICATE_SIGNER_UNKNOWN)
def test_votes_signed_for_another_chain_do_not_count() -> None:
    """Given a quorum's votes on a block, signed under chain 1.

    When the certificate is checked for chain 0,
    Then the signatures recover to strangers: CERTIFICATE_SIGNER_UNKNOWN.
    """
    block_hash = compute_block_hash(make_chain(1)[0])
    signatures = tuple(vote(k, 1, block_hash, chain=1).signature for k in KEYS[:3])
    certificate = QuorumCertificate(Uint64(1), block_hash, signatures)
    validate_quorum_certificate(COMMITTEE, CHAIN, certificate)


@rejects(RejectionReason.GENESIS_CERTIFICATE_INVALID)
def test_a_view_zero_certificate_other_than_genesis_is_refused() -> None:
    """Given a view-0 certificate of another block.

    When validated, Then GENESIS_CERTIFICATE_INVALID.
    """
    forged = QuorumCertificate(Uint64(0), Hash32(b"\x01" * 32), ())
    validate_quorum_certificate(COMMITTEE, CHAIN, forged)


def test_aggregate_of_a_quorum_attaching_the_highest_certificate_is_valid() -> None:
    """Given three timeouts of view 3 holding QCs of views 1, 2 and 2.

    When the aggregate attaches the view-2 certificate,
    Then it is valid.
    """
    first, second, _ = make_chain(3)
    validate_aggregate(
        COMMITTEE, CHAIN, aggregate(3, [certify(first), certify(second), certify(second)])
    )


@rejects(RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST)
def test_aggregate_attaching_a_lower_certificate_is_refused() -> None:
    """Given timeouts reporting views 1, 2, 2 and the view-1 certificate attached.

    When validated,
    Then AGGREGATE_HIGH_QC_NOT_HIGHEST (the new block must extend the highest).
    """
    first, second, _ = make_chain(3)
    valid = aggregate(3, [certify(first), certify(second), certify(second)])
    validate_aggregate(COMMITTEE, CHAIN, replace(valid, high_qc=certify(first)))


@rejects(RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT)
def test_aggregate_whose_certificate_is_of_its_own_view_is_refused() -> None:
    """Given timeouts of view 2 reporting the view-2 certificate.

    When validated, Then AGGREGATE_HIGH_QC_TOO_RECENT.
    """
    _, second = make_chain(2)
    validate_aggregate(COMMITTEE, CHAIN, aggregate(2, [certify(second)] * 3))


@rejects(RejectionReason.CERTIFICATE_QUORUM_SHORT)
def test_aggregate_of_two_timeouts_is_short() -> None:
    """Given two timeouts of four members. When validated, Then CERTIFICATE_QUORUM_SHORT."""
    first = make_chain(1)[0]
    validate_aggregate(COMMITTEE, CHAIN, aggregate(2, [certify(first)] * 2))


def test_replica_votes_for_a_justified_block_and_remembers_the_view() -> None:
    """Given a fresh replica and the first block (view 1, genesis QC).

    When it votes,
    Then the rule accepts and the replica's last voted view becomes 1.
    """
    block = make_chain(1)[0]
    validate_vote_rule(COMMITTEE, CHAIN, SAFETY, block)
    assert compute_safety_after_vote(SAFETY, block).last_voted_view == 1


def test_view_change_block_extending_the_highest_certificate_gets_a_vote() -> None:
    """Given an aggregate of view 2 whose highest certificate is block 1's.

    When a view-3 block extends block 1,
    Then a replica in view 3 votes, and its highest certificate becomes block 1's.
    """
    first = make_chain(1)[0]
    block = extend(aggregate(2, [certify(first)] * 3), "after-view-change")
    safety = SafetyState(Uint64(3), Uint64(1), GENESIS_QC)
    validate_vote_rule(COMMITTEE, CHAIN, safety, block)
    assert compute_safety_after_vote(safety, block).high_qc == certify(first)


@rejects(RejectionReason.BLOCK_WRONG_CHAIN)
def test_block_of_another_chain_gets_no_vote() -> None:
    """Given a block of chain 1. When a chain-0 replica judges it, Then BLOCK_WRONG_CHAIN."""
    validate_vote_rule(COMMITTEE, CHAIN, SAFETY, replace(make_chain(1)[0], chain_id=Uint64(1)))


@rejects(RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY)
def test_block_skipping_views_after_its_certificate_gets_no_vote() -> None:
    """Given a block of view 2 carrying the genesis QC (view 0).

    When judged, Then BLOCK_VIEW_NOT_AFTER_JUSTIFY.
    """
    validate_vote_rule(COMMITTEE, CHAIN, SAFETY, extend(GENESIS_QC, "skip", view=2))


@rejects(RejectionReason.BLOCK_PARENT_NOT_CERTIFIED)
def test_view_change_block_not_extending_the_highest_certificate_gets_no_vote() -> None:
    """Given an aggregate whose highest certificate is block 2's, and a block extending block 1.

    When judged, Then BLOCK_PARENT_NOT_CERTIFIED.
    """
    first, second = make_chain(2)
    justify = aggregate(3, [certify(first), certify(second), certify(second)])
    block = replace(extend(justify, "stale-parent"), parent=certify(first).block_hash)
    validate_vote_rule(COMMITTEE, CHAIN, SafetyState(Uint64(4), Uint64(2), GENESIS_QC), block)


@rejects(RejectionReason.BLOCK_VIEW_STALE)
def test_block_of_a_view_the_replica_left_gets_no_vote() -> None:
    """Given a replica that timed out to view 2.

    When judging a view-1 block, Then BLOCK_VIEW_STALE.
    """
    safety = SafetyState(Uint64(2), Uint64(0), GENESIS_QC)
    validate_vote_rule(COMMITTEE, CHAIN, safety, make_chain(1)[0])


@rejects(RejectionReason.VIEW_ALREADY_VOTED)
def test_second_block_in_a_voted_view_gets_no_vote() -> None:
    """Given a replica that voted in view 1.

    When judging another view-1 block, Then VIEW_ALREADY_VOTED.
    """
    first = make_chain(1)[0]
    safety = compute_safety_after_vote(SAFETY, first)
    validate_vote_rule(COMMITTEE, CHAIN, safety, extend(GENESIS_QC, "equivocating"))


@rejects(RejectionReason.PROPOSER_NOT_LEADER)
def test_proposal_signed_by_a_member_who_does_not_lead_the_view_is_refused() -> None:
    """Given a view-1 block signed by the view-2 leader. When checked, Then PROPOSER_NOT_LEADER."""
    block = make_chain(1)[0]
    wrong = KEYS[2]
    validate_proposer(COMMITTEE, propose(block, key=wrong))


def commit_proof_of_first(blocks: list[Block]) -> CommitProof:
    """Return the proof that block 1 of a chain of views 1, 2 is committed."""
    return CommitProof((), blocks[1], certify(blocks[1]))


def test_two_certified_blocks_in_consecutive_views_commit_the_first() -> None:
    """Given blocks of views 1 and 2, the second certified.

    When the commit proof of the first is checked,
    Then it is accepted.
    """
    blocks = make_chain(2)
    validate_commit_proof(COMMITTEE, blocks[0], commit_proof_of_first(blocks))


def test_an_ancestor_is_committed_through_its_descendants() -> None:
    """Given block 1, then (after a failed view) a view-3 block and its view-4 child, certified.

    When the proof names the view-3 block as the chain from block 1,
    Then block 1 is committed.
    """
    first = make_chain(1)[0]
    third = extend(aggregate(2, [certify(first)] * 3), "third")
    fourth = extend(certify(third), "fourth")
    validate_commit_proof(COMMITTEE, first, CommitProof((third,), fourth, certify(fourth)))


@rejects(RejectionReason.COMMIT_CHAIN_BROKEN)
def test_commit_proof_whose_child_extends_another_block_is_refused() -> None:
    """Given a certified chain 1-2 and another view-1 block.

    When the proof of 1-2 is offered for the other block, Then COMMIT_CHAIN_BROKEN.
    """
    blocks = make_chain(2)
    validate_commit_proof(COMMITTEE, extend(GENESIS_QC, "other"), commit_proof_of_first(blocks))


@rejects(RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW)
def test_certified_child_two_views_later_commits_nothing() -> None:
    """Given block 1 and a certified view-3 child (after a view change).

    When offered as a direct commit, Then COMMIT_CHILD_NOT_NEXT_VIEW.
    """
    first = make_chain(1)[0]
    third = extend(aggregate(2, [certify(first)] * 3), "third")
    validate_commit_proof(COMMITTEE, first, CommitProof((), third, certify(third)))


@rejects(RejectionReason.COMMIT_CERTIFICATE_WRONG_BLOCK)
def test_commit_proof_with_the_certificate_of_another_block_is_refused() -> None:
    """Given blocks 1 and 2, and the proof carrying block 1's certificate.

    When checked, Then COMMIT_CERTIFICATE_WRONG_BLOCK.
    """
    blocks = make_chain(2)
    validate_commit_proof(COMMITTEE, blocks[0], CommitProof((), blocks[1], certify(blocks[0])))


@rejects(RejectionReason.BLOCK_WRONG_CHAIN)
def test_commit_proof_mixing_chains_is_refused() -> None:
    """Given a commit proof whose child is of chain 1. When checked, Then BLOCK_WRONG_CHAIN."""
    blocks = make_chain(2)
    child = replace(blocks[1], chain_id=Uint64(1))
    validate_commit_proof(COMMITTEE, blocks[0], CommitProof((), child, certify(child)))


@rejects(RejectionReason.COMMITTEE_NOT_ORDERED)
def test_committee_out_of_address_order_is_refused() -> None:
    """Given the fixture committee listed in reverse. When validated, Then COMMITTEE_NOT_ORDERED."""
    validate_committee(COMMITTEE)
    validate_committee(Committee(tuple(reversed(COMMITTEE.validators))))
