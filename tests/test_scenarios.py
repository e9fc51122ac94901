"""The attack-scenario library: every scenario holds, renders, lists, and fails on a broken spec."""

from __future__ import annotations

import argparse
import dataclasses
import functools
from dataclasses import replace

import pytest

from adversary.mutants import make_require_ignoring
from adversary.payments.actors import make_funded_world
from adversary.payments.scenarios.books import find_unexplained_changes
from adversary.payments.scenarios.framework import (
    ScenarioResult,
    get_scenario,
    list_scenarios,
    play_scenario,
    run_all,
    run_scenario,
)
from adversary.payments.scenarios.play import Play
from adversary.payments.timeline import render_result
from adversary.payments.twins import payments_queue_all_mature
from cli.scenario import register
from fixtures import get_actor_name
from spec.environments.cash import exits as cash_exits
from spec.errors import RejectionReason
from spec.primitives import Uint64, Uint256
from spec.settlement.state import SettlementState

NAMES = [scenario.name for scenario in list_scenarios()]

MATURITY_SCENARIOS = (
    "deposit-exit-matures-after-one-period",
    "old-and-young-outputs-mature-differently",
)
"""Scenarios that process a queue one second (or more) before its head matures."""


@functools.cache
def get_result(name: str) -> ScenarioResult:
    """Return the result of a scenario run on the unmodified spec (once per session)."""
    return run_scenario(name)


def run_cli(argv: list[str]) -> int:
    """Run ``plasma-spec`` with only the ``scenario`` subcommand registered."""
    parser = argparse.ArgumentParser(prog="plasma-spec")
    register(parser.add_subparsers(dest="command", required=True))
    arguments = parser.parse_args(argv)
    code: int = arguments.run(arguments)
    return code


# The library


@pytest.mark.parametrize("name", NAMES)
def test_scenario_meets_its_expectation(name: str) -> None:
    """Given the spec as written, When the scenario is played, Then it meets its expectation."""
    result = get_result(name)
    assert result.passed, "\n".join(result.differences)
    assert result.steps


@pytest.mark.parametrize("name", NAMES)
def test_timeline_renders(name: str) -> None:
    """Given a played scenario, When rendered, Then each step and a summary show."""
    result = get_result(name)
    text = render_result(result)
    assert text.startswith(f"Scenario {name}: PASSED")
    for step in result.steps:
        assert f"t+{step.time}" in text
        assert get_actor_name(step.actor) in text
    assert "Who holds what" in text
    assert result.source in " ".join(text.split())


def test_library_has_at_least_twenty_documented_scenarios() -> None:
    """Given the registry, Then it holds >= 20 scenarios, each with summary, prose and source."""
    assert len(NAMES) >= 20
    assert len(set(NAMES)) == len(NAMES)
    for scenario in list_scenarios():
        assert scenario.summary and "\n" not in scenario.summary
        assert scenario.description
        assert scenario.source


def test_run_all_returns_one_result_per_scenario() -> None:
    """Given the registry, When every scenario runs, Then each reports once, all passing."""
    results = run_all()
    assert [result.name for result in results] == NAMES
    assert all(result.passed for result in results)


# Command line


