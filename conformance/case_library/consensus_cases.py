"""Consensus cases: one replica of the four-member test committee, a message at a time.

Each case starts a replica of ``fixtures.finality_messages``' committee (four
validators of stake 1, chain 0) from genesis and feeds it inputs; the state
digest covers the replica's state and the messages its last step sent. The
accepted cases walk the normal case (vote, certificate, proposal, commit) and
a view change (timeouts, aggregate, proposal); the refused ones hit each
reason of the replica machine.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.areas import CONSENSUS
from conformance.cases import TraceBuilder, case
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
    root,
    timeout,
    vote,
)
from spec.errors import RejectionReason
from spec.finality.committee import get_leader
from spec.finality.messages import compute_block_hash
from spec.finality.node import ReplicaNode
from spec.finality.replica import (
    FireTimer,
    Propose,
    ReceiveProposal,
    ReceiveTimeout,
    ReceiveVote,
    compute_genesis_replica,
)
from spec.presets import Preset
from spec.primitives import Hash32, Uint64

MEMBERS = [v.address for v in COMMITTEE.validators]
"""The committee's members, in address order."""


def start_replica(preset: Preset, index: int) -> TraceBuilder:
    """Return a builder over member ``index``'s replica at genesis."""
    replica = compute_genesis_replica(CHAIN, MEMBERS[index])
    node = ReplicaNode(COMMITTEE, Hash32(KEYS[index]), replica, ())
    return TraceBuilder(CONSENSUS, preset, node)


def leader_index(view: int) -> int:
    """Return the committee index of the leader of ``view``."""
    return MEMBERS.index(get_leader(COMMITTEE, view))


def other_index(view: int) -> int:
    """Return the index of a member that leads neither ``view`` nor the next view."""
    return next(i for i in range(4) if i not in (leader_index(view), leader_index(view + 1)))


@case(None)
def vote_for_the_first_block(preset: Preset) -> TraceBuilder:
    """A replica votes for the first block (view 1, genesis QC), sending it to view 2's leader."""
    builder = start_replica(preset, other_index(1))
    builder.apply(ReceiveProposal(propose(make_chain(1)[0])))
    return builder


@case(None)
def commit_a_block_by_the_two_chain_rule(preset: Preset) -> TraceBuilder:
    """Blocks of views 1, 2, 3 arrive; block 3's QC of block 2 (view 2 = 1 + 1) commits block 1."""
    builder = start_replica(preset, other_index(3))
    for block in make_chain(3):
        builder.apply(ReceiveProposal(propose(block)))
    return builder


@case(None)
def form_a_certificate_from_three_votes(preset: Preset) -> TraceBuilder:
    """View 2's leader gathers three votes on block 1: the QC moves it to view 2."""
    builder = start_replica(preset, leader_index(2))
    block_hash = compute_block_hash(make_chain(1)[0])
    for key in KEYS[:3]:
        builder.apply(ReceiveVote(vote(key, 1, block_hash)))
    return builder


@case(None)
def propose_with_the_certificate(preset: Preset) -> TraceBuilder:
    """View 2's leader, holding block 1's QC, proposes block 2 to every member."""
    builder = form_a_certificate_from_three_votes(preset)
    builder.apply(Propose(root("second")))
    return builder


@case(None)
def time_out_of_a_view(preset: Preset) -> TraceBuilder:
    """A replica's view-1 timer fires: it sends its timeout (genesis QC) to view 2's leader."""
    builder = start_replica(preset, other_index(1))
    builder.apply(FireTimer(Uint64(1)))
    return builder


@case(None)
def propose_after_a_view_change(preset: Preset) -> TraceBuilder:
    """View 2's leader aggregates three view-1 timeouts and proposes a block justified by them."""
    builder = start_replica(preset, leader_index(2))
    for key in KEYS[:3]:
        builder.apply(ReceiveTimeout(timeout(key, 1, GENESIS_QC)))
    builder.apply(Propose(root("after view change")))
    return builder


@case(None)
def vote_for_a_view_change_block(preset: Preset) -> TraceBuilder:
    """A replica in view 3 votes for a block extending the highest QC of a view-2 aggregate."""
    first = make_chain(1)[0]
    builder = start_replica(preset, other_index(3))
    builder.apply(ReceiveProposal(propose(first)))
    builder.apply(FireTimer(Uint64(1)))
    builder.apply(FireTimer(Uint64(2)))
    justify = aggregate(2, [certify(first), certify(first), GENESIS_QC])
    builder.apply(ReceiveProposal(propose(extend(justify, "view change"))))
    return builder


