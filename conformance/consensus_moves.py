"""Random histories of one consensus replica for the differential traces.

A trace follows one replica of the four-member test committee
(``fixtures.finality_messages``) while a *world* of the other members builds
a chain around it: each world block is certified by a quorum, so the world
can always show the next block's justification. Hypothesis draws a list of
**moves**, each a kind and two small numbers:

- ``next`` delivers the world's next block (view + 1, the last block's QC),
  proposed by its leader; ``change`` skips a view: the next block is
  justified by an aggregate of timeouts of the skipped view, whose highest
  QC is the last block's;
- ``fork`` delivers another block of the last world view, signed by its
  leader (equivocation), or by a member who does not lead it;
- ``vote`` delivers a member's (or an outsider's) vote on the last world
  block, or on a block of no chain;
- ``timeout`` delivers a member's timeout of a view near the replica's,
  carrying the world's highest QC or one too recent;
- ``timer`` fires the replica's timer, for its view or a neighbouring one;
- ``propose`` orders the replica to propose a root.

Many moves are refused (a vote reaching a member that does not lead the next
view, a stale timer); each refusal is a step whose reason both sides must
agree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from conformance.areas import CONSENSUS
from conformance.cases import TraceBuilder
from conformance.trace import Trace
from fixtures.finality_messages import (
    COMMITTEE,
    GENESIS_QC,
    KEYS,
    OUTSIDER_KEY,
    aggregate,
    certify,
    extend,
    propose,
    root,
    timeout,
    vote,
)
from spec.finality.messages import Block, Justification, QuorumCertificate, compute_block_hash
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

ConsensusMove = tuple[str, int, int]
"""(kind of move, a member or variant, a number)."""

CONSENSUS_MOVES = st.tuples(
    st.sampled_from(
        ("next",) * 4 + ("change", "fork", "vote", "vote", "timeout", "timeout", "timer", "propose")
    ),
    st.integers(0, 4),
    st.integers(0, 30),
)
"""One move of a consensus trace."""


@dataclass
class World:
    """The chain the other members build around the replica under test."""

    blocks: list[Block] = field(default_factory=list)
    """The world's blocks, oldest first; each is certified by a quorum."""

    def high_qc(self) -> QuorumCertificate:
        """Return the certificate of the world's last block (genesis at first)."""
        return certify(self.blocks[-1]) if self.blocks else GENESIS_QC

    def last_view(self) -> int:
        """Return the view of the world's last block (0 at first)."""
        return int(self.blocks[-1].view) if self.blocks else 0

    def grow(self, justify: Justification, label: str) -> Block:
        """Append and return the block justified by ``justify``."""
        block = extend(justify, label)
        self.blocks.append(block)
        return block


def get_key(choice: int) -> bytes:
    """Return member ``choice``'s key, or an outsider's for choice 4."""
    return KEYS[choice] if choice < len(KEYS) else OUTSIDER_KEY


class ConsensusTraceBuilder:
    """Turns moves into steps of one replica, keeping the world beside it."""

    def __init__(self, preset: Preset, member: int) -> None:
        """Start member ``member``'s replica at genesis, and an empty world."""
        address = COMMITTEE.validators[member].address
        node = ReplicaNode(COMMITTEE, Hash32(KEYS[member]), compute_genesis_replica(0, address), ())
        self.builder = TraceBuilder(CONSENSUS, preset, node)
        """The trace so far."""
        self.world = World()
        """The chain around the replica."""

    def replica_view(self) -> int:
        """Return the view the replica is in."""
        node: ReplicaNode = self.builder.state
        return int(node.replica.safety.view)

    def apply(self, move: ConsensusMove) -> None:
        """Add the step ``move`` stands for."""
        kind, choice, number = move
        world = self.world
        if kind == "next":
            block = world.grow(world.high_qc(), f"next-{number}")
            self.builder.apply(ReceiveProposal(propose(block)))
        elif kind == "change":
            skipped = world.last_view() + 1
            parts = [world.high_qc(), world.high_qc(), GENESIS_QC]
            block = world.grow(aggregate(skipped, parts, KEYS[1:]), f"change-{number}")
            self.builder.apply(ReceiveProposal(propose(block)))
        elif kind == "fork":
            view = max(world.last_view(), 1)
            fork = extend(GENESIS_QC, f"fork-{number}", view=view)
            signer = None if choice % 2 == 0 else KEYS[choice % len(KEYS)]
            self.builder.apply(ReceiveProposal(propose(fork, key=signer)))
        elif kind == "vote":
            voted = world.blocks[-1] if world.blocks and number % 3 else None
            block_hash = compute_block_hash(voted) if voted else root(f"nowhere-{number}")
            view = int(voted.view) if voted else max(world.last_view(), 1)
            self.builder.apply(ReceiveVote(vote(get_key(choice), view, block_hash)))
        elif kind == "timeout":
            view = max(self.replica_view() - 1 + number % 3, 1)
            high = world.high_qc() if world.last_view() < view else GENESIS_QC
            if number % 7 == 0 and world.blocks:
                high = certify(world.blocks[-1])
            self.builder.apply(ReceiveTimeout(timeout(get_key(choice), view, high)))
        elif kind == "timer":
            self.builder.apply(FireTimer(Uint64(max(self.replica_view() - 1 + number % 3, 0))))
        else:
            self.builder.apply(Propose(root(f"order-{number}")))


def build_consensus_trace(preset: Preset, moves: list[ConsensusMove]) -> Trace:
    """Return the trace the moves stand for; the first move's choice picks the replica."""
    member = moves[0][1] % len(KEYS) if moves else 0
    chain = ConsensusTraceBuilder(preset, member)
    for move in moves:
        chain.apply(move)
    builder = chain.builder
    return Trace(
        "differential-consensus-failure",
        f"Shrunk differential consensus trace: moves {moves}",
        "conformance.consensus_moves",
        builder.area,
        preset.name,
        builder.initial_state,
        tuple(builder.steps),
    )
