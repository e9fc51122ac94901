"""Crash safety of the reference node: kill it anywhere, restart, lose nothing committed.

The node (``python -m reference.node.server``) is fed a long seeded workload
(``tests/crash_workload.py``) and killed with SIGKILL, mostly at a randomly
chosen failpoint (inside a transaction, just before or just after a commit,
between two writes), sometimes by a timer from outside. After each kill it is
restarted and asked for its status, which must equal the spec's state either
just before or just after the request that was in flight: every answered
request is still there, the unanswered one is there whole or not at all, and
the digests equal the spec's. Every answer the node gives must also equal the
spec's (accepted, or rejected with the same reason).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference.store import FAILPOINT_VARIABLE
from spec.encoding import encode
from spec.environments.payments.chain import compute_genesis_child_chain
from spec.environments.payments.kind import compute_child_chain_digest
from spec.primitives import Uint64
from tests.crash_workload import Request, Snapshot, build_workload, replay

MINIMUM_KILLS = 200
"""The test fails unless at least this many kills happened."""

WORKLOAD_STEPS = 400
"""Actions per generated workload (about 550 requests)."""

ROOT = Path(__file__).resolve().parent.parent
"""The repository, so that the server process imports this checkout."""


class Server:
    """A node server process fed one request at a time."""

    def __init__(self, directory: Path, kill_at: int | None) -> None:
        environment = dict(os.environ)
        environment.pop(FAILPOINT_VARIABLE, None)
        if kill_at is not None:
            environment[FAILPOINT_VARIABLE] = str(kill_at)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reference.node.server", str(directory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=environment,
        )

    def ask(self, request: Request) -> dict[str, Any] | None:
        """Send one request; return the answer, or None if the process died first."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        line = self.process.stdout.readline()
        return json.loads(line) if line else None

    def kill_later(self, seconds: float) -> None:
        """Kill the process with SIGKILL after ``seconds``, from another thread."""
        timer = threading.Timer(seconds, lambda: self.process.send_signal(signal.SIGKILL))
        timer.daemon = True
        timer.start()

    def finish(self) -> int:
        """Close the input and return how the process ended."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        return self.process.wait(timeout=60)


def matches(status: dict[str, Any], snapshot: Snapshot) -> bool:
    """Return whether a node's status shows exactly the snapshot's state."""
    if status["applied"] != snapshot.applied:
        return False
    if status["settlement_digest"] != snapshot.get_settlement_digest():
        return False
    for env, chain in enumerate(snapshot.chains):
        genesis = compute_genesis_child_chain(
            Uint64(env), chain.operator, chain.transaction_tree_depth
        )
        default = compute_child_chain_digest(genesis).hex()
        reported = status["chains"].get(str(env), {"digest": default})["digest"]
        if reported != snapshot.get_chain_digest(env):
            return False
    return len(status["chains"]) <= len(snapshot.chains)


@dataclass
class Progress:
    """How far the crash loop got through one workload."""

    answered: int = 0
    """Requests whose outcome is known to be committed (or rejected)."""
    kills: int = 0
    """Kills so far."""
    timer_kills: int = 0
    """Kills by the outside timer (the rest were at failpoints)."""


def feed(
    server: Server,
    requests: list[Request],
    answers: list[dict[str, Any]],
    progress: Progress,
) -> bool:
    """Send requests from ``progress.answered`` on; return whether the server died."""
    while progress.answered < len(requests):
        answer = server.ask(requests[progress.answered])
        if answer is None:
            return True
        expected = answers[progress.answered]
        assert answer == expected, f"request {progress.answered}: node {answer}, spec {expected}"
        progress.answered += 1
    return False


def recover(server: Server, snapshots: list[Snapshot], progress: Progress) -> bool:
    """Check a restarted node against the spec; step past a committed in-flight request.

    Returns False if the node died before answering the status request.
    """
    status = server.ask({"command": "status"})
    if status is None:
        return False
    before = snapshots[progress.answered]
    if matches(status, before):
        return True
    assert progress.answered + 1 < len(snapshots), "status differs from the final state"
    after = snapshots[progress.answered + 1]
    assert matches(status, after), (
        f"after a kill at request {progress.answered} the node is neither before nor after it:"
        f" {status}"
    )
    progress.answered += 1
    return True


def run_workload(directory: Path, seed: int, progress: Progress) -> None:
    """Feed one workload to a node, killing and restarting it until every request is done."""
    genesis, requests = build_workload(seed, WORKLOAD_STEPS)
    snapshots, answers = replay(genesis, requests)
    progress.answered = 0
    chooser = random.Random(seed)
    server = Server(directory, None)
    assert server.ask({"command": "init", "genesis": encode(genesis).hex()}) == {"ok": True}
    assert server.finish() == 0
    while True:
        by_timer = chooser.random() < 0.2
        server = Server(directory, None if by_timer else chooser.randint(1, 24))
        if by_timer:
            server.kill_later(chooser.uniform(0.05, 0.6))
        if recover(server, snapshots, progress) and not feed(server, requests, answers, progress):
            code = server.finish()
            if code == 0:
                break
        else:
            code = server.finish()
        assert code == -signal.SIGKILL, f"the node crashed by itself (exit status {code})"
        progress.kills += 1
        progress.timer_kills += by_timer
    server = Server(directory, None)
    assert recover(server, snapshots, progress)
    assert matches(server.ask({"command": "status"}) or {}, snapshots[-1])
    assert server.finish() == 0


def test_node_survives_kills_at_random_points(tmp_path: Path) -> None:
    """Given seeded workloads of settlement operations and child chain steps.

    When the node is killed at random failpoints and times and restarted each time
    Then every answered request survives, none is half-applied, digests equal the spec's,
    and at least MINIMUM_KILLS kills happened.
    """
    progress = Progress()
    seed = 0
    while progress.kills < MINIMUM_KILLS:
        run_workload(tmp_path / f"node-{seed}", seed, progress)
        seed += 1
    assert progress.kills >= MINIMUM_KILLS
    assert progress.timer_kills > 0
