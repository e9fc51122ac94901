"""One replica as an asyncio program: its links, its pacemaker, its proposals, its persistence.

:class:`ReplicaNode` runs the spec's pure replica machine
(``spec.finality.replica_steps.process_replica_input``) on every input, one
at a time, in this order:

1. an input arrives: a message read off a peer's connection (or delivered
   locally, for the messages a replica sends itself), the view timer
   running out (:class:`~spec.finality.replica.FireTimer`), or, as leader,
   the order to propose (:class:`~spec.finality.replica.Propose`);
2. the spec's step gives the new state and the messages to send, or refuses
   the input with a reason (a refused message is journaled with it, and
   nothing else changes);
3. the :class:`~reference.finality.byzantine.Behaviour` decides what is
   really sent (honest: the step's messages);
4. the new state, the message received and the messages about to be sent
   are persisted in one transaction (:meth:`ReplicaStore.persist
   <reference.finality.replica_store.ReplicaStore.persist>`);
5. only then are the messages sent: each frame written to the recipient's
   connection (a message for a peer that is down is lost; the protocol's
   timeouts recover).

Pacemaker: the view timer starts at the base (:attr:`ReplicaConfig.timer
<reference.finality.config.ReplicaConfig.timer>`) when the replica enters a
view, doubles with each consecutive view that ended by timer (up to
``2**MAX_DOUBLINGS`` times the base), and goes back to the base when the
replica learns a higher certificate. A leader proposes as soon as it holds
the justification of its view (``get_proposal_justification``), a root
derived from the chain, the seed, the view and a nonce of the process
(:func:`make_root`).

Failpoints (``reference.finality.config.replica_failpoint``): after a
message is received and before it is handled, after a step is persisted and
before its first message is sent, and in the middle of a proposal's
broadcast (after the first peer got it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from reference.finality.byzantine import Behaviour, ByzantineBehaviour, HonestBehaviour
from reference.finality.config import HOST, ReplicaConfig, replica_failpoint
from reference.finality.framing import FrameError, encode_frame, read_frame
from reference.finality.replica_store import ReplicaStore
from spec.crypto import keccak256
from spec.encoding import encode
from spec.errors import Rejected
from spec.finality.committee import get_leader
from spec.finality.messages import Proposal, Timeout
from spec.finality.replica import (
    FireTimer,
    Message,
    Outbound,
    Propose,
    ReceiveProposal,
    ReceiveTimeout,
    ReceiveVote,
    ReplicaInput,
    compute_genesis_replica,
)
from spec.finality.replica_steps import get_proposal_justification, process_replica_input
from spec.primitives import Hash32, Uint64

ROOT_TAG = b"plasma-spec/finality-devnet/root"
"""Prefix of the roots replicas propose."""

MAX_DOUBLINGS = 4
"""The view timer grows to at most ``2**MAX_DOUBLINGS`` times its base."""

RECONNECT_DELAY = 0.05
"""Seconds between attempts to reach a peer that is down."""

SEND_TIMEOUT = 2.0
"""Seconds a frame may take to leave before the connection is given up."""

STARTUP_GRACE = 5.0
"""Seconds a starting replica waits for its peers before its timer starts anyway."""


def make_root(chain_id: int, seed: int, view: int, nonce: bytes) -> Hash32:
    """Return the child block root a leader proposes in ``view`` (a stand-in payload).

    ``nonce`` is drawn anew each time the process starts: a leader that
    forgot, across a restart, that it had proposed in a view would propose
    another block there, which the other replicas would refuse and a crash
    test would see.
    """
    fields = encode(Uint64(chain_id)) + encode(Uint64(seed)) + encode(Uint64(view))
    return keccak256(ROOT_TAG + fields + nonce)


def to_input(message: Message) -> ReplicaInput:
    """Return the replica input that delivers ``message``."""
    if isinstance(message, Proposal):
        return ReceiveProposal(message)
    if isinstance(message, Timeout):
        return ReceiveTimeout(message)
    return ReceiveVote(message)


class PeerLink:
    """The connection this replica opens to one peer, kept up while the peer is."""

    def __init__(self, port: int) -> None:
        """Link to the peer listening on ``port``."""
        self.port = port
        """The peer's port on loopback."""
        self._writer: asyncio.StreamWriter | None = None
        """The open connection, or None while the peer is unreachable."""
        self._task: asyncio.Task[None] | None = None
        """The task keeping the connection up."""

    def start(self) -> None:
        """Start keeping the connection up."""
        self._task = asyncio.create_task(self.maintain())

    @property
    def connected(self) -> bool:
        """Whether the connection to the peer is up."""
        return self._writer is not None

    def stop(self) -> None:
        """Stop keeping the connection up, and close it."""
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()

    async def maintain(self) -> None:
        """Connect, wait for the peer to close the connection, and connect again, forever."""
        while True:
            try:
                reader, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                await asyncio.sleep(RECONNECT_DELAY)
                continue
            self._writer = writer
            with contextlib.suppress(OSError):
                await reader.read()  # the peer never writes: this returns when it is gone
            self._writer = None
            writer.close()

    async def send(self, frame: bytes) -> bool:
        """Write one frame; return whether it left (False when the peer is unreachable)."""
        writer = self._writer
        if writer is None or writer.is_closing():
            return False
        try:
            writer.write(frame)
            await asyncio.wait_for(writer.drain(), SEND_TIMEOUT)
        except (OSError, TimeoutError):
            self._writer = None
            writer.close()
            return False
        return True