@case(RejectionReason.PROPOSER_NOT_LEADER)
def refuse_a_proposal_signed_by_another_member(preset: Preset) -> TraceBuilder:
    """A view-1 block signed by a member who does not lead view 1 gets no vote."""
    builder = start_replica(preset, other_index(1))
    builder.apply(ReceiveProposal(propose(make_chain(1)[0], key=KEYS[other_index(1)])))
    return builder


@case(RejectionReason.PROPOSAL_EQUIVOCATION)
def refuse_a_second_block_of_one_view(preset: Preset) -> TraceBuilder:
    """The leader's second view-1 block is evidence of equivocation."""
    builder = vote_for_the_first_block(preset)
    builder.apply(ReceiveProposal(propose(extend(GENESIS_QC, "equivocation"))))
    return builder


@case(RejectionReason.VIEW_ALREADY_VOTED)
def refuse_to_vote_twice_for_one_block(preset: Preset) -> TraceBuilder:
    """The same proposal delivered twice gets one vote."""
    builder = vote_for_the_first_block(preset)
    builder.apply(ReceiveProposal(propose(make_chain(1)[0])))
    return builder


@case(RejectionReason.BLOCK_VIEW_STALE)
def refuse_a_block_of_a_view_left_by_timeout(preset: Preset) -> TraceBuilder:
    """After its view-1 timer fired, a replica votes for no view-1 block."""
    builder = time_out_of_a_view(preset)
    builder.apply(ReceiveProposal(propose(make_chain(1)[0])))
    return builder


@case(RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY)
def refuse_a_block_skipping_views(preset: Preset) -> TraceBuilder:
    """A view-2 block carrying the genesis QC (view 0) gets no vote."""
    builder = start_replica(preset, other_index(2))
    builder.apply(ReceiveProposal(propose(extend(GENESIS_QC, "skip", view=2))))
    return builder


@case(RejectionReason.BLOCK_PARENT_NOT_CERTIFIED)
def refuse_a_view_change_block_below_the_highest_certificate(preset: Preset) -> TraceBuilder:
    """view-3 block extending genesis while its aggregate's highest QC is block 1's gets no vote."""
    first = make_chain(1)[0]
    justify = aggregate(2, [certify(first), GENESIS_QC, GENESIS_QC])
    block = replace(extend(justify, "stale parent"), parent=GENESIS_QC.block_hash)
    builder = start_replica(preset, other_index(3))
    builder.apply(ReceiveProposal(propose(block)))
    return builder


@case(RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST)
def refuse_an_aggregate_hiding_the_highest_certificate(preset: Preset) -> TraceBuilder:
    """An aggregate whose signers reported block 1's QC but which attaches genesis gets no vote."""
    first = make_chain(1)[0]
    justify = replace(aggregate(2, [certify(first), GENESIS_QC, GENESIS_QC]), high_qc=GENESIS_QC)
    builder = start_replica(preset, other_index(3))
    builder.apply(ReceiveProposal(propose(extend(justify, "hidden"))))
    return builder


@case(RejectionReason.CERTIFICATE_QUORUM_SHORT)
def refuse_a_block_with_a_certificate_of_two_votes(preset: Preset) -> TraceBuilder:
    """A view-2 block whose QC of block 1 has two of four votes gets no vote."""
    first = make_chain(1)[0]
    builder = start_replica(preset, other_index(2))
    builder.apply(ReceiveProposal(propose(extend(certify(first, KEYS[:2]), "short"))))
    return builder


@case(RejectionReason.NOT_NEXT_LEADER)
def refuse_a_vote_sent_to_the_wrong_member(preset: Preset) -> TraceBuilder:
    """A view-1 vote reaching a member who does not lead view 2 is refused."""
    builder = start_replica(preset, other_index(1))
    builder.apply(ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0]))))
    return builder


@case(RejectionReason.MESSAGE_STALE)
def refuse_a_vote_of_a_view_left_behind(preset: Preset) -> TraceBuilder:
    """View 2's leader, moved on to view 3 by its timers, refuses a view-1 vote."""
    builder = start_replica(preset, leader_index(2))
    builder.apply(FireTimer(Uint64(1)))
    builder.apply(FireTimer(Uint64(2)))
    builder.apply(ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0]))))
    return builder


@case(RejectionReason.CERTIFICATE_SIGNER_UNKNOWN)
def refuse_a_vote_of_an_outsider(preset: Preset) -> TraceBuilder:
    """A vote signed by a key outside the committee is refused."""
    builder = start_replica(preset, leader_index(2))
    builder.apply(ReceiveVote(vote(OUTSIDER_KEY, 1, compute_block_hash(make_chain(1)[0]))))
    return builder


