"""``plasma-spec fuzz``: run the adversarial machine for a while, or replay a saved trace.

- ``plasma-spec fuzz --minutes N [--game payments|cash] [--seed S] [--output DIR]``
  runs the game's machine (payments environments, or a Plasma Cash environment
  beside a payments one) under the ``fuzz`` profile for N minutes, showing
  progress on stderr; on a failure it saves the shrunk trace (naming its game)
  in DIR, prints the file's path and exits with 1.
- ``plasma-spec fuzz --replay FILE`` replays a saved trace without Hypothesis, on
  the game it names; it exits with 0 when the trace passes and 1 when it fails
  (the failure reproduces).

A file that is not a replayable trace (missing, unreadable, not JSON, not of
the trace format, naming unknown actions or wrong arguments), a duration that
is not positive, or an output path that is a file, exit with 2 before any work.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adversary.fuzz import GAMES, fuzz, replay_file
from adversary.trace import TraceFileError, format_steps
from cli.failures import (
    UsageError,
    non_negative_int,
    positive_float,
    require_directory_or_absent,
)


def run_fuzz(arguments: argparse.Namespace) -> int:
    """Fuzz, or replay a trace file; return the exit code.

    Raises:
        UsageError: for a trace file that cannot be replayed, or an output path that is a file.
    """
    if arguments.replay is not None:
        return run_replay(arguments.replay)
    require_directory_or_absent(arguments.output, "--output")
    result = fuzz(
        arguments.minutes,
        sys.stderr,
        seed=arguments.seed,
        output=arguments.output,
        profile=arguments.profile,
        game=arguments.game,
    )
    print(
        f"{result.traces:,} traces, {result.steps:,} steps in {result.seconds:.0f} s "
        f"({result.steps_per_second:,.0f} steps/s, {result.traces_per_second:.2f} traces/s); "
        f"first seed {result.seed}, {result.batches} batches"
    )
    if result.passed:
        print("no failure found")
        return 0
    print(f"FAILURE: {result.failure.splitlines()[0]}")
    print(f"trace saved to {result.trace_path}")
    print(f"replay with: plasma-spec fuzz --replay {result.trace_path}")
    return 1


def run_replay(path: Path) -> int:
    """Replay one trace file and print its steps and outcome; return the exit code.

    Raises:
        UsageError: when the file is not a replayable trace.
    """
    try:
        run = replay_file(path)
    except TraceFileError as error:
        raise UsageError(f"{path} is not a replayable trace: {error}") from None
    print(format_steps(run.trace))
    if run.passed:
        print(f"\nreplay of {path} passed ({run.steps} steps)")
        return 0
    print(f"\nreplay of {path} FAILED:\n{run.failure}")
    return 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fuzz`` subcommand to the ``plasma-spec`` command line."""
    parser = commands.add_parser(
        "fuzz",
        help="run the adversarial stateful test for a while, or replay a saved trace",
        description=(
            "Run the adversarial state machine (byzantine operator, malicious users, "
            "watchers) of payments environments, or of a Plasma Cash environment beside a "
            "payments one (--game cash), under the fuzz profile; save and print any "
            "failing trace."
        ),
    )
    parser.add_argument("--minutes", type=positive_float, default=10.0, help="how long to run (10)")
    parser.add_argument(
        "--seed", type=non_negative_int, default=None, help="seed of the first batch"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("fuzz-failures"),
        help="directory for failing traces (fuzz-failures)",
    )
    parser.add_argument(
        "--game", choices=sorted(GAMES), default="payments", help="which machine (payments)"
    )
    profiles = sorted({name for game in GAMES.values() for name in game.profiles})
    parser.add_argument(
        "--profile", choices=profiles, default="fuzz", help="machine profile (fuzz)"
    )
    parser.add_argument(
        "--replay", type=Path, default=None, metavar="FILE", help="replay a saved trace file"
    )
    parser.set_defaults(run=run_fuzz)
