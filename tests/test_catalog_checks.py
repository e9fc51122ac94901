"""The catalog's list of checks says exactly what the proof registries hold.

Each invariant's ``checks`` names its Z3 proofs, bounded checks, negative
controls and CrossHair entry points; this test recomputes them from
``proofs`` and fails on any claim that does not exist or check that is not
claimed, so the catalog cannot drift from the checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pytest

from proofs.crosshair_contracts import ENTRY_POINTS
from proofs.results import CheckResult, Method
from proofs.runner import (
    run_z3_bounded_checks,
    run_z3_inductive_proofs,
    run_z3_negative_controls,
)
from spec.invariants.catalog import CATALOG, Invariant

INDUCTIVE_CLAIM = "Z3 inductive"
BMC_CLAIM = "Z3 BMC"
CONTROLS_CLAIM = "Z3 negative controls (must fail): "
CROSSHAIR_CLAIM = (
    "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must fail: "
)


def control_name(result: CheckResult) -> str:
    """Return a control's short name, as the catalog lists it."""
    return result.name.removeprefix("control/").split(" [")[0].split("/")[-1]


@pytest.fixture(scope="module")
def z3_results() -> list[CheckResult]:
    """Return every Z3 result (inductive, bounded and controls)."""
    runs: Iterable[CheckResult] = [
        *run_z3_inductive_proofs(),
        *run_z3_bounded_checks(),
        *run_z3_negative_controls(),
    ]
    return list(runs)


def claimed(invariant: Invariant, prefix: str) -> list[str]:
    """Return the checks of ``invariant`` that start with ``prefix``."""
    return [check for check in invariant.checks if check.startswith(prefix)]


def listed_names(invariant: Invariant, prefix: str) -> set[str]:
    """Return the comma-separated names a claim with ``prefix`` lists."""
    return {
        name for check in claimed(invariant, prefix) for name in check[len(prefix) :].split(", ")
    }


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_z3_claims_match_the_proofs(invariant: Invariant, z3_results: list[CheckResult]) -> None:
    """Given the Z3 results.

    When the invariant's checks are compared with them,
    Then it claims an inductive proof, a BMC and negative controls exactly when they exist.
    """
    mine = [r for r in z3_results if invariant.identifier in r.invariants]
    methods = {r.method for r in mine}
    assert bool(claimed(invariant, INDUCTIVE_CLAIM)) == (Method.INDUCTIVE in methods)
    assert bool(claimed(invariant, BMC_CLAIM)) == (Method.BMC in methods)
    controls = {control_name(r) for r in mine if r.method == Method.NEGATIVE_CONTROL}
    assert listed_names(invariant, CONTROLS_CLAIM) == controls


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_crosshair_claims_match_the_entry_points(invariant: Invariant) -> None:
    """Given the CrossHair entry points with the invariants they support.

    When the invariant's checks are compared with them,
    Then it lists exactly the entry points that name it.
    """
    by_invariant: dict[str, set[str]] = defaultdict(set)
    for entry in ENTRY_POINTS:
        for identifier in entry.invariants:
            by_invariant[identifier].add(entry.function.__name__)
    assert listed_names(invariant, CROSSHAIR_CLAIM) == by_invariant[invariant.identifier]
