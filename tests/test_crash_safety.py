"""Crash safety of the reference node: kill it anywhere, restart, lose nothing committed.

The node server (``reference.node.server``) is fed seeded workloads
(``tests/crash_workload.py``) and killed with SIGKILL, mostly at a failpoint
(inside a transaction, just before or just after a commit, between two
writes), sometimes by a timer from outside. After each kill it is restarted
and asked for its status, which must equal the spec's state either just before
or just after the request that was in flight: every answered request is still
there, the unanswered one is there whole or not at all, and the digests equal
the spec's. Every answer the node gives must also equal the spec's (accepted,
or rejected with the same reason).

Every failpoint is reached. The failpoints are found by reading ``reference/``
(:func:`find_failpoints`: each call of ``failpoint()``, named ``MODULE:LINE``
as ``reference.store`` names it), and the test fails unless the node was
killed at each of them at least once. To get there quickly, each process is
told to die at a random failpoint number or at the first failpoint not hit
yet, whichever it reaches first; the workloads reach every write path:
genesis loads (with and without environments), ledger creation, deposits,
blocks, exit starts, challenges, processing with payouts, and exits applied
to the child chains, for payments and for Plasma Cash (mints, transfers, coin
exits, spent-coin and history challenges and answers, finalizations, and the
coins they retire, through the node's ``step`` command), and a committee
environment's registration and certified blocks (``tests/crash_finality.py``).
Killed processes are forked from a fork server that has imported the node already
(``tests/crash_processes.py``); those killed by the timer, and the final check,
are started as ``python -m reference.node.server``.
"""

from __future__ import annotations

import ast
import random
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reference.store import get_failpoint_name
from spec.encoding import encode
from spec.settlement.state import SettlementState
from tests.crash_processes import ROOT, KillPlan, ServerProcess
from tests.crash_workload import Request, Snapshot, build_workload, replay

MINIMUM_KILLS = 300
"""The test fails unless at least this many kills happened."""

MINIMUM_TIMER_KILLS = 10
"""Of which at least this many by the outside timer."""

TIMER_SHARE = 0.05
"""Share of the server processes killed by the timer rather than at a failpoint."""

TIMER_SPAN = 0.03
"""Longest wait, in seconds, from a timer process's recovery check to its kill (a few requests)."""

WORKLOAD_STEPS = 300
"""Actions per generated workload (about 420 requests, 150 to 200 kills)."""

MINIMUM_WORKLOADS = 2
"""Workloads run at least: one registering its environments, one with them at genesis."""

MAXIMUM_WORKLOADS = 12
"""The test fails if this many workloads did not reach every failpoint and enough kills."""


