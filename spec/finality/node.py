"""A replica with its committee and key: the unit the consensus conformance area drives.

A :class:`ReplicaNode` is everything a replica's step depends on: its
committee, its private key (signatures are deterministic, RFC 6979, so a
step's messages are a function of its input), its state, and the messages
its last step sent. :func:`apply_replica_input` runs one
:data:`~spec.finality.replica.ReplicaInput` and records what it sent in
``outbox``, so the state digest (:func:`compute_replica_node_digest`) covers
both the state and the messages out: two implementations agree on a digest
exactly when they agree on both. Conformance vectors use the fixture
validators' public test keys (``fixtures.finality``); a real node never
shares its key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.digest import compute_digest
from spec.finality.committee import Committee
from spec.finality.replica import Outbound, ReplicaInput, ReplicaState
from spec.finality.replica_steps import process_replica_input
from spec.primitives import Hash32

CONSENSUS_DIGEST_DOMAIN = b"plasma-spec/consensus-replica/v1"
"""Domain tag of a replica node's state digest."""


@dataclass(frozen=True)
class ReplicaNode:
    """One replica as the consensus area sees it."""

    committee: Committee
    """The committee the replica belongs to."""
    private_key: Hash32
    """The replica's signing key (a public test key in conformance vectors)."""
    replica: ReplicaState
    """The replica's state."""
    outbox: tuple[Outbound, ...]
    """The messages the last accepted input made the replica send, in order."""


def apply_replica_input(node: ReplicaNode, event: ReplicaInput) -> ReplicaNode:
    """Return the node after one input: the replica's new state and the messages it sent.

    Raises:
        Rejected: the reasons of ``process_replica_input``.
    """
    step = process_replica_input(node.replica, node.committee, bytes(node.private_key), event)
    return replace(node, replica=step.state, outbox=step.outbound)


def compute_replica_node_digest(node: ReplicaNode) -> Hash32:
    """Return the digest of a replica node: its state and its last step's messages."""
    return compute_digest(CONSENSUS_DIGEST_DOMAIN, node)
