"""The Z3 proof suite: every proof passes, every negative control is caught, the CLI reports it.

Every Z3 check runs once per test session (``results``, about half a minute on two
cores), or not at all when CI's ``plasma-spec prove --json`` report of this very code
is at hand: its results are judged instead (``tests.proof_results``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

import pytest
import z3

import cli.main
import cli.prove
from cli.prove import format_report, make_document, make_rows, register
from proofs.models.cash.bmc_controls import CASH_BOUNDED_CONTROLS
from proofs.models.cash.induction import CASH_MUTANTS
from proofs.models.finality.induction import CONTROL_TARGETS as FINALITY_INDUCTION_CONTROLS
from proofs.models.finality.registry import BOUNDED_CONTROLS as FINALITY_BOUNDED_CONTROLS
from proofs.models.in_flight.bmc_controls import FLIGHT_BOUNDED_CONTROLS
from proofs.models.in_flight.mutants import FLIGHT_MUTANTS
from proofs.models.isolation import ENVIRONMENT_OPERATIONS, GLOBAL_OPERATIONS
from proofs.models.mutants import MUTANTS
from proofs.models.payments.bmc import BMC_DEPTH, PROPERTIES, run_bounded_check
from proofs.models.payments.exit_game_controls import BOUNDED_CONTROLS
from proofs.models.solving import get_control_outcome, get_proof_outcome
from proofs.models.steps import STEP_FACTORIES
from proofs.results import CheckResult, Method, Outcome
from proofs.runner import CHECKERS, MODEL_CONFIGS, Z3_CHECKERS, run_all_checks, select_checkers
from spec.invariants.ids import InvariantId
from tests.proof_results import BOUNDED_FAMILY, CONTROLS_FAMILY, INDUCTIVE_FAMILY, get_z3_results

INDUCTIVE_INVARIANTS = (
    InvariantId.SOLVENCY,
    InvariantId.SINGLE_PAYOUT,
    InvariantId.EXIT_UNIQUENESS,
    InvariantId.BLOCK_LOG_INTEGRITY,
    InvariantId.AUTHORITY,
    InvariantId.DEPOSIT_FIDELITY,
    InvariantId.MATURITY,
    InvariantId.PRIORITY_ORDER,
    InvariantId.BOND_CONSERVATION,
    InvariantId.CHALLENGE_SOUNDNESS,
    InvariantId.FINALITY_MONOTONICITY,
)
"""Invariants proved by induction on one environment."""


@pytest.fixture(scope="module")
def results() -> list[CheckResult]:
    """Return every Z3 result (CrossHair has its own tests).

    From CI's ``prove --json`` report of this very code, else run once for
    the session (``tests.proof_results``).
    """
    return get_z3_results()


def select(results: list[CheckResult], method: Method) -> list[CheckResult]:
    """Return the results of one method."""
    return [result for result in results if result.method == method]


def test_every_proof_passes(results: list[CheckResult]) -> None:
    """Given the whole suite, Then every inductive and bounded check passes (none unknown)."""
    failures = [f"{r.name}: {r.outcome}\n{r.detail}" for r in results if not r.passed]
    assert not failures, "\n\n".join(failures)


def test_every_invariant_is_proved_for_every_transition_and_preset(
    results: list[CheckResult],
) -> None:
    """Given the inductive results, Then each invariant has one proved check per transition."""
    proved = {r.name for r in select(results, Method.INDUCTIVE) if r.outcome == Outcome.PROVED}
    for config in MODEL_CONFIGS:
        for invariant in INDUCTIVE_INVARIANTS:
            for transition in STEP_FACTORIES:
                assert f"{invariant}/{transition} [{config.name}]" in proved


def test_isolation_is_proved_for_every_operation(results: list[CheckResult]) -> None:
    """Given the isolation results, Then every operation, global ones included, is covered."""
    proved = {
        r.name
        for r in results
        if InvariantId.ISOLATION in r.invariants and r.outcome == Outcome.PROVED
    }
    operations = (*ENVIRONMENT_OPERATIONS, "process_exits", *GLOBAL_OPERATIONS)
    for config in MODEL_CONFIGS:
        for operation in operations:
            assert f"{InvariantId.ISOLATION}/{operation} [{config.name}]" in proved


def test_bounded_checks_reach_their_depth(results: list[CheckResult]) -> None:
    """Given the bounded checks, Then INV-18 and INV-19 hold to the stated depth, not vacuously."""
    payments = [r for r in select(results, Method.BMC) if "in-flight" not in r.name]
    bounded = {r.invariants: r for r in payments}
    for invariant in (InvariantId.HONEST_WITHDRAWAL, InvariantId.EXIT_ORDERING):
        result = bounded[(invariant,)]
        assert result.outcome == Outcome.BOUNDED
        assert result.depth == BMC_DEPTH
        assert "a trace meeting the hypothesis" in result.detail


def test_every_negative_control_is_caught(results: list[CheckResult]) -> None:
    """Given the negative controls, Then every one is caught with a counterexample."""
    controls = select(results, Method.NEGATIVE_CONTROL)
    cash = len(CASH_MUTANTS) + len(CASH_BOUNDED_CONTROLS)
    in_flight = len(FLIGHT_MUTANTS) + len(FLIGHT_BOUNDED_CONTROLS)
    quorum_controls = 3  # quorum one short, f + 1 byzantine, four members one short
    finality = len(FINALITY_INDUCTION_CONTROLS) + quorum_controls + len(FINALITY_BOUNDED_CONTROLS)
    assert len(controls) == (len(MUTANTS) + 1 + len(BOUNDED_CONTROLS) + cash + in_flight + finality)
    assert all(control.outcome == Outcome.CAUGHT for control in controls)
    assert all("caught" in control.detail and "1. " in control.detail for control in controls)


def test_every_proof_has_a_negative_control(results: list[CheckResult]) -> None:
    """Given the controls, Then each proved invariant has at least one that its proof catches."""
    controlled = {
        identifier
        for control in select(results, Method.NEGATIVE_CONTROL)
        for identifier in control.invariants
    }
    assert {
        *INDUCTIVE_INVARIANTS,
        InvariantId.ISOLATION,
        InvariantId.HONEST_WITHDRAWAL,
        InvariantId.EXIT_ORDERING,
    } <= controlled


def test_bounded_counterexamples_are_numbered_spec_operations(results: list[CheckResult]) -> None:
    """Given the control that drops the 2·MFP rule, Then its trace reads as spec operations."""
    (control,) = [r for r in results if r.name == "control/INV-18/exitable-one-period"]
    assert "1. " in control.detail and "Deposit(owner=honest" in control.detail
    assert "SubmitBlock(invalid: mints" in control.detail
    assert "violates INV-18" in control.detail


# The runner's extension point


def fake_checker() -> Iterator[CheckResult]:
    """Yield one passing result (stands for a CrossHair checker)."""
    yield CheckResult(
        "fake/contract", (InvariantId.SOLVENCY,), Method.CROSSHAIR, Outcome.PROVED, 0.5
    )


def test_runner_runs_added_checkers_and_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a checker added to CHECKERS, When the runner runs, Then its results are reported."""
    monkeypatch.setattr("proofs.runner.CHECKERS", [("fake", fake_checker)])
    seen: list[str] = []
    found = run_all_checks(
        on_result=lambda result: seen.append(result.name), on_checker=seen.append
    )
    assert [result.name for result in found] == ["fake/contract"]
    assert seen == ["fake", "fake/contract"]


