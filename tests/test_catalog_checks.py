"""The catalog's list of checks says exactly what the proof registries hold.

Each invariant's ``checks`` names its Z3 proofs, bounded checks, negative
controls and CrossHair entry points; the registries read which invariants
their checks cover from those names. This test recomputes the claims from
``proofs`` and fails on any name that points at no check, any check that
covers no catalogued invariant, and any Z3 claim without its proof (or proof
without its claim), so the catalog cannot drift from the checks.
"""

from __future__ import annotations

import pytest

from proofs.crosshair.checks import TWIN_COMPARISONS
from proofs.crosshair.contracts import ENTRY_POINTS
from proofs.models.cash.bmc import CASH_BMC_BLOCKS, CASH_BMC_DEPTH
from proofs.models.in_flight.bmc import FLIGHT_BMC_DEPTH, FLIGHT_BMC_OUTPUTS
from proofs.models.mutants import MUTANTS, get_control_invariant
from proofs.models.payments.bmc import BMC_DEPTH, BMC_SLOTS
from proofs.results import CheckResult, Method
from spec.invariants.catalog import CATALOG, get_invariant
from spec.invariants.checks import Checker, describe_check
from spec.invariants.entry import Invariant
from tests.proof_results import get_z3_results


def control_name(result: CheckResult) -> str:
    """Return a control's short name, as the catalog lists it."""
    return result.name.removeprefix("control/").split(" [")[0].split("/")[-1]


def is_bounded_control(result: CheckResult) -> bool:
    """Return whether a negative control is one of the bounded checks (it has a depth)."""
    return result.depth is not None


@pytest.fixture(scope="module")
def z3_results() -> list[CheckResult]:
    """Return every Z3 result (inductive, bounded and controls), shared with ``test_proofs``.

    From CI's ``prove --json`` report of this very code, else run once for
    the session (``tests.proof_results``).
    """
    return get_z3_results()


def claims(invariant: Invariant, checker: Checker) -> bool:
    """Return whether ``invariant`` lists a check of ``checker``."""
    return any(check.checker == checker for check in invariant.checks)


def listed_names(invariant: Invariant, checker: Checker) -> set[str]:
    """Return the names the checks of ``checker`` of ``invariant`` list."""
    return {name for check in invariant.checks if check.checker == checker for name in check.names}


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_z3_claims_match_the_proofs(invariant: Invariant, z3_results: list[CheckResult]) -> None:
    """Given the Z3 results.

    When the invariant's checks are compared with them,
    Then it claims an inductive proof, a BMC and negative controls exactly when they exist.
    """
    mine = [r for r in z3_results if invariant.identifier in r.invariants]
    methods = {r.method for r in mine}
    assert claims(invariant, Checker.Z3_INDUCTIVE) == (Method.INDUCTIVE in methods)
    bounded_claims = any(
        claims(invariant, checker)
        for checker in (
            Checker.Z3_BOUNDED,
            Checker.Z3_BOUNDED_CASH,
            Checker.Z3_BOUNDED_IN_FLIGHT,
            Checker.BOUNDED_FINALITY,
        )
    )
    assert bounded_claims == (Method.BMC in methods)
    controls = [r for r in mine if r.method == Method.NEGATIVE_CONTROL]
    inductive = {control_name(r) for r in controls if not is_bounded_control(r)}
    bounded = {control_name(r) for r in controls if is_bounded_control(r)}
    assert listed_names(invariant, Checker.Z3_CONTROLS) == inductive
    assert listed_names(invariant, Checker.Z3_BOUNDED_CONTROLS) == bounded


def test_every_z3_check_covers_a_catalogued_invariant(z3_results: list[CheckResult]) -> None:
    """Given the Z3 results, Then each covers at least one invariant, each with its entry."""
    for result in z3_results:
        assert result.invariants, result.name
        for identifier in result.invariants:
            assert get_invariant(identifier).identifier == identifier


def test_every_mutant_names_one_catalogued_proof() -> None:
    """Given the Z3 mutants, Then the catalog lists each under exactly one invariant's controls."""
    for mutant in MUTANTS:
        identifier = get_control_invariant(mutant.name)
        assert claims(get_invariant(identifier), Checker.Z3_INDUCTIVE), mutant.name


def test_bounded_claim_states_the_bound_of_the_checks() -> None:
    """Given the catalog's bounded-check line, Then it states the depth and blocks of the BMC."""
    for invariant in CATALOG:
        for check in invariant.checks:
            if check.checker == Checker.Z3_BOUNDED:
                text = describe_check(check)
                assert f"depth {BMC_DEPTH} " in text and f"at most {BMC_SLOTS} blocks" in text
            if check.checker == Checker.Z3_BOUNDED_CASH:
                text = describe_check(check)
                assert f"depth {CASH_BMC_DEPTH} " in text
                assert f"at most {CASH_BMC_BLOCKS} blocks" in text
            if check.checker == Checker.Z3_BOUNDED_IN_FLIGHT:
                text = describe_check(check)
                assert f"depth {FLIGHT_BMC_DEPTH} " in text
                assert f"at most {FLIGHT_BMC_OUTPUTS} outputs" in text


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_crosshair_claims_name_entry_points(invariant: Invariant) -> None:
    """Given the CrossHair entry points.

    When the invariant's CrossHair check is compared with them,
    Then every contract it names is an entry point (the entry points at something).
    """
    names = {entry.name for entry in ENTRY_POINTS}
    assert listed_names(invariant, Checker.CROSSHAIR) <= names


def test_every_crosshair_check_covers_a_catalogued_invariant() -> None:
    """Given the entry points and the diffbehavior twins.

    When the invariants each covers are read,
    Then every one covers at least one, whose entry claims CrossHair checks.
    """
    for entry in ENTRY_POINTS:
        assert entry.invariants, f"no catalog entry names {entry.name}"
    for comparison in TWIN_COMPARISONS:
        assert comparison.invariants, comparison.name
        for identifier in comparison.invariants:
            assert claims(get_invariant(identifier), Checker.CROSSHAIR), comparison.name
