"""The Dask runner: a campaign's tasks on a local cluster or an existing one.

A local cluster (``--workers N``) has N worker processes of one thread each,
under nannies that restart a worker whose process dies. ``--scheduler
ADDRESS`` connects to an existing cluster (``dask scheduler`` and ``dask
worker ADDRESS`` on each machine, with this package installed there).

Tasks are submitted one per free worker thread, and a new one each time one
ends, so a campaign with a deadline stops submitting at its deadline. Each
task logs its start (task, worker) under :data:`START_TOPIC` and its running
counts under :data:`PROGRESS_TOPIC` (Dask's structured events); the runner
feeds the counts to the progress display as they come, and afterwards reads
the starts: a task started twice was run again after its first worker was
lost, which the campaign's report says. A task whose runs keep killing
workers fails after :data:`ALLOWED_FAILURES` of them (Dask's
``allowed-failures``, for a local cluster) and is reported as lost, instead
of looping forever.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import dask
from distributed import Client, LocalCluster, as_completed, get_worker
from distributed.scheduler import KilledWorker
from hypothesis.errors import HypothesisDeprecationWarning

from campaigns.progress import CampaignProgress, TaskCounts
from campaigns.runners import CampaignError, OutcomeT, RunReport, TaskFunction, TaskLost, TaskT

START_TOPIC = "plasma-spec-task-start"
"""The event topic of task starts: ``{"campaign", "task", "worker"}``."""

PROGRESS_TOPIC = "plasma-spec-task-progress"
"""The event topic of running counts: ``{"campaign", "task", "worker", "traces", "steps"}``."""

ALLOWED_FAILURES = 2
"""Workers a task may kill (local cluster) before it is reported as lost."""

LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    # The statistical profiler samples every worker's stack a hundred times a second
    # (for Dask's dashboard, which campaigns do not use): time taken from the machines
    "distributed.worker.profile.enabled": False,
}
"""Dask settings of a local cluster (an existing cluster keeps its own)."""

CONNECT_TIMEOUT_SECONDS = 5
"""How long to try reaching a ``--scheduler`` before giving up."""


def run_on_worker(function: TaskFunction[TaskT, OutcomeT], task: TaskT, campaign: str) -> OutcomeT:
    """Run one task on a Dask worker, logging its start and its running counts."""
    # Dask's own threads draw from the random module while Hypothesis generates, which
    # Hypothesis would take for a strategy using it
    warnings.filterwarnings(
        "ignore", "Do not use the `random` module inside strategies", HypothesisDeprecationWarning
    )
    worker = get_worker()
    name = str(worker.address)
    worker.log_event(START_TOPIC, {"campaign": campaign, "task": task.key, "worker": name})

    def report(counts: TaskCounts) -> None:
        worker.log_event(PROGRESS_TOPIC, {"campaign": campaign, **asdict(counts)})

    return function(task, name, report)


class DaskRunner:
    """Runs tasks on a Dask cluster: a local one of ``workers`` processes, or ``scheduler``'s."""

    def __init__(self, *, workers: int, scheduler: str | None) -> None:
        """Start the local cluster, or connect to the scheduler.

        Raises:
            CampaignError: when the scheduler cannot be reached or the cluster cannot start.
        """
        self.campaign = uuid.uuid4().hex[:12]
        """This campaign's name on the cluster (its tasks' keys end with it)."""
        self.cluster: LocalCluster | None = None
        """The local cluster, if this runner started one."""
        try:
            if scheduler is not None:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
            else:
                with dask.config.set(LOCAL_CLUSTER_CONFIG):
                    self.cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.CRITICAL,
                    )
                self.client = Client(self.cluster)
        except (OSError, ValueError, TypeError) as error:
            where = f"the scheduler at {scheduler[:80]}" if scheduler else "a local cluster"
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise CampaignError(f"cannot reach {where}: {message}") from None
        """The client of the cluster."""

    def count_threads(self) -> int:
        """Return the worker threads the cluster has now (at least one)."""
        workers = self.client.scheduler_info()["workers"].values()
        return max(sum(int(w.get("nthreads", 1)) for w in workers), 1)

    def run(
        self,
        function: TaskFunction[TaskT, OutcomeT],
        tasks: Iterator[TaskT],
        on_done: Callable[[TaskT, OutcomeT | TaskLost], bool],
        progress: CampaignProgress,
    ) -> RunReport:
        """Run ``tasks``, one per free worker thread, until they run out or ``on_done`` stops."""

        def on_progress(event: tuple[float, dict[str, Any]]) -> None:
            message = event[1]
            if message.get("campaign") == self.campaign:
                fields = {k: v for k, v in message.items() if k != "campaign"}
                progress.report(TaskCounts(**fields))

        self.client.subscribe_topic(PROGRESS_TOPIC, on_progress)
        running = as_completed()
        submitted: dict[str, TaskT] = {}
        futures: list[Any] = []

        def submit_next() -> None:
            task = next(tasks, None)
            if task is not None:
                key = f"{task.key}-{self.campaign}"
                submitted[key] = task
                future = self.client.submit(run_on_worker, function, task, self.campaign, key=key)
                futures.append(future)
                running.add(future)

        threads = self.count_threads()
        for _ in range(threads):
            submit_next()
        for future in running:
            task = submitted[future.key]
            if not on_done(task, self.get_outcome(future, task)):
                running.clear()
                self.client.cancel([f for f in futures if not f.done()])
                break
            submit_next()
        self.client.unsubscribe_topic(PROGRESS_TOPIC)
        return RunReport(threads, self.find_reruns())

    def get_outcome(self, future: Any, task: TaskT) -> OutcomeT | TaskLost:
        """Return a finished future's outcome, or how its task was lost."""
        try:
            outcome: OutcomeT = future.result()
        except KilledWorker:
            return TaskLost(task.key, f"its runs killed {ALLOWED_FAILURES + 1} workers")
        except Exception as error:  # reported for the task: the campaign goes on
            return TaskLost(task.key, f"raised {type(error).__name__}: {error}")
        return outcome

    def find_reruns(self) -> list[str]:
        """Return one line per task of this campaign started more than once."""
        starts: dict[str, list[str]] = {}
        for _time, message in self.client.get_events(START_TOPIC):
            if message.get("campaign") == self.campaign:
                starts.setdefault(message["task"], []).append(message["worker"])
        return [
            f"task {task} rerun after worker {worker} was lost"
            for task, workers in starts.items()
            for worker in workers[:-1]
        ]

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this runner started one."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