class ReplicaNode:
    """A replica: its state (restored from its store), its links, its timer."""

    def __init__(self, config: ReplicaConfig, store: ReplicaStore) -> None:
        """Run as ``config`` says, keeping state in ``store`` (restored from it when present)."""
        self.config = config
        """What the replica was told."""
        self.committee = config.get_committee()
        """The committee."""
        self.address = config.address
        """This replica's member address."""
        self.store = store
        """The replica's file."""
        self.behaviour: Behaviour = (
            ByzantineBehaviour(self.committee, config.chain_id, config.private_key, self.address)
            if config.byzantine
            else HonestBehaviour()
        )
        """What the replica really sends."""
        restored = store.load()
        if restored is None:
            restored = compute_genesis_replica(config.chain_id, self.address)
            store.persist(None, restored)
        self.state = restored
        """The replica's current state (always the one persisted last)."""
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        """Messages received and not handled yet."""
        self._links = {
            v.address: PeerLink(config.get_port_of(v.address))
            for v in self.committee.validators
            if v.address != self.address
        }
        """The connection to each peer."""
        self.nonce = os.urandom(8)
        """Drawn at start, mixed into every root this process proposes (see :func:`make_root`)."""
        self.stopping = False
        """Set to end the main loop after the input being handled (see :meth:`stop`)."""
        self._incoming: set[asyncio.StreamWriter] = set()
        """The connections peers opened to this replica."""
        self.failures = 0
        """Consecutive views that ended by timer (the timer doubles with each)."""
        self.timer_view = int(restored.safety.view)
        """The view the timer runs for."""
        self.deadline = 0.0
        """When the timer runs out (event loop time)."""

    async def run(self) -> None:
        """Serve forever: listen, link to the peers, and handle inputs one at a time."""
        server = await asyncio.start_server(
            self._serve, HOST, self.config.ports[self.config.index], reuse_address=True
        )
        try:
            for link in self._links.values():
                link.start()
            await self.wait_for_peers()
            self.reset_timer()
            await self.propose_if_leader()
            loop = asyncio.get_running_loop()
            while not self.stopping:
                try:
                    timeout = max(0.0, self.deadline - loop.time())
                    message = await asyncio.wait_for(self._inbox.get(), timeout)
                except TimeoutError:
                    await self.handle(FireTimer(self.state.safety.view), None)
                else:
                    await self.handle(to_input(message), message)
                await self.propose_if_leader()
        finally:
            self._shut_down(server)

    def stop(self) -> None:
        """Ask the main loop to end after the input it is handling.

        Cancelling the task running :meth:`run` is not enough on its own: a
        cancellation that arrives as an input does can be lost by
        ``asyncio.wait_for`` (Python 3.11), so the loop also checks this flag.
        """
        self.stopping = True

    def _shut_down(self, server: asyncio.Server) -> None:
        """Stop listening and close every connection, without waiting for peers."""
        server.close()
        for link in self._links.values():
            link.stop()
        for writer in self._incoming:
            writer.close()

    async def wait_for_peers(self) -> None:
        """Wait until every peer is reachable, or :data:`STARTUP_GRACE` seconds."""
        loop = asyncio.get_running_loop()
        until = loop.time() + STARTUP_GRACE
        while loop.time() < until and not all(link.connected for link in self._links.values()):
            await asyncio.sleep(RECONNECT_DELAY)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read frames from one peer's connection into the inbox until it ends."""
        self._incoming.add(writer)
        try:
            while (message := await read_frame(reader)) is not None:
                self._inbox.put_nowait(message)
        except (FrameError, OSError, asyncio.CancelledError):
            pass  # a bad frame or a dead peer ends this connection; cancelling ends the replica
        finally:
            self._incoming.discard(writer)
            writer.close()

    async def handle(self, event: ReplicaInput, message: Message | None) -> None:
        """Apply one input: step, persist, then send (``message``: the one received, if any)."""
        if message is not None:
            replica_failpoint()  # received, not handled nor persisted yet
        previous = self.state
        try:
            step = process_replica_input(previous, self.committee, self.config.private_key, event)
        except Rejected as rejected:
            if message is not None:
                self.store.record_refusal(message, rejected.reason)
            return
        outbound = self.behaviour.rewrite(step)
        self.store.persist(previous, step.state, message, outbound)
        replica_failpoint()  # persisted, nothing of the step sent yet
        self.state = step.state
        self.update_timer(previous.safety.high_qc.view, isinstance(event, FireTimer))
        await self.send(outbound)

    def update_timer(self, previous_qc_view: int, timed_out: bool) -> None:
        """Count a failed view or a certificate's progress; restart the timer in a new view."""
        if self.state.safety.high_qc.view > previous_qc_view:
            self.failures = 0
        if timed_out:
            self.failures += 1
        if self.state.safety.view != self.timer_view:
            self.timer_view = int(self.state.safety.view)
            self.reset_timer()

    def reset_timer(self) -> None:
        """Start the view timer: the base, doubled once per consecutive failed view."""
        duration = self.config.timer * 2 ** min(self.failures, MAX_DOUBLINGS)
        self.deadline = asyncio.get_running_loop().time() + duration

    async def send(self, outbound: tuple[Outbound, ...]) -> None:
        """Send each message to its recipient, or to every member (itself through the inbox)."""
        members = [v.address for v in self.committee.validators]
        for out in outbound:
            frame = encode_frame(out.message)
            first_sent = False
            for recipient in members if out.recipient is None else [out.recipient]:
                if recipient == self.address:
                    self._inbox.put_nowait(out.message)
                    continue
                sent = await self._links[recipient].send(frame)
                if sent and not first_sent and isinstance(out.message, Proposal):
                    first_sent = True
                    replica_failpoint()  # in the middle of a proposal's broadcast

    async def propose_if_leader(self) -> None:
        """Propose in the current view if this replica leads it, can justify it, and has not."""
        state = self.state
        view = int(state.safety.view)
        if get_leader(self.committee, view) != self.address or state.proposed_view >= view:
            return
        if get_proposal_justification(state) is None:
            return
        root = make_root(self.config.chain_id, self.config.seed, view, self.nonce)
        await self.handle(Propose(root), None)