def test_checker_families_can_be_selected_by_name() -> None:
    """Given the registered families, Then 'z3' selects the Z3 ones and CrossHair is registered.

    The tests read the Z3 families by these labels (``tests.proof_results``).
    """
    assert select_checkers(["z3"]) == Z3_CHECKERS
    assert [label for label, _ in select_checkers(["crosshair"])] == ["CrossHair contracts"]
    assert len(CHECKERS) == len(Z3_CHECKERS) + 1
    families = {INDUCTIVE_FAMILY, CONTROLS_FAMILY, BOUNDED_FAMILY}
    assert families <= {label for label, _ in Z3_CHECKERS}


# The prove command


def parse(arguments: list[str]) -> argparse.Namespace:
    """Parse ``plasma-spec`` arguments with only the prove subcommand registered."""
    parser = argparse.ArgumentParser(prog="plasma-spec")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(arguments)


def run_with(
    monkeypatch: pytest.MonkeyPatch, found: list[CheckResult], arguments: list[str]
) -> int:
    """Run ``prove`` with the runner replaced by one returning ``found``."""

    def replay(**options: object) -> list[CheckResult]:
        return found

    monkeypatch.setattr(cli.prove, "run_all_checks", replay)
    namespace = parse(arguments)
    code: int = namespace.run(namespace)
    return code


