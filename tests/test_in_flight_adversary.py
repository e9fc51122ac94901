"""The adversary's in-flight exits: the game's moves, INV-18 (b) and (c), the processing model.

Saved trace (``tests/traces``):

- ``in-flight-attacks-and-honest-exits.json``: a scripted game in which
  alice and mallory co-sign a payment, mallory exits a payment of hers and a
  competitor of it in flight, names an output twice, double-spends, the
  operator withholds a block of pending payments, watchers show spent inputs
  and outputs, challenge canonicity and answer mallory's griefing challenge,
  honest users exit their withheld payments in flight, mallory piggybacks and
  deletes where she may not, and every exit is settled;
- ``in-flight-settles-a-valid-output-first.json``: the trace the ci machine
  shrank to when INV-19 wrongly required a skipped exit to be paid: mallory's
  in-flight exit pays her change output (of a block before the bad one), so
  her standard exit of that output is skipped, and a dependent exit is paid
  after it.

The mutants restating production MoreVP bugs are checked here cheaply (each
makes its scenario fail, and only under the mutant); ``tests/test_mutation.py``
runs them against the stateful machine as well.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import adversary.payments.world as world_model
from adversary.mutants import applied, get_mutant
from adversary.payments import properties
from adversary.payments.actors import make_funded_world
from adversary.payments.in_flight_properties import is_created_before_bad_block
from adversary.payments.machine import ACTIONS, HONEST_OWNERS, Game, replay_trace
from adversary.payments.processing import check_processing, get_in_flight_exits
from adversary.payments.scenarios.framework import run_scenario
from adversary.payments.scenarios.in_flight_play import (
    OUTPUT,
    challenge_canonicity,
    piggyback,
    start_in_flight_exit,
)
from adversary.payments.scenarios.play import Play, make_output
from adversary.trace import load_trace
from fixtures import ALICE, BOB, CAROL, MALLORY, PROCESSING_BOUNTY, WATCHER
from spec.environments.payments.marks import with_in_flight_exit
from spec.environments.payments.piggybacks import PiggybackInFlightExit
from spec.environments.payments.records import (
    InFlightExit,
    InFlightOutcome,
    Piggyback,
    PiggybackStatus,
)
from spec.invariants.ids import InvariantId
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import ProcessExits

TRACE = Path(__file__).parent / "traces" / "in-flight-attacks-and-honest-exits.json"
SETTLED_FIRST = Path(__file__).parent / "traces" / "in-flight-settles-a-valid-output-first.json"
SCRIPTED = Path(__file__).parent / "traces" / "byzantine-operator-and-mass-exit.json"

IN_FLIGHT_MUTANTS = {
    "in-flight-duplicate-inputs": "in-flight-exit-with-duplicate-inputs",
    "in-flight-delete-keeps-bond": "unpiggybacked-in-flight-exit-returns-its-bond",
    "in-flight-double-spend-both-canonical": "double-spend-in-two-in-flight-exits",
    "in-flight-processed-for-all-tokens": "in-flight-exit-of-two-tokens",
    "in-flight-unpaid-piggyback-keeps-bond": "unpaid-piggyback-gets-its-bond-back",
    "in-flight-canonicity-ignored": "non-canonical-outputs-are-not-paid",
    "fee-claim-output-id-without-position": "identical-fee-claims-are-both-paid",
    "in-flight-finalized-input-blocks-co-signer": "honest-co-signer-refunded-despite-settled-input",
}
"""Each production MoreVP bug's mutant, and the scenario that restates the bug."""


def replay_game(path: Path) -> Game:
    """Replay a saved trace's steps on a fresh game and return the game."""
    game = Game()
    for step in load_trace(path).steps:
        ACTIONS[step.action](game, **step.arguments)
    return game


def with_in_flight(
    world: world_model.World, env: int, exit_id: int, exit: InFlightExit
) -> world_model.World:
    """Return ``world`` with one in-flight exit replaced (tampering, for the property tests)."""
    settlement = world.settlement
    environments = list(settlement.environments)
    environments[env] = with_in_flight_exit(environments[env], Uint64(exit_id), exit)
    settlement = dataclasses.replace(settlement, environments=tuple(environments))
    return dataclasses.replace(world, settlement=settlement)


def get_scripted_exit() -> tuple[Game, InFlightExit]:
    """Return the scripted game, settled, and its one in-flight exit (alice pays dave, withheld)."""
    game = replay_game(SCRIPTED)
    return game, get_in_flight_exits(game.world.settlement.environments[0])[Uint64(0)]


UNPAID = Piggyback(PiggybackStatus.UNPAID, Uint256(0))


# The scripted in-flight game


