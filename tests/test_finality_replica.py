"""The replica state machine: honest committee runs, and every refusal of a replica.

Honest runs (the spec's replicas over a perfect network, ``fixtures.finality``)
are checked with the trace predicates of INV-22 (agreement) and INV-28 (one
vote per view); each predicate is also shown to report a broken run.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adversary.finality.properties import check_agreement, check_one_vote_per_view
from fixtures.finality import CommitteeRun, make_run
from fixtures.finality_messages import (
    CHAIN,
    COMMITTEE,
    GENESIS_QC,
    KEY_OF,
    KEYS,
    certify,
    extend,
    make_chain,
    propose,
    root,
    timeout,
    vote,
)
from spec.errors import RejectionReason
from spec.finality.committee import get_leader
from spec.finality.messages import compute_block_hash
from spec.finality.replica import (
    FireTimer,
    Propose,
    ReceiveProposal,
    ReceiveTimeout,
    ReceiveVote,
    ReplicaState,
    compute_genesis_replica,
    get_committed_chain,
)
from spec.finality.replica_steps import process_replica_input
from spec.finality.voting import SafetyState
from spec.primitives import Address, Hash32, Uint64
from tests.support import rejects

MEMBERS = [v.address for v in COMMITTEE.validators]


def replica(index: int, **changes: object) -> ReplicaState:
    """Return member ``index``'s fresh replica, with ``changes`` applied."""
    state = compute_genesis_replica(CHAIN, MEMBERS[index])
    return replace(state, **changes)  # type: ignore[arg-type]


def step(index: int, state: ReplicaState, event: object) -> ReplicaState:
    """Return member ``index``'s state after ``event`` (which must be accepted)."""
    return process_replica_input(state, COMMITTEE, KEYS[index], event).state  # type: ignore[arg-type]


def next_leader_index(view: int) -> int:
    """Return the committee index of the leader of ``view + 1``."""
    return MEMBERS.index(get_leader(COMMITTEE, view + 1))


def committed_chains(run: CommitteeRun) -> dict[Address, tuple[Hash32, ...]]:
    """Return each replica's committed chain."""
    return {a: get_committed_chain(r) for a, r in run.replicas.items()}


def run_with_view_changes(stakes: tuple[int, ...], schedule: list[bool]) -> CommitteeRun:
    """Return a run following ``schedule``: True proposes a block, False fails the view."""
    run = make_run(stakes)
    for index, propose_now in enumerate(schedule):
        if propose_now and run.can_propose():
            run.propose(root(f"r{index}"))
        else:
            run.deliver([(a, FireTimer(r.safety.view)) for a, r in run.replicas.items()])
            while not run.can_propose():
                run.time_out()
    return run


def test_honest_committee_commits_every_block_but_the_last_two() -> None:
    """Given four equal replicas over a perfect network.

    When six blocks are proposed in six views,
    Then every replica's committed chain holds the first four, in order, and
    nobody voted twice in a view.
    """
    run = make_run()
    for index in range(6):
        run.propose(root(f"block-{index}"))
    ordered = [compute_block_hash(b) for b in sorted(run.blocks.values(), key=lambda b: b.view)]
    for chain in committed_chains(run).values():
        assert chain[:4] == tuple(ordered[:4])
    assert check_one_vote_per_view(run.votes) == []
    assert check_agreement(run.blocks, committed_chains(run)) == []


@settings(max_examples=25, deadline=None)
@given(
    stakes=st.sampled_from([(1, 1, 1, 1), (1, 2, 3, 4, 5), (5, 1, 1, 1), (1,) * 7]),
    schedule=st.lists(st.booleans(), min_size=3, max_size=10),
)
def test_honest_runs_with_view_changes_agree_and_vote_once_per_view(
    stakes: tuple[int, ...], schedule: list[bool]
) -> None:
    """Given any stakes and any schedule of proposals and failed views.

    When the run ends,
    Then the committed chains agree (INV-22), nobody voted twice in a view
    (INV-28), and with two more good views every replica has committed something.
    """
    run = run_with_view_changes(stakes, [*schedule, True, True, True])
    assert check_agreement(run.blocks, committed_chains(run)) == []
    assert check_one_vote_per_view(run.votes) == []
    assert all(chain for chain in committed_chains(run).values())


