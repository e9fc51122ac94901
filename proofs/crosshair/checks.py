"""Run the CrossHair checks and report one :class:`~proofs.results.CheckResult` per check.

Three kinds of check, each one ``python -m crosshair`` process:

- every entry point of ``proofs.crosshair.contracts`` (``crosshair check``):
  ``PROVED`` when CrossHair confirms every postcondition over all paths,
  ``BOUNDED`` when it finds no counterexample within the iteration bound (it
  says "Not confirmed"), ``FAILED`` with the counterexample otherwise;
- every negative control of ``proofs.crosshair.mutants``, with the bound of its
  entry point: ``CAUGHT`` when CrossHair finds a counterexample, ``FAILED``
  when it does not;
- the ``crosshair diffbehavior`` pair of ``proofs.crosshair.twins``: the
  faithful twin must show no difference (``BOUNDED``: over a grid of boundary
  values), the broken twin must show one (``CAUGHT``).

The bound is ``--max_uninteresting_iterations`` (iterations in a row that reach
no new code), which does not depend on machine speed. ``--per_condition_timeout``
caps CPU seconds per postcondition as a safety net only. A check whose contract
CrossHair never gets past the preconditions of ("Unable to meet precondition")
checked nothing and fails. Entry points marked exhaustive (a finite domain)
must be confirmed: anything less fails.

Checks run in parallel, one process per core.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from proofs.crosshair.contracts import ENTRY_POINTS, EntryPoint
from proofs.crosshair.mutants import NEGATIVE_CONTROLS, NegativeControl
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding ``spec/`` and ``proofs/``; CrossHair runs from it."""

ITERATIONS = 50
"""Default ``--max_uninteresting_iterations``: enough for every negative control, measured."""

EXHAUSTIVE_ITERATIONS = 1000
"""Bound for finite-domain entry points: high enough that exhaustion ends the run first."""

CONDITION_TIMEOUT = 60.0
"""``--per_condition_timeout``: CPU seconds per postcondition, a safety net above the bound."""

PROCESS_TIMEOUT = 600.0
"""Wall-clock seconds after which a CrossHair process is killed and its check is UNKNOWN."""

DIFF_ITERATIONS = 5000
"""diffbehavior bound: above the grid size, so the run ends by exhausting the grid."""

MESSAGE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<kind>error|warning|info): (?P<text>.*)$")
"""One line of ``crosshair check`` output."""

CONFIRMED = "Confirmed over all paths."
"""CrossHair's message for a postcondition that holds on every path."""

NOT_CONFIRMED = "Not confirmed."
"""CrossHair's message for a postcondition with no counterexample found within the bound."""

UNMET_PRECONDITION = "Unable to meet precondition."
"""CrossHair's message when no input satisfied the preconditions: nothing was checked."""


@dataclass(frozen=True)
class CrossHairRun:
    """What one CrossHair process did."""

    returncode: int | None
    """Exit code (0 nothing found, 1 counterexample, 2 error), None if it was killed."""
    stdout: str
    """Its standard output."""
    stderr: str
    """Its standard error."""
    seconds: float
    """Wall-clock time it took."""


@dataclass(frozen=True)
class CheckOutput:
    """The messages of one ``crosshair check`` run, sorted by kind."""

    counterexamples: tuple[str, ...]
    """Error lines: a postcondition failed or the function raised."""
    confirmed: int
    """Postconditions confirmed over all paths."""
    not_confirmed: int
    """Postconditions with no counterexample within the bound."""
    unmet: int
    """Functions whose preconditions no input met."""


def run_crosshair(arguments: list[str], timeout: float = PROCESS_TIMEOUT) -> CrossHairRun:
    """Run ``python -m crosshair`` with ``arguments`` from the repository root."""
    environment = dict(os.environ)
    python_path = environment.get("PYTHONPATH")
    root = str(REPOSITORY_ROOT)
    environment["PYTHONPATH"] = root if not python_path else root + os.pathsep + python_path
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "crosshair", *arguments],
            cwd=REPOSITORY_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        return CrossHairRun(None, str(expired.stdout or ""), "", time.perf_counter() - start)
    return CrossHairRun(
        completed.returncode, completed.stdout, completed.stderr, time.perf_counter() - start
    )


def get_iterations(entry_point: EntryPoint) -> int:
    """Return the iteration bound for an entry point (and for its negative control)."""
    return EXHAUSTIVE_ITERATIONS if entry_point.exhaustive else ITERATIONS


