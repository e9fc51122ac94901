"""The prove report stands in for its checks only on the code it was made from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.prove import make_document
from proofs.report import compute_source_digest, load_family_results
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId

RESULTS = [
    CheckResult("a/proof", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.PROVED, 0.1),
    CheckResult("b/contract", (InvariantId.MATURITY,), Method.CROSSHAIR, Outcome.BOUNDED, 2.0),
    CheckResult("b/control", (), Method.NEGATIVE_CONTROL, Outcome.CAUGHT, 1.5, None, "found"),
]
FAMILIES = ["Z3 inductive proofs", "CrossHair contracts", "CrossHair contracts"]


def write_report(path: Path, **changes: object) -> Path:
    """Write a report of RESULTS, with top-level fields changed."""
    document = {**make_document(RESULTS, FAMILIES), **changes}
    path.write_text(json.dumps(document))
    return path


def test_report_of_this_code_gives_back_a_familys_results(tmp_path: Path) -> None:
    """Given a report made from the code on disk.

    When one family's results are loaded,
    Then they are exactly that family's results, in order.
    """
    report = write_report(tmp_path / "prove.json")
    assert load_family_results(report, "CrossHair contracts") == RESULTS[1:]
    assert load_family_results(report, "Z3 inductive proofs") == RESULTS[:1]


def test_report_of_other_code_or_missing_parts_is_refused(tmp_path: Path) -> None:
    """Given a report from other code, a report lacking the family, and no report.

    When a family's results are loaded,
    Then each gives None (the checks must run again).
    """
    stale = write_report(tmp_path / "stale.json", source_digest="0" * 64)
    assert load_family_results(stale, "CrossHair contracts") is None
    assert load_family_results(write_report(tmp_path / "r.json"), "Z3 bounded") is None
    assert load_family_results(tmp_path / "missing.json", "CrossHair contracts") is None
    (tmp_path / "garbage.json").write_text("[1, 2")
    assert load_family_results(tmp_path / "garbage.json", "CrossHair contracts") is None


def test_digest_changes_with_the_code() -> None:
    """Given the source digest.

    When it is computed twice, and once with one spec file read differently,
    Then it is stable, and differs when a file's bytes differ.
    """
    first = compute_source_digest()
    assert compute_source_digest() == first
    original = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        data = original(path)
        return data + b"#" if path.name == "encoding.py" else data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_bytes", read_bytes)
        assert compute_source_digest() != first
