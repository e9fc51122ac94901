"""The adversarial stateful test: the machine under the ci profile, saved traces, planted bugs.

``test_machine_passes_ci_profile`` is what CI runs: Hypothesis drives the game
of ``adversary.payments.machine`` (byzantine operator, malicious user, watchers, honest
users) and every step is checked against the whole catalog, with honest
withdrawal (INV-18) and exit ordering (INV-19) at the end of every trace. The
other tests show that these checks can fail: planted bugs are found and
shrunk, saved traces replay without Hypothesis, and the trace properties
report a tampered world.

Saved traces (``tests/traces``):

- ``byzantine-operator-and-mass-exit.json``: a scripted game in which the
  operator commits a forged-signature block and withholds a block of an output
  from nowhere, exits both bad outputs, mallory exits a spent output and tries
  every bad challenge witness, watchers challenge, honest users exit, and every
  exit is settled;
- ``planted-no-maturity-check.json``: the trace the machine shrank to when
  every exit was mature at once (since issue 14 planted in the payments
  queue, ``spec.environments.payments.queue``, as well as in the settlement
  queue that Plasma Cash uses).

The Cash machine (``adversary.cash.machine``) runs beside it under its own
``ci`` profile; planted Cash bugs (an exit by anyone, a thief paid despite an
unanswered challenge) make it fail.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from adversary.cash import twins
from adversary.cash.machine import CASH_PROFILES, replay_cash_trace, run_cash_machine
from adversary.fuzz import replay_file
from adversary.mutants import make_require_ignoring
from adversary.payments import properties
from adversary.payments import world as worlds
from adversary.payments.actors import make_funded_world
from adversary.payments.machine import (
    ACTIONS,
    HONEST_OWNERS,
    PROFILES,
    Game,
    replay_trace,
    run_machine,
)
from adversary.payments.twins import payments_queue_all_mature
from adversary.trace import Trace, TraceFileError, load_trace, save_trace
from cli import fuzz as fuzz_command
from fixtures import ALICE, OPERATOR
from spec.environments.cash import exits as cash_exits
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.payments import exits as payments_exits
from spec.environments.payments import queue as payments_queue
from spec.environments.payments.transactions import FeeClaim, Output
from spec.errors import RejectionReason, require
from spec.invariants.ids import InvariantId
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint8, Uint16, Uint64, Uint256
from spec.settlement import exits
from spec.settlement.state import Exit, SettlementState
from spec.settlement.transition import OPERATIONS

TRACES = Path(__file__).parent / "traces"
SCRIPTED = TRACES / "byzantine-operator-and-mass-exit.json"
PLANTED = TRACES / "planted-no-maturity-check.json"


def always_mature(state: SettlementState, exit: Exit) -> bool:
    """A planted bug: every exit may be processed at once."""
    return True


def plant_maturity_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plant the maturity bug in both queues: the settlement one (Cash) and the payments one."""
    monkeypatch.setattr(exits, "is_exit_mature", always_mature)
    monkeypatch.setattr(payments_queue, "get_payments_exit_queue", payments_queue_all_mature)


def require_ignoring_owner_signature(
    condition: bool, reason: RejectionReason, detail: str = ""
) -> None:
    """A planted bug: challenges skip the check that the output's owner signed the spend."""
    if reason != RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER:
        require(condition, reason, detail)


def replay_game(trace: Trace) -> Game:
    """Replay a trace's steps on a fresh game and return the game."""
    game = Game()
    for step in trace.steps:
        ACTIONS[step.action](game, **step.arguments)
    return game


def with_exit(game: Game, env: int, exit_id: Uint64, exit: Exit) -> worlds.World:
    """Return the game's world with one exit replaced (tampering, for the property tests)."""
    settlement = game.world.settlement
    environment = settlement.environments[env]
    environment = dataclasses.replace(environment, exits={**environment.exits, exit_id: exit})
    environments = list(settlement.environments)
    environments[env] = environment
    settlement = dataclasses.replace(settlement, environments=tuple(environments))
    return dataclasses.replace(game.world, settlement=settlement)


def make_fuzz_parser() -> argparse.ArgumentParser:
    """Return a fresh parser with only the fuzz subcommand."""
    parser = argparse.ArgumentParser(prog="plasma-spec")
    fuzz_command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def run_fuzz_command(*argv: str) -> int:
    """Run ``plasma-spec fuzz`` with these arguments; return its exit code."""
    # In this process (--workers 1): the tests plant their bugs with monkeypatch
    workers = () if "--replay" in argv else ("--workers", "1")
    arguments = make_fuzz_parser().parse_args(["fuzz", *argv, *workers])
    code: int = arguments.run(arguments)
    return code


# The machine


def test_machine_passes_ci_profile() -> None:
    """Given the ci profile, When the machine runs, Then no trace breaks a check."""
    run = run_machine("ci")
    assert run.passed, run.failure
    assert run.traces >= PROFILES["ci"].max_examples
    print(f"ci: {run.traces} traces, {run.steps} steps, {run.steps / run.seconds:.0f} steps/s")