def build_check_arguments(target: str, iterations: int) -> list[str]:
    """Return the ``crosshair check`` arguments for one function."""
    return [
        "check",
        "--report_all",
        f"--max_uninteresting_iterations={iterations}",
        f"--per_condition_timeout={CONDITION_TIMEOUT}",
        target,
    ]


def parse_check_output(stdout: str) -> CheckOutput:
    """Sort the lines of ``crosshair check --report_all`` output by kind."""
    counterexamples: list[str] = []
    confirmed = not_confirmed = unmet = 0
    for line in stdout.splitlines():
        match = MESSAGE.match(line.strip())
        if match is None:
            continue
        text = match["text"]
        if match["kind"] == "error":
            counterexamples.append(f"line {match['line']}: {text}")
        elif text == CONFIRMED:
            confirmed += 1
        elif text == NOT_CONFIRMED:
            not_confirmed += 1
        elif text == UNMET_PRECONDITION:
            unmet += 1
    return CheckOutput(tuple(counterexamples), confirmed, not_confirmed, unmet)


def describe_failure(run: CrossHairRun) -> str:
    """Return why a run gave no usable answer."""
    if run.returncode is None:
        return f"CrossHair did not finish within {PROCESS_TIMEOUT:.0f} s"
    output = (run.stdout + run.stderr).strip()
    return f"CrossHair exited with {run.returncode}: {output[-2000:]}"


def describe_bound(iterations: int) -> str:
    """Return how far a bounded search went, for a result's detail."""
    return (
        f"no counterexample within {iterations} uninteresting iterations per postcondition"
        f" (CPU cap {CONDITION_TIMEOUT:.0f} s); CrossHair: not confirmed over all paths"
    )


def judge_entry_point(entry_point: EntryPoint, run: CrossHairRun) -> CheckResult:
    """Return the result of checking an entry point's contract."""
    iterations = get_iterations(entry_point)
    output = parse_check_output(run.stdout)
    checked = output.confirmed + output.not_confirmed
    if output.counterexamples:
        outcome, detail = Outcome.FAILED, "\n".join(output.counterexamples)
    elif run.returncode is None:
        outcome, detail = Outcome.UNKNOWN, describe_failure(run)
    elif run.returncode != 0:
        outcome, detail = Outcome.FAILED, describe_failure(run)
    elif output.unmet or checked == 0:
        outcome, detail = Outcome.FAILED, "no input met the preconditions: nothing was checked"
    elif output.not_confirmed == 0:
        outcome = Outcome.PROVED
        detail = f"confirmed over all paths ({output.confirmed} postconditions)"
    elif entry_point.exhaustive:
        outcome = Outcome.UNKNOWN
        detail = f"a finite domain was not exhausted: {describe_bound(iterations)}"
    else:
        outcome, detail = Outcome.BOUNDED, describe_bound(iterations)
    return CheckResult(
        name=f"crosshair/{entry_point.name}",
        invariants=entry_point.invariants,
        method=Method.CROSSHAIR,
        outcome=outcome,
        seconds=run.seconds,
        detail=detail,
    )


def get_summary(function: Callable[..., object]) -> str:
    """Return the first line of a function's docstring."""
    return (function.__doc__ or function.__name__).strip().splitlines()[0]


def judge_negative_control(
    control: NegativeControl, entry_point: EntryPoint, run: CrossHairRun
) -> CheckResult:
    """Return the result of a negative control: caught only with a real counterexample."""
    output = parse_check_output(run.stdout)
    bug = get_summary(control.function)
    if output.counterexamples and run.returncode == 1:
        outcome = Outcome.CAUGHT
        detail = f"{control.name}: {bug}\n" + "\n".join(output.counterexamples)
    elif run.returncode not in (0, 1):
        outcome, detail = Outcome.FAILED, describe_failure(run)
    else:
        outcome = Outcome.FAILED
        detail = f"{control.name} not caught: {describe_bound(get_iterations(entry_point))}"
    return CheckResult(
        name=f"crosshair/{entry_point.name}/negative-control",
        invariants=entry_point.invariants,
        method=Method.NEGATIVE_CONTROL,
        outcome=outcome,
        seconds=run.seconds,
        detail=detail,
    )