def test_cli_lists_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    """Given ``scenario --list``, Then one line per scenario (at least 20), name first."""
    assert run_cli(["scenario", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 20
    assert [line.split()[0] for line in lines] == NAMES


def test_cli_plays_a_named_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    """Given ``scenario NAME``, Then the description and timeline print and the exit code is 0."""
    assert run_cli(["scenario", "withheld-invalid-block"]) == 0
    out = capsys.readouterr().out
    assert "Timeline" in out
    assert get_scenario("withheld-invalid-block").summary in out


def test_cli_rejects_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    """Given an unknown scenario name, Then the command says so and exits with 2."""
    assert run_cli(["scenario", "no-such-scenario"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


# Scenarios fail when the spec is wrong


@pytest.mark.parametrize("name", MATURITY_SCENARIOS)
def test_scenario_fails_when_maturity_is_broken(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given every queued exit mature at once, When a maturity scenario plays, Then it fails."""
    monkeypatch.setattr(
        "spec.environments.payments.queue.get_payments_exit_queue", payments_queue_all_mature
    )
    result = run_scenario(name)
    assert not result.passed
    assert any(difference.startswith("payouts:") for difference in result.differences)
    assert any(difference.startswith("rejections:") for difference in result.differences)


def test_cli_exits_with_one_when_the_spec_is_broken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a broken maturity rule, When ``scenario NAME`` runs, Then it prints FAILED, exit 1."""
    monkeypatch.setattr(
        "spec.environments.payments.queue.get_payments_exit_queue", payments_queue_all_mature
    )
    assert run_cli(["scenario", MATURITY_SCENARIOS[0]]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_spec_that_raises_is_reported_not_propagated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a spec function that raises, When every scenario runs, Then those using it fail."""

    def explode(*arguments: object) -> None:
        raise RuntimeError("broken spec")

    monkeypatch.setattr("spec.environments.payments.exits.compute_exitable_time", explode)
    results = run_all()
    failed = [result for result in results if not result.passed]
    assert failed
    assert all("RuntimeError: broken spec" in " ".join(r.differences) for r in failed)
    assert all(render_result(result) for result in failed)


def test_wrong_expectation_is_reported() -> None:
    """Given a scenario whose expectation lists no payout, When played, Then the payouts differ."""
    scenario = get_scenario("withheld-invalid-block")
    wrong = replace(scenario, expectation=replace(scenario.expectation, payouts=()))
    result = play_scenario(wrong)
    assert not result.passed
    assert result.differences[0].startswith("payouts: expected [], got [bob paid 50")


def test_books_flag_funds_moved_without_explanation() -> None:
    """Given a deposit step, When its movements are withheld from the books, Then they complain."""
    play = Play(make_funded_world())
    before = play.world.settlement
    play.deposit(get_scenario("deposit-limits").expectation.payouts[0].owner, 100)
    after = play.world.settlement
    assert find_unexplained_changes(before, after, play.steps[0].movements) == []
    complaint = find_unexplained_changes(before, after, ())
    assert complaint == [
        "funds moved alice -100 native, vault of env 0 +100 native; the step explains nothing"
    ]


# Plasma Cash scenarios

LOOM_SCENARIOS = {
    "cash-exit-by-non-owner-refused": ("spec.environments.cash.exits", "EXIT_NOT_BY_OWNER"),
    "cash-exit-not-spending-parent-refused": (
        "spec.environments.cash.witnesses",
        "TRANSFER_NOT_SPENDING_PARENT",
    ),
    "cash-latest-root-never-overwritten": ("spec.settlement.blocks", "BLOCK_ALREADY_COMMITTED"),
    "cash-thief-answer-not-signed-by-owner": (
        "spec.environments.cash.challenges",
        "RESPONSE_NOT_SIGNED_BY_OWNER",
    ),
    "cash-history-challenge-with-forged-leaf-refused": (
        "spec.environments.cash.witnesses",
        "TRANSFER_NOT_SIGNED_BY_PARENT_OWNER",
    ),
}
"""The published Loom Plasma Cash flaws: each scenario, and the module and rule it rests on."""


def test_library_has_at_least_ten_cash_scenarios() -> None:
    """Given the registry, Then it holds >= 10 Cash scenarios, after the payments ones."""
    cash = [name for name in NAMES if name.startswith("cash-")]
    assert len(cash) >= 10
    assert NAMES[-len(cash) :] == cash
    assert set(LOOM_SCENARIOS) <= set(cash)
    assert "cash-and-payments-side-by-side" in cash


@pytest.mark.parametrize("name", sorted(LOOM_SCENARIOS))
def test_loom_scenario_fails_without_its_rule(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the rule a Loom flaw broke dropped from the spec, When its scenario plays.

    Then it reports a difference: the flaw's exploit is no longer refused as expected.
    """
    module, reason = LOOM_SCENARIOS[name]
    monkeypatch.setattr(f"{module}.require", make_require_ignoring(RejectionReason[reason]))
    result = run_scenario(name)
    assert not result.passed
    assert any(difference.startswith("rejections:") for difference in result.differences)


def test_cash_steps_are_audited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a Cash exit whose payout skips the bond, When a Cash scenario plays.

    Then the books report funds that moved without explanation.
    """

    def payout_keeping_bond(
        state: SettlementState, env: Uint64, exit_id: Uint64
    ) -> SettlementState:
        records = cash_exits.get_cash_records(state.environments[env])
        exit = records.exits[exit_id]
        kept = dataclasses.replace(exit, bond=Uint256(0))
        exits_kept = {**records.exits, exit_id: kept}
        environment = dataclasses.replace(
            state.environments[env],
            kind_records=dataclasses.replace(records, exits=exits_kept),
            bonds_held=state.environments[env].bonds_held - exit.bond,
        )
        environments = list(state.environments)
        environments[env] = environment
        state = dataclasses.replace(state, environments=tuple(environments))
        return original(state, env, exit_id)

    original = cash_exits.process_coin_exit_payout
    monkeypatch.setattr(cash_exits, "process_coin_exit_payout", payout_keeping_bond)
    result = run_scenario("cash-deposit-exit")
    assert not result.passed
    assert any("funds moved" in difference for difference in result.differences)
