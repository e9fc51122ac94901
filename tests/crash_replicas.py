"""The replicas' crash campaign: kill replica processes at failpoints, restart them, read them.

A :class:`CrashCampaign` runs an honest committee of four replica processes
(``reference.finality.cluster``) and, round after round, restarts one
replica (the *victim*, taking turns) armed to die at one chosen failpoint
(``reference.store``'s ``PLASMA_REFERENCE_KILL_AT_NAMED``, the name logged
through ``PLASMA_REFERENCE_KILL_LOG``), waits for it to die there, restarts
it unarmed and waits for it to commit again. The failpoints are found in the
source: every ``replica_failpoint()`` call of ``reference/finality/`` (after
a message is received and before it is persisted, after a step is persisted
and before its messages are sent, in the middle of a proposal's broadcast)
and the three of ``reference.store``'s transactions (after ``BEGIN``,
before ``COMMIT``, after ``COMMIT``; the first of these a restarted replica
reaches is in its file's opening), and then at the ``n``-th failpoint
reached, for a few ``n``, which lands in the middle of its work. Each round
starts with the victim killed by SIGKILL from outside, wherever it was.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from reference.finality.cluster import Cluster, wait_until
from reference.finality.config import REPLICA_FAILPOINT_FUNCTION
from reference.finality.observe import Observation, get_signer
from reference.store import (
    FAILPOINT_LOG_VARIABLE,
    FAILPOINT_NAMED_VARIABLE,
    FAILPOINT_VARIABLE,
    get_failpoint_name,
)
from spec.finality.messages import Proposal, Vote, compute_block_hash
from spec.primitives import Address, Hash32
from tests.crash_processes import ROOT

DEATH_TIMEOUT = 30.0
"""Seconds an armed replica may take to reach its failpoint."""

RECOVERY_TIMEOUT = 30.0
"""Seconds a restarted replica may take to commit again."""

RECOVERY_COMMITS = 2
"""Blocks a restarted replica must commit before the next round."""


def find_calls(path: Path, function: str) -> list[str]:
    """Return the failpoint names (``MODULE:LINE``) of the calls of ``function`` in ``path``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        get_failpoint_name(module, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
    ]


def find_replica_failpoints() -> list[str]:
    """Return the replicas' failpoints and the store's, by name."""
    found = [
        name
        for path in sorted((ROOT / "reference" / "finality").glob("*.py"))
        for name in find_calls(path, REPLICA_FAILPOINT_FUNCTION)
    ]
    return found + find_calls(ROOT / "reference" / "store.py", "failpoint")


@dataclass
class RoundOutcome:
    """One round: who died where, and whether it committed again."""

    victim: int
    """The replica killed."""
    failpoint: str
    """The failpoint it was armed with (or ``failpoint number N``)."""
    died: bool
    """Whether it died by SIGKILL (exit status -9) in time."""
    logged: str | None
    """The failpoint name it logged as it died."""
    commits_before: int
    """Blocks it had committed when restarted unarmed."""
    recovered: bool
    """Whether it then committed :data:`RECOVERY_COMMITS` more blocks in time."""


@dataclass
class CrashCampaign:
    """Rounds of kills and restarts over one committee."""

    directory: Path
    """Where the replicas' files and the failpoint log are."""
    outcomes: list[RoundOutcome] = field(default_factory=list)
    """Every round, in order."""

    def run(self, failpoints: list[str], counts: tuple[int, ...] = ()) -> Observation:
        """Play one round per failpoint, then one per count; return what the files show.

        A round of ``counts`` arms the victim to die at that many failpoints
        reached (``PLASMA_REFERENCE_KILL_AT``), wherever that falls.
        """
        log = self.directory / "killed.log"
        with Cluster(self.directory, timer=0.3) as cluster:
            cluster.start_all()
            assert wait_until(lambda: cluster.count_commits(0) >= 3, RECOVERY_TIMEOUT)
            plans = [{FAILPOINT_NAMED_VARIABLE: name} for name in failpoints]
            plans += [{FAILPOINT_VARIABLE: str(count)} for count in counts]
            for number, plan in enumerate(plans):
                self.play_round(cluster, number % len(cluster.configs), plan, log)
            cluster.stop()
            return cluster.observe()

    def play_round(self, cluster: Cluster, victim: int, plan: dict[str, str], log: Path) -> None:
        """Kill ``victim``, restart it armed with failpoint settings ``plan``, then unarmed."""
        cluster.kill(victim)
        cluster.start(victim, {**plan, FAILPOINT_LOG_VARIABLE: str(log)})
        wait_until(lambda: not cluster.is_running(victim), DEATH_TIMEOUT)
        died = cluster.get_exit_code(victim) == -9
        cluster.kill(victim)  # a replica that did not reach its failpoint is killed here
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        logged = lines[-1] if len(lines) == len(self.outcomes) + 1 else None
        before = cluster.count_commits(victim)
        cluster.start(victim)
        recovered = wait_until(
            lambda: cluster.count_commits(victim) >= before + RECOVERY_COMMITS, RECOVERY_TIMEOUT
        )
        armed = plan.get(
            FAILPOINT_NAMED_VARIABLE, f"failpoint number {plan.get(FAILPOINT_VARIABLE)}"
        )
        self.outcomes.append(RoundOutcome(victim, armed, died, logged, before, recovered))


def find_votes_seen_twice(observation: Observation) -> list[str]:
    """Return each (signer, view) of which the replicas received votes on two blocks.

    The network side of one vote per view: what leaders received, accepted
    or refused, whatever the sender journaled.
    """
    seen: dict[tuple[Address, int], set[Hash32]] = {}
    for record in observation.records:
        for entry in record.journal:
            if not entry.sent and isinstance(entry.message, Vote):
                signer = get_signer(observation.chain_id, entry.message)
                if signer is not None:
                    key = (signer, int(entry.message.view))
                    seen.setdefault(key, set()).add(entry.message.block_hash)
    return [f"{s.hex()[:12]} in view {v}" for (s, v), hashes in seen.items() if len(hashes) > 1]


def find_views_proposed_twice(observation: Observation) -> list[str]:
    """Return each (leader, view) of which two blocks were proposed, sent or received.

    Roots carry a nonce drawn at each start, so a leader that proposed again
    in a view after a restart would show here.
    """
    proposed: dict[tuple[Address, int], set[Hash32]] = {}
    for record in observation.records:
        for entry in record.journal:
            signer = get_signer(observation.chain_id, entry.message)
            if signer is not None and isinstance(entry.message, Proposal):
                key = (signer, int(entry.message.block.view))
                proposed.setdefault(key, set()).add(compute_block_hash(entry.message.block))
    return [f"{a.hex()[:12]} in view {v}" for (a, v), hashes in proposed.items() if len(hashes) > 1]
