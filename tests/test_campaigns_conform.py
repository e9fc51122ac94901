"""Differential conformance campaigns: two workers, faulty adapters, independent traces."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.conform import REFERENCE_ADAPTER
from cli.main import main
from conformance.client import Implementation
from conformance.differential import run_differential
from conformance.readable import JsonValue
from conformance.runner import VectorResult, run_vector, say_hello
from spec.presets import TINY

FAULTY = f"{shlex.quote(sys.executable)} -m conformance.faulty_adapter --fault"


def conform(capsys: pytest.CaptureFixture[str], tmp_path: Path, *options: str) -> tuple[int, str]:
    """Run ``plasma-spec conform`` in this process; return its status and output."""
    failures = ("--failures", str(tmp_path / "failures"))
    status = main(["conform", *failures, *options])
    return status, capsys.readouterr().out


def test_two_workers_find_a_faulty_adapter_and_write_a_replayable_vector(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Given the reference paying the youngest mature exits first, and no vectors.

    When a two-worker campaign runs 30 traces of each area,
    Then every area runs exactly 30 traces (ranges of 25 and 5), the settlement traces
    find the disagreement, shrink it and write it; the vector alone fails with --vectors
    (and the differential part says it did not run), and the reference passes it.
    """
    faulty = f"{FAULTY} wrong-priority"
    options = ("--no-vectors", "--traces", "30", "--timeout", "5")
    status, output = conform(capsys, tmp_path, "--impl", faulty, *options, "--workers", "2")
    assert status == 1
    assert "FAIL differential settlement (found at trace " in output
    for area in ("payments-chain", "cash-chain", "consensus"):
        assert f"Differential traces, {area}: 30 (" in output
    (written,) = (tmp_path / "failures").iterdir()
    assert json.loads(written.read_text())["area"] == "settlement"
    again = ("--vectors", str(written), "--traces", "0", "--workers", "1")
    status, output = conform(capsys, tmp_path, "--impl", faulty, *again)
    assert status == 1
    assert "Vectors: 0 passed, 1 failed, 0 skipped" in output
    assert "Differential traces: not run (a vector failed" in output
    status, _ = conform(capsys, tmp_path, "--impl", REFERENCE_ADAPTER, *again)
    assert status == 0


@pytest.mark.parametrize(("fault", "kind"), [("hang", "hung"), ("crash", "crashed")])
def test_a_hung_or_crashed_adapter_is_reported_per_task_and_the_campaign_goes_on(
    fault: str, kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Given an adapter that hangs on every apply, or exits on its third.

    When a two-worker campaign runs 2 traces of each area,
    Then each task it broke is reported (task, area, traces, worker, what happened): the
    task of every area for the hung one; every area still runs, no task is lost, and
    conform exits 3.
    """
    options = ("--no-vectors", "--traces", "2", "--timeout", "3", "--workers", "2")
    status, output = conform(capsys, tmp_path, "--impl", f"{FAULTY} {fault}", *options)
    assert status == 3
    task = r"FAIL task (\S+)-traces-1 \(\1, traces 1-2\)"
    reported = re.findall(rf"{task} on worker tcp://\S+: the implementation {kind}", output)
    # A hung adapter hangs in every task; one that crashes on its third apply, in some
    assert len(reported) == 4 if fault == "hang" else len(reported) >= 1
    assert "Differential areas: 4 run, 0 skipped" in output
    assert " lost: " not in output


def record_traces(monkeypatch: pytest.MonkeyPatch) -> list[JsonValue]:
    """Record the steps of every differential vector run in this process."""
    seen: list[JsonValue] = []

    def recording(*arguments: Any, **options: Any) -> VectorResult:
        seen.append(arguments[3]["steps"])
        return run_vector(*arguments, **options)

    monkeypatch.setattr("conformance.differential.run_vector", recording)
    return seen


def test_traces_are_exactly_the_count_and_a_seeds_first_traces_do_not_depend_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the reference adapter and seed 11.

    When 3 and then 6 settlement traces run,
    Then exactly 3 and 6 run, the first 3 of the 6 are the 3, and another seed draws others.
    """
    seen = record_traces(monkeypatch)
    implementation = Implementation(REFERENCE_ADAPTER, 10.0)
    try:
        _name, capabilities = say_hello(implementation)
        runs = []
        for count, random_seed in ((3, 11), (6, 11), (3, 12)):
            seen.clear()
            run = run_differential(
                implementation,
                capabilities,
                TINY,
                area="settlement",
                traces=count,
                random_seed=random_seed,
                deadline=float("inf"),
            )
            runs.append((run.traces, list(seen)))
    finally:
        implementation.close()
    (three, first), (six, second), (other_count, other) = runs
    assert (three, six, other_count) == (3, 6, 3)
    assert len(first) == 3
    assert second[:3] == first
    assert other != first