def test_in_flight_trace_replays_step_for_step() -> None:
    """Given the scripted in-flight trace, When replayed, Then it passes with the same notes."""
    trace = load_trace(TRACE)
    run = replay_trace(trace)
    assert run.passed, run.failure
    assert [step.notes for step in run.trace] == [step.notes for step in trace.steps]


def test_in_flight_trace_plays_every_in_flight_operation() -> None:
    """Given the scripted in-flight trace, When its notes are read.

    Then every in-flight operation was accepted at least once, and each of
    mallory's forbidden moves was rejected for its exact reason.
    """
    notes = "\n".join(note for step in load_trace(TRACE).steps for note in step.notes)
    for operation in (
        "StartInFlightExit",
        "PiggybackInFlightExit",
        "ChallengeInFlightInputSpent",
        "ChallengeInFlightOutputSpent",
        "ChallengeInFlightNotCanonical",
        "RespondToNonCanonicalChallenge",
    ):
        assert f"] {operation}(" in notes, operation
    for reason in (
        "tx_duplicate_input",
        "piggyback_not_by_owner",
        "piggyback_period_over",
        "piggyback_period_not_over",
        "in_flight_exit_piggybacked",
    ):
        assert f"rejected with {reason}, as it must be" in notes, reason


@pytest.mark.parametrize(
    ("mutant", "first_line"),
    [
        ("in-flight-duplicate-inputs", "accepted, expected rejection tx_duplicate_input"),
        ("in-flight-double-spend-both-canonical", "settled as outputs, expected inputs"),
        ("in-flight-unpaid-piggyback-keeps-bond", "INV-09"),
    ],
)
def test_in_flight_trace_catches_planted_morevp_bugs(mutant: str, first_line: str) -> None:
    """Given a production MoreVP bug planted, When the in-flight trace replays.

    Then it fails, and the first line of the failure names what went wrong.
    """
    with applied(get_mutant(mutant)):
        run = replay_trace(load_trace(TRACE))
    assert not run.passed
    assert first_line in run.failure.splitlines()[0]


def test_valid_output_settled_in_flight_keeps_exit_ordering() -> None:
    """Given the shrunk trace where an in-flight exit settles a valid output first.

    When it is replayed,
    Then it passes: the output's standard exit is skipped, and INV-19 holds all the same.
    """
    run = replay_trace(load_trace(SETTLED_FIRST))
    assert run.passed, run.failure
    game = replay_game(SETTLED_FIRST)
    statuses = {exit.status.value for _, exit in game.get_exits(0)}
    assert "skipped" in statuses
    assert properties.check_exit_ordering(game.world) == []


# INV-18 (b) and (c)


def test_scripted_in_flight_receiver_is_paid() -> None:
    """Given the settled scripted game, When INV-18 is checked.

    Then the withheld payment's exit paid its outputs in full and INV-18 holds.
    """
    game, exit = get_scripted_exit()
    assert exit.outcome == InFlightOutcome.OUTPUTS
    assert [p.status for p in exit.output_piggybacks] == [PiggybackStatus.PAID] * 2
    assert properties.check_honest_withdrawal(game.world, HONEST_OWNERS) == []


def test_unpaid_in_flight_receiver_is_reported() -> None:
    """Given the settled scripted game, When the receiver's piggyback is made unpaid.

    Then INV-18 names the in-flight exit and its output.
    """
    game, exit = get_scripted_exit()
    tampered = dataclasses.replace(exit, output_piggybacks=(UNPAID, exit.output_piggybacks[1]))
    world = with_in_flight(game.world, 0, 0, tampered)
    (violation,) = properties.check_honest_withdrawal(world, HONEST_OWNERS)
    assert violation.identifier == InvariantId.HONEST_WITHDRAWAL
    assert "in-flight exit 0" in violation.message and "output 0" in violation.message


def test_in_flight_sender_is_owed_her_input_only_when_inputs_are_paid() -> None:
    """Given the settled scripted game, whose exit paid outputs and left alice's input unpaid.

    When the exit is made to have paid inputs instead,
    Then INV-18 reports alice's unpaid input; as it was, it reported nothing.
    """
    game, exit = get_scripted_exit()
    assert exit.input_piggybacks[0].status == PiggybackStatus.UNPAID
    tampered = dataclasses.replace(exit, outcome=InFlightOutcome.INPUTS)
    world = with_in_flight(game.world, 0, 0, tampered)
    (violation,) = properties.check_honest_withdrawal(world, HONEST_OWNERS)
    assert "input 0" in violation.message and "outcome inputs" in violation.message


