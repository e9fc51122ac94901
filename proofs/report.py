"""The JSON report of ``plasma-spec prove``, and reusing it for the code it was made from.

``plasma-spec prove --json`` prints a report of every result, each tagged
with its checker family, and a **source digest**: the SHA-256 of every
Python file of ``spec/`` and ``proofs/`` (path and bytes) and of the
versions of z3-solver and crosshair-tool. :func:`load_family_results`
returns a family's results from such a report only when the digest is that
of the code on disk now, so a report can stand in for re-running the same
checks on the same code (CI runs ``prove`` once, for the documentation, and
its tests read the CrossHair results from that report instead of running
CrossHair a second time); any other report is ignored.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId

ROOT = Path(__file__).resolve().parent.parent
"""The directory holding ``spec/`` and ``proofs/``."""

DIGESTED_PACKAGES = ("spec", "proofs")
"""The packages whose source the digest covers."""

DIGESTED_DISTRIBUTIONS = ("z3-solver", "crosshair-tool")
"""The tools whose versions the digest covers."""


def compute_source_digest() -> str:
    """Return the digest of the checked code and the checking tools, as hex."""
    digest = hashlib.sha256()
    for package in DIGESTED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in DIGESTED_DISTRIBUTIONS:
        digest.update(f"{name}=={metadata.version(name)}\0".encode())
    return digest.hexdigest()


def result_to_json(result: CheckResult, family: str) -> dict[str, Any]:
    """Return the JSON object of one result, tagged with its checker family."""
    return {
        "family": family,
        "name": result.name,
        "invariants": [identifier.value for identifier in result.invariants],
        "method": result.method.value,
        "outcome": result.outcome.value,
        "seconds": result.seconds,
        "depth": result.depth,
        "detail": result.detail,
    }


def result_from_json(document: dict[str, Any]) -> CheckResult:
    """Return the result a JSON object describes (see :func:`result_to_json`)."""
    return CheckResult(
        name=document["name"],
        invariants=tuple(InvariantId(value) for value in document["invariants"]),
        method=Method(document["method"]),
        outcome=Outcome(document["outcome"]),
        seconds=float(document["seconds"]),
        depth=document["depth"],
        detail=document["detail"],
    )


def load_family_results(path: Path, family: str) -> list[CheckResult] | None:
    """Return one family's results from a report of the code on disk now, else None.

    None when the file is missing or unreadable, is not such a report, was made
    from other code or tools (its source digest differs), or lacks the family.
    """
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("source_digest") != compute_source_digest():
        return None
    if family not in report.get("families", []):
        return None
    return [result_from_json(item) for item in report["results"] if item["family"] == family]
