"""Differential traces of ``plasma-spec conform`` alone (no vectors), per area."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import pytest

from cli.conform import DEFAULT_TRACES, REFERENCE_ADAPTER, register, run_conform
from conformance.areas import SETTLEMENT, run_step
from conformance.payments.moves import build_chain_trace, make_chain_start
from conformance.settlement_moves import build_settlement_trace
from conformance.trace import make_vector
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.records import InFlightOutcome, PiggybackStatus
from spec.presets import TINY

FAULTY = f"{shlex.quote(sys.executable)} -m conformance.faulty_adapter --fault"


def conform(impl: str, tmp_path: Path, *options: str) -> int:
    """Run ``plasma-spec conform`` with ``options`` (no vectors unless they give some)."""
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    source = () if "--vectors" in options else ("--no-vectors",)
    arguments = parser.parse_args(
        [
            *("conform", "--impl", impl, *source, "--timeout", "5", "--workers", "1"),
            *("--failures", str(tmp_path / "failures"), *options),
        ]
    )
    return run_conform(arguments)


def test_reference_passes_chain_traces_of_every_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the reference adapter and no vectors.

    When conform runs 60 differential traces of each area,
    Then both areas run all 60 traces without a failure, and it exits 0.
    """
    assert conform(REFERENCE_ADAPTER, tmp_path, "--traces", "60") == 0
    output = capsys.readouterr().out
    assert "Differential traces, payments-chain: 60 (" in output
    assert "Differential traces, settlement: 60 (" in output
    assert "FAIL" not in output


def test_chain_moves_reach_deposits_blocks_exits_and_their_rejections() -> None:
    """Given a list of chain moves of every kind.

    When it is built into a trace and run on the spec,
    Then the trace holds accepted deposits, blocks and exits, and blocks rejected
    for a fee claim beyond the block's fees, a duplicate input and a late number.
    """
    moves = [
        ("pay", 0, 1),
        ("claim", 0, 0),
        ("seal", 0, 0),
        ("deposit", 1, 20),
        ("exit", 0, 0),
        ("claim", 5, 0),
        ("seal", 0, 0),
        ("break", 0, 0),
        ("seal", 0, 0),
        ("seal", 6, 0),
    ]
    vector = make_vector(build_chain_trace(TINY, moves))
    verdicts = [(step["operation"]["name"], step["expected"]["reason"]) for step in vector["steps"]]
    assert verdicts == [
        ("ApplyBlock", None),
        ("ApplyDeposit", None),
        ("ApplyExit", None),
        ("ApplyBlock", "fee_claim_exceeds_fees"),
        ("ApplyBlock", "tx_duplicate_input"),
        ("ApplyBlock", "block_number_not_increasing"),
    ]
    start = make_chain_start(TINY).state
    assert start.fees_paid != start.fees_claimed, "earlier blocks left fees unclaimed"


def test_settlement_moves_reach_every_in_flight_operation() -> None:
    """Given settlement moves: two deposits, then in-flight moves of every choice.

    When they are built into a trace and run on the spec,
    Then every in-flight operation is reached: a start with the receiver's
    piggyback, a challenge in flight and its response, Bob's input piggyback, a
    spent challenge of Carol's output, processing that pays the canonical
    payment's side (Bob's input unpaid), a start refused for Mallory's signature
    and a deletion refused because the exit was piggybacked.
    """
    moves = [
        ("deposit", 0, 100),
        ("deposit", 1, 60),
        *(("in-flight", choice, number) for choice, number in ((1, 1), (3, 2), (4, 0))),
        *(("in-flight", choice, number) for choice, number in ((2, 4), (5, 1), (6, 0))),
        ("in-flight", 0, 10),
        ("in-flight", 7, 1),
    ]
    trace = build_settlement_trace(TINY, moves)
    vector = make_vector(trace, with_views=False)
    verdicts = [(step["operation"]["name"], step["expected"]["reason"]) for step in vector["steps"]]
    assert [name for name, _ in verdicts][3:11] == [
        "StartInFlightExit",
        "PiggybackInFlightExit",
        "ChallengeInFlightNotCanonical",
        "RespondToNonCanonicalChallenge",
        "PiggybackInFlightExit",
        "ChallengeInFlightOutputSpent",
        "AdvanceTime",
        "ProcessExits",
    ]
    assert all(reason is None for _, reason in verdicts[:11])
    assert verdicts[12] == ("StartInFlightExit", "tx_input_not_signed_by_owner")
    assert verdicts[-1] == ("DeleteInFlightExit", "in_flight_exit_piggybacked")
    state = trace.initial_state
    for step in trace.steps:
        state = run_step(SETTLEMENT, state, step).state
    (exit,) = get_payments_records(state.environments[0]).in_flight_exits.values()
    assert exit.outcome == InFlightOutcome.OUTPUTS
    assert [p.status for p in exit.input_piggybacks] == [
        PiggybackStatus.NONE,
        PiggybackStatus.UNPAID,
    ]
    assert [p.status for p in exit.output_piggybacks] == [PiggybackStatus.CHALLENGED]


