"""The ``plasma-spec conform`` subcommand: check an implementation against the spec.

``plasma-spec conform [--impl CMD]`` starts the implementation's adapter
(default: the bundled reference adapter), replays every vector (a directory
given with ``--vectors``, or the suite of ``--preset`` built on the fly), then
runs ``--traces`` random differential traces (``--seed``) of each area with a
generator (``settlement``, ``payments-chain``) the implementation announces,
within ``--minutes``; an area it lacks is skipped and counted as skipped. A
disagreement is shrunk to a minimal trace, printed with a field-level diff and
written as a vector under ``--failures``. Exit codes: 0 all agreed, 1 a
disagreement, 2 the implementation hung, crashed or answered garbage.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from conformance.client import Implementation, ImplementationFailure
from conformance.differential import GENERATORS, DifferentialRun, run_differential
from conformance.runner import FAILED, PASSED, SKIPPED, VectorResult, run_vector, say_hello
from conformance.suite import list_traces, load_vectors
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
    parser.add_argument("--vectors", type=Path, help="vector directory or file (default: built)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument(
        "--traces", type=int, default=DEFAULT_TRACES, help="differential traces per area"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the differential traces")
    parser.add_argument("--minutes", type=float, default=5.0, help="time budget")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per answer")
    parser.add_argument("--failures", type=Path, default=Path("conformance-failures"))
    parser.set_defaults(run=run_conform)


def run_conform(arguments: argparse.Namespace) -> int:
    """Run the check; return the exit code."""
    deadline = time.monotonic() + 60 * arguments.minutes
    implementation = Implementation(arguments.impl, arguments.timeout)
    try:
        return check(implementation, arguments, deadline)
    except ImplementationFailure as failure:
        print(f"FAIL: the implementation {failure.kind}: {failure.detail}")
        return 2
    finally:
        implementation.close()


def check(implementation: Implementation, arguments: argparse.Namespace, deadline: float) -> int:
    """Say hello, replay the vectors, run the differential traces; return the exit code.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage.
    """
    name, capabilities = say_hello(implementation)
    print(f"Implementation: {name}; capabilities: {', '.join(sorted(capabilities))}")
    preset = PRESETS[arguments.preset]
    if arguments.vectors is not None:
        vectors = load_vectors(arguments.vectors)
    else:
        vectors = [(path, make_vector(trace)) for path, trace in list_traces(preset)]
    results = [run_vector(implementation, capabilities, path, v) for path, v in vectors]
    report_vectors(results)
    failed = [result for result in results if result.status == FAILED]
    if failed:
        return 1
    if arguments.traces <= 0:
        print("Differential traces: skipped (--traces 0)")
        return 0
    exit_code = 0
    skipped = 0
    areas = list(GENERATORS)
    for index, area in enumerate(areas):
        if area not in capabilities:
            print(f"Differential traces, {area}: skipped (lacks capability {area})")
            skipped += 1
            continue
        # Each area left gets an equal share of the time left
        share = (deadline - time.monotonic()) / (len(areas) - index)
        run = run_differential(
            implementation,
            capabilities,
            preset,
            area=area,
            traces=arguments.traces,
            random_seed=arguments.seed,
            deadline=time.monotonic() + max(share, 0.0),
        )
        exit_code = max(exit_code, report_differential(run, arguments))
    print(f"Differential areas: {len(areas) - skipped} run, {skipped} skipped")
    return exit_code


def report_differential(run: DifferentialRun, arguments: argparse.Namespace) -> int:
    """Print what a differential run of one area did; write its failure; return the exit code."""
    print(
        f"Differential traces, {run.area}: {run.traces} "
        f"({run.steps} steps, {run.compute_rate():.0f} steps/s)"
    )
    if run.failure is None or run.result is None:
        return 0
    path = arguments.failures / f"differential-{run.area}-seed{arguments.seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.failure, indent=1) + "\n")
    print(
        f"FAIL differential {run.area} (found at trace {run.found_after}, "
        f"shrunk to {len(run.failure['steps'])} steps), written to {path}"
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