def test_machine_finds_planted_maturity_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given exits that mature at once, When the machine runs, Then it fails and shrinks.

    The shrunk trace is the setup and the end of the trace; it replays without
    Hypothesis to the same failure, and passes on the correct spec.
    """
    plant_maturity_bug(monkeypatch)
    run = run_machine("ci")
    assert not run.passed
    assert run.failure.startswith("INV-07: env 0 exit"), run.failure
    assert [step.action for step in run.trace] == ["setup", "finish"]
    assert "state.setup()" in run.program
    assert not replay_trace(Trace(run.trace)).passed
    monkeypatch.undo()
    assert replay_trace(Trace(run.trace)).passed


def test_machine_reports_an_unexpected_spec_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a spec function that raises, When the machine runs, Then it reports, not crashes."""

    def broken_process_exit(*arguments: object) -> SettlementState:
        raise RuntimeError("broken spec")

    monkeypatch.setattr(exits, "process_exit", broken_process_exit)
    monkeypatch.setattr(payments_queue, "process_exit", broken_process_exit)
    run = run_machine("ci", max_examples=5)
    assert not run.passed
    assert run.failure.startswith("RuntimeError: broken spec")
    assert "Trace (game actions):" in run.failure
    assert run.trace[-1].action == "finish"


# Saved traces


def test_scripted_trace_replays_step_for_step() -> None:
    """Given the scripted trace, When replayed, Then it passes with the same notes at every step."""
    trace = load_trace(SCRIPTED)
    run = replay_trace(trace)
    assert run.passed, run.failure
    assert [step.notes for step in run.trace] == [step.notes for step in trace.steps]


def test_scripted_trace_catches_planted_challenge_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given challenges that skip the owner's signature check, When the scripted trace replays.

    Then mallory's challenge signed by herself is accepted where it must be rejected.
    """
    monkeypatch.setattr(payments_exits, "require", require_ignoring_owner_signature)
    run = replay_trace(load_trace(SCRIPTED))
    assert not run.passed
    first_line = run.failure.splitlines()[0]
    assert first_line.endswith(
        "signed_by_mallory): accepted, expected rejection challenge_not_signed_by_owner"
    )


def test_planted_trace_fails_only_under_its_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the saved planted-bug trace, When replayed, Then it fails only with the bug planted."""
    trace = load_trace(PLANTED)
    assert trace.failure.startswith(InvariantId.MATURITY)
    assert replay_trace(trace).passed
    plant_maturity_bug(monkeypatch)
    assert replay_trace(trace).failure.startswith(InvariantId.MATURITY)


# The trace properties can fail


def test_honest_withdrawal_reports_an_unpaid_honest_claim() -> None:
    """Given a settled scripted world, When an honest exit is made unpaid, Then INV-18 fails."""
    game = replay_game(load_trace(SCRIPTED))
    assert properties.check_honest_withdrawal(game.world, HONEST_OWNERS) == []
    exit_id, exit = next(
        (exit_id, exit) for exit_id, exit in game.get_exits(0) if exit.owner == ALICE.address
    )
    tampered = with_exit(game, 0, exit_id, dataclasses.replace(exit, paid=Uint256(0)))
    violations = properties.check_honest_withdrawal(tampered, HONEST_OWNERS)
    assert [v.identifier for v in violations] == [InvariantId.HONEST_WITHDRAWAL]


def test_exit_ordering_reports_a_dependent_exit_paid_first() -> None:
    """Given a settled scripted world, When a bad block's exit gets the earliest exitable time.

    Then INV-19 fails: the dependent exit has priority over every timely valid one.
    """
    game = replay_game(load_trace(SCRIPTED))
    assert properties.check_exit_ordering(game.world) == []
    exit_id, exit = next(
        (exit_id, exit)
        for exit_id, exit in game.get_exits(0)
        if properties.depends_on_bad_block(game.world, 0, exit.position)
        and exit.token == NATIVE_TOKEN
    )
    tampered = with_exit(game, 0, exit_id, dataclasses.replace(exit, exitable_at=Uint64(0)))
    violations = properties.check_exit_ordering(tampered)
    assert violations
    assert all(v.identifier == InvariantId.EXIT_ORDERING for v in violations)


