"""The in-flight predicates can fail: each reports a deliberately broken state or step.

Each test takes a real world from the in-flight exit game (every step of it
already judged by the whole catalog), breaks one thing by hand with
``dataclasses.replace``, and expects the predicate of that rule to report it.
"""

from __future__ import annotations

from dataclasses import replace

from fixtures import WATCHER
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.records import (
    InFlightExit,
    InFlightOutcome,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import DepositTransaction, Output
from spec.invariants.evaluate import check_settlement_state, check_settlement_transition
from spec.invariants.exits import check_priority_order
from spec.invariants.funds import check_bond_destinations, check_bonds_held
from spec.invariants.ids import InvariantId
from spec.invariants.payments.in_flight import (
    check_cross_kind_single_payout,
    check_in_flight_exclusivity,
    check_marks_written_once,
    check_outcome_written_once,
)
from spec.invariants.payments.in_flight_steps import (
    check_in_flight_challenge_soundness,
    check_in_flight_exitable_times,
    check_in_flight_finality,
    check_in_flight_maturity,
)
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import AdvanceTime
from spec.settlement.state import (
    Exit,
    ExitStatus,
    SettlementState,
    with_balance,
    with_environment,
)
from spec.settlement.transition import Operation
from spec.totals import with_entry
from tests.harness import make_exit
from tests.in_flight_worlds import ENV, PERIOD, InFlightWorld, make_withheld_payment_world
from tests.support import BOB, CAROL

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT


def with_exit(state: SettlementState, exit: InFlightExit, exit_id: int = 0) -> SettlementState:
    """Return ``state`` with one in-flight exit replaced by hand."""
    environment = state.environments[ENV]
    records = get_payments_records(environment)
    exits = with_entry(records.in_flight_exits, Uint64(exit_id), exit)
    environment = replace(environment, kind_records=replace(records, in_flight_exits=exits))
    return with_environment(state, Uint64(ENV), environment)


def paid_world() -> InFlightWorld:
    """Return a world whose canonical in-flight exit paid Carol's piggybacked output."""
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.piggyback(BOB, INPUT, 1))
    world.advance(3 * PERIOD)
    world.apply(world.process())
    return world


def piggybacked_world() -> InFlightWorld:
    """Return a world whose in-flight exit has Carol's output piggybacked, not yet mature."""
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    return world


TICK: Operation = AdvanceTime(Uint64(0))
"""An operation that explains no change of any exit (the predicates read only its type)."""


def test_exclusivity_reports_both_sides_paid() -> None:
    """Given an exit that paid its output.

    When its input 1 is also marked paid by hand,
    Then INV-20's state predicate reports the input paid while the exit pays outputs.
    """
    world = paid_world()
    exit = world.exit()
    both = replace(
        exit,
        input_piggybacks=(exit.input_piggybacks[0], Piggyback(PiggybackStatus.PAID, Uint256(50))),
    )
    assert check_in_flight_exclusivity(with_exit(world.state, both))
    assert not check_in_flight_exclusivity(world.state)


def test_outcome_rewritten_is_reported() -> None:
    """Given an exit decided to pay its outputs.

    When a step turns the outcome to inputs,
    Then INV-20's transition predicate reports it.
    """
    world = paid_world()
    flipped = with_exit(world.state, replace(world.exit(), outcome=InFlightOutcome.INPUTS))
    assert check_outcome_written_once(world.state, TICK, flipped)


def test_an_output_paid_by_two_exits_is_reported() -> None:
    """Given Carol's output paid in flight.

    When a processed standard exit of the same output id is added by hand,
    Then INV-02 across exit kinds reports the output paid twice.
    """
    world = paid_world()
    environment = world.state.environments[ENV]
    paid_id = next(
        output_id
        for output_id, mark in get_payments_records(environment).finalized.items()
        if output_id not in world.exit().input_ids
    )
    standard = Exit(
        position=world.exit().youngest_input,
        output_id=paid_id,
        owner=CAROL,
        token=NATIVE_TOKEN,
        amount=Uint256(150),
        bond=Uint256(0),
        started_at=world.state.time,
        exitable_at=world.state.time,
        status=ExitStatus.PROCESSED,
        paid=Uint256(150),
    )
    environment = replace(environment, exits=with_entry(environment.exits, Uint64(0), standard))
    broken = with_environment(world.state, Uint64(ENV), environment)
    assert any("paid 2 times" in v for v in check_cross_kind_single_payout(broken))


def test_a_mark_erased_is_reported() -> None:
    """Given the exit marked its inputs and Carol's output.

    When a step erases the marks,
    Then INV-02's transition predicate reports each changed mark.
    """
    world = paid_world()
    environment = world.state.environments[ENV]
    records = get_payments_records(environment)
    erased = replace(environment, kind_records=replace(records, finalized={}))
    post = with_environment(world.state, Uint64(ENV), erased)
    assert len(check_marks_written_once(world.state, TICK, post)) == len(records.finalized)


