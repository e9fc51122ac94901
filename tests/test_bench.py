"""The benchmark command runs end to end on small sizes (its numbers are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from reference.benchmarks.runs import SpecBudget
from reference.benchmarks.workloads import make_block_workload, make_exit_workload
from spec.environments.payments.chain import apply_block
from spec.primitives import Address

ROOT = Path(__file__).resolve().parent.parent


def test_bench_command_reports_every_workload() -> None:
    """Given tiny sizes.

    When ``plasma-spec bench --json`` runs,
    Then it reports the recovery bound and one row per workload and size (payments and
    Plasma Cash), with spec rates for validation and exits and none for building.
    """
    command = [sys.executable, "-m", "cli.main", "bench", "--transactions", "40,80"]
    command += ["--exits", "30", "--coins", "20", "--json"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(run.stdout)
    assert report["recovery_rate"] > 0
    rows = [(m["workload"], m["size"]) for m in report["measurements"]]
    assert rows == [
        ("block validation", 40),
        ("block building", 40),
        ("block validation", 80),
        ("block building", 80),
        ("exit processing", 30),
        ("cash block validation", 20),
        ("cash exits", 20),
    ]
    by_workload = {m["workload"]: m for m in report["measurements"]}
    assert by_workload["block validation"]["spec_rate"] > 0
    assert by_workload["exit processing"]["spec_rate"] > 0
    assert by_workload["cash block validation"]["spec_rate"] > 0
    assert by_workload["cash exits"]["spec_rate"] > 0
    assert by_workload["block building"]["spec_rate"] is None


def test_block_workload_is_valid_in_the_spec() -> None:
    """Given the benchmark's block workload.

    When the spec applies its blocks,
    Then every payment is accepted (the benchmark measures valid work).
    """
    workload = make_block_workload(10, Address(b"\x01" * 20))
    state = workload.genesis
    for number, block in workload.get_blocks():
        state = apply_block(state, number, block)
    assert len(state.spent) == 10


def test_exit_workload_has_every_exit_mature_and_open() -> None:
    """Given the benchmark's exit workload of 25 exits.

    When its state is read,
    Then all 25 exits are open and mature, and the vault holds enough to pay them.
    """
    state = make_exit_workload(25)
    exits = state.environments[0].exits.values()
    assert len(exits) == 25
    assert all(exit.exitable_at <= state.time for exit in exits)
    token = next(iter(exits)).token
    assert state.environments[0].deposited[token] == 25


def test_spec_budget_skips_runs_projected_past_it() -> None:
    """Given a spec run of size 10 that took 1 second and a budget of 50 seconds.

    When runs of size 70 and 80 are projected (quadratic growth: 49 s and 64 s),
    Then the first runs and the second is skipped with a note.
    """
    budget = SpecBudget(50.0)
    budget.last["blocks"] = (10, 1.0)
    assert budget.project("blocks", 70) == 49.0
    seconds, note = budget.run("blocks", 80, lambda: None)
    assert seconds is None
    assert "projected 64 s" in note


def test_cash_workloads_are_valid_in_the_spec() -> None:
    """Given the Plasma Cash workloads at a small size.

    When the spec applies them,
    Then every transfer is accepted and every exit is finalized and paid.
    """
    from reference.benchmarks.cash import (
        make_coin_block_workload,
        make_coin_exit_workload,
    )
    from spec.environments.cash.chain import apply_coin_block
    from spec.environments.cash.records import CashRecords, CoinExitStatus
    from spec.settlement.transition import state_transition

    blocks = make_coin_block_workload(30)
    chain = blocks.genesis
    for number, block in blocks.blocks:
        chain = apply_coin_block(chain, number, block)
    assert {coin.last_block for coin in chain.coins.values()} == {blocks.blocks[0][0]}
    exits = make_coin_exit_workload(30)
    state = exits.state
    for operation in exits.operations:
        state = state_transition(state, operation)
    records = state.environments[0].kind_records
    assert isinstance(records, CashRecords)
    assert [e.status for e in records.exits.values()] == [CoinExitStatus.FINALIZED] * 30
