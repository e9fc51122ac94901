"""Mutation analysis: every deliberately wrong rule is caught by the stateful test, or explained.

This is the CI run of ``plasma-spec mutate``: each mutant runs in its own
process against the attack scenarios and the stateful adversarial tests (the
machine of the mutant's area first, the Cash machine for a ``cash-*`` mutant and
the payments machine for any other, then the other machine unless the first
failed; each under its ``mutation`` profile: deterministic, no shrinking). The
Plasma Cash mutants (``cash-*``) must be caught by the Cash machine and by a
Cash scenario; each mutant restating a production MoreVP bug (in-flight exits)
must be caught by the payments machine and by the scenario that restates the bug.
"""

from __future__ import annotations

import pytest

from adversary.mutants import MUTANTS
from adversary.mutation import MutationReport, run_mutation_analysis
from cli.main import main
from tests.test_in_flight_adversary import IN_FLIGHT_MUTANTS


@pytest.fixture(scope="module")
def report() -> MutationReport:
    """Return the mutation report over every mutant."""
    return run_mutation_analysis(jobs=2)


def test_there_are_at_least_fifteen_mutants() -> None:
    """Given the mutant catalogue.

    When it is counted,
    Then it has at least 15 mutants with distinct names.
    """
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) >= 15 and len(set(names)) == len(names)


def test_every_mutant_is_caught_by_the_stateful_test_or_explained(report: MutationReport) -> None:
    """Given the report.

    When each outcome is read,
    Then every mutant that is not explained as equivalent made the stateful test fail,
    and no worker crashed.
    """
    for outcome in report.outcomes:
        assert not outcome.error, f"{outcome.name}: {outcome.error}"
        if outcome.verdict != "equivalent":
            assert outcome.caught_by_machine, f"{outcome.name} survived the stateful test"
    assert report.passed and report.machine_score == 1.0


def test_equivalent_mutants_really_survive_and_say_why(report: MutationReport) -> None:
    """Given the mutants explained as equivalent.

    When their outcomes are read,
    Then each has an explanation and indeed went unnoticed (else the explanation is wrong).
    """
    for outcome in report.outcomes:
        if outcome.equivalent_because:
            assert not outcome.caught, f"{outcome.name} is called equivalent but was caught"


def test_mutate_lists_the_mutants(capsys: pytest.CaptureFixture[str]) -> None:
    """Given the command line.

    When ``plasma-spec mutate --list`` runs,
    Then it names every mutant and exits 0.
    """
    assert main(["mutate", "--list"]) == 0
    printed = capsys.readouterr().out
    assert all(mutant.name in printed for mutant in MUTANTS)


CASH_MUTANTS = [mutant.name for mutant in MUTANTS if mutant.name.startswith("cash-")]


def test_there_are_at_least_eight_cash_mutants() -> None:
    """Given the mutant catalogue, Then at least 8 mutants change a Plasma Cash rule."""
    assert len(CASH_MUTANTS) >= 8


def test_cash_mutants_are_caught_by_the_cash_machine_and_a_scenario(
    report: MutationReport,
) -> None:
    """Given the report, When the Cash mutants' outcomes are read.

    Then the Cash machine failed under each (it runs first for them), and so did a Cash scenario.
    """
    outcomes = {outcome.name: outcome for outcome in report.outcomes}
    for name in CASH_MUTANTS:
        outcome = outcomes[name]
        assert outcome.machine_failure.startswith("[cash]"), f"{name}: {outcome.machine_failure}"
        assert any(s.startswith("cash-") for s in outcome.failed_scenarios), name


def test_every_production_morevp_bug_has_a_documented_mutant() -> None:
    """Given the catalogue, Then each MoreVP bug's mutant is in it, its twin saying which bug."""
    names = {mutant.name: mutant for mutant in MUTANTS}
    for name in IN_FLIGHT_MUTANTS:
        mutant = names[name]
        twins = [patch[2] for patch in mutant.patches if isinstance(patch, tuple)]
        twins += [getattr(patch, "process", None) for patch in mutant.patches]
        docs = " ".join((twin.__doc__ or "") for twin in twins if twin is not None)
        assert "production" in docs, name


def test_production_morevp_bugs_are_caught_by_their_scenario_and_the_machine(
    report: MutationReport,
) -> None:
    """Given the report, When the MoreVP bugs' mutants are read.

    Then each made its own scenario fail, and the payments machine too.
    """
    outcomes = {outcome.name: outcome for outcome in report.outcomes}
    for name, scenario in IN_FLIGHT_MUTANTS.items():
        outcome = outcomes[name]
        assert scenario in outcome.failed_scenarios, f"{name}: {outcome.failed_scenarios}"
        assert outcome.machine_failure.startswith("[payments]"), (
            f"{name}: {outcome.machine_failure}"
        )
