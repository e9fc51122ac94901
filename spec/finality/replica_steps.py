"""How a replica handles each input: vote, collect, aggregate, time out, propose.

One function per input kind; :func:`process_replica_input` dispatches. Each
returns a :class:`~spec.finality.replica.ReplicaStep` or raises
:class:`~spec.errors.Rejected`, in which case nothing changed. The replica's
private key signs what it sends (signatures are deterministic, so a step's
output is a function of its input).

- **Proposal**: from the leader of its view, not a second block of that view,
  and the block passes the voting rule (``spec.finality.voting``). The
  replica stores the block, learns its justification's certificate (which
  may commit a block) and votes, sending the vote to the next view's leader.
- **Vote** (at the next view's leader): from a member, once per view; when the
  votes on one block reach a quorum they form its certificate, which moves
  the replica to the next view.
- **Timeout** (at the next view's leader): from a member, once per view,
  carrying a valid certificate; a quorum of them forms an aggregate, which
  moves the replica to the next view.
- **Timer**: the current view ended without progress: send a timeout with
  the highest certificate and move to the next view.
- **Propose**: the leader of the current view, holding the certificate or
  aggregate of the view before, proposes a block once per view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from spec.crypto import recover_signer, sign
from spec.errors import Rejected, RejectionReason, require
from spec.finality.certificates import validate_quorum_certificate, validate_quorum_signers
from spec.finality.committee import Committee, get_leader, get_member_stake
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Justification,
    Proposal,
    QuorumCertificate,
    Timeout,
    TimeoutSignature,
    Vote,
    compute_block_hash,
    compute_proposal_digest,
    compute_timeout_digest,
    compute_vote_digest,
    get_certified_qc,
)
from spec.finality.replica import (
    FireTimer,
    Outbound,
    Propose,
    ReceiveProposal,
    ReceiveTimeout,
    ReceiveVote,
    ReplicaInput,
    ReplicaState,
    ReplicaStep,
    compute_commit_head,
)
from spec.finality.voting import (
    compute_safety_after_certificate,
    compute_safety_after_timeout,
    compute_safety_after_vote,
    validate_proposer,
    validate_vote_rule,
)
from spec.primitives import Address, Hash32, Signature, Uint64


def learn_certificate(
    state: ReplicaState, certificate: QuorumCertificate, view: int
) -> ReplicaState:
    """Return ``state`` after learning a valid certificate (or an aggregate of ``view``)."""
    state = replace(state, safety=compute_safety_after_certificate(state.safety, certificate, view))
    return replace(state, committed_head=compute_commit_head(state, certificate))


def process_receive_proposal(
    state: ReplicaState, committee: Committee, key: bytes, proposal: Proposal
) -> ReplicaStep:
    """Vote for a proposed block, sending the vote to the next view's leader.

    Raises:
        Rejected: the reasons of ``validate_proposer``, ``PROPOSAL_EQUIVOCATION``,
            and the reasons of ``validate_vote_rule``.
    """
    block = proposal.block
    validate_proposer(committee, proposal)
    block_hash = compute_block_hash(block)
    # Verify the leader proposed no other block in this view (equivocation)
    require(
        all(b.view != block.view for h, b in state.blocks.items() if h != block_hash),
        RejectionReason.PROPOSAL_EQUIVOCATION,
    )
    validate_vote_rule(committee, state.chain_id, state.safety, block)
    state = replace(state, blocks={**state.blocks, block_hash: block})
    certified = get_certified_qc(block.justify)
    state = learn_certificate(state, certified, block.justify.view)
    state = replace(state, safety=compute_safety_after_vote(state.safety, block))
    digest = compute_vote_digest(state.chain_id, block.view, block_hash)
    vote = Vote(block.view, block_hash, sign(key, digest))
    return ReplicaStep(state, (Outbound(get_leader(committee, block.view + 1), vote),))


def recover_member(committee: Committee, digest: Hash32, signature: Signature) -> Address:
    """Return the member that signed ``digest``.

    Raises:
        Rejected: the signature reasons, ``CERTIFICATE_SIGNER_UNKNOWN``.
    """
    signer = recover_signer(digest, signature)
    # Verify the signer is a committee member
    require(
        get_member_stake(committee, signer) is not None, RejectionReason.CERTIFICATE_SIGNER_UNKNOWN
    )
    return signer


def validate_next_leader(state: ReplicaState, committee: Committee, view: int) -> None:
    """Check that this replica collects the votes and timeouts of ``view``.

    Raises:
        Rejected: ``NOT_NEXT_LEADER``, ``MESSAGE_STALE``.
    """
    # Verify this replica leads the view after the message's (it collects them)
    require(get_leader(committee, view + 1) == state.address, RejectionReason.NOT_NEXT_LEADER)
    # Verify the replica has not moved past the view it would use them in
    require(view + 1 >= state.safety.view, RejectionReason.MESSAGE_STALE)


def process_receive_vote(state: ReplicaState, committee: Committee, vote: Vote) -> ReplicaStep:
    """Collect a vote; a quorum of votes on one block becomes its certificate.

    Raises:
        Rejected: ``NOT_NEXT_LEADER``, ``MESSAGE_STALE``, the signature reasons,
            ``CERTIFICATE_SIGNER_UNKNOWN``, ``VOTE_DUPLICATE``, ``VOTE_EQUIVOCATION``.
    """
    validate_next_leader(state, committee, vote.view)
    digest = compute_vote_digest(state.chain_id, vote.view, vote.block_hash)
    voter = recover_member(committee, digest, vote.signature)
    key = (vote.view, vote.block_hash)
    # Verify the voter's vote on this block is new
    require(voter not in state.votes.get(key, {}), RejectionReason.VOTE_DUPLICATE)
    # Verify the voter voted for no other block in this view (equivocation)
    require(
        all(voter not in v for (view, _), v in state.votes.items() if view == vote.view),
        RejectionReason.VOTE_EQUIVOCATION,
    )
    collected = {**state.votes.get(key, {}), voter: vote.signature}
    state = replace(state, votes={**state.votes, key: collected})
    certificate = form_certificate(committee, vote.view, vote.block_hash, collected)
    if certificate is not None:
        state = learn_certificate(state, certificate, certificate.view)
    return ReplicaStep(state, ())


def holds_quorum(committee: Committee, signers: Mapping[Address, object]) -> bool:
    """Return whether ``signers`` are members holding a quorum of stake."""
    try:
        validate_quorum_signers(committee, list(signers))
    except Rejected:
        return False
    return True


def form_certificate(
    committee: Committee, view: int, block_hash: Hash32, votes: Mapping[Address, Signature]
) -> QuorumCertificate | None:
    """Return the certificate of a quorum of votes (signatures in signer order), or None."""
    if not holds_quorum(committee, votes):
        return None
    signatures = tuple(votes[signer] for signer in sorted(votes))
    return QuorumCertificate(Uint64(view), block_hash, signatures)


def process_receive_timeout(
    state: ReplicaState, committee: Committee, timeout: Timeout
) -> ReplicaStep:
    """Collect a timeout; a quorum of timeouts of one view becomes an aggregate.

    Raises:
        Rejected: ``NOT_NEXT_LEADER``, ``MESSAGE_STALE``, the signature reasons,
            ``CERTIFICATE_SIGNER_UNKNOWN``, ``TIMEOUT_DUPLICATE``,
            ``AGGREGATE_HIGH_QC_TOO_RECENT``, the reasons of
            ``validate_quorum_certificate`` for its certificate.
    """
    validate_next_leader(state, committee, timeout.view)
    digest = compute_timeout_digest(state.chain_id, timeout.view, timeout.high_qc.view)
    sender = recover_member(committee, digest, timeout.signature)
    # Verify the sender's timeout of this view is new
    require(sender not in state.timeouts.get(timeout.view, {}), RejectionReason.TIMEOUT_DUPLICATE)
    # Verify the certificate it carries is older than the view that ended
    require(timeout.high_qc.view < timeout.view, RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT)
    validate_quorum_certificate(committee, state.chain_id, timeout.high_qc)
    collected = {**state.timeouts.get(timeout.view, {}), sender: timeout}
    state = replace(state, timeouts={**state.timeouts, timeout.view: collected})
    state = learn_certificate(state, timeout.high_qc, timeout.high_qc.view)
    if holds_quorum(committee, collected):
        aggregate = form_aggregate(timeout.view, collected)
        state = replace(state, aggregate=aggregate)
        state = learn_certificate(state, aggregate.high_qc, aggregate.view)
    return ReplicaStep(state, ())


def form_aggregate(view: int, timeouts: Mapping[Address, Timeout]) -> AggregateCertificate:
    """Return the aggregate of a quorum's timeouts: signatures in signer order, the highest QC."""
    ordered = [timeouts[signer] for signer in sorted(timeouts)]
    highest = max(ordered, key=lambda t: t.high_qc.view).high_qc
    parts = tuple(TimeoutSignature(t.high_qc.view, t.signature) for t in ordered)
    return AggregateCertificate(Uint64(view), parts, highest)


