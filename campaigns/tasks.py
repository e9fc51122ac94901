"""The tasks of a campaign and what a worker does to run one.

Every task is independent of the others, so any worker can run it, and
running it again (after its worker was lost) gives the same outcome:

- a :class:`FuzzTask` runs one batch of a game's machine with one seed
  (batch ``i`` of a campaign with seed ``s`` has seed ``s + i``), with a
  planted mutant applied in the worker if the campaign names one; a failure
  is shrunk by Hypothesis in the worker, saved as a replayable trace in the
  output directory and kept in the failure store (:mod:`campaigns.store`);
- a :class:`DifferentialTask` runs a range of the differential traces of
  one area through the worker's adapter (:mod:`campaigns.adapters`); a
  disagreement is shrunk to a vector; a hung or crashed adapter is reported
  for the task, and discarded.

A worker reports a task's running counts through ``report`` every
:data:`REPORT_SECONDS` and when the task ends.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from adversary.fuzz import TraceCounts, run_batch, save_failure
from adversary.mutants import applied, get_mutant
from campaigns.adapters import ADAPTERS
from campaigns.progress import TaskCounts
from campaigns.store import get_failure_key, store_failure
from conformance.client import ImplementationFailure
from conformance.differential import DifferentialRun, run_differential
from spec.presets import PRESETS

REPORT_SECONDS = 2.0
"""Least time between two reports of a task's running counts."""

Reporter = Callable[[TaskCounts], None]
"""Where a worker sends a task's running counts."""


@dataclass(frozen=True)
class FuzzTask:
    """One batch of fuzzing: a game's machine with one seed."""

    key: str
    """The task's name in the campaign (unique)."""
    game: str
    """A key of ``adversary.fuzz.GAMES``."""
    profile: str
    """The machine profile."""
    seed: int
    """The batch's seed."""
    traces: int
    """Traces in the batch."""
    output: str
    """The directory where a failing trace is saved."""
    store: str
    """The failure store's address (:mod:`campaigns.store`)."""
    mutant: str | None = None
    """A mutant (``adversary.mutants``) to apply in the worker: a planted bug to find."""


@dataclass(frozen=True)
class FuzzOutcome:
    """What a fuzz task did and found."""

    task: FuzzTask
    """The task."""
    worker: str
    """The worker that ran it."""
    traces: int
    """Traces run."""
    steps: int
    """Rule steps run."""
    seconds: float
    """Time it took."""
    failure: str = ""
    """What failed, if anything."""
    trace_path: str | None = None
    """Where the failing trace was saved."""


@dataclass(frozen=True)
class DifferentialTask:
    """A range of differential traces of one area, run through the worker's adapter."""

    key: str
    """The task's name in the campaign (unique)."""
    area: str
    """A key of ``conformance.differential.GENERATORS``."""
    first: int
    """The index of its first trace."""
    count: int
    """How many traces it runs."""
    seed: int
    """The campaign's seed (each trace derives its own from it)."""
    preset: str
    """A key of ``spec.presets.PRESETS``."""
    command: str
    """The adapter's command line."""
    timeout: float
    """Seconds the adapter has to answer."""
    deadline: float
    """When to stop drawing traces (``time.time``)."""


@dataclass(frozen=True)
class DifferentialOutcome:
    """What a differential task did and found."""

    task: DifferentialTask
    """The task."""
    worker: str
    """The worker that ran it."""
    run: DifferentialRun
    """Its traces, steps and any disagreement (shrunk)."""
    implementation_failure: str = ""
    """How the adapter hung, crashed or answered garbage, if it did."""


class ThrottledReporter:
    """Reports a task's running counts, at most every :data:`REPORT_SECONDS`."""

    def __init__(self, report: Reporter, task: str, worker: str) -> None:
        self.report = report
        """Where counts go."""
        self.task = task
        """The task's key."""
        self.worker = worker
        """The worker's name."""
        self.last = time.monotonic()
        """When counts were last reported."""

    def on_trace(self, stats: TraceCounts) -> None:
        """Report the counts if enough time passed (called after every trace)."""
        now = time.monotonic()
        if now - self.last >= REPORT_SECONDS:
            self.last = now
            self.report(TaskCounts(self.task, self.worker, stats.traces, stats.steps))


@contextlib.contextmanager
def planted(mutant: str | None) -> Iterator[None]:
    """Apply the named mutant while the block runs (nothing when None)."""
    if mutant is None:
        yield
        return
    with applied(get_mutant(mutant)):
        yield


def run_fuzz_task(task: FuzzTask, worker: str, report: Reporter) -> FuzzOutcome:
    """Run one fuzz batch; save and store its shrunk failure, if any."""
    reporter = ThrottledReporter(report, task.key, worker)
    with planted(task.mutant):
        run = run_batch(task.game, task.profile, task.seed, task.traces, on_trace=reporter.on_trace)
    report(TaskCounts(task.key, worker, run.traces, run.steps))
    if run.passed:
        return FuzzOutcome(task, worker, run.traces, run.steps, run.seconds)
    path = save_failure(run, Path(task.output), task.profile, task.seed, task.game)
    store_failure(task.store, get_failure_key("fuzz", task.game), path)
    return FuzzOutcome(task, worker, run.traces, run.steps, run.seconds, run.failure, str(path))


def run_differential_task(
    task: DifferentialTask, worker: str, report: Reporter
) -> DifferentialOutcome:
    """Run a range of differential traces through this worker's adapter.

    A hung, crashed or garbled adapter ends the task (reported in the
    outcome) and is discarded, so the worker's next task starts a fresh one.
    """
    local_deadline = time.monotonic() + (task.deadline - time.time())
    reporter = ThrottledReporter(report, task.key, worker)
    try:
        adapter = ADAPTERS.get(task.command, task.timeout)
        run = run_differential(
            adapter.implementation,
            adapter.capabilities,
            PRESETS[task.preset],
            area=task.area,
            traces=task.count,
            random_seed=task.seed,
            deadline=local_deadline,
            first=task.first,
            on_trace=reporter.on_trace,
        )
    except ImplementationFailure as failure:
        ADAPTERS.discard(task.command, task.timeout)
        report(TaskCounts(task.key, worker, 0, 0))
        detail = f"{failure.kind}: {failure.detail}"
        return DifferentialOutcome(task, worker, DifferentialRun(task.area), detail)
    except OSError as error:
        detail = f"could not be started: {error.strerror or error}"
        return DifferentialOutcome(task, worker, DifferentialRun(task.area), detail)
    report(TaskCounts(task.key, worker, run.traces, run.steps))
    return DifferentialOutcome(task, worker, run)