def test_bonds_held_miscounted_is_reported() -> None:
    """Given an exit holding its bond and one piggyback bond.

    When the environment's bonds held are lowered by one bond,
    Then INV-09's state predicate reports the mismatch.
    """
    world = piggybacked_world()
    environment = world.state.environments[ENV]
    short = replace(environment, bonds_held=environment.bonds_held - world.exit().bond)
    assert check_bonds_held(with_environment(world.state, Uint64(ENV), short))
    assert not check_bonds_held(world.state)


def test_a_bounty_paid_to_the_wrong_account_is_reported() -> None:
    """Given the processing step that paid Carol and gave the watcher the bounties.

    When the watcher's bounty is moved to Bob by hand,
    Then INV-09's transition predicate reports both balances.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.advance(3 * PERIOD)
    pre = world.state
    operation = world.process()
    world.apply(operation)
    post = world.state
    watcher = post.balances[(WATCHER.address, NATIVE_TOKEN)]
    bob = post.balances.get((BOB, NATIVE_TOKEN), Uint256(0))
    bounty = pre.environments[ENV].rules.processing_bounty
    moved = with_balance(post, WATCHER.address, NATIVE_TOKEN, watcher - bounty)
    moved = with_balance(moved, BOB, NATIVE_TOKEN, bob + bounty)
    assert len(check_bond_destinations(pre, operation, moved)) == 2


def test_a_wrong_exitable_time_is_reported() -> None:
    """Given the step of Carol's first piggyback.

    When its exitable time is set one second early by hand,
    Then INV-07's in-flight rule reports it.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    pre = world.state
    operation = world.piggyback(CAROL, OUTPUT, 0)
    world.apply(operation)
    exit = world.exit()
    early = {NATIVE_TOKEN: exit.exitable_at[NATIVE_TOKEN] - 1}
    post = with_exit(world.state, replace(exit, exitable_at=early))
    assert check_in_flight_exitable_times(pre, operation, post)
    assert not check_in_flight_exitable_times(pre, operation, world.state)


def test_a_payout_before_maturity_is_reported() -> None:
    """Given Carol's piggyback, not yet mature.

    When a step marks it paid by hand,
    Then INV-07's in-flight maturity predicate reports it.
    """
    world = piggybacked_world()
    exit = world.exit()
    paid = replace(exit, output_piggybacks=(Piggyback(PiggybackStatus.PAID, Uint256(150)),))
    assert check_in_flight_maturity(world.state, TICK, with_exit(world.state, paid))


def test_a_piggyback_dropped_without_a_challenge_is_reported() -> None:
    """Given Carol's open piggyback.

    When a step that is no challenge marks it challenged,
    Then INV-10's in-flight predicate reports it; likewise for a lost canonicity.
    """
    world = piggybacked_world()
    exit = world.exit()
    dropped = replace(exit, output_piggybacks=(Piggyback(PiggybackStatus.CHALLENGED, Uint256(0)),))
    assert check_in_flight_challenge_soundness(world.state, TICK, with_exit(world.state, dropped))
    flipped = replace(exit, canonical=False)
    assert check_in_flight_challenge_soundness(world.state, TICK, with_exit(world.state, flipped))


def test_a_settled_piggyback_reopened_is_reported() -> None:
    """Given Carol's piggyback paid.

    When a step reopens it,
    Then INV-11's in-flight predicate reports it.
    """
    world = paid_world()
    exit = world.exit()
    reopened = replace(exit, output_piggybacks=(Piggyback(PiggybackStatus.OPEN, Uint256(0)),))
    assert check_in_flight_finality(world.state, TICK, with_exit(world.state, reopened))


def test_an_in_flight_entry_processed_out_of_order_is_reported() -> None:
    """Given Carol's mature in-flight exit queued behind an older standard exit of Bob.

    When a step processes only the in-flight exit,
    Then INV-08 reports that it did not end the queue's head.
    """
    world = piggybacked_world()
    bob = world.deposit(BOB, 7)
    world.apply(
        make_exit(
            world.state, ENV, BOB, bob, [DepositTransaction(Output(BOB, NATIVE_TOKEN, Uint256(7)))]
        )
    )
    world.advance(3 * PERIOD)
    exit = world.exit()
    skipped_head = with_exit(world.state, replace(exit, processed_tokens=(NATIVE_TOKEN,)))
    violations = check_priority_order(world.state, world.process(max_exits=1), skipped_head)
    assert any("not the queue's head" in v for v in violations)


def test_the_catalog_accepts_the_real_steps() -> None:
    """Given the paid world (every step already checked by the harness).

    When its final state is checked against every state predicate,
    Then nothing is reported, in particular not INV-20.
    """
    world = paid_world()
    assert not check_settlement_state(world.state)
    assert InvariantId.IN_FLIGHT_EXCLUSIVITY in {
        v.identifier
        for v in check_settlement_transition(
            world.state,
            TICK,
            with_exit(
                world.state,
                replace(
                    world.exit(),
                    input_piggybacks=(Piggyback(PiggybackStatus.PAID, Uint256(1)),) * 2,
                ),
            ),
        )
    }