@dataclass(frozen=True)
class TwinComparison:
    """A ``crosshair diffbehavior`` run of a spec function against a twin."""

    spec_function: str
    """Fully qualified name of the spec function."""
    twin: str
    """Fully qualified name of the twin."""
    faithful: bool
    """Whether the twin should behave exactly like the spec (else it is a negative control)."""
    invariants: tuple[InvariantId, ...]
    """Invariants the spec function serves (a twin names no catalog entry: it claims them)."""

    @property
    def name(self) -> str:
        """Return the check's stable name."""
        suffix = "" if self.faithful else "/negative-control"
        return f"crosshair/diffbehavior/{self.twin.rsplit('.', 1)[1]}{suffix}"

    def build_arguments(self) -> list[str]:
        """Return the ``crosshair diffbehavior`` arguments."""
        return [
            "diffbehavior",
            "--exception_equivalence=SAME_TYPE",
            f"--max_uninteresting_iterations={DIFF_ITERATIONS}",
            self.spec_function,
            self.twin,
        ]


TWIN_COMPARISONS = (
    TwinComparison(
        "spec.settlement.exits.compute_exitable_time",
        "proofs.crosshair.twins.compute_exitable_time_branching",
        faithful=True,
        invariants=(InvariantId.MATURITY,),
    ),
    TwinComparison(
        "spec.settlement.exits.compute_exitable_time",
        "proofs.crosshair.twins.compute_exitable_time_misparenthesised",
        faithful=False,
        invariants=(InvariantId.MATURITY,),
    ),
)
"""The diffbehavior pairs: one faithful twin, one broken."""


def judge_twin_comparison(comparison: TwinComparison, run: CrossHairRun) -> CheckResult:
    """Return the result of one diffbehavior run."""
    text = run.stdout.strip()
    if run.returncode == 0 and "No differences found" in text:
        outcome = Outcome.BOUNDED if comparison.faithful else Outcome.FAILED
        detail = f"no difference on the boundary-value grid: {text}"
    elif run.returncode == 1:
        outcome = Outcome.FAILED if comparison.faithful else Outcome.CAUGHT
        detail = text
    else:
        outcome = Outcome.UNKNOWN if run.returncode is None else Outcome.FAILED
        detail = describe_failure(run)
    return CheckResult(
        name=comparison.name,
        invariants=comparison.invariants,
        method=Method.CROSSHAIR if comparison.faithful else Method.NEGATIVE_CONTROL,
        outcome=outcome,
        seconds=run.seconds,
        detail=detail,
    )


def check_entry_point(entry_point: EntryPoint) -> CheckResult:
    """Run ``crosshair check`` on an entry point and judge the result."""
    arguments = build_check_arguments(entry_point.target, get_iterations(entry_point))
    return judge_entry_point(entry_point, run_crosshair(arguments))


def check_negative_control(control: NegativeControl) -> CheckResult:
    """Run ``crosshair check`` on a negative control, with its entry point's bound, and judge it."""
    (entry_point,) = (e for e in ENTRY_POINTS if e.function is control.entry_point)
    arguments = build_check_arguments(control.target, get_iterations(entry_point))
    return judge_negative_control(control, entry_point, run_crosshair(arguments))


def check_twin_comparison(comparison: TwinComparison) -> CheckResult:
    """Run ``crosshair diffbehavior`` on a spec function and a twin and judge the result."""
    return judge_twin_comparison(comparison, run_crosshair(comparison.build_arguments()))


def list_jobs() -> list[Callable[[], CheckResult]]:
    """Return one job per check: entry points, then negative controls, then twins."""
    return [
        *(partial(check_entry_point, entry_point) for entry_point in ENTRY_POINTS),
        *(partial(check_negative_control, control) for control in NEGATIVE_CONTROLS),
        *(partial(check_twin_comparison, comparison) for comparison in TWIN_COMPARISONS),
    ]


def run_crosshair_checks(workers: int | None = None) -> list[CheckResult]:
    """Run every CrossHair check, ``workers`` processes at a time (default: one per core).

    Results come in a fixed order: entry points, negative controls, twins.
    """
    jobs = list_jobs()
    # The diffbehavior runs take longest: start them first so that they do not finish last
    twins_start = len(jobs) - len(TWIN_COMPARISONS)
    submission_order = [*range(twins_start, len(jobs)), *range(twins_start)]
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {index: pool.submit(jobs[index]) for index in submission_order}
        return [futures[index].result() for index in range(len(jobs))]
