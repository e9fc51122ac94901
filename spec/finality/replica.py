"""A replica's state, what it is told, what it sends, and what it has committed.

A replica is a pure state machine (``spec.finality.replica_steps``): each
:data:`ReplicaInput` (a message from the network, its timer firing, or the
order to propose a root) gives a new :class:`ReplicaState` and the messages
to send, or is refused with a reason and changes nothing. This is the unit
the consensus conformance area drives: replica state, input in, messages
out, state digest.

Messages go where Fast HotStuff sends them: proposals to every member, votes
on a block of view ``v`` and timeouts of view ``v`` to the leader of
``v + 1``, who turns a quorum of either into the justification of its own
proposal.

A replica remembers every block it accepted, by hash, and the highest block
it knows to be committed (``committed_head``); its committed chain is that
block's known ancestors (:func:`get_committed_chain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from spec.encoding import declare_union_tags
from spec.finality.commit import is_two_chain
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Proposal,
    QuorumCertificate,
    Timeout,
    Vote,
    compute_genesis_hash,
)
from spec.finality.voting import SafetyState, compute_genesis_safety
from spec.primitives import Address, Hash32, Signature, Uint64


@dataclass(frozen=True)
class ReplicaState:
    """Everything one replica keeps."""

    chain_id: Uint64
    """The environment whose blocks the committee certifies."""
    address: Address
    """This replica's member address."""
    safety: SafetyState
    """Current view, last voted view, highest certificate (persisted before sending)."""
    proposed_view: Uint64
    """The last view this replica proposed in as leader (0 before its first proposal)."""
    blocks: Mapping[Hash32, Block]
    """Every block the replica accepted a proposal of, by hash."""
    committed_head: Hash32
    """The highest block known committed (the genesis hash at first)."""
    votes: Mapping[tuple[Uint64, Hash32], Mapping[Address, Signature]]
    """As the next leader: votes received per (view, block), by signer."""
    timeouts: Mapping[Uint64, Mapping[Address, Timeout]]
    """As the next leader: timeouts received per view, by signer."""
    aggregate: AggregateCertificate | None
    """The latest aggregate this replica formed (it justifies a view-change proposal)."""


@dataclass(frozen=True)
class ReceiveProposal:
    """A proposal arrived from the network."""

    proposal: Proposal
    """The leader's signed block."""


@dataclass(frozen=True)
class ReceiveVote:
    """A vote arrived from the network."""

    vote: Vote
    """The signed vote."""


@dataclass(frozen=True)
class ReceiveTimeout:
    """A timeout arrived from the network."""

    timeout: Timeout
    """The signed timeout."""


@dataclass(frozen=True)
class FireTimer:
    """The replica's timer for a view ran out before the view made progress."""

    view: Uint64
    """The view the timer was set for."""


@dataclass(frozen=True)
class Propose:
    """Propose a child block root, as the leader of the current view."""

    root: Hash32
    """The child block's Merkle root."""


ReplicaInput = ReceiveProposal | ReceiveVote | ReceiveTimeout | FireTimer | Propose
"""Everything that can happen to a replica."""

declare_union_tags(
    ReplicaInput,
    {ReceiveProposal: 0, ReceiveVote: 1, ReceiveTimeout: 2, FireTimer: 3, Propose: 4},
)

Message = Proposal | Vote | Timeout
"""What replicas send each other."""

declare_union_tags(Message, {Proposal: 0, Vote: 1, Timeout: 2})


@dataclass(frozen=True)
class Outbound:
    """One message to send."""

    recipient: Address | None
    """The member to send it to, or None for every member (this replica included)."""
    message: Message
    """The signed message."""


@dataclass(frozen=True)
class ReplicaStep:
    """What handling one input gives: the new state and the messages to send, in order."""

    state: ReplicaState
    """The replica's state afterwards (persist it before sending)."""
    outbound: tuple[Outbound, ...]
    """The messages to send."""


def compute_genesis_replica(chain_id: int, address: Address) -> ReplicaState:
    """Return a replica that has seen nothing: view 1, the genesis certificate."""
    return ReplicaState(
        chain_id=Uint64(chain_id),
        address=address,
        safety=compute_genesis_safety(chain_id),
        proposed_view=Uint64(0),
        blocks={},
        committed_head=compute_genesis_hash(chain_id),
        votes={},
        timeouts={},
        aggregate=None,
    )


def get_committed_chain(state: ReplicaState) -> tuple[Hash32, ...]:
    """Return the committed blocks the replica knows, oldest first, ending at its committed head.

    The walk stops at the genesis block or at the first ancestor the replica
    never received.
    """
    chain: list[Hash32] = []
    cursor = state.committed_head
    while cursor in state.blocks:
        chain.append(cursor)
        cursor = state.blocks[cursor].parent
    return tuple(reversed(chain))


def compute_commit_head(state: ReplicaState, certificate: QuorumCertificate) -> Hash32:
    """Return the committed head after learning ``certificate`` (the two-chain rule).

    When the certified block and its parent are known and the parent is of the
    view just before, the parent is committed; it becomes the head if it is of
    a later view than the current head.
    """
    child = state.blocks.get(certificate.block_hash)
    if child is None or child.view != certificate.view or child.parent not in state.blocks:
        return state.committed_head
    parent = state.blocks[child.parent]
    if not is_two_chain(parent, child):
        return state.committed_head
    head = state.blocks.get(state.committed_head)
    if head is not None and head.view >= parent.view:
        return state.committed_head
    return child.parent
