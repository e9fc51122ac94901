"""The committee devnet (``plasma-spec devnet --finality``) and benchmark (``bench --finality``).

Both run real replica processes on loopback TCP; the tests assert on
outcomes (checks passed, blocks accepted, numbers present), never on speed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cli.main import main
from reference.benchmarks.finality import FinalityMeasurement, format_finality_report


def test_finality_devnet_meets_its_expectations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an empty data directory.

    When ``plasma-spec devnet --finality --data DIR`` runs,
    Then it exits 0 and prints its six steps, the replicas' summary and seven
    passed checks (agreement, one vote per view, the restart, the certified
    chain, both refused equivocations); the data directory keeps each
    replica's file and the settlement's, whose committee environment holds the
    certified blocks; no replica process is left.
    """
    code = main(["devnet", "--finality", "--data", str(tmp_path)])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "[6/6] replicas stopped" in output
    assert "replica 3 (byzantine)" in output and "replica 1 (killed and restarted)" in output
    assert output.count("  [ok] ") == 7 and "FAILED" not in output
    assert "proposal_equivocation" in output and "vote_equivocation" in output
    assert output.splitlines()[-1].startswith("Result: the demo's expectations hold (7 checks")
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == [
        "replica-0.sqlite",
        "replica-1.sqlite",
        "replica-2.sqlite",
        "replica-3.sqlite",
        "settlement.sqlite",
    ]
    connection = sqlite3.connect(tmp_path / "replica-1.sqlite")
    assert connection.execute("SELECT COUNT(*) FROM replica_commits").fetchone()[0] > 0
    connection.close()
    assert main(["devnet", "--finality", "--data", str(tmp_path)]) == 2


def test_finality_benchmark_reports_latency_and_throughput(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given a short measuring window.

    When ``plasma-spec bench --finality --json`` runs,
    Then it reports blocks committed by every replica, a positive throughput,
    and per-block latencies, each to the first replica no later than to every one.
    """
    assert main(["bench", "--finality", "--finality-seconds", "2", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["replicas"] == 4 and document["blocks"] > 0
    assert document["throughput"] > 0
    firsts, alls = document["first_latencies"], document["all_latencies"]
    assert len(firsts) == len(alls) > 0
    assert all(0 < f <= a for f, a in zip(firsts, alls, strict=True))


def test_finality_report_states_the_numbers_and_the_load() -> None:
    """Given a measurement. When formatted, Then the text has its throughput, latencies and load."""
    measurement = FinalityMeasurement(4, 2.0, 50, (0.05, 0.07), (0.08, 0.1), 1.5, 2.5)
    text = format_finality_report(measurement)
    assert "throughput: 25.0 blocks committed by every replica per second (50 blocks)" in text
    assert "proposal to first replica: median 60.0 ms, p90 70.0 ms, max 70.0 ms" in text
    assert "proposal to every replica: median 90.0 ms" in text
    assert "load average 1.50 before, 2.50 after" in text
