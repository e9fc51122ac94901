"""One aggregated progress display for a campaign, on a stream (stderr on the command line).

Workers report the running counts of their current task (steps and traces
so far) every few seconds, and the final counts with each finished task.
:class:`CampaignProgress` keeps the latest counts of every task (a task run
again after its worker was lost replaces its first attempt's counts) and,
from a thread of its own, prints one line every :data:`PROGRESS_SECONDS`:
elapsed time, traces done, steps, steps per second overall and per worker,
failures found and the time left.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TextIO

PROGRESS_SECONDS = 5.0
"""Time between two progress lines."""


@dataclass(frozen=True)
class TaskCounts:
    """The running counts of one task, as its worker reports them."""

    task: str
    """The task's key."""
    worker: str
    """The worker running it (its address, or ``local`` in this process)."""
    traces: int
    """Traces run so far."""
    steps: int
    """Steps run so far."""


class CampaignProgress:
    """Aggregates the counts of every task and prints a progress line every few seconds."""

    def __init__(
        self, stream: TextIO, label: str, deadline: float, interval: float = PROGRESS_SECONDS
    ) -> None:
        """Report on ``stream``, lines starting with ``label``, until wall-clock ``deadline``."""
        self.stream = stream
        """Where lines go."""
        self.label = label
        """The first word of every line (``fuzz``, ``conform``)."""
        self.deadline = deadline
        """When the campaign stops starting work (``time.time``)."""
        self.interval = interval
        """Seconds between two lines."""
        self.started = time.time()
        """When the campaign started."""
        self.counts: dict[str, TaskCounts] = {}
        """The latest counts of each task, by task key."""
        self.failures = 0
        """Failures found so far."""
        self.lock = threading.Lock()
        """Guards the counts (reports come from other threads)."""
        self.stopped = threading.Event()
        """Set when the campaign is over."""
        self.printer: threading.Thread | None = None
        """The thread printing lines, once started."""

    def report(self, counts: TaskCounts) -> None:
        """Keep a task's latest counts (from any thread)."""
        with self.lock:
            self.counts[counts.task] = counts

    def add_failure(self) -> None:
        """Count one more failure found."""
        with self.lock:
            self.failures += 1

    def get_totals(self) -> tuple[int, int]:
        """Return the traces and steps of every task so far."""
        with self.lock:
            every = list(self.counts.values())
        return sum(c.traces for c in every), sum(c.steps for c in every)

    def format_line(self, now: float) -> str:
        """Return one progress line as of the wall-clock time ``now``."""
        with self.lock:
            every = list(self.counts.values())
            failures = self.failures
        elapsed = max(now - self.started, 1e-9)
        minutes, seconds = divmod(int(elapsed), 60)
        traces, steps = sum(c.traces for c in every), sum(c.steps for c in every)
        per_worker: dict[str, int] = {}
        for counts in every:
            per_worker[counts.worker] = per_worker.get(counts.worker, 0) + counts.steps
        workers = ", ".join(
            f"{worker} {worker_steps / elapsed:,.0f}"
            for worker, worker_steps in sorted(per_worker.items())
        )
        left_minutes, left_seconds = divmod(max(int(self.deadline - now), 0), 60)
        return (
            f"{self.label} {minutes:02}:{seconds:02} | traces {traces:,} | steps {steps:,} | "
            f"{steps / elapsed:,.0f} steps/s ({workers or 'no worker yet'}) | "
            f"failures {failures} | {left_minutes:02}:{left_seconds:02} left"
        )

    def show(self) -> None:
        """Print one progress line now."""
        self.stream.write(self.format_line(time.time()) + "\n")
        self.stream.flush()

    def start(self) -> None:
        """Start printing a line every :attr:`interval` seconds, from a thread of its own."""
        self.printer = threading.Thread(target=self.print_until_stopped, daemon=True)
        self.printer.start()

    def print_until_stopped(self) -> None:
        """Print a line every interval until :meth:`stop` (the printing thread)."""
        while not self.stopped.wait(self.interval):
            self.show()

    def stop(self) -> None:
        """Stop the printing thread and print the last line."""
        self.stopped.set()
        if self.printer is not None:
            self.printer.join()
        self.show()