def test_late_piggyback_is_not_promised() -> None:
    """Given the scripted game with the receiver's piggyback unpaid.

    When that piggyback is recorded as made at the exit deadline ``T_B + MFP``,
    Then INV-18 no longer promises it (a timely piggyback is strictly earlier).
    """
    game, exit = get_scripted_exit()
    deadline = properties.get_exit_deadline(game.world, 0)
    assert deadline is not None
    times = list(game.world.times)
    for index, operation in enumerate(game.world.log):
        if isinstance(operation, PiggybackInFlightExit) and operation.side == OUTPUT:
            times[index] = deadline
    late = dataclasses.replace(game.world, times=tuple(times))
    tampered = dataclasses.replace(exit, output_piggybacks=(UNPAID, UNPAID))
    world = with_in_flight(late, 0, 0, tampered)
    assert properties.check_honest_withdrawal(world, HONEST_OWNERS) == []


def test_receiver_of_a_double_spent_payment_is_not_promised() -> None:
    """Given the scripted game with the receiver's piggyback unpaid.

    When alice is known to have signed another spend of the payment's input,
    Then INV-18 promises the receiver nothing (MoreVP protects a receiver of honest senders).
    """
    game, exit = get_scripted_exit()
    spent = exit.transaction.inputs
    other = Play(game.world).sign(ALICE, list(spent), [make_output(ALICE, 1)])
    world = world_model.sign_spend(game.world, 0, other)
    tampered = dataclasses.replace(exit, output_piggybacks=(UNPAID, exit.output_piggybacks[1]))
    world = with_in_flight(world, 0, 0, tampered)
    assert properties.check_honest_withdrawal(world, HONEST_OWNERS) == []


def test_deposit_after_the_bad_block_is_not_created_before_it() -> None:
    """Given the scripted game, whose first bad block is 12.

    When a deposit before it and a new deposit (numbered after it) are judged,
    Then only the first was created before the bad block (both are in reality).
    """
    game = replay_game(SCRIPTED)
    before = OutputPosition(Uint64(1), Uint16(0), Uint8(0))
    world, after = world_model.deposit(game.world, 0, MALLORY.address, NATIVE_TOKEN, 1)
    assert after.block_number > 12
    assert properties.is_in_reality(world, 0, after)
    assert is_created_before_bad_block(world, 0, before)
    assert not is_created_before_bad_block(world, 0, after)


# The processing model


def make_challenged_exit_world() -> world_model.World:
    """Return a world where mallory's in-flight exit was shown non-canonical and is mature."""
    play = Play(make_funded_world())
    play.deposit(ALICE, 100)
    deposit = play.deposit(MALLORY, 100)
    to_carol = play.sign(MALLORY, [deposit], [make_output(CAROL, 100)])
    play.commit([to_carol])
    to_mallory = play.sign(MALLORY, [deposit], [make_output(MALLORY, 100)])
    exit_id = start_in_flight_exit(play, MALLORY, to_mallory)
    piggyback(play, MALLORY, exit_id, OUTPUT, 0)
    challenge_canonicity(play, WATCHER, exit_id, to_carol)
    play.wait_until(300)
    assert not play.problems
    return play.world


def test_processing_model_flags_outputs_paid_for_a_non_canonical_exit() -> None:
    """Given a mature non-canonical in-flight exit with its output piggybacked.

    When it is processed by the spec, and by the spec with canonicity ignored,
    Then the model agrees with the spec and flags the mutant's payout.
    """
    pre = make_challenged_exit_world()
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(4))
    post = world_model.apply_operation(pre, operation)
    assert check_processing(pre.settlement, operation, post.settlement) == []
    with applied(get_mutant("in-flight-canonicity-ignored")):
        wrong = world_model.apply_operation(pre, operation)
    found = check_processing(pre.settlement, operation, wrong.settlement)
    assert {violation.identifier for violation in found} == {InvariantId.SOLVENCY}
    assert any("expected inputs" in violation.message for violation in found)


# Production MoreVP bugs


@pytest.mark.parametrize("mutant", sorted(IN_FLIGHT_MUTANTS))
def test_morevp_bug_scenario_fails_only_under_its_mutant(mutant: str) -> None:
    """Given a production MoreVP bug's mutant and the scenario restating the bug.

    When the scenario runs on the spec and under the mutant,
    Then it passes on the spec and fails under the mutant.
    """
    name = IN_FLIGHT_MUTANTS[mutant]
    assert run_scenario(name).passed
    with applied(get_mutant(mutant)):
        result = run_scenario(name)
    assert not result.passed and result.differences


def test_receiver_nets_his_payment_less_the_bounty() -> None:
    """Given the honest receiver's scenario, When played.

    Then Bob's balance grew by the 100 paid less the processing bounty (both bonds came back).
    """
    result = run_scenario("in-flight-receiver-is-paid")
    assert result.passed
    (bob,) = [h for h in result.holdings if h.actor == BOB.address]
    assert bob.change == 100 - PROCESSING_BOUNTY
