"""Differential conformance campaigns: ranges of traces of each area on the workers.

The ``traces`` traces of each area are cut into ranges of at most
:data:`TRACES_PER_TASK`, submitted round-robin over the areas (so a short
deadline still reaches every area) as workers free up, and none after the
deadline. Trace ``i`` of an area is drawn from its own seed
(``conformance.differential.derive_trace_seed``), so the traces, and the first
failing one, are the same whatever the number of workers. Once an area has a
disagreement its later ranges are not submitted; of its failing ranges, the
one holding the lowest trace number is kept. A range whose adapter hung or
crashed is reported with its task, area and traces, and the campaign goes on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from campaigns.adapters import ADAPTERS
from campaigns.progress import CampaignProgress
from campaigns.runners import Runner, TaskLost
from campaigns.tasks import DifferentialOutcome, DifferentialTask, run_differential_task
from conformance.differential import DifferentialRun

TRACES_PER_TASK = 25
"""Most traces of one area in one task."""


@dataclass(frozen=True)
class DifferentialCampaign:
    """What a differential campaign runs."""

    areas: tuple[str, ...]
    """The areas to run (those the implementation announces), in report order."""
    traces: int
    """Traces per area."""
    seed: int
    """The campaign's seed."""
    preset: str
    """A key of ``spec.presets.PRESETS``."""
    command: str
    """The adapter's command line (each worker starts its own)."""
    timeout: float
    """Seconds the adapter has to answer."""
    deadline: float
    """When to stop drawing traces (``time.time``)."""
    traces_per_task: int = TRACES_PER_TASK
    """Most traces of one area in one task."""


@dataclass
class DifferentialCampaignResult:
    """What a differential campaign did and found."""

    runs: dict[str, DifferentialRun]
    """Per area: its traces, steps, and its first disagreement (shrunk)."""
    broken: list[str] = field(default_factory=list)
    """One line per task whose adapter hung, crashed or answered garbage."""
    lost: list[str] = field(default_factory=list)
    """One line per task lost (its runs kept killing workers, or it raised)."""
    reruns: list[str] = field(default_factory=list)
    """One line per task run again after its worker was lost."""
    workers: int = 1
    """Workers it ran on."""


def make_differential_tasks(
    campaign: DifferentialCampaign, failed_areas: set[str]
) -> Iterator[DifferentialTask]:
    """Yield the ranges round-robin over the areas, but for failed areas, until the deadline."""
    for first in range(0, campaign.traces, campaign.traces_per_task):
        for area in campaign.areas:
            if time.time() >= campaign.deadline:
                return
            if area in failed_areas:
                continue
            yield DifferentialTask(
                key=f"{area}-traces-{first + 1}",
                area=area,
                first=first,
                count=min(campaign.traces_per_task, campaign.traces - first),
                seed=campaign.seed,
                preset=campaign.preset,
                command=campaign.command,
                timeout=campaign.timeout,
                deadline=campaign.deadline,
            )


def describe_task(task: DifferentialTask) -> str:
    """Return a task's key, area and trace range, for a report line."""
    return f"task {task.key} ({task.area}, traces {task.first + 1}-{task.first + task.count})"


def merge(total: DifferentialRun, part: DifferentialRun) -> None:
    """Add a range's counts to its area's, keeping the failure with the lowest trace number."""
    total.traces += part.traces
    total.steps += part.steps
    total.seconds += part.seconds
    if part.found_after is not None and (
        total.found_after is None or part.found_after < total.found_after
    ):
        total.found_after, total.failure, total.result = (
            part.found_after,
            part.failure,
            part.result,
        )


def run_differential_campaign(
    campaign: DifferentialCampaign, runner: Runner, stream: TextIO
) -> DifferentialCampaignResult:
    """Run the campaign on ``runner``, with progress lines on ``stream``; return what it found."""
    result = DifferentialCampaignResult({area: DifferentialRun(area) for area in campaign.areas})
    progress = CampaignProgress(stream, "conform", campaign.deadline)
    failed_areas: set[str] = set()

    def on_done(task: DifferentialTask, outcome: DifferentialOutcome | TaskLost) -> bool:
        if isinstance(outcome, TaskLost):
            result.lost.append(f"{describe_task(task)} lost: {outcome.problem}")
            return True
        if outcome.implementation_failure:
            result.broken.append(
                f"{describe_task(task)} on worker {outcome.worker}: the implementation "
                f"{outcome.implementation_failure}"
            )
        merge(result.runs[task.area], outcome.run)
        if outcome.run.found_after is not None:
            progress.add_failure()
            failed_areas.add(task.area)
        return True

    progress.start()
    try:
        tasks = make_differential_tasks(campaign, failed_areas)
        report = runner.run(run_differential_task, tasks, on_done, progress)
    finally:
        progress.stop()
        ADAPTERS.close_all()
    result.workers, result.reruns = report.workers, report.reruns
    return result