def process_fire_timer(
    state: ReplicaState, committee: Committee, key: bytes, timer: FireTimer
) -> ReplicaStep:
    """Leave the current view: send a timeout with the highest certificate to the next leader.

    Raises:
        Rejected: ``TIMER_STALE``.
    """
    # Verify the timer is for the view the replica is in
    require(timer.view == state.safety.view, RejectionReason.TIMER_STALE)
    high_qc = state.safety.high_qc
    digest = compute_timeout_digest(state.chain_id, timer.view, high_qc.view)
    timeout = Timeout(timer.view, high_qc, sign(key, digest))
    state = replace(state, safety=compute_safety_after_timeout(state.safety))
    return ReplicaStep(state, (Outbound(get_leader(committee, timer.view + 1), timeout),))


def get_proposal_justification(state: ReplicaState) -> Justification | None:
    """Return what justifies proposing in the current view: the previous view's QC or aggregate."""
    previous = state.safety.view - 1
    if state.safety.high_qc.view == previous:
        return state.safety.high_qc
    if state.aggregate is not None and state.aggregate.view == previous:
        return state.aggregate
    return None


def process_propose(
    state: ReplicaState, committee: Committee, key: bytes, order: Propose
) -> ReplicaStep:
    """Propose a block carrying ``order.root`` to every member, as the current view's leader.

    Raises:
        Rejected: ``PROPOSER_NOT_LEADER``, ``VIEW_ALREADY_PROPOSED``, ``PROPOSAL_NOT_JUSTIFIED``.
    """
    view = state.safety.view
    # Verify this replica leads the current view
    require(get_leader(committee, view) == state.address, RejectionReason.PROPOSER_NOT_LEADER)
    # Verify the replica has not proposed in this view (a leader proposes once)
    require(view > state.proposed_view, RejectionReason.VIEW_ALREADY_PROPOSED)
    justify = get_proposal_justification(state)
    # Verify the replica holds the previous view's certificate or aggregate
    require(justify is not None, RejectionReason.PROPOSAL_NOT_JUSTIFIED)
    assert justify is not None
    parent = get_certified_qc(justify).block_hash
    block = Block(state.chain_id, view, parent, order.root, justify)
    proposal = Proposal(block, sign(key, compute_proposal_digest(block)))
    state = replace(state, proposed_view=view)
    return ReplicaStep(state, (Outbound(None, proposal),))


def process_replica_input(
    state: ReplicaState, committee: Committee, key: bytes, event: ReplicaInput
) -> ReplicaStep:
    """Handle one input of a replica holding private ``key``.

    Raises:
        Rejected: the reasons of the input's handler.
    """
    if isinstance(event, ReceiveProposal):
        step = process_receive_proposal(state, committee, key, event.proposal)
    elif isinstance(event, ReceiveVote):
        step = process_receive_vote(state, committee, event.vote)
    elif isinstance(event, ReceiveTimeout):
        step = process_receive_timeout(state, committee, event.timeout)
    elif isinstance(event, FireTimer):
        step = process_fire_timer(state, committee, key, event)
    else:
        step = process_propose(state, committee, key, event)
    return ReplicaStep(compute_pruned(step.state), step.outbound)


def compute_pruned(state: ReplicaState) -> ReplicaState:
    """Return ``state`` without the votes and timeouts of views it can no longer use."""
    view = state.safety.view
    return replace(
        state,
        votes={k: v for k, v in state.votes.items() if k[0] + 1 >= view},
        timeouts={k: t for k, t in state.timeouts.items() if k + 1 >= view},
    )
