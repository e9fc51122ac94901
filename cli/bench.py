"""``plasma-spec bench``: reference node throughput, against the spec and the signature bound.

``plasma-spec bench --finality`` measures committee finality instead: commit
latency and throughput of four replica processes
(``reference.benchmarks.finality``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from cli.failures import positive_float, positive_int
from reference.benchmarks.finality import format_finality_report, run_finality_benchmark
from reference.benchmarks.runs import BenchmarkSettings, format_report, run_benchmarks

MAX_SIZE = 10_000_000
"""Largest workload size accepted (ten million transactions or exits)."""


def parse_sizes(text: str) -> tuple[int, ...]:
    """Return the sizes of a comma-separated list such as ``1000,10000`` (an argparse type).

    Raises:
        argparse.ArgumentTypeError: unless it lists at least one whole number from 1 to
            :data:`MAX_SIZE`.
    """
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdecimal() and len(part) <= 8 for part in parts):
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text[:60]!r}")
    sizes = tuple(int(part) for part in parts)
    if any(not 1 <= size <= MAX_SIZE for size in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be from 1 to {MAX_SIZE:,}")
    return sizes


def run_finality_bench(arguments: argparse.Namespace) -> int:
    """Run the committee finality benchmark and print its numbers (or JSON)."""
    with tempfile.TemporaryDirectory(prefix="plasma-bench-") as directory:
        measurement = run_finality_benchmark(
            Path(directory),
            arguments.finality_seconds,
            progress=lambda line: print(f"... {line}", file=sys.stderr, flush=True),
        )
    if arguments.json:
        document = {**asdict(measurement), "throughput": measurement.throughput}
        print(json.dumps(document, indent=2))
    else:
        print(format_finality_report(measurement))
    return 0


def run_bench(arguments: argparse.Namespace) -> int:
    """Run the benchmarks and print the table (or JSON)."""
    if arguments.finality:
        return run_finality_bench(arguments)
    settings = BenchmarkSettings(
        transaction_counts=arguments.transactions,
        exit_counts=arguments.exits,
        coin_counts=arguments.coins,
        workers=arguments.workers,
        spec_budget=arguments.spec_budget,
    )
    with tempfile.TemporaryDirectory(prefix="plasma-bench-") as directory:
        report = run_benchmarks(
            settings, directory, lambda line: print(f"... {line}", file=sys.stderr, flush=True)
        )
    if arguments.json:
        document = {
            "recovery_rate": report.recovery_rate,
            "workers": report.workers,
            "measurements": [
                {
                    **asdict(m),
                    "reference_rate": m.reference_rate,
                    "spec_rate": m.spec_rate,
                    "speedup": m.speedup,
                }
                for m in report.measurements
            ],
        }
        print(json.dumps(document, indent=2))
    else:
        print(format_report(report))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand."""
    parser = commands.add_parser(
        "bench",
        help="measure the reference node (block validation, exit processing) against the spec",
        description=(
            "Measure block validation and exit processing throughput of the reference node "
            "and of the spec on the same work, for payments and for Plasma Cash coins, beside "
            "this machine's secp256k1 public-key recovery rate (the bound on signature "
            "checking). Spec runs whose projected time exceeds --spec-budget are skipped. "
            "With --finality, measure instead the commit latency and throughput of a committee "
            "of four replica processes for --finality-seconds."
        ),
    )
    parser.add_argument(
        "--transactions",
        type=parse_sizes,
        default=(1_000, 10_000, 100_000),
        metavar="N,N,...",
        help="block workload sizes (default: 1000,10000,100000)",
    )
    parser.add_argument(
        "--exits",
        type=parse_sizes,
        default=(1_000, 10_000, 100_000),
        metavar="N,N,...",
        help="exit workload sizes (default: 1000,10000,100000)",
    )
    parser.add_argument(
        "--coins",
        type=parse_sizes,
        default=(1_000, 10_000),
        metavar="N,N,...",
        help="Plasma Cash workload sizes: coins transferred, coins exited (default: 1000,10000)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        help="signature-recovery threads, at least 1 (default: 2)",
    )
    parser.add_argument(
        "--spec-budget",
        type=positive_float,
        default=120.0,
        metavar="SECONDS",
        help="skip a spec run projected to take longer (default: 120)",
    )
    parser.add_argument(
        "--finality",
        action="store_true",
        help="measure committee finality (4 replica processes) instead: commit latency, blocks/s",
    )
    parser.add_argument(
        "--finality-seconds",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="length of the --finality measuring window (default: 10)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run_bench)
