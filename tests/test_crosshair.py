"""CrossHair: every entry point holds within its bound, and every negative control is caught.

The first test runs all the CrossHair checks (``proofs.crosshair.checks``), one
process per check, in parallel; it takes a minute or two on two cores, unless
a ``plasma-spec prove --json`` report of the very same code is at hand (see
the ``results`` fixture). The other tests are fast structural checks on the
tables and on the output parser.
"""

from __future__ import annotations

import inspect
import re

import pytest

from proofs.crosshair.checks import (
    TWIN_COMPARISONS,
    CrossHairRun,
    judge_entry_point,
    judge_negative_control,
    parse_check_output,
)
from proofs.crosshair.contracts import ENTRY_POINTS
from proofs.crosshair.mutants import NEGATIVE_CONTROLS, NegativeControl
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.catalog import CATALOG
from tests.proof_results import get_family_results

CROSSHAIR_FAMILY = "CrossHair contracts"
"""The label of the CrossHair family in ``proofs.runner.CHECKERS`` (and in prove's report)."""

CONTRACT_LINE = re.compile(r"^\s*(pre|post|raises):")


def get_contract_lines(function: object) -> list[str]:
    """Return the stripped ``pre:``, ``post:`` and ``raises:`` lines of a docstring."""
    lines = (inspect.getdoc(function) or "").splitlines()
    return [line.strip() for line in lines if CONTRACT_LINE.match(line)]


def describe(results: list[CheckResult]) -> str:
    """Return one line per result, for assertion messages."""
    return "\n".join(
        f"{result.outcome.value:8} {result.seconds:6.1f}s {result.name}: {result.detail[:300]}"
        for result in results
    )


@pytest.fixture(scope="module")
def results() -> list[CheckResult]:
    """Run every CrossHair check once for this module.

    When the ``plasma-spec prove --json`` report the documentation reads
    (``PLASMA_SPEC_PROVE_JSON``, else ``docs/_build/prove.json``; CI writes it
    just before the tests) was made from the code on disk now, its CrossHair
    results are used instead of running the same checks on the same code
    again; ``proofs.report`` refuses a report of any other code or tools.
    """
    return list(get_family_results(CROSSHAIR_FAMILY))


def test_every_check_passes_and_every_control_is_caught(results: list[CheckResult]) -> None:
    """Given every entry point, control and twin, when CrossHair runs them, then all pass.

    Entry points are proved or bounded (never failed or unknown), negative
    controls are caught, the faithful twin shows no difference.
    """
    failures = [result for result in results if not result.passed]
    assert not failures, describe(failures)
    controls = [result for result in results if result.method is Method.NEGATIVE_CONTROL]
    assert all(result.outcome is Outcome.CAUGHT for result in controls), describe(controls)
    assert len(results) == len(ENTRY_POINTS) + len(NEGATIVE_CONTROLS) + len(TWIN_COMPARISONS)


def test_finite_domains_are_proved(results: list[CheckResult]) -> None:
    """Given the entry points over finite domains, then CrossHair confirmed them over all paths."""
    by_name = {result.name: result for result in results}
    for entry_point in ENTRY_POINTS:
        if entry_point.exhaustive:
            result = by_name[f"crosshair/{entry_point.name}"]
            assert result.outcome is Outcome.PROVED, describe([result])


def test_every_entry_point_has_one_negative_control() -> None:
    """Given the two tables, then each entry point has one broken twin, in the same order."""
    assert [control.entry_point for control in NEGATIVE_CONTROLS] == [
        entry_point.function for entry_point in ENTRY_POINTS
    ]


@pytest.mark.parametrize("control", NEGATIVE_CONTROLS, ids=lambda control: str(control.name))
def test_negative_control_copies_its_contract(control: NegativeControl) -> None:
    """Given a broken twin, then its pre- and postconditions are those of its entry point."""
    assert get_contract_lines(control.function) == get_contract_lines(control.entry_point)
    assert get_contract_lines(control.function), "a contract needs at least one condition"


def test_invariant_ids_are_catalogued() -> None:
    """Given the entry point table, then every invariant id it names is in the catalog."""
    catalogued = {invariant.identifier for invariant in CATALOG}
    for entry_point in ENTRY_POINTS:
        assert entry_point.invariants
        assert set(entry_point.invariants) <= catalogued, entry_point.name


def test_parser_sorts_crosshair_messages() -> None:
    """Given crosshair check output, when it is parsed, then each kind of line is counted."""
    output = parse_check_output(
        "/x/contracts.py:10: info: Confirmed over all paths.\n"
        "/x/contracts.py:11: info: Not confirmed.\n"
        "/x/contracts.py:12: error: false when calling f(1) (which returns 2)\n"
        "/x/contracts.py:13: info: Unable to meet precondition.\n"
        "unrelated noise\n"
    )
    assert output.confirmed == 1
    assert output.not_confirmed == 1
    assert output.unmet == 1
    assert output.counterexamples == ("line 12: false when calling f(1) (which returns 2)",)


def test_judging_is_strict() -> None:
    """Given runs that checked nothing or crashed, then nothing passes and nothing is caught."""
    entry_point, control = ENTRY_POINTS[0], NEGATIVE_CONTROLS[0]
    unmet = CrossHairRun(0, "/x.py:1: info: Unable to meet precondition.\n", "", 0.1)
    crashed = CrossHairRun(2, "", "ImportError: no module", 0.1)
    killed = CrossHairRun(None, "", "", 600.0)
    bounded = CrossHairRun(0, "/x.py:1: info: Not confirmed.\n", "", 0.1)
    assert judge_entry_point(entry_point, unmet).outcome is Outcome.FAILED
    assert judge_entry_point(entry_point, crashed).outcome is Outcome.FAILED
    assert judge_entry_point(entry_point, killed).outcome is Outcome.UNKNOWN
    assert judge_entry_point(entry_point, bounded).outcome is Outcome.BOUNDED
    assert judge_negative_control(control, entry_point, crashed).outcome is Outcome.FAILED
    assert judge_negative_control(control, entry_point, bounded).outcome is Outcome.FAILED
