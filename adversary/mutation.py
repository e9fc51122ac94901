"""Mutation analysis: run the adversarial checks against every mutant and report.

For each mutant of ``adversary.mutants``, a fresh Python process applies it
and runs

- the attack-scenario library (``adversary.payments.scenarios``): which scenarios fail;
- the stateful adversarial tests under their ``mutation`` profiles: first
  the machine of the mutant's own area (the Cash machine,
  ``adversary.cash.machine``, for a ``cash-*`` mutant; the payments machine,
  ``adversary.payments.machine``, for any other), then the other machine
  unless the first already failed: whether one finds a failure, and the
  first line of what it found.

A mutant is *caught* when either check fails under it, and *detected by the
stateful test* when the machine fails. A mutant that survives is either
equivalent to the spec (its ``equivalent_because`` says why) or a hole in
the checks. Each mutant runs in its own process, so no patch can leak into
another run; ``jobs`` processes run at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from adversary.mutants import MUTANTS, Mutant, applied, get_mutant

WORKER_TIMEOUT_SECONDS = 900
"""A worker still running after this long is reported as a failure of the run."""


@dataclass(frozen=True)
class MutantOutcome:
    """What the checks found under one mutant."""

    name: str
    """Mutant name."""
    wrong_rule: str
    """The rule the mutant states."""
    failed_scenarios: tuple[str, ...] = ()
    """Scenarios that failed under the mutant."""
    machine_failure: str = ""
    """First line of the stateful test's failure, empty if it passed."""
    machine_seconds: float = 0.0
    """Time the stateful test took."""
    error: str = ""
    """A worker crash or time-out (the run itself went wrong)."""
    equivalent_because: str = ""
    """Why a surviving mutant is equivalent, if it is."""
    seconds: float = 0.0
    """Total time of the worker."""

    @property
    def caught_by_machine(self) -> bool:
        """Return whether the stateful test failed under the mutant."""
        return bool(self.machine_failure)

    @property
    def caught(self) -> bool:
        """Return whether any check failed under the mutant."""
        return self.caught_by_machine or bool(self.failed_scenarios)

    @property
    def verdict(self) -> str:
        """Return ``caught``, ``equivalent``, ``survived`` or ``error``."""
        if self.error:
            return "error"
        if self.caught:
            return "caught"
        return "equivalent" if self.equivalent_because else "survived"


def is_cash_mutant(mutant: Mutant) -> bool:
    """Return whether ``mutant`` breaks a Plasma Cash rule (its name starts with ``cash-``)."""
    return mutant.name.startswith("cash-")


def check_mutant(mutant: Mutant, machine_profile: str) -> MutantOutcome:
    """Apply ``mutant`` in this process and run the scenarios and the stateful tests.

    The machine of the mutant's area runs first; the other runs only if the
    first did not fail (a mutant is caught by either: running the one that
    catches it first saves the other's whole run).
    """
    from adversary.cash.machine import run_cash_machine  # noqa: PLC0415 - import after patching is fine
    from adversary.payments.machine import run_machine  # noqa: PLC0415
    from adversary.payments.scenarios.framework import run_all  # noqa: PLC0415

    started = time.perf_counter()
    failure = ""
    machines = [("cash", run_cash_machine), ("payments", run_machine)]
    if not is_cash_mutant(mutant):
        machines.reverse()
    with applied(mutant):
        failed = tuple(result.name for result in run_all() if not result.passed)
        machine_started = time.perf_counter()
        for label, machine in machines:
            run = machine(machine_profile, seed=0)
            if not run.passed:
                first = (run.failure.strip().splitlines() or ["failed"])[0]
                failure = f"[{label}] {first}"
                break
        machine_seconds = time.perf_counter() - machine_started
    return MutantOutcome(
        name=mutant.name,
        wrong_rule=mutant.wrong_rule,
        failed_scenarios=failed,
        machine_failure=failure,
        machine_seconds=round(machine_seconds, 2),
        equivalent_because=mutant.equivalent_because,
        seconds=round(time.perf_counter() - started, 2),
    )


def run_worker(name: str, machine_profile: str) -> MutantOutcome:
    """Run one mutant in a fresh process and return its outcome."""
    command = [sys.executable, "-m", "adversary.mutation", name, machine_profile]
    mutant = get_mutant(name)
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return MutantOutcome(name, mutant.wrong_rule, error="worker timed out")
    if finished.returncode != 0:
        tail = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        return MutantOutcome(name, mutant.wrong_rule, error=f"worker crashed: {tail}")
    fields = json.loads(finished.stdout.strip().splitlines()[-1])
    fields["failed_scenarios"] = tuple(fields["failed_scenarios"])
    return MutantOutcome(**fields)


@dataclass
class MutationReport:
    """The outcome of every mutant."""

    outcomes: list[MutantOutcome] = field(default_factory=list)
    """One per mutant, in catalogue order."""

    @property
    def score(self) -> float:
        """Return the share of non-equivalent mutants that were caught."""
        counted = [o for o in self.outcomes if o.verdict != "equivalent"]
        return sum(o.caught for o in counted) / len(counted) if counted else 1.0

    @property
    def machine_score(self) -> float:
        """Return the share of non-equivalent mutants the stateful test alone caught."""
        counted = [o for o in self.outcomes if o.verdict != "equivalent"]
        return sum(o.caught_by_machine for o in counted) / len(counted) if counted else 1.0

    @property
    def passed(self) -> bool:
        """Return whether every mutant was caught or explained, and no run went wrong."""
        return all(o.verdict in ("caught", "equivalent") for o in self.outcomes)


def run_mutation_analysis(
    names: list[str] | None = None, machine_profile: str = "mutation", jobs: int = 2
) -> MutationReport:
    """Run every mutant (or the named ones), ``jobs`` at a time; return the report."""
    selected = names or [mutant.name for mutant in MUTANTS]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(lambda name: run_worker(name, machine_profile), selected))
    return MutationReport(outcomes)


def main() -> None:
    """Worker entry point: ``python -m adversary.mutation NAME PROFILE`` prints one JSON line."""
    name, profile = sys.argv[1], sys.argv[2]
    outcome = check_mutant(get_mutant(name), profile)
    print(json.dumps(asdict(outcome)))


if __name__ == "__main__":
    main()