def find_failpoints() -> dict[str, str]:
    """Return every failpoint called in ``reference/``, by name, with the function calling it."""
    failpoints = {}
    for path in sorted((ROOT / "reference").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        callers: dict[int, str] = {}
        for function in ast.walk(tree):  # outer functions first: inner ones overwrite
            if isinstance(function, ast.FunctionDef):
                for node in ast.walk(function):
                    callers[getattr(node, "lineno", 0)] = function.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and is_failpoint_call(node.func):
                name = get_failpoint_name(module, node.lineno)
                failpoints[name] = f"{name} in {callers.get(node.lineno, 'the module')}"
    return failpoints


def is_failpoint_call(function: ast.expr) -> bool:
    """Return whether a call's function is ``failpoint`` (by name or as an attribute)."""
    if isinstance(function, ast.Name):
        return function.id == "failpoint"
    return isinstance(function, ast.Attribute) and function.attr == "failpoint"


def matches(status: dict[str, Any], snapshot: Snapshot) -> bool:
    """Return whether a node's status shows exactly the snapshot's state."""
    if status.get("applied") != snapshot.applied:
        return False
    if status["settlement_digest"] != snapshot.get_settlement_digest():
        return False
    for env in range(len(snapshot.chains)):
        reported = status["chains"].get(str(env))
        digest = snapshot.get_genesis_chain_digest(env) if reported is None else reported["digest"]
        if digest != snapshot.get_chain_digest(env):
            return False
    return len(status["chains"]) <= len(snapshot.chains)


@dataclass
class Progress:
    """How far the crash loop got, over every workload."""

    failpoints: dict[str, str]
    """Every failpoint defined in the code, by name."""
    log: Path
    """The file where killed processes write the failpoint they died at."""
    hits: Counter[str] = field(default_factory=Counter)
    """Kills at each failpoint, by name."""
    kills: int = 0
    """Kills so far."""
    timer_kills: int = 0
    """Kills by the outside timer (the rest were at failpoints)."""
    requests: int = 0
    """Request lines sent to a node (status requests and repeats included)."""
    workloads: int = 0
    """Workloads run to their end."""
    logged: int = 0
    """Lines of the log read so far."""

    def get_missing(self) -> list[str]:
        """Return the failpoints not hit yet, described."""
        return [self.failpoints[name] for name in sorted(set(self.failpoints) - set(self.hits))]

    def is_enough(self) -> bool:
        """Return whether the test may stop."""
        return (
            self.kills >= MINIMUM_KILLS
            and self.timer_kills >= MINIMUM_TIMER_KILLS
            and self.workloads >= MINIMUM_WORKLOADS
            and not self.get_missing()
        )

    def record_kill(self, by_timer: bool) -> None:
        """Count a kill; one at a failpoint must have logged exactly one failpoint name."""
        self.kills += 1
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        new, self.logged = lines[self.logged :], len(lines)
        if by_timer:
            self.timer_kills += 1
            assert not new, f"a timer-killed process logged failpoints {new}"
            return
        assert len(new) == 1, f"a process killed at a failpoint logged {new}"
        assert new[0] in self.failpoints, f"{new[0]} is not a failpoint found in reference/"
        self.hits[new[0]] += 1


@dataclass
class Workload:
    """One workload's requests, the spec's expectations and how far the node got."""

    genesis: SettlementState
    """The genesis sent with ``init``."""
    requests: list[Request]
    """The requests, in order."""
    snapshots: list[Snapshot]
    """The spec's state before each request and after the last."""
    answers: list[dict[str, Any]]
    """The spec's answer to each request."""
    initialized: bool = False
    """Whether the node is known to hold the genesis."""
    answered: int = 0
    """Requests whose outcome is known to be committed (or rejected)."""


class Session:
    """One server process's life within a workload."""

    def __init__(
        self,
        server: ServerProcess,
        workload: Workload,
        progress: Progress,
        timer: float | None = None,
    ) -> None:
        """Talk to ``server`` about ``workload``; kill it ``timer`` seconds after it recovered."""
        self.server = server
        """The process."""
        self.timer = timer
        """Seconds from the recovery check to the kill, or None for no timer."""
        self.workload = workload
        """The workload being fed."""
        self.progress = progress
        """Counters."""

    def ask(self, request: Request) -> dict[str, Any] | None:
        """Send one request; return the answer, or None if the process died first."""
        self.progress.requests += 1
        return self.server.ask(request)

    def run(self) -> bool:
        """Initialize, recover and feed; return whether every request was answered."""
        if not (self.initialize() and self.recover()):
            return False
        if self.timer is not None:
            # Armed only now, so that the kill falls among requests, not in the start-up
            self.server.kill_later(self.timer)
        return self.feed()

    def initialize(self) -> bool:
        """Create the node from the genesis unless it exists; False if the process died."""
        workload = self.workload
        if workload.initialized:
            return True
        status = self.ask({"command": "status"})
        if status is None:
            return False
        if status.get("error") == "no_node":
            answer = self.ask({"command": "init", "genesis": encode(workload.genesis).hex()})
            if answer is None:
                return False
            assert answer == {"ok": True}, f"init answered {answer}"
        else:
            assert matches(status, workload.snapshots[0]), f"after init the node shows {status}"
        workload.initialized = True
        return True

    def recover(self) -> bool:
        """Check a restarted node against the spec; step past a committed in-flight request.

        Returns False if the node died before answering the status request.
        """
        workload = self.workload
        status = self.ask({"command": "status"})
        if status is None:
            return False
        if matches(status, workload.snapshots[workload.answered]):
            return True
        assert workload.answered + 1 < len(workload.snapshots), "status differs from the end"
        assert matches(status, workload.snapshots[workload.answered + 1]), (
            f"after a kill at request {workload.answered} the node is neither before nor"
            f" after it: {status}"
        )
        workload.answered += 1
        return True

    def feed(self) -> bool:
        """Send the remaining requests; return False if the process died first."""
        workload = self.workload
        while workload.answered < len(workload.requests):
            answer = self.ask(workload.requests[workload.answered])
            if answer is None:
                return False
            expected = workload.answers[workload.answered]
            assert answer == expected, (
                f"request {workload.answered}: node {answer}, spec {expected}"
            )
            workload.answered += 1
        return True


def start_server(
    directory: Path, chooser: random.Random, progress: Progress
) -> tuple[ServerProcess, float | None]:
    """Start a server that dies by the timer or at a failpoint; return it and the timer."""
    if chooser.random() < TIMER_SHARE:
        return ServerProcess(directory, KillPlan(), forked=False), chooser.uniform(0, TIMER_SPAN)
    missing = frozenset(set(progress.failpoints) - set(progress.hits))
    plan = KillPlan(chooser.randint(1, 24), missing, progress.log)
    return ServerProcess(directory, plan, forked=True), None


def run_workload(directory: Path, seed: int, progress: Progress) -> None:
    """Feed one workload to a node, killing and restarting it until every request is done."""
    genesis, requests = build_workload(seed, WORKLOAD_STEPS, environments_at_genesis=seed % 2 == 1)
    snapshots, answers = replay(genesis, requests)
    workload = Workload(genesis, requests, snapshots, answers)
    chooser = random.Random(seed)
    while True:
        server, timer = start_server(directory, chooser, progress)
        done = Session(server, workload, progress, timer).run()
        code = server.finish()
        if done and code == 0:
            break
        assert code == -signal.SIGKILL, f"the node crashed by itself (exit status {code})"
        progress.record_kill(by_timer=timer is not None)
    final = ServerProcess(directory, KillPlan(), forked=False)
    assert Session(final, workload, progress).recover()
    assert matches(final.ask({"command": "status"}) or {}, snapshots[-1])
    assert final.finish() == 0
    progress.workloads += 1


def test_failpoints_are_found_in_the_code() -> None:
    """Given the reference implementation's source.

    When its failpoint calls are collected
    Then there are some in the store, the settlement steps (certified blocks included), both
    kinds' exit games (the payments in-flight exits and merged queue included) and ledgers.
    """
    modules = {name.split(":")[0] for name in find_failpoints()}
    assert {
        "reference.store",
        "reference.settlement.steps",
        "reference.settlement.exits",
        "reference.settlement.export",
        "reference.settlement.certified",
        "reference.environments.payments.ledger",
        "reference.environments.payments.in_flight",
        "reference.environments.payments.piggybacks",
        "reference.environments.payments.queue",
        "reference.environments.cash.exit_game",
        "reference.environments.cash.challenges",
        "reference.environments.cash.ledger",
    } <= modules


def test_node_survives_kills_at_every_failpoint(tmp_path: Path) -> None:
    """Given seeded workloads of settlement operations and child chain steps.

    When the node is killed at failpoints and by a timer, and restarted each time
    Then every answered request survives, none is half-applied, digests equal the spec's,
    at least MINIMUM_KILLS kills happened, and the node died at every failpoint of the code.
    """
    progress = Progress(find_failpoints(), tmp_path / "kills.log")
    seed = 0
    while not progress.is_enough():
        assert seed < MAXIMUM_WORKLOADS, (
            f"{seed} workloads: {progress.kills} kills, {progress.timer_kills} by timer,"
            f" never killed at {progress.get_missing()}"
        )
        run_workload(tmp_path / f"node-{seed}", seed, progress)
        seed += 1
    assert set(progress.hits) == set(progress.failpoints)
    assert progress.kills >= MINIMUM_KILLS
    assert progress.timer_kills >= MINIMUM_TIMER_KILLS
    print(
        f"crash safety: {progress.workloads} workloads, {progress.requests} requests,"
        f" {progress.kills} kills ({progress.timer_kills} by timer),"
        f" failpoints hit {len(progress.hits)}/{len(progress.failpoints)}"
    )
