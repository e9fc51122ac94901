"""``plasma-spec fuzz``: run the adversarial machine for a while, or replay a saved trace.

- ``plasma-spec fuzz --minutes N [--game payments|cash] [--seed S] [--output DIR]``
  runs the game's machine (payments environments, or a Plasma Cash environment
  beside a payments one) under the ``fuzz`` profile for N minutes, as a
  campaign of batches (:mod:`campaigns.fuzzing`), showing one aggregated
  progress line on stderr every few seconds; on a failure it saves the shrunk
  trace (naming its game) in DIR, prints the file's path and exits with 1.
  The batches run on a local Dask cluster of one worker process per core,
  or of ``--workers N``; ``--workers 1`` (or no Dask installed) runs them in
  this process; ``--scheduler ADDRESS`` runs them on an existing Dask
  cluster. ``--store`` is Hypothesis's example database of failures (a
  directory, by default ``DIR/hypothesis``, or ``redis://host:port``);
  ``--mutant NAME`` plants a mutant of ``adversary.mutants`` in the workers,
  to check that the campaign finds a bug known to be there.
- ``plasma-spec fuzz --replay FILE`` replays a saved trace without Hypothesis, on
  the game it names; it exits with 0 when the trace passes and 1 when it fails
  (the failure reproduces). ``plasma-spec fuzz --replay-store [--store S]``
  replays every trace the failure store keeps, likewise.

A file that is not a replayable trace (missing, unreadable, not JSON, not of
the trace format, naming unknown actions or wrong arguments), a duration that
is not positive, an output path that is a file, an unknown mutant, a worker
count below 1, Dask options without Dask, or a scheduler that cannot be
reached (within a few seconds), exit with 2 before any work.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from adversary.fuzz import GAMES, replay_file
from adversary.mutants import MUTANTS
from adversary.trace import TraceFileError, format_steps, load_trace
from campaigns.fuzzing import FuzzCampaign, FuzzCampaignResult, run_fuzz_campaign
from campaigns.runners import CampaignError, make_runner
from campaigns.store import (
    StoreError,
    check_store_address,
    get_failure_key,
    get_store_address,
    load_stored,
)
from cli.failures import (
    UsageError,
    non_negative_int,
    positive_float,
    positive_int,
    require_directory_or_absent,
)


def run_fuzz(arguments: argparse.Namespace) -> int:
    """Fuzz, or replay a trace file; return the exit code.

    Raises:
        UsageError: for a trace file that cannot be replayed, or an output path that is a file.
    """
    if arguments.replay is not None:
        return run_replay(arguments.replay)
    if arguments.replay_store:
        return run_replay_store(get_store_address(arguments.store, arguments.output))
    require_directory_or_absent(arguments.output, "--output")
    store = get_store_address(arguments.store, arguments.output)
    names = {mutant.name for mutant in MUTANTS}
    if arguments.mutant is not None and arguments.mutant not in names:
        raise UsageError(
            f"--mutant names no mutant of adversary.mutants: {arguments.mutant[:40]!r}"
        )
    try:
        check_store_address(store)
        runner = make_runner(arguments.workers, arguments.scheduler)
    except (StoreError, CampaignError) as error:
        raise UsageError(str(error)) from None
    campaign = FuzzCampaign(
        minutes=arguments.minutes,
        seed=arguments.seed
        if arguments.seed is not None
        else random.SystemRandom().randrange(2**32),
        output=arguments.output,
        store=store,
        game=arguments.game,
        profile=arguments.profile,
        mutant=arguments.mutant,
    )
    try:
        result = run_fuzz_campaign(campaign, runner, sys.stderr)
    finally:
        runner.close()
    return report_campaign(result)


def report_campaign(result: FuzzCampaignResult) -> int:
    """Print what a fuzz campaign did and found; return the exit code."""
    print(
        f"{result.traces:,} traces, {result.steps:,} steps in {result.seconds:.0f} s "
        f"({result.steps_per_second:,.0f} steps/s, {result.traces_per_second:.2f} traces/s); "
        f"first seed {result.seed}, {result.batches} batches"
        + (f" on {result.workers} workers" if result.workers > 1 else "")
    )
    for line in [*result.reruns, *result.lost]:
        print(line)
    if result.failing is None:
        print("no failure found" if not result.lost else "FAILURE: a batch was lost")
        return 0 if not result.lost else 1
    print(f"FAILURE: {result.failing.failure.splitlines()[0]}")
    print(f"trace saved to {result.failing.trace_path}")
    print(f"replay with: plasma-spec fuzz --replay {result.failing.trace_path}")
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


def run_replay_store(store: str) -> int:
    """Replay every trace the failure store keeps; return 1 if one fails, else 0.

    Raises:
        UsageError: when the store cannot be used.
    """
    try:
        check_store_address(store)
        stored = [
            (game, content)
            for game in GAMES
            for content in load_stored(store, get_failure_key("fuzz", game))
        ]
    except StoreError as error:
        raise UsageError(str(error)) from None
    if not stored:
        print(f"no failure kept in {store}")
        return 0
    failed = 0
    with tempfile.TemporaryDirectory() as directory:
        for number, (game, content) in enumerate(stored, 1):
            path = Path(directory) / f"stored-{number}.json"
            path.write_bytes(content)
            try:
                run, seed = replay_file(path), load_trace(path).seed
            except TraceFileError as error:
                print(f"stored trace {number} ({game}) is not replayable: {error}")
                failed += 1
                continue
            verdict = "passed" if run.passed else f"FAILED: {run.failure.splitlines()[0]}"
            print(f"stored trace {number} ({game}, seed {seed}): {verdict}")
            failed += not run.passed
    return 1 if failed else 0


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
    parser.add_argument(
        "--replay-store",
        action="store_true",
        help="replay every trace the failure store (--store) keeps",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="worker processes of a local Dask cluster (default: one per core; 1: in-process)",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on this existing Dask cluster"
    )
    parser.add_argument(
        "--store",
        default=None,
        metavar="DIR|redis://HOST:PORT",
        help="Hypothesis example database of failures (default: OUTPUT/hypothesis)",
    )
    parser.add_argument(
        "--mutant",
        default=None,
        metavar="NAME",
        help="plant this mutant of adversary.mutants in the workers (a check of the fuzzer)",
    )
    parser.set_defaults(run=run_fuzz)
