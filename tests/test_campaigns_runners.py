"""Choosing where a campaign runs: in-process without Dask, and clear refusals of bad options."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from adversary.trace import load_trace
from campaigns.runners import EXTRA_HINT, InProcessRunner, make_runner
from cli.main import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``plasma-spec`` in this process; return its status, output and error output."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        status = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_without_dask_the_commands_run_in_process_and_refuse_dask_options(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given Dask that cannot be imported.

    When fuzz runs with no worker option, and fuzz and conform with --scheduler or --workers 2,
    Then the default runs in this process (and finds the planted mutant), and the Dask options
    exit 2 with one line naming the extra to install.
    """
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert isinstance(make_runner(None, None), InProcessRunner)
    fuzz = ["fuzz", "--minutes", "0.01", "--seed", "1", "--profile", "ci"]
    argv = [*fuzz, "--output", str(tmp_path), "--mutant", "no-maturity-check"]
    status, output, _ = run_cli(argv, capsys)
    assert status == 1
    assert " workers" not in output.splitlines()[0]
    (saved,) = tmp_path.glob("*.json")
    assert load_trace(saved).failure.startswith("INV-07")
    for extra in (["--scheduler", "tcp://127.0.0.1:8786"], ["--workers", "2"]):
        for command in (fuzz, ["conform", "--no-vectors", "--traces", "1"]):
            status, _, error = run_cli([*command, *extra], capsys)
            assert status == 2, (command, extra)
            assert f"needs Dask, which is not installed: {EXTRA_HINT}" in error
            assert "Traceback" not in error
            assert len(error.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fuzz", "--workers", "0"], "argument --workers: must be at least 1"),
        (["fuzz", "--workers", "-2"], "argument --workers: must be at least 1"),
        (["conform", "--workers", "0"], "argument --workers: must be at least 1"),
        (["fuzz", "--workers", "2", "--scheduler", "tcp://h:1"], "not both"),
        (["fuzz", "--mutant", "no-such-mutant"], "--mutant names no mutant of adversary.mutants"),
        (["fuzz", "--store", "redis://"], "names no Redis host"),
    ],
)
def test_bad_campaign_options_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a bad worker count, both --workers and --scheduler, or an unknown mutant or store.

    When the command runs,
    Then it exits 2 before any work with a one-line error saying what is wrong.
    """
    status, _, error = run_cli([*argv, "--minutes", "0.01"], capsys)
    assert status == 2
    assert message in error
    assert "Traceback" not in error


@pytest.mark.parametrize("command", [["fuzz", "--minutes", "0.01"], ["conform", "--traces", "1"]])
def test_an_unreachable_scheduler_exits_2_within_seconds(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a scheduler address where nothing listens.

    When fuzz or conform is pointed at it,
    Then it exits 2 within about the connect timeout, with one line naming the address.
    """
    started = time.monotonic()
    argv = [*command, "--scheduler", "tcp://127.0.0.1:9"]
    options = ["--output", str(tmp_path)] if command[0] == "fuzz" else ["--no-vectors"]
    status, _, error = run_cli([*argv, *options], capsys)
    assert status == 2
    assert "cannot reach the scheduler at tcp://127.0.0.1:9" in error
    assert "Traceback" not in error
    assert time.monotonic() - started < 20


def test_a_redis_store_without_the_redis_package_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the redis package that cannot be imported.

    When fuzz is given a Redis store,
    Then it exits 2 before any work, with one line saying what to install.
    """
    monkeypatch.setitem(sys.modules, "redis", None)
    argv = ["fuzz", "--minutes", "0.01", "--store", "redis://127.0.0.1:6379"]
    status, _, error = run_cli(argv, capsys)
    assert status == 2
    assert "--store redis://... needs the redis package: pip install 'plasma-spec[redis]'" in error
    assert len(error.strip().splitlines()) == 1
