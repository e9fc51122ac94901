"""Crash safety of the replicated node: replicas killed at every failpoint never equivocate.

The campaign (``tests/crash_replicas.py``) kills replica processes of an
honest committee at each failpoint of ``reference/finality/`` and of the
store's transactions, and restarts them from their files. What the replicas
journaled (every message is journaled in the step's transaction, before it is
sent, so the journal holds whatever may have left a process) and what they
received is then judged with the adversary's trace predicates (INV-22
agreement, INV-28 one vote per view) and from the receiving side.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from adversary.finality.properties import check_agreement, check_one_vote_per_view
from fixtures.finality_messages import CHAIN, COMMITTEE, KEYS, make_chain, propose, root, vote
from reference.finality.observe import Observation, ReplicaRecord
from reference.finality.replica_store import JournalEntry
from spec.errors import RejectionReason
from spec.finality.messages import compute_block_hash
from spec.finality.replica import compute_genesis_replica
from tests.crash_replicas import (
    CrashCampaign,
    find_replica_failpoints,
    find_views_proposed_twice,
    find_votes_seen_twice,
)

COUNTED_KILLS = (40, 150)
"""Rounds killing the victim at the n-th failpoint it reaches (mid-run, after its start-up)."""


def test_replicas_killed_at_every_failpoint_stay_safe_and_keep_committing(tmp_path: Path) -> None:
    """Given an honest committee of four replica processes.

    When a replica is killed at each failpoint in turn (received and not yet
    persisted, persisted and not yet sent, mid-broadcast of a proposal, and
    the store's three transaction points), then at the n-th failpoint reached
    for a few n, and restarted from its file each time,
    Then each died at its failpoint and committed again after its restart;
    across every restart no replica journaled two votes in a view, no leader
    received two different votes of one replica in one view, no replica
    proposed two blocks in one view, nothing was refused as an equivocation,
    and the committed chains agree.
    """
    failpoints = find_replica_failpoints()
    assert len(failpoints) == 6, failpoints
    campaign = CrashCampaign(tmp_path)
    observation = campaign.run(failpoints, COUNTED_KILLS)
    named, counted = campaign.outcomes[: len(failpoints)], campaign.outcomes[len(failpoints) :]
    assert [o.failpoint for o in named] == failpoints and len(counted) == len(COUNTED_KILLS)
    for outcome in named:
        assert outcome.died and outcome.logged == outcome.failpoint, outcome
    for outcome in counted:
        assert outcome.died and outcome.logged in failpoints, outcome
    assert all(outcome.recovered for outcome in campaign.outcomes), campaign.outcomes
    sent = [(r.address, v) for r in observation.records for v in r.get_sent_votes()]
    assert len(sent) > 0
    assert check_one_vote_per_view(sent) == []
    assert find_votes_seen_twice(observation) == []
    assert find_views_proposed_twice(observation) == []
    for reason in (RejectionReason.VOTE_EQUIVOCATION, RejectionReason.PROPOSAL_EQUIVOCATION):
        assert observation.get_refusals(reason) == []
    chains = {r.address: observation.get_committed_chain(r) for r in observation.records}
    assert check_agreement(observation.blocks, chains) == []
    assert min(len(chain) for chain in chains.values()) > max(
        o.commits_before for o in campaign.outcomes
    )


def make_record(index: int, journal: list[JournalEntry]) -> ReplicaRecord:
    """Return a record of member ``index`` holding nothing but ``journal``."""
    address = COMMITTEE.validators[index].address
    return ReplicaRecord(
        address, False, compute_genesis_replica(CHAIN, address), tuple(journal), ()
    )


def test_receiving_side_checks_report_a_double_vote_and_a_double_proposal() -> None:
    """Given journals: a leader got member 0's votes on two view-1 blocks; member 1 proposed both.

    When the campaign's receiving-side checks read them,
    Then each reports exactly one violation; with one vote and one proposal, none.
    """
    left = make_chain(1)[0]
    right = replace(left, root=root("sibling"))
    votes = [vote(KEYS[0], 1, compute_block_hash(b)) for b in (left, right)]
    received = [JournalEntry(0.0, False, None, None, v) for v in votes]
    proposals = [
        JournalEntry(0.0, True, None, None, propose(b, key=KEYS[1])) for b in (left, right)
    ]
    twice = Observation(CHAIN, (make_record(2, received), make_record(1, proposals)))
    once = Observation(CHAIN, (make_record(2, received[:1]), make_record(1, proposals[:1])))
    assert len(find_votes_seen_twice(twice)) == 1
    assert len(find_views_proposed_twice(twice)) == 1
    assert find_votes_seen_twice(once) == find_views_proposed_twice(once) == []
