"""A committee run over a hostile network: honest replicas run the spec, the network is adversarial.

Honest replicas are exactly the spec's state machine
(``spec.finality.replica_steps.process_replica_input``); an honest leader
proposes as soon as it can justify a proposal. Byzantine members have no
replica: the adversary (:mod:`adversary.finality.byzantine`) signs whatever
it likes with their keys and sees every message sent (it is omniscient).

The network holds every message addressed to an honest replica in a pool.
Before the global stabilization time (GST) the adversary delivers pool
entries in any order, drops or duplicates them, and fires any honest
replica's timer at any moment. After GST (:meth:`Simulation.sync_round`)
every pending message is delivered within one round, and timers fire as a
pacemaker would: only in the lowest view any honest replica is in (replicas
ahead wait for the others), and only after :data:`TIMER_ROUNDS` rounds in
which no honest replica changed view (a synchronizer: a replica ahead
restarts its timer when the others catch up).

The spec itself has no view synchronization (a timeout goes to the next
leader only), so with purely local timers (``local_timers=True``: each
timer runs from the round its replica entered the view) a replica one view
ahead can time out just before every proposal reaches it; the controls
(:mod:`adversary.finality.controls`) show that run stalling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from adversary.finality.observer import Observer
from fixtures.finality import make_validator_key, to_input
from spec.crypto import compute_address_of_private_key, keccak256
from spec.encoding import encode
from spec.errors import Rejected
from spec.finality.committee import Committee, Validator, get_leader
from spec.finality.messages import Timeout, Vote
from spec.finality.replica import (
    FireTimer,
    Message,
    Propose,
    ReplicaInput,
    ReplicaState,
    compute_genesis_replica,
)
from spec.finality.replica_steps import get_proposal_justification, process_replica_input
from spec.primitives import Address, Hash32, Uint64

TIMER_ROUNDS = 4
"""Rounds a replica stays in a view after GST before its timer fires (a view needs two)."""


@dataclass(frozen=True)
class Envelope:
    """A message in flight to an honest replica."""

    sender: Address
    """Who sent it."""
    recipient: Address
    """The honest replica it is addressed to."""
    message: Message
    """The signed message."""


def make_positioned_committee(stakes: tuple[int, ...]) -> tuple[Committee, dict[Address, bytes]]:
    """Return a committee whose member at position ``i`` (address order) has ``stakes[i]``.

    Position decides leadership: the member at position ``i`` leads every
    view ``v`` with ``v % n == i``.
    """
    keys = sorted(
        (make_validator_key(i) for i in range(len(stakes))),
        key=compute_address_of_private_key,
    )
    members = tuple(
        Validator(compute_address_of_private_key(k), Uint64(s))
        for k, s in zip(keys, stakes, strict=True)
    )
    return Committee(members), {v.address: k for v, k in zip(members, keys, strict=True)}


def make_root(view: int, address: Address) -> Hash32:
    """Return the child block root an honest leader proposes in ``view``."""
    return keccak256(b"root" + encode(Uint64(view)) + address)


@dataclass
class Simulation:
    """Honest replicas, byzantine keys, a message pool, and an observer of everything."""

    committee: Committee
    """The committee."""
    keys: dict[Address, bytes]
    """Every member's key (byzantine keys are used by the adversary only)."""
    byzantine: frozenset[Address]
    """The byzantine members."""
    chain_id: int = 0
    """The chain the committee certifies."""
    replicas: dict[Address, ReplicaState] = field(default_factory=dict)
    """Each honest member's replica."""
    pool: list[Envelope] = field(default_factory=list)
    """Messages in flight to honest replicas, oldest first."""
    votes_seen: dict[tuple[int, Hash32], dict[Address, Vote]] = field(default_factory=dict)
    """Every vote sent by anyone, per (view, block) and signer (the adversary sees them)."""
    timeouts_seen: dict[int, dict[Address, Timeout]] = field(default_factory=dict)
    """Every timeout sent by anyone, per view and signer."""
    rejections: Counter[str] = field(default_factory=Counter)
    """How often honest replicas refused an input, by reason."""
    tick: int = 0
    """Rounds run so far."""
    gst: int | None = None
    """The round GST happened at, or None before it."""
    entered: dict[Address, int] = field(default_factory=dict)
    """The round each honest replica entered its current view."""
    last_change: int = 0
    """The last round any honest replica changed view."""
    local_timers: bool = False
    """Whether timers run from their own replica's view change only (no synchronizer)."""
    observer: Observer = field(init=False)
    """Sees every message and honest state."""

    def __post_init__(self) -> None:
        """Start every honest replica from genesis; an honest first leader proposes at once."""
        self.observer = Observer(self.committee, self.chain_id)
        for address in self.members:
            if address not in self.byzantine:
                self.replicas[address] = compute_genesis_replica(self.chain_id, address)
                self.entered[address] = 0
        for address in self.honest:
            self.propose_if_ready(address)

    @property
    def members(self) -> list[Address]:
        """Return the members in position order."""
        return [v.address for v in self.committee.validators]

    @property
    def honest(self) -> list[Address]:
        """Return the honest members in position order."""
        return [a for a in self.members if a not in self.byzantine]

    def leader(self, view: int) -> Address:
        """Return the leader of ``view``."""
        return get_leader(self.committee, view)

    def views(self) -> list[int]:
        """Return each honest replica's current view."""
        return [int(r.safety.view) for r in self.replicas.values()]

    def send(self, sender: Address, recipient: Address | None, message: Message) -> None:
        """Send ``message`` to one member or (None) to every member; the observer sees it."""
        self.observer.see_message(sender, message, sender not in self.byzantine)
        if isinstance(message, Vote):
            key = (int(message.view), message.block_hash)
            self.votes_seen.setdefault(key, {})[sender] = message
        elif isinstance(message, Timeout):
            self.timeouts_seen.setdefault(int(message.view), {})[sender] = message
        recipients = self.members if recipient is None else [recipient]
        self.pool.extend(Envelope(sender, r, message) for r in recipients if r in self.replicas)

    def apply(self, address: Address, event: ReplicaInput) -> bool:
        """Run one input on an honest replica; return whether it was accepted."""
        before = self.replicas[address]
        try:
            step = process_replica_input(before, self.committee, self.keys[address], event)
        except Rejected as refusal:
            self.rejections[refusal.reason.name] += 1
            return False
        self.replicas[address] = step.state
        if step.state.safety.view != before.safety.view:
            self.entered[address] = self.last_change = self.tick
        self.observer.see_state(step.state)
        for out in step.outbound:
            self.send(address, out.recipient, out.message)
        self.propose_if_ready(address)
        return True

    def propose_if_ready(self, address: Address) -> None:
        """Have an honest replica propose if it leads its view and can justify a block."""
        state = self.replicas[address]
        view = int(state.safety.view)
        if (
            self.leader(view) == address
            and state.proposed_view < view
            and get_proposal_justification(state) is not None
        ):
            self.apply(address, Propose(make_root(view, address)))

    def deliver(self, index: int) -> None:
        """Deliver the pool entry at ``index`` (modulo the pool's size)."""
        if self.pool:
            envelope = self.pool.pop(index % len(self.pool))
            self.apply(envelope.recipient, to_input(envelope.message))

    def drop(self, index: int) -> None:
        """Lose the pool entry at ``index`` (only before GST)."""
        assert self.gst is None, "after GST the network loses nothing"
        if self.pool:
            self.pool.pop(index % len(self.pool))

    def duplicate(self, index: int) -> None:
        """Deliver a copy of the pool entry at ``index`` and keep the original."""
        if self.pool:
            envelope = self.pool[index % len(self.pool)]
            self.apply(envelope.recipient, to_input(envelope.message))

    def deliver_where(self, keep: Callable[[Envelope], bool]) -> None:
        """Deliver every pending message ``keep`` selects; the messages they cause wait.

        (Delivering what they cause too could run forever: a side holding a
        quorum certifies block after block.)
        """
        chosen = [e for e in self.pool if keep(e)]
        self.pool = [e for e in self.pool if not keep(e)]
        for envelope in chosen:
            self.apply(envelope.recipient, to_input(envelope.message))

    def fire_timer(self, address: Address) -> None:
        """Fire an honest replica's timer for the view it is in."""
        self.apply(address, FireTimer(self.replicas[address].safety.view))

    def declare_gst(self) -> None:
        """From now on the network is synchronous."""
        if self.gst is None:
            self.gst = self.last_change = self.tick
            for address in self.replicas:
                self.entered[address] = self.tick

    def sync_round(self) -> None:
        """One synchronous round: deliver every pending message, then fire due timers."""
        pending, self.pool = self.pool, []
        for envelope in pending:
            self.apply(envelope.recipient, to_input(envelope.message))
        self.tick += 1
        lowest = min(self.views())
        due = [
            address
            for address, state in self.replicas.items()
            if state.safety.view == lowest
            and self.tick - (self.entered[address] if self.local_timers else self.last_change)
            >= TIMER_ROUNDS
        ]
        for address in due:
            self.fire_timer(address)

    def violations(self) -> list[str]:
        """Return every violation of the trace predicates so far."""
        return self.observer.violations()


def make_simulation(stakes: tuple[int, ...], byzantine_positions: tuple[int, ...]) -> Simulation:
    """Return a run with ``stakes`` by position; those at ``byzantine_positions`` are byzantine."""
    committee, keys = make_positioned_committee(stakes)
    byzantine = frozenset(committee.validators[p].address for p in byzantine_positions)
    return Simulation(committee, keys, byzantine)