def test_prove_exits_zero_and_prints_one_row_per_invariant(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], results: list[CheckResult]
) -> None:
    """Given a passing suite, When prove runs, Then exit 0 and one row per (invariant, method)."""
    assert run_with(monkeypatch, results, ["prove"]) == 0
    text = capsys.readouterr().out
    assert "0 failed" in text
    for invariant in (*INDUCTIVE_INVARIANTS, InvariantId.ISOLATION):
        assert f"{invariant}  " in text
    assert f"BMC depth {BMC_DEPTH}" in text
    assert "Negative controls" in text


def test_prove_json_has_rows_controls_and_results(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], results: list[CheckResult]
) -> None:
    """Given a passing suite, When prove --json runs, Then the document has the expected shape."""
    assert run_with(monkeypatch, results, ["prove", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is True and document["failed"] == 0
    assert document["checks"] == len(results) == len(document["results"])
    assert {"invariant", "statement", "method", "checks", "outcome", "seconds"} <= set(
        document["rows"][0]
    )
    assert all(control["outcome"] == "caught" for control in document["controls"])
    assert {"name", "invariants", "method", "outcome", "seconds", "depth", "detail"} <= set(
        document["results"][0]
    )


@pytest.mark.parametrize("outcome", [Outcome.FAILED, Outcome.UNKNOWN])
def test_prove_exits_non_zero_on_a_failure_or_unknown(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], outcome: Outcome
) -> None:
    """Given one failed or unknown check, When prove runs, Then exit 1 and the failure is shown."""
    passing = CheckResult(
        "INV-01/deposit", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.PROVED, 0.1
    )
    broken = CheckResult(
        "INV-01/x", (InvariantId.SOLVENCY,), Method.INDUCTIVE, outcome, 0.1, detail="why"
    )
    assert run_with(monkeypatch, [passing, broken], ["prove"]) == 1
    text = capsys.readouterr().out
    assert "FAILED INV-01/x" in text and "why" in text


def test_prove_reports_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Given a finished check, When progress is reported, Then it goes to stderr only."""
    cli.prove.report_progress(
        CheckResult(
            "INV-01/deposit", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.PROVED, 0.1
        )
    )
    captured = capsys.readouterr()
    assert "INV-01/deposit" in captured.err and captured.out == ""


def test_report_rows_combine_by_invariant_and_method() -> None:
    """Given two checks of one invariant, one failed, Then one row shows failed with both times."""
    checks = [
        CheckResult("a", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.PROVED, 1.0),
        CheckResult("b", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.FAILED, 2.0),
        CheckResult(
            "c", (InvariantId.HONEST_WITHDRAWAL,), Method.BMC, Outcome.BOUNDED, 3.0, depth=8
        ),
    ]
    rows = make_rows(checks)
    assert [(row.invariant, row.method, row.outcome, row.checks) for row in rows] == [
        (InvariantId.SOLVENCY, "inductive", "failed", 2),
        (InvariantId.HONEST_WITHDRAWAL, "BMC depth 8", "bounded", 1),
    ]
    assert rows[0].seconds == 3.0
    assert make_document(checks)["passed"] is False
    assert "1 failed" in format_report(checks).splitlines()[0]


def test_prove_runs_through_the_plasma_spec_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], results: list[CheckResult]
) -> None:
    """Given cli.prove among the command modules, When ``plasma-spec prove --json``, Then exit 0."""
    modules = cli.main.COMMAND_MODULES
    if "cli.prove" not in modules:
        monkeypatch.setattr(cli.main, "COMMAND_MODULES", (*modules, "cli.prove"))
    monkeypatch.setattr(cli.prove, "run_all_checks", lambda **_: results)
    assert cli.main.main(["prove", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True


# Inconclusive checks are failures


def test_unknown_solver_answers_are_failures() -> None:
    """Given an unknown verdict, Then a proof and a control both count it as not passed."""
    assert get_proof_outcome(z3.unknown) == Outcome.UNKNOWN
    assert get_control_outcome(z3.unknown) == Outcome.UNKNOWN
    assert get_control_outcome(z3.unsat) == Outcome.FAILED
    result = CheckResult("x", (InvariantId.SOLVENCY,), Method.INDUCTIVE, Outcome.UNKNOWN, 1.0)
    assert not result.passed


def test_a_bound_too_small_for_the_hypothesis_is_reported_as_vacuous() -> None:
    """Given depth 2 (no invalid exit can be paid yet), Then the bounded check fails as vacuous."""
    outcome, depth, detail = run_bounded_check(PROPERTIES[1], depth=2)
    assert (outcome, depth) == (Outcome.FAILED, 2)
    assert detail.startswith("vacuous")
