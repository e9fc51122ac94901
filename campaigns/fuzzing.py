"""Fuzz campaigns: batches of a game's machine on the workers, until the time is up or one fails.

Batch ``i`` runs ``batch_traces`` traces with seed ``seed + i`` (as the
single-process fuzzer always did), wherever it runs. Batches are submitted as
workers free up, and none after the deadline, so a campaign ends at most one
batch after its time; it stops at the first failure, which the worker that
found it has shrunk, stored in the example database and saved as a trace file
(:mod:`campaigns.tasks`). A planted mutant (``mutant``) is applied in the
workers: a check that the campaign finds a bug known to be there.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from adversary.fuzz import BATCH_TRACES
from campaigns.progress import CampaignProgress
from campaigns.runners import Runner, TaskLost
from campaigns.store import get_absolute_address
from campaigns.tasks import FuzzOutcome, FuzzTask, run_fuzz_task


@dataclass(frozen=True)
class FuzzCampaign:
    """What a fuzz campaign runs."""

    minutes: float
    """How long to submit batches."""
    seed: int
    """Seed of the first batch."""
    output: Path
    """Directory of failing traces (shared by the workers on a cluster)."""
    store: str
    """Address of the failure store (:mod:`campaigns.store`)."""
    game: str = "payments"
    """A key of ``adversary.fuzz.GAMES``."""
    profile: str = "fuzz"
    """The machine profile."""
    batch_traces: int = BATCH_TRACES
    """Traces per batch."""
    mutant: str | None = None
    """A mutant to plant in the workers, if any."""


@dataclass
class FuzzCampaignResult:
    """What a fuzz campaign did and found."""

    seed: int
    """Seed of the first batch."""
    traces: int = 0
    """Traces run."""
    steps: int = 0
    """Rule steps run."""
    seconds: float = 0.0
    """Wall-clock time of the campaign."""
    batches: int = 0
    """Batches finished."""
    workers: int = 1
    """Workers it ran on."""
    failing: FuzzOutcome | None = None
    """The batch that failed, if one did."""
    lost: list[str] = field(default_factory=list)
    """One line per batch lost (its runs kept killing workers, or it raised)."""
    reruns: list[str] = field(default_factory=list)
    """One line per batch run again after its worker was lost."""

    @property
    def passed(self) -> bool:
        """Return whether no batch failed or was lost."""
        return self.failing is None and not self.lost

    @property
    def steps_per_second(self) -> float:
        """Return rule steps per second over the campaign."""
        return self.steps / self.seconds if self.seconds else 0.0

    @property
    def traces_per_second(self) -> float:
        """Return traces per second over the campaign."""
        return self.traces / self.seconds if self.seconds else 0.0


def make_fuzz_tasks(campaign: FuzzCampaign, deadline: float) -> Iterator[FuzzTask]:
    """Yield batch after batch until the wall-clock ``deadline`` (checked at each submission)."""
    for batch in itertools.count():
        if time.time() >= deadline:
            return
        yield FuzzTask(
            key=f"fuzz-{campaign.game}-seed-{campaign.seed + batch}",
            game=campaign.game,
            profile=campaign.profile,
            seed=campaign.seed + batch,
            traces=campaign.batch_traces,
            # Absolute: a worker's directory is not the user's (the path must be shared)
            output=str(campaign.output.absolute()),
            store=get_absolute_address(campaign.store),
            mutant=campaign.mutant,
        )


def run_fuzz_campaign(campaign: FuzzCampaign, runner: Runner, stream: TextIO) -> FuzzCampaignResult:
    """Run the campaign on ``runner``, with progress lines on ``stream``; return what it found."""
    started = time.time()
    deadline = started + 60 * campaign.minutes
    progress = CampaignProgress(stream, "fuzz", deadline)
    result = FuzzCampaignResult(campaign.seed)

    def on_done(task: FuzzTask, outcome: FuzzOutcome | TaskLost) -> bool:
        if isinstance(outcome, TaskLost):
            result.lost.append(f"task {outcome.key} lost: {outcome.problem}")
            return True
        result.batches += 1
        result.traces += outcome.traces
        result.steps += outcome.steps
        if outcome.failure:
            progress.add_failure()
            result.failing = outcome
            return False
        return True

    progress.start()
    try:
        report = runner.run(run_fuzz_task, make_fuzz_tasks(campaign, deadline), on_done, progress)
    finally:
        progress.stop()
    result.seconds = time.time() - started
    result.workers, result.reruns = report.workers, report.reruns
    return result
