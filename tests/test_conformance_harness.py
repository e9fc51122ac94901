"""``plasma-spec conform`` against the reference, deliberately faulty twins and broken processes."""

from __future__ import annotations

import argparse
import functools
import shlex
import sys
from pathlib import Path

import pytest

from cli.conform import REFERENCE_ADAPTER, run_conform
from conformance.suite import Suite, build_suite, write_suite
from spec.presets import TINY

FAULTY = f"{shlex.quote(sys.executable)} -m conformance.faulty_adapter --fault"


@functools.cache
def get_tiny_suite() -> Suite:
    """Return the tiny suite, built once per test session (``test_conformance_vectors`` too)."""
    return build_suite(TINY)


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny suite, written once for the module."""
    directory = tmp_path_factory.mktemp("vectors")
    write_suite(get_tiny_suite(), directory)
    return directory


def conform(impl: str, vectors: Path, tmp_path: Path, traces: int = 0) -> int:
    """Run ``plasma-spec conform`` with these options; return its exit code."""
    arguments = argparse.Namespace(
        impl=impl,
        vectors=vectors,
        no_vectors=False,
        preset="tiny",
        traces=traces,
        seed=3,
        minutes=1.0,
        timeout=3.0,
        failures=tmp_path / "failures",
        workers=1,
        scheduler=None,
    )
    return run_conform(arguments)


def test_reference_passes_cleanly(
    vectors: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the bundled reference adapter.

    When conform runs the tiny suite and 20 differential traces of each area,
    Then every vector and trace passes, none is skipped, and it exits 0.
    """
    assert conform(REFERENCE_ADAPTER, vectors, tmp_path, traces=20) == 0
    output = capsys.readouterr().out
    assert " 0 failed, 0 skipped" in output
    assert "Differential traces, settlement: 20 (" in output
    assert "Differential traces, payments-chain: 20 (" in output
    assert "Differential traces, cash-chain: 20 (" in output
    assert "Differential traces, consensus: 20 (" in output
    assert "Differential areas: 4 run, 0 skipped" in output
    assert not (tmp_path / "failures").exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            "wrong-priority",
            ['environments[0].exits[1].status: implementation "open", spec "processed"'],
        ),
        (
            "missing-signature-check",
            [
                "implementation accepted, spec rejected with challenge_not_signed_by_owner",
                'environments[0].exits[0].status: implementation "challenged", spec "open"',
            ],
        ),
        (
            "lenient-decoding",
            [
                "implementation accepted, spec rejected with encoding_trailing_bytes",
                "environments[0].deposited",
            ],
        ),
        (
            "first-phase-inclusive",
            [
                "FAIL settlement/PiggybackInFlightExit/piggyback-when-the-first-phase-is-over.json",
                "implementation accepted, spec rejected with piggyback_period_over",
                "implementation accepted, spec rejected with canonicity_period_over",
                "implementation rejected with piggyback_period_not_over, spec accepted",
                'in_flight_exits[0].status: implementation "active", spec "deleted"',
            ],
        ),
    ],
)
def test_faulty_implementation_is_caught_with_its_diff(
    fault: str,
    expected: list[str],
    vectors: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given the reference with one deliberate bug.

    When conform runs the tiny suite,
    Then it exits 1 and prints the mismatch and the field-level diff naming the fields.
    """
    assert conform(f"{FAULTY} {fault}", vectors, tmp_path) == 1
    output = capsys.readouterr().out
    for line in expected:
        assert line in output


@pytest.mark.parametrize(
    ("fault", "kind"), [("hang", "hung"), ("crash", "crashed"), ("garbage", "garbage")]
)
def test_misbehaving_process_is_reported_as_such(
    fault: str, kind: str, vectors: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an adapter that hangs, crashes or answers garbage when applying.

    When conform runs,
    Then it survives, says which, and exits 3 (an implementation fault, not a disagreement).
    """
    assert conform(f"{FAULTY} {fault}", vectors, tmp_path) == 3
    assert f"FAIL: the implementation {kind}" in capsys.readouterr().out