def test_chain_fault_is_caught_by_traces_alone_shrunk_and_reproduced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the reference letting a block's fee claim take earlier blocks' fees, no vectors.

    When conform runs its default differential traces,
    Then the payments-chain traces catch it (settlement's pass), shrink it to
    one block, show the field-level diff, and the written vector alone
    reproduces the failure, while the reference passes it.
    """
    faulty = f"{FAULTY} fees-across-blocks"
    assert conform(faulty, tmp_path) == 1
    output = capsys.readouterr().out
    assert f"Differential traces, settlement: {DEFAULT_TRACES} (" in output
    assert "FAIL differential settlement" not in output
    assert "FAIL differential payments-chain (found at trace " in output
    assert "shrunk to 1 steps" in output
    assert "implementation accepted, spec rejected with fee_claim_exceeds_fees" in output
    assert "fees_claimed[0x" in output
    (written,) = (tmp_path / "failures").iterdir()
    assert written.name == "differential-payments-chain-seed0.json"
    vector = json.loads(written.read_text())
    assert vector["area"] == "payments-chain"
    assert vector["steps"][-1]["expected"]["post_state"] is not None
    assert conform(faulty, tmp_path, "--vectors", str(written), "--traces", "0") == 1
    assert conform(REFERENCE_ADAPTER, tmp_path, "--vectors", str(written), "--traces", "0") == 0


def test_wrong_priority_is_caught_by_traces_alone_within_the_default_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the reference paying the youngest mature exits first, and no vectors.

    When conform runs its default number of differential traces with its default seed,
    Then the settlement traces catch it, shrink it to a queue of two exits
    processed one at a time, and show the exits whose status differs.
    """
    assert conform(f"{FAULTY} wrong-priority", tmp_path) == 1
    output = capsys.readouterr().out
    assert "FAIL differential settlement (found at trace " in output
    found_at = int(output.split("(found at trace ")[1].split(",")[0])
    assert found_at <= DEFAULT_TRACES
    assert "shrunk to 6 steps" in output
    assert "step 5 (ProcessExits)" in output
    assert '.status: implementation "open", spec "processed"' in output
    assert "FAIL differential payments-chain" not in output


def test_area_the_implementation_lacks_is_skipped_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the reference announcing every capability but payments-chain.

    When conform runs differential traces,
    Then the settlement, cash-chain and consensus traces run, the payments-chain ones are
    skipped and counted as skipped, and it exits 0.
    """
    assert conform(f"{FAULTY} without-payments-chain", tmp_path, "--traces", "5") == 0
    output = capsys.readouterr().out
    assert "Differential traces, settlement: 5 (" in output
    assert (
        "Differential traces, payments-chain: skipped (lacks capability payments-chain)" in output
    )
    assert "Differential traces, cash-chain: 5 (" in output
    assert "Differential traces, consensus: 5 (" in output
    assert "Differential areas: 3 run, 1 skipped" in output
