"""Campaigns on a local two-worker Dask cluster: a planted bug found, lost workers survived.

The cluster (two worker processes, one thread each) is started once for the
module; the campaigns connect to it as to an existing cluster.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from adversary.fuzz import replay_file
from adversary.mutants import applied, get_mutant
from adversary.trace import load_trace
from campaigns.cluster import ALLOWED_FAILURES, START_TOPIC, DaskRunner
from campaigns.fuzzing import FuzzCampaign, FuzzCampaignResult, run_fuzz_campaign
from campaigns.progress import CampaignProgress
from campaigns.runners import TaskLost
from campaigns.store import get_failure_key, load_stored
from campaigns.tasks import Reporter
from cli.main import main

MUTANT = "no-maturity-check"
"""A planted bug the payments machine finds within its first batch (exits paid at once)."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """A local cluster of two worker processes, one thread each."""
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        local = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    yield local
    local.close()


def run_campaign(campaign: FuzzCampaign, address: str) -> FuzzCampaignResult:
    """Run a fuzz campaign on the cluster at ``address``; return its result."""
    runner = DaskRunner(workers=2, scheduler=address)
    try:
        return run_fuzz_campaign(campaign, runner, io.StringIO())
    finally:
        runner.close()


def test_two_workers_find_a_planted_mutant_and_save_a_replayable_trace(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """Given a mutant planted in the workers only (separate processes).

    When a two-worker fuzz campaign runs,
    Then it stops at a failing batch whose trace is saved and kept in the store, the trace
    (from its file or from the store) fails on replay under the mutant and passes without
    it (this process is unchanged).
    """
    store = str(tmp_path / "store")
    campaign = FuzzCampaign(
        minutes=1.0, seed=1, output=tmp_path, store=store, profile="ci", mutant=MUTANT
    )
    result = run_campaign(campaign, cluster.scheduler_address)
    assert result.failing is not None
    assert result.workers == 2
    assert result.failing.failure.startswith("INV-07")
    assert result.failing.worker in cluster.scheduler_info["workers"]
    path = Path(str(result.failing.trace_path))
    assert load_trace(path).extra == {"game": "payments"}
    assert path.read_bytes() in load_stored(store, get_failure_key("fuzz", "payments"))
    assert replay_file(path).passed
    with applied(get_mutant(MUTANT)):
        replay = replay_file(path)
    assert not replay.passed
    assert replay.failure.startswith("INV-07")
    assert main(["fuzz", "--replay-store", "--store", store]) == 0
    with applied(get_mutant(MUTANT)):
        assert main(["fuzz", "--replay-store", "--store", store]) == 1


def get_pids(client: Client) -> dict[str, int]:
    """Return the process id of every worker, by address."""
    pids: dict[str, int] = client.run(os.getpid)
    return pids


def test_a_killed_worker_loses_only_its_task_which_is_rerun_and_reported(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """Given a campaign running on two workers.

    When one worker's process is killed while it runs a batch,
    Then the campaign completes without a failure, and its report names the batch rerun
    after that worker was lost.
    """
    campaign = FuzzCampaign(
        minutes=0.1,
        seed=7,
        output=tmp_path,
        store=str(tmp_path / "s"),
        profile="ci",
        batch_traces=10,
    )
    results: list[FuzzCampaignResult] = []
    thread = threading.Thread(
        target=lambda: results.append(run_campaign(campaign, cluster.scheduler_address))
    )
    with Client(cluster.scheduler_address) as client:
        pids = get_pids(client)
        begun = time.time()
        thread.start()
        started: list[tuple[float, dict[str, str]]] = []
        deadline = time.monotonic() + 30
        while not started and time.monotonic() < deadline:
            time.sleep(0.2)
            # Only this campaign's starts (the scheduler keeps the earlier tests' too)
            started = [e for e in client.get_events(START_TOPIC) if e[0] >= begun]
        assert started, "no task started"
        time.sleep(1.0)
        victim = started[0][1]["worker"]
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=60)
    (result,) = results
    assert result.passed
    assert f"task {started[0][1]['task']} rerun after worker {victim} was lost" in result.reruns


@dataclass(frozen=True)
class DeadlyTask:
    """A task whose every run kills its worker's process."""

    key: str
    """The task's key."""


def kill_own_worker(task: DeadlyTask, worker: str, report: Reporter) -> str:
    """End this worker's process (what a crash of the code under test would do)."""
    time.sleep(0.5)  # let the worker send the task's start event first
    os._exit(1)


def test_a_task_that_keeps_killing_workers_is_reported_lost_not_rerun_forever(
    cluster: LocalCluster,
) -> None:
    """Given a task whose every run kills its worker.

    When a campaign runs it,
    Then after Dask's allowed failures it comes back as lost, saying why, and the run ends.
    """
    outcomes: list[object] = []

    def on_done(task: DeadlyTask, outcome: object) -> bool:
        outcomes.append(outcome)
        return True

    runner = DaskRunner(workers=2, scheduler=cluster.scheduler_address)
    try:
        progress = CampaignProgress(io.StringIO(), "test", time.time() + 60)
        report = runner.run(kill_own_worker, iter([DeadlyTask("deadly")]), on_done, progress)
    finally:
        runner.close()
    assert outcomes == [TaskLost("deadly", f"its runs killed {ALLOWED_FAILURES + 1} workers")]
    assert len(report.reruns) == ALLOWED_FAILURES