def test_agreement_predicate_reports_two_committed_siblings() -> None:
    """Given two blocks with one parent, each in some replica's committed chain.

    When the predicate runs, Then it reports the conflict.
    """
    left, right = extend(GENESIS_QC, "left"), extend(GENESIS_QC, "right")
    blocks = {compute_block_hash(b): b for b in (left, right)}
    chains = {MEMBERS[0]: (compute_block_hash(left),), MEMBERS[1]: (compute_block_hash(right),)}
    assert len(check_agreement(blocks, chains)) == 1


def test_one_vote_predicate_reports_a_second_vote_in_a_view() -> None:
    """Given a replica's votes on two blocks of view 1. When checked, Then it is reported."""
    left, right = extend(GENESIS_QC, "left"), extend(GENESIS_QC, "right")
    votes = [
        (MEMBERS[0], vote(KEYS[0], 1, compute_block_hash(left))),
        (MEMBERS[0], vote(KEYS[0], 1, compute_block_hash(right))),
    ]
    assert len(check_one_vote_per_view(votes)) == 1


def test_replica_votes_and_sends_the_vote_to_the_next_leader() -> None:
    """Given a fresh replica and the first block, proposed by its leader.

    When delivered, Then the replica stores the block, votes once, to view 2's leader.
    """
    block = make_chain(1)[0]
    result = process_replica_input(replica(1), COMMITTEE, KEYS[1], ReceiveProposal(propose(block)))
    (out,) = result.outbound
    assert out.recipient == get_leader(COMMITTEE, 2)
    assert out.message == vote(KEYS[1], 1, compute_block_hash(block))
    assert result.state.safety.last_voted_view == 1


@rejects(RejectionReason.PROPOSAL_EQUIVOCATION)
def test_second_block_of_a_leader_in_one_view_is_equivocation() -> None:
    """Given a replica holding the leader's view-1 block.

    When the leader's other view-1 block arrives, Then PROPOSAL_EQUIVOCATION.
    """
    state = step(1, replica(1), ReceiveProposal(propose(make_chain(1)[0])))
    step(1, state, ReceiveProposal(propose(extend(GENESIS_QC, "other"))))


@rejects(RejectionReason.NOT_NEXT_LEADER)
def test_vote_sent_to_a_member_who_does_not_lead_the_next_view_is_refused() -> None:
    """Given a view-1 vote.

    When a member other than view 2's leader gets it, Then NOT_NEXT_LEADER.
    """
    block_hash = compute_block_hash(make_chain(1)[0])
    other = (next_leader_index(1) + 1) % 4
    step(other, replica(other), ReceiveVote(vote(KEYS[0], 1, block_hash)))


@rejects(RejectionReason.MESSAGE_STALE)
def test_vote_of_a_view_the_leader_left_is_refused() -> None:
    """Given view 2's leader already in view 5. When a view-1 vote arrives, Then MESSAGE_STALE."""
    leader = next_leader_index(1)
    state = replica(leader, safety=SafetyState(Uint64(5), Uint64(0), GENESIS_QC))
    step(leader, state, ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0]))))


@rejects(RejectionReason.VOTE_DUPLICATE)
def test_same_vote_twice_is_counted_once() -> None:
    """Given view 2's leader holding a member's vote. When it arrives again, Then VOTE_DUPLICATE."""
    leader = next_leader_index(1)
    event = ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0])))
    step(leader, step(leader, replica(leader), event), event)


@rejects(RejectionReason.VOTE_EQUIVOCATION)
def test_vote_for_a_second_block_in_one_view_is_equivocation() -> None:
    """Given a member's vote on one view-1 block.

    When its vote on another arrives, Then VOTE_EQUIVOCATION.
    """
    leader = next_leader_index(1)
    first = ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0])))
    second = ReceiveVote(vote(KEYS[0], 1, compute_block_hash(extend(GENESIS_QC, "other"))))
    step(leader, step(leader, replica(leader), first), second)


@rejects(RejectionReason.CERTIFICATE_SIGNER_UNKNOWN)
def test_vote_of_an_outsider_is_refused() -> None:
    """Given a vote signed by a non-member. When received, Then CERTIFICATE_SIGNER_UNKNOWN."""
    from fixtures.finality_messages import OUTSIDER_KEY

    leader = next_leader_index(1)
    block_hash = compute_block_hash(make_chain(1)[0])
    step(leader, replica(leader), ReceiveVote(vote(OUTSIDER_KEY, 1, block_hash)))


def test_quorum_of_votes_forms_the_certificate_and_moves_the_leader_on() -> None:
    """Given view 2's leader.

    When three members' votes on block 1 arrive, Then it holds block 1's QC in view 2.
    """
    leader = next_leader_index(1)
    block = make_chain(1)[0]
    state = replica(leader)
    for index in range(3):
        state = step(leader, state, ReceiveVote(vote(KEYS[index], 1, compute_block_hash(block))))
    assert state.safety.high_qc == certify(block)
    assert state.safety.view == 2


