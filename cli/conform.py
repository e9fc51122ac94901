"""The ``plasma-spec conform`` subcommand: check an implementation against the spec.

``plasma-spec conform [--impl CMD]`` starts the implementation's adapter
(default: the bundled reference adapter), replays every vector (a directory
given with ``--vectors``, or the suite of ``--preset`` built on the fly, or
none with ``--no-vectors``), then
runs ``--traces`` random differential traces (``--seed``) of each area with a
generator (``settlement``, ``payments-chain``, ``cash-chain``) the implementation announces,
within ``--minutes``; an area it lacks is skipped and counted as skipped. A
disagreement is shrunk to a minimal trace, printed with a field-level diff and
written as a vector under ``--failures``. When a vector fails, the
differential traces are not run, and a line says so.

The differential traces run as a campaign (:mod:`campaigns.conforming`):
ranges of traces of each area, on a local Dask cluster of one worker process
per core, or of ``--workers N``, or on an existing cluster with
``--scheduler ADDRESS``; ``--workers 1`` (or no Dask installed) runs them in
this process. Each worker starts its own adapter from ``--impl`` and keeps
it across its tasks; trace ``i`` of an area is drawn from its own seed, so
the traces, and the first failing one, are the same whatever the workers and
``--traces`` (the first traces of a seed are the same for any count). An
adapter that hangs, crashes or answers garbage during a range is reported
with its task, area and traces, and the campaign goes on (exit 3 at the end).

Exit codes (``cli.failures.ExitStatus``): 0 all agreed; 1 a disagreement; 2 a
usage error, found before the implementation starts (an ``--impl`` that is
empty, badly quoted or names no executable program, a ``--vectors`` path
that does not exist or holds no vector, a negative count or a duration that
is not positive, a ``--failures`` path that is a file, a worker count below
1, Dask options without Dask, a ``--scheduler`` that cannot be reached); 3 the implementation
hung, crashed or answered garbage; 4 a vector given with ``--vectors`` is
malformed (not JSON, against the schema, or an initial state that does not
match its digest), reported with its file before any vector runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

from campaigns.conforming import (
    DifferentialCampaign,
    DifferentialCampaignResult,
    run_differential_campaign,
)
from campaigns.runners import CampaignError, Runner, make_runner
from cli.failures import (
    ExitStatus,
    MalformedVectorError,
    UsageError,
    non_negative_int,
    positive_float,
    positive_int,
    require_directory_or_absent,
)
from conformance.client import Implementation, ImplementationFailure
from conformance.differential import GENERATORS, DifferentialRun
from conformance.readable import JsonValue
from conformance.runner import FAILED, PASSED, SKIPPED, VectorResult, run_vector, say_hello
from conformance.suite import VectorFileError, list_traces, load_vectors
from conformance.trace import make_vector
from spec.presets import PRESETS

DEFAULT_TRACES = 100
"""Differential traces run per area unless ``--traces`` says otherwise."""

REFERENCE_ADAPTER = f"{shlex.quote(sys.executable)} -m conformance.reference_adapter"
"""The bundled reference adapter, run with this Python."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``conform`` subcommand to ``commands``."""
    parser = commands.add_parser(
        "conform",
        help="check an implementation against the vectors and differential traces",
        description="Run the conformance vectors and random differential traces against an "
        "implementation adapter (conformance/PROTOCOL.md).",
    )
    parser.add_argument("--impl", default=REFERENCE_ADAPTER, help="adapter command line")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--vectors", type=Path, help="vector directory or file (default: built)")
    source.add_argument(
        "--no-vectors", action="store_true", help="run no vector, only the differential traces"
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument(
        "--traces",
        type=non_negative_int,
        default=DEFAULT_TRACES,
        help="differential traces per area (0: none)",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the differential traces"
    )
    parser.add_argument("--minutes", type=positive_float, default=5.0, help="time budget")
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="seconds per answer")
    parser.add_argument("--failures", type=Path, default=Path("conformance-failures"))
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="worker processes of a local Dask cluster (default: one per core; 1: in-process)",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on this existing Dask cluster"
    )
    parser.set_defaults(run=run_conform)


def parse_command(command: str) -> list[str]:
    """Return the words of an adapter command line whose program can be run.

    Raises:
        UsageError: when it is empty, badly quoted, or names no executable program.
    """
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise UsageError(f"--impl {command[:80]!r} cannot be split into words: {error}") from None
    if not words:
        raise UsageError("--impl is empty; give the adapter's command line")
    program = words[0]
    found = shutil.which(program)
    if found is None:
        raise UsageError(f"--impl names no executable program: {program[:80]!r}")
    return words


def load_requested_vectors(
    arguments: argparse.Namespace,
) -> list[tuple[str, dict[str, JsonValue]]] | None:
    """Return the vectors given with ``--vectors`` (None when none were given).

    Raises:
        UsageError: when the path does not exist or holds no vector.
        MalformedVectorError: when a vector file is malformed.
    """
    if arguments.vectors is None:
        return None
    if not arguments.vectors.exists():
        raise UsageError(f"--vectors {arguments.vectors} does not exist")
    try:
        vectors = load_vectors(arguments.vectors)
    except VectorFileError as error:
        raise MalformedVectorError(error.path, error.problem) from None
    if not vectors:
        raise UsageError(f"--vectors {arguments.vectors} holds no vector (*.json)")
    return vectors