def test_deposit_after_bad_block_needs_an_exit_strictly_within_one_period() -> None:
    """Given a deposit made after a bad block B, When exited at T_B + MFP, Then it loses to B.

    B's exit claims the whole vault; the deposit's exit, started exactly one MFP
    after B, ties with it in exitable time and loses on position, so it is paid
    nothing (INV-18 reports it). One second earlier it is paid in full. This is
    why honest users never deposit after a bad block (see ``is_honest_claim``).
    """
    for exit_delay, paid in ((100, 0), (99, 100)):
        world = make_funded_world((OPERATOR,))
        world, honest = worlds.deposit(world, 0, ALICE.address, NATIVE_TOKEN, 100)
        claim = FeeClaim(Output(OPERATOR.address, NATIVE_TOKEN, Uint256(10**6)))
        world, bad = worlds.commit_block(world, 0, [claim])
        bad_time = int(world.settlement.time)
        world = worlds.start_exit(
            world, 0, OPERATOR.address, OutputPosition(bad, Uint16(0), Uint8(0))
        )
        world, late = worlds.deposit(world, 0, ALICE.address, NATIVE_TOKEN, 100)
        world = worlds.advance_time(world, exit_delay)
        world = worlds.start_exit(world, 0, ALICE.address, honest)
        world = worlds.start_exit(world, 0, ALICE.address, late)
        world = worlds.advance_time(world, bad_time + 200 - int(world.settlement.time))
        world = worlds.process_exits(world, 0, NATIVE_TOKEN)
        by_position = {
            exit.position: exit for exit in world.settlement.environments[0].exits.values()
        }
        assert by_position[honest].paid == 100
        assert by_position[late].paid == paid
        violations = properties.check_honest_withdrawal(world, frozenset({ALICE.address}))
        assert len(violations) == (paid == 0)


# The fuzz command


def test_fuzz_command_saves_and_replays_a_failing_trace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a planted bug, When ``plasma-spec fuzz`` runs, Then it saves the failing trace.

    It prints the file's path, and ``--replay`` reproduces the failure (and
    passes once the bug is gone).
    """
    plant_maturity_bug(monkeypatch)
    arguments = ("--minutes", "0.01", "--seed", "3", "--profile", "ci", "--output", str(tmp_path))
    code = run_fuzz_command(*arguments)
    assert code == 1
    (saved,) = tmp_path.glob("*.json")
    assert str(saved) in capsys.readouterr().out
    assert load_trace(saved).failure.startswith(InvariantId.MATURITY)
    assert run_fuzz_command("--replay", str(saved)) == 1
    monkeypatch.undo()
    assert run_fuzz_command("--replay", str(saved)) == 0
    assert "passed" in capsys.readouterr().out


def test_fuzz_command_runs_the_cash_game_and_replays_its_trace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given Cash exits that skip the exiter-owns check.

    When ``plasma-spec fuzz --game cash`` runs,
    Then it saves a failing trace that names the cash game; ``--replay`` reproduces the
    failure on the Cash game, and passes once the bug is gone.
    """
    monkeypatch.setattr(
        cash_exits, "require", make_require_ignoring(RejectionReason.EXIT_NOT_BY_OWNER)
    )
    arguments = ("--minutes", "0.01", "--seed", "1", "--profile", "ci", "--game", "cash")
    assert run_fuzz_command(*arguments, "--output", str(tmp_path)) == 1
    (saved,) = tmp_path.glob("*.json")
    assert str(saved) in capsys.readouterr().out
    assert load_trace(saved).extra == {"game": "cash"}
    assert run_fuzz_command("--replay", str(saved)) == 1
    monkeypatch.undo()
    assert run_fuzz_command("--replay", str(saved)) == 0
    assert "passed" in capsys.readouterr().out


def test_replay_refuses_a_trace_of_an_unknown_game(tmp_path: Path) -> None:
    """Given a trace file whose extra names a game that does not exist.

    When it is replayed,
    Then it is refused as a bad file (TraceFileError), not replayed.
    """
    path = save_trace(tmp_path / "odd.json", Trace((), extra={"game": "chess"}))
    with pytest.raises(TraceFileError, match="its game is not one of"):
        replay_file(path)


# The Cash machine


def test_cash_machine_passes_ci_profile() -> None:
    """Given the Cash machine's ci profile, When it runs, Then no trace breaks a check."""
    run = run_cash_machine("ci")
    assert run.passed, run.failure
    assert run.traces >= CASH_PROFILES["ci"].max_examples
    print(f"cash ci: {run.traces} traces, {run.steps} steps, {run.steps / run.seconds:.0f} steps/s")


def test_cash_machine_finds_an_exit_by_anyone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given Cash exits that skip the exiter-owns check, When the machine runs, Then it fails.

    The failing trace replays without Hypothesis to the same failure, and
    passes on the correct spec.
    """
    monkeypatch.setattr(
        cash_exits, "require", make_require_ignoring(RejectionReason.EXIT_NOT_BY_OWNER)
    )
    run = run_cash_machine("ci", max_examples=5)
    assert not run.passed
    assert "accepted, expected rejection exit_not_by_owner" in run.failure.splitlines()[0]
    assert not replay_cash_trace(Trace(run.trace)).passed
    monkeypatch.undo()
    assert replay_cash_trace(Trace(run.trace)).passed


def test_cash_machine_reports_a_theft(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given finalization that pays despite an unanswered challenge, Then the machine fails.

    The setup's stolen coin is paid to mallory instead of its exit being cancelled.
    """
    row = OPERATIONS[FinalizeCoinExit]
    monkeypatch.setitem(
        OPERATIONS,
        FinalizeCoinExit,
        dataclasses.replace(row, process=twins.process_finalize_coin_exit_paying),
    )
    run = run_cash_machine("ci", max_examples=3)
    assert not run.passed
    assert run.trace[0].action == "setup"
