"""Committee finality on this machine: commit latency and throughput of the replica processes.

``plasma-spec bench --finality`` runs an honest committee
(:class:`~reference.finality.cluster.Cluster`: one process per replica,
loopback TCP, one SQLite file each, every step persisted with
``synchronous=FULL`` before its messages leave), lets it warm up, measures
for a fixed window, stops it and reads what the replicas journaled:

- *commit latency* of a block: from the moment its leader journaled the
  proposal (just before sending it) to the moment a replica journaled it
  committed; reported to the first replica that committed it and to the
  last (every replica);
- *throughput*: blocks committed by every replica within the window, per
  second.

Under the two-chain rule a block is committed when its child's certificate
is known, which a replica learns from its grandchild's proposal, so the
latency is about three views. Times are wall-clock times journaled by
different processes of one machine. The machine's load average, read before
and after, is part of the result: the numbers mean little without it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reference.finality.cluster import Cluster, wait_until
from reference.finality.observe import Observation
from spec.finality.messages import Proposal, compute_block_hash
from spec.primitives import Hash32

WARM_UP_COMMITS = 3
"""Blocks every replica commits before the window opens."""

START_TIMEOUT = 60.0
"""Seconds the committee may take to commit its first blocks."""


@dataclass(frozen=True)
class FinalityMeasurement:
    """What one run of the committee benchmark measured."""

    replicas: int
    """Committee size (stake 1 each)."""
    seconds: float
    """Length of the measuring window."""
    blocks: int
    """Blocks committed by every replica within the window."""
    first_latencies: tuple[float, ...]
    """Per block proposed in the window: seconds from proposal to its first commit."""
    all_latencies: tuple[float, ...]
    """Per block proposed in the window: seconds from proposal to its commit at every replica."""
    load_before: float
    """One-minute load average when the run started."""
    load_after: float
    """One-minute load average when it ended."""

    @property
    def throughput(self) -> float:
        """Blocks committed by every replica per second."""
        return self.blocks / self.seconds

    def get_percentile(self, latencies: tuple[float, ...], share: float) -> float:
        """Return the latency below which ``share`` of the blocks fall (0 when none)."""
        if not latencies:
            return 0.0
        ordered = sorted(latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def collect_proposals(observation: Observation) -> dict[Hash32, float]:
    """Return when each block's proposal was first journaled by its leader."""
    proposed: dict[Hash32, float] = {}
    for record in observation.records:
        for entry in record.journal:
            if entry.sent and isinstance(entry.message, Proposal):
                block_hash = compute_block_hash(entry.message.block)
                proposed[block_hash] = min(entry.at, proposed.get(block_hash, entry.at))
    return proposed


def measure(observation: Observation, start: float, end: float) -> tuple[int, list[list[float]]]:
    """Return the blocks committed everywhere in ``[start, end]`` and per-block commit times."""
    commits: dict[Hash32, list[float]] = {}
    for record in observation.records:
        for commit in record.commits:
            commits.setdefault(commit.block_hash, []).append(commit.at)
    everywhere = {
        h: times for h, times in commits.items() if len(times) == len(observation.records)
    }
    counted = sum(start <= max(times) <= end for times in everywhere.values())
    proposed = collect_proposals(observation)
    spans = [
        [t - proposed[h] for t in times]
        for h, times in everywhere.items()
        if h in proposed and start <= proposed[h] <= end
    ]
    return counted, spans


def run_finality_benchmark(
    directory: Path,
    seconds: float = 10.0,
    replicas: int = 4,
    progress: Callable[[str], None] = lambda line: None,
) -> FinalityMeasurement:
    """Run an honest committee of ``replicas`` in ``directory``; measure for ``seconds``."""
    load_before = os.getloadavg()[0]
    with Cluster(directory, stakes=(1,) * replicas, timer=1.0) as cluster:
        cluster.start_all()
        indexes = list(range(replicas))
        progress(f"finality: starting {replicas} replica processes")
        started = wait_until(
            lambda: min(cluster.count_commits(i) for i in indexes) >= WARM_UP_COMMITS,
            START_TIMEOUT,
        )
        assert started, "the committee committed nothing"
        progress(f"finality: measuring for {seconds:g} s")
        start = time.time()
        time.sleep(seconds)
        end = time.time()
        cluster.stop()
        observation = cluster.observe()
    blocks, spans = measure(observation, start, end)
    return FinalityMeasurement(
        replicas,
        end - start,
        blocks,
        tuple(min(s) for s in spans),
        tuple(max(s) for s in spans),
        load_before,
        os.getloadavg()[0],
    )


def format_finality_report(m: FinalityMeasurement) -> str:
    """Return the measurement as text."""
    lines = [
        f"committee finality: {m.replicas} replica processes (stake 1 each), loopback TCP, "
        f"SQLite (synchronous=FULL), {m.seconds:.1f} s window",
        f"machine: {os.cpu_count()} cores, load average {m.load_before:.2f} before, "
        f"{m.load_after:.2f} after",
        f"throughput: {m.throughput:,.1f} blocks committed by every replica per second "
        f"({m.blocks} blocks)",
    ]
    for label, latencies in (
        ("first replica", m.first_latencies),
        ("every replica", m.all_latencies),
    ):
        median = statistics.median(latencies) if latencies else 0.0
        lines.append(
            f"commit latency, proposal to {label}: median {median * 1e3:,.1f} ms, "
            f"p90 {m.get_percentile(latencies, 0.9) * 1e3:,.1f} ms, "
            f"max {max(latencies, default=0.0) * 1e3:,.1f} ms"
        )
    return "\n".join(lines)