@case(RejectionReason.VOTE_DUPLICATE)
def refuse_a_vote_counted_already(preset: Preset) -> TraceBuilder:
    """The same vote delivered twice is counted once."""
    builder = start_replica(preset, leader_index(2))
    event = ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0])))
    builder.apply(event)
    builder.apply(event)
    return builder


@case(RejectionReason.VOTE_EQUIVOCATION)
def refuse_a_vote_for_a_second_block_of_one_view(preset: Preset) -> TraceBuilder:
    """A member's votes on two blocks of view 1: the second is evidence of equivocation."""
    builder = start_replica(preset, leader_index(2))
    builder.apply(ReceiveVote(vote(KEYS[0], 1, compute_block_hash(make_chain(1)[0]))))
    other = compute_block_hash(extend(GENESIS_QC, "other"))
    builder.apply(ReceiveVote(vote(KEYS[0], 1, other)))
    return builder


@case(RejectionReason.TIMEOUT_DUPLICATE)
def refuse_a_timeout_counted_already(preset: Preset) -> TraceBuilder:
    """The same timeout delivered twice is counted once."""
    builder = start_replica(preset, leader_index(2))
    event = ReceiveTimeout(timeout(KEYS[0], 1, GENESIS_QC))
    builder.apply(event)
    builder.apply(event)
    return builder


@case(RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT)
def refuse_a_timeout_carrying_a_certificate_of_its_own_view(preset: Preset) -> TraceBuilder:
    """A view-1 timeout carrying block 1's view-1 QC is refused."""
    builder = start_replica(preset, leader_index(2))
    builder.apply(ReceiveTimeout(timeout(KEYS[0], 1, certify(make_chain(1)[0]))))
    return builder


@case(RejectionReason.TIMER_STALE)
def refuse_a_timer_of_another_view(preset: Preset) -> TraceBuilder:
    """A timer for view 2 fires while the replica is in view 1."""
    builder = start_replica(preset, 0)
    builder.apply(FireTimer(Uint64(2)))
    return builder


@case(RejectionReason.PROPOSER_NOT_LEADER)
def refuse_to_propose_without_leading_the_view(preset: Preset) -> TraceBuilder:
    """A member who does not lead view 1 is told to propose."""
    builder = start_replica(preset, other_index(1))
    builder.apply(Propose(root("not mine")))
    return builder


@case(RejectionReason.VIEW_ALREADY_PROPOSED)
def refuse_a_second_proposal_in_one_view(preset: Preset) -> TraceBuilder:
    """View 2's leader, having proposed, is told to propose again."""
    builder = propose_with_the_certificate(preset)
    builder.apply(Propose(root("again")))
    return builder


@case(RejectionReason.PROPOSAL_NOT_JUSTIFIED)
def refuse_to_propose_without_a_certificate(preset: Preset) -> TraceBuilder:
    """View 2's leader, moved to view 2 by its own timer only, cannot justify a proposal."""
    builder = start_replica(preset, leader_index(2))
    builder.apply(FireTimer(Uint64(1)))
    builder.apply(Propose(root("unjustified")))
    return builder


@case(RejectionReason.GENESIS_CERTIFICATE_INVALID)
def refuse_a_block_justified_by_a_forged_genesis_certificate(preset: Preset) -> TraceBuilder:
    """A view-1 block whose view-0 certificate names another block than genesis gets no vote."""
    forged = replace(GENESIS_QC, block_hash=root("not genesis"))
    builder = start_replica(preset, other_index(1))
    builder.apply(ReceiveProposal(propose(extend(forged, "forged genesis"))))
    return builder


@case(RejectionReason.CERTIFICATE_SIGNER_DUPLICATE)
def refuse_a_certificate_counting_a_member_twice(preset: Preset) -> TraceBuilder:
    """A view-2 block whose QC of block 1 repeats one member's vote gets no vote."""
    first = make_chain(1)[0]
    doubled = certify(first, [KEYS[0], KEYS[1], KEYS[1]])
    builder = start_replica(preset, other_index(2))
    builder.apply(ReceiveProposal(propose(extend(doubled, "doubled"))))
    return builder


@case(RejectionReason.BLOCK_WRONG_CHAIN)
def refuse_a_block_of_another_chain(preset: Preset) -> TraceBuilder:
    """A block of chain 1 proposed to a replica of chain 0 gets no vote."""
    builder = start_replica(preset, other_index(1))
    builder.apply(ReceiveProposal(propose(make_chain(1, chain=1)[0])))
    return builder