def run_conform(arguments: argparse.Namespace) -> int:
    """Run the check; return the exit code.

    Raises:
        UsageError: for an adapter that cannot start, or unusable paths.
        MalformedVectorError: for a malformed vector.
    """
    deadline = time.monotonic() + 60 * arguments.minutes
    words = parse_command(arguments.impl)
    require_directory_or_absent(arguments.failures, "--failures")
    vectors = load_requested_vectors(arguments)
    try:
        implementation = Implementation(shlex.join(words), arguments.timeout)
    except OSError as error:
        raise UsageError(f"--impl cannot be started: {error.strerror or error}") from None
    try:
        return check(implementation, arguments, deadline, vectors)
    except ImplementationFailure as failure:
        print(f"FAIL: the implementation {failure.kind}: {failure.detail}")
        return ExitStatus.IMPLEMENTATION
    finally:
        implementation.close()


def check(
    implementation: Implementation,
    arguments: argparse.Namespace,
    deadline: float,
    requested: list[tuple[str, dict[str, JsonValue]]] | None,
) -> int:
    """Say hello, replay the vectors, run the differential traces; return the exit code.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    name, capabilities = say_hello(implementation)
    print(f"Implementation: {name}; capabilities: {', '.join(sorted(capabilities))}")
    preset = PRESETS[arguments.preset]
    if requested is not None:
        vectors = requested
    elif arguments.no_vectors:
        vectors = []
    else:
        vectors = [(path, make_vector(trace)) for path, trace in list_traces(preset)]
    results = [run_vector(implementation, capabilities, path, v) for path, v in vectors]
    report_vectors(results)
    failed = [result for result in results if result.status == FAILED]
    if failed:
        print("Differential traces: not run (a vector failed: fix it first, or use --no-vectors)")
        return 1
    if arguments.traces <= 0:
        print("Differential traces: skipped (--traces 0)")
        return 0
    areas = [area for area in GENERATORS if area in capabilities]
    for area in GENERATORS:
        if area not in capabilities:
            print(f"Differential traces, {area}: skipped (lacks capability {area})")
    campaign = DifferentialCampaign(
        areas=tuple(areas),
        traces=arguments.traces,
        seed=arguments.seed,
        preset=arguments.preset,
        command=implementation.command,
        timeout=arguments.timeout,
        deadline=time.time() + max(deadline - time.monotonic(), 0.0),
    )
    result = run_campaign(campaign, arguments)
    exit_code = 0
    for area in areas:
        exit_code = max(exit_code, report_differential(result.runs[area], arguments))
    for line in [*result.reruns, *(f"FAIL {line}" for line in result.lost + result.broken)]:
        print(line)
    if result.lost:
        exit_code = max(exit_code, ExitStatus.FAILED)
    if result.broken:
        exit_code = ExitStatus.IMPLEMENTATION
    print(f"Differential areas: {len(areas)} run, {len(GENERATORS) - len(areas)} skipped")
    return exit_code


def run_campaign(
    campaign: DifferentialCampaign, arguments: argparse.Namespace
) -> DifferentialCampaignResult:
    """Run the differential campaign where ``--workers`` and ``--scheduler`` say.

    Raises:
        UsageError: when they ask for Dask without it, or a cluster that cannot be reached.
    """
    try:
        runner: Runner = make_runner(arguments.workers, arguments.scheduler)
    except CampaignError as error:
        raise UsageError(str(error)) from None
    try:
        return run_differential_campaign(campaign, runner, sys.stderr)
    finally:
        runner.close()


def report_differential(run: DifferentialRun, arguments: argparse.Namespace) -> int:
    """Print what a differential run of one area did; write its failure; return the exit code."""
    print(
        f"Differential traces, {run.area}: {run.traces} "
        f"({run.steps} steps, {run.compute_rate():.0f} steps/s)"
    )
    if run.failure is None or run.result is None:
        return 0
    path = arguments.failures / f"differential-{run.area}-seed{arguments.seed}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(run.failure, indent=1) + "\n")
        where = f"written to {path}"
    except OSError as error:
        where = f"NOT written: cannot write {path}: {error.strerror or error}"
    print(
        f"FAIL differential {run.area} (found at trace {run.found_after}, "
        f"shrunk to {len(run.failure['steps'])} steps), {where}"
    )
    print("\n".join(f"  {line}" for line in run.result.lines))
    return 1


def report_vectors(results: list[VectorResult]) -> None:
    """Print the failures and the counts of passed, failed and skipped vectors."""
    for result in results:
        if result.status == FAILED:
            print(f"FAIL {result.path}")
            print("\n".join(f"  {line}" for line in result.lines))
    counts = {status: 0 for status in (PASSED, FAILED, SKIPPED)}
    for result in results:
        counts[result.status] += 1
    skipped = sorted({line for r in results if r.status == SKIPPED for line in r.lines})
    print(
        f"Vectors: {counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped"
        + (f" ({'; '.join(skipped)})" if skipped else "")
    )