@rejects(RejectionReason.TIMEOUT_DUPLICATE)
def test_same_timeout_twice_is_counted_once() -> None:
    """Given view 2's leader holding a member's view-1 timeout.

    When it arrives again, Then TIMEOUT_DUPLICATE.
    """
    leader = next_leader_index(1)
    event = ReceiveTimeout(timeout(KEYS[0], 1, GENESIS_QC))
    step(leader, step(leader, replica(leader), event), event)


@rejects(RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT)
def test_timeout_carrying_a_certificate_of_its_own_view_is_refused() -> None:
    """Given a view-1 timeout carrying block 1's (view-1) certificate.

    When received, Then TOO_RECENT.
    """
    leader = next_leader_index(1)
    block = make_chain(1)[0]
    step(leader, replica(leader), ReceiveTimeout(timeout(KEYS[0], 1, certify(block))))


def test_quorum_of_timeouts_forms_an_aggregate_and_the_leader_proposes_with_it() -> None:
    """Given view 2's leader.

    When three view-1 timeouts arrive and it proposes,
    Then its block of view 2 is justified by the aggregate and extends genesis.
    """
    leader = next_leader_index(1)
    state = replica(leader)
    for index in range(3):
        state = step(leader, state, ReceiveTimeout(timeout(KEYS[index], 1, GENESIS_QC)))
    assert state.aggregate is not None and state.safety.view == 2
    result = process_replica_input(state, COMMITTEE, KEYS[leader], Propose(root("vc")))
    block = result.outbound[0].message.block  # type: ignore[union-attr]
    assert (block.view, block.justify, block.parent) == (2, state.aggregate, GENESIS_QC.block_hash)


@rejects(RejectionReason.TIMER_STALE)
def test_timer_of_a_view_the_replica_left_is_refused() -> None:
    """Given a replica in view 1. When a timer for view 0 fires, Then TIMER_STALE."""
    step(0, replica(0), FireTimer(Uint64(0)))


def test_timer_sends_the_highest_certificate_to_the_next_leader_and_moves_on() -> None:
    """Given a replica in view 1.

    When its timer fires, Then it sends a view-1 timeout to view 2's leader and is in view 2.
    """
    result = process_replica_input(replica(0), COMMITTEE, KEYS[0], FireTimer(Uint64(1)))
    (out,) = result.outbound
    assert out.recipient == get_leader(COMMITTEE, 2)
    assert out.message == timeout(KEYS[0], 1, GENESIS_QC)
    assert result.state.safety.view == 2


@rejects(RejectionReason.PROPOSER_NOT_LEADER)
def test_member_who_does_not_lead_the_view_cannot_propose() -> None:
    """Given a replica in view 1 that does not lead it.

    When told to propose, Then PROPOSER_NOT_LEADER.
    """
    other = (MEMBERS.index(get_leader(COMMITTEE, 1)) + 1) % 4
    step(other, replica(other), Propose(root("x")))


@rejects(RejectionReason.VIEW_ALREADY_PROPOSED)
def test_leader_proposes_once_per_view() -> None:
    """Given view 1's leader after proposing.

    When told to propose again, Then VIEW_ALREADY_PROPOSED.
    """
    leader = MEMBERS.index(get_leader(COMMITTEE, 1))
    state = step(leader, replica(leader), Propose(root("first")))
    step(leader, state, Propose(root("second")))


@rejects(RejectionReason.PROPOSAL_NOT_JUSTIFIED)
def test_leader_without_the_previous_views_certificate_cannot_propose() -> None:
    """Given view 2's leader in view 2 without a QC or aggregate of view 1.

    When told to propose, Then PROPOSAL_NOT_JUSTIFIED.
    """
    leader = next_leader_index(1)
    state = replica(leader, safety=SafetyState(Uint64(2), Uint64(0), GENESIS_QC))
    step(leader, state, Propose(root("x")))


def test_refused_input_changes_nothing() -> None:
    """Given a replica. When an input is refused, Then the state it was given is unchanged."""
    state = replica(0)
    before = replace(state)
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the state is what is checked
        process_replica_input(state, COMMITTEE, KEYS[0], FireTimer(Uint64(7)))
    assert state == before
    assert KEY_OF[MEMBERS[0]] == KEYS[0]
