"""Runners: where a campaign's tasks run, in this process or on a Dask cluster.

:func:`make_runner` chooses, from ``--workers`` and ``--scheduler``:

- ``--scheduler ADDRESS``: the existing Dask cluster there
  (:class:`campaigns.cluster.DaskRunner`);
- ``--workers 1``: this process (:class:`InProcessRunner`), as before campaigns;
- ``--workers N`` (N > 1): a local Dask cluster of N worker processes, one
  thread each (processes, not threads: the machines hold the GIL);
- neither: a local cluster with one worker per core when Dask is installed
  (the ``campaigns`` extra) and the machine has more than one core, else this
  process.

Every runner takes the tasks lazily, one when a worker is free, and hands each
outcome to the campaign, which says whether to go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from campaigns.progress import CampaignProgress
from campaigns.tasks import Reporter

EXTRA_HINT = "pip install 'plasma-spec[campaigns]'"
"""How to install Dask for campaigns."""

LOCAL_WORKER = "local"
"""The worker name of tasks run in this process."""


class CampaignError(Exception):
    """A campaign cannot run as asked (no Dask, no cluster there); one line says why."""


class HasKey(Protocol):
    """A task: anything with a unique key."""

    @property
    def key(self) -> str:
        """The task's unique name in its campaign."""


TaskT = TypeVar("TaskT", bound=HasKey)
OutcomeT = TypeVar("OutcomeT")

TaskFunction = Callable[[TaskT, str, Reporter], OutcomeT]
"""What a worker runs for a task: (task, worker name, reporter) -> outcome."""


@dataclass(frozen=True)
class TaskLost:
    """A task that gave no outcome: it kept killing its workers, or raised."""

    key: str
    """The task's key."""
    problem: str
    """What happened."""


@dataclass
class RunReport:
    """What the runner saw besides the outcomes."""

    workers: int = 1
    """Workers the campaign ran on."""
    reruns: list[str] = field(default_factory=list)
    """One line per task run again after its worker was lost."""


class Runner(Protocol):
    """Runs tasks, one outcome at a time, until the tasks run out or the campaign stops."""

    def run(
        self,
        function: TaskFunction[TaskT, OutcomeT],
        tasks: Iterator[TaskT],
        on_done: Callable[[TaskT, OutcomeT | TaskLost], bool],
        progress: CampaignProgress,
    ) -> RunReport:
        """Run ``tasks`` with ``function``; stop submitting when ``on_done`` says False."""

    def close(self) -> None:
        """Release the workers."""


class InProcessRunner:
    """Runs every task in this process, one after the other."""

    def run(
        self,
        function: TaskFunction[TaskT, OutcomeT],
        tasks: Iterator[TaskT],
        on_done: Callable[[TaskT, OutcomeT | TaskLost], bool],
        progress: CampaignProgress,
    ) -> RunReport:
        """Run ``tasks`` in order until they run out or ``on_done`` says stop."""
        for task in tasks:
            if not on_done(task, function(task, LOCAL_WORKER, progress.report)):
                break
        return RunReport()

    def close(self) -> None:
        """Nothing to release."""


def is_dask_available() -> bool:
    """Return whether Dask's distributed scheduler can be imported."""
    try:
        import distributed  # noqa: F401, PLC0415 - optional
    except ImportError:
        return False
    return True


def make_runner(workers: int | None, scheduler: str | None) -> Runner:
    """Return the runner ``--workers`` and ``--scheduler`` ask for (see the module docstring).

    Raises:
        CampaignError: when they ask for Dask and it is not installed, for both at once, or
            for a cluster that cannot be reached or started.
    """
    if scheduler is not None and workers is not None:
        raise CampaignError("give --workers or --scheduler, not both")
    if scheduler is None and workers == 1:
        return InProcessRunner()
    if not is_dask_available():
        if scheduler is None and workers is None:
            return InProcessRunner()
        option = "--scheduler" if scheduler is not None else f"--workers {workers}"
        raise CampaignError(f"{option} needs Dask, which is not installed: {EXTRA_HINT}")
    count = workers if workers is not None else (os.cpu_count() or 1)
    if scheduler is None and count == 1:
        return InProcessRunner()
    from campaigns.cluster import DaskRunner  # noqa: PLC0415 - Dask is optional

    return DaskRunner(workers=count, scheduler=scheduler)
