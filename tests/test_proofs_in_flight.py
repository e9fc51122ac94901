"""The in-flight Z3 models: proofs pass, controls are caught, and the model matches the spec.

- The inductive proofs of ``proofs.models.in_flight.induction`` (INV-02
  across exit kinds, INV-09 with bounties, INV-20) pass for every
  transition, and each negative control of ``proofs.models.in_flight.mutants``
  is caught with a numbered counterexample.
- The bounded checks of ``proofs.models.in_flight.bmc`` (INV-18 (b) and (c),
  INV-19, INV-20) reach their depth, non-vacuously, and each control of
  ``proofs.models.in_flight.bmc_controls`` yields a readable trace.
- No drift: Hypothesis draws histories of a withheld payment (in-flight
  starts, piggybacks, challenges of every kind, responses, deletions,
  standard exits of the inputs and their challenges, processing, time) run
  by the spec; for every step the model steps must be enabled exactly when
  the spec accepts (for the rejections the model represents), the model's
  post-state must equal the spec's abstracted post-state, ghosts included,
  and every model clause must hold on every state.

Run: ``.venv/bin/pytest tests/test_proofs_in_flight.py -x -q -p no:cacheprovider``.
"""

from __future__ import annotations

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs.models.in_flight.abstraction import (
    ConcreteFlight,
    OutputCodes,
    abstract_rules,
    abstract_state,
    abstract_steps,
    to_parameters,
    to_rules,
    to_terms,
)
from proofs.models.in_flight.bmc import FLIGHT_BMC_DEPTH
from proofs.models.in_flight.bmc_controls import (
    FLIGHT_BOUNDED_CONTROLS,
    iterate_flight_bounded_checks,
)
from proofs.models.in_flight.induction import iterate_flight_inductive_checks
from proofs.models.in_flight.invariants import FLIGHT_INVARIANTS, Domain, holds_at
from proofs.models.in_flight.model import SLOTS, FlightRules, FlightTerms
from proofs.models.in_flight.mutants import FLIGHT_MUTANTS, iterate_flight_mutant_checks
from proofs.models.in_flight.transitions import TRANSITIONS
from proofs.results import CheckResult, Method, Outcome
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.records import PiggybackSide
from spec.errors import Rejected, RejectionReason
from spec.invariants.ids import InvariantId
from spec.primitives import Uint8, Uint64
from spec.settlement.operations import AdvanceTime
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation, state_transition
from tests.harness import EXIT_BOND, make_exit, pay, position_of
from tests.in_flight_worlds import ENV, InFlightWorld, make_withheld_payment_world
from tests.proof_results import (
    BOUNDED_FAMILY,
    CONTROLS_FAMILY,
    INDUCTIVE_FAMILY,
    get_model_results,
    is_tagged,
)
from tests.support import ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, CAROL_KEY, MALLORY

MODELLED_REJECTIONS = frozenset(
    {
        RejectionReason.PIGGYBACK_PERIOD_OVER,
        RejectionReason.PIGGYBACK_ALREADY_MADE,
        RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE,
        RejectionReason.PIGGYBACK_NOT_OPEN,
        RejectionReason.EXIT_BOND_WRONG_AMOUNT,
        RejectionReason.CANONICITY_PERIOD_OVER,
        RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED,
        RejectionReason.RESPONSE_WITHOUT_CHALLENGE,
        RejectionReason.PIGGYBACK_PERIOD_NOT_OVER,
        RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED,
        RejectionReason.UNKNOWN_IN_FLIGHT_EXIT,
        RejectionReason.IN_FLIGHT_EXIT_DELETED,
        RejectionReason.OUTPUT_ALREADY_FINALIZED,
        RejectionReason.TIME_NOT_INCREASING,
        RejectionReason.EXIT_NOT_OPEN,
    }
)
"""Rejections decided by what the model keeps: the model's guard must be false for them."""


# The proofs and their controls


def test_every_in_flight_invariant_is_proved_for_every_transition() -> None:
    """Given the in-flight inductive checks, Then Init and every transition are proved for each."""
    results = get_model_results(
        INDUCTIVE_FAMILY, is_tagged("in-flight"), iterate_flight_inductive_checks
    )
    assert all(r.outcome == Outcome.PROVED for r in results), [
        (r.name, r.outcome, r.detail) for r in results if r.outcome != Outcome.PROVED
    ]
    names = {r.name for r in results}
    for identifier in ("INV-02", "INV-09", "INV-20"):
        assert f"{identifier}/init [in-flight]" in names
        for transition in TRANSITIONS:
            assert f"{identifier}/{transition} [in-flight]" in names


def test_every_in_flight_control_is_caught_with_a_counterexample() -> None:
    """Given the broken in-flight transitions, Then their proofs find numbered counterexamples."""
    controls = get_model_results(
        CONTROLS_FAMILY, is_tagged("in-flight"), iterate_flight_mutant_checks
    )
    assert len(controls) == len(FLIGHT_MUTANTS) == 7
    for control in controls:
        assert control.outcome == Outcome.CAUGHT, control.detail
        assert "caught" in control.detail and "1. " in control.detail
        assert "post breaks" in control.detail


@pytest.fixture(scope="module")
def bounded() -> list[CheckResult]:
    """Return the in-flight bounded checks and controls: from CI's report of this code, else run."""
    return get_model_results(
        BOUNDED_FAMILY, lambda result: "in-flight" in result.name, iterate_flight_bounded_checks
    )


def test_in_flight_bounded_checks_reach_their_depth(bounded: list[CheckResult]) -> None:
    """Given the bounded checks, Then INV-18, INV-19, INV-20 hold to the depth, not vacuously."""
    checks = [r for r in bounded if r.method == Method.BMC]
    assert [r.invariants for r in checks] == [
        (InvariantId.HONEST_WITHDRAWAL,),
        (InvariantId.HONEST_WITHDRAWAL,),
        (InvariantId.EXIT_ORDERING,),
        (InvariantId.IN_FLIGHT_EXCLUSIVITY,),
    ]
    for result in checks:
        assert result.outcome == Outcome.BOUNDED, result.detail
        assert result.depth == FLIGHT_BMC_DEPTH
        assert "a trace meeting the hypothesis" in result.detail


def test_in_flight_bounded_controls_give_readable_traces(bounded: list[CheckResult]) -> None:
    """Given the broken games, Then each is caught with a numbered trace of spec operations."""
    controls = [r for r in bounded if r.method == Method.NEGATIVE_CONTROL]
    assert len(controls) == len(FLIGHT_BOUNDED_CONTROLS)
    for control in controls:
        assert control.outcome == Outcome.CAUGHT, control.detail
        assert "1. " in control.detail and "StartInFlightExit(P)" in control.detail
    challenge = [r for r in controls if r.name.endswith("input-spent-challenge-with-the-payment")]
    assert "ChallengeInFlightInputSpent(input A)" in challenge[0].detail
    assert sum(r.seconds for r in bounded) < 60


# Drift: drawn spec histories against the model


def is_true(formula: z3.BoolRef) -> bool:
    """Return whether a closed formula holds (simplified, else decided by the solver)."""
    simple = z3.simplify(formula)
    if z3.is_true(simple) or z3.is_false(simple):
        return bool(z3.is_true(simple))
    solver = z3.Solver()
    solver.add(z3.Not(formula))
    return bool(solver.check() == z3.unsat)


def find_differences(model: FlightTerms, spec: ConcreteFlight) -> list[str]:
    """Return every field where the model's post-state differs from the spec's."""
    expected = to_terms(spec)
    flights = range(spec.scalars["flight_count"])
    places: dict[str, list[tuple[int, ...]]] = {
        "std": [(e,) for e in range(spec.scalars["std_count"])],
        "flight": [(e,) for e in flights],
        "pair": [(e, k) for e in flights for k in range(SLOTS)],
        "output": [(o,) for o in range(max([0, *spec.outputs["mark"], *spec.outputs["pays"]]) + 2)],
    }
    differences = [
        name
        for name in spec.scalars
        if not is_true(getattr(model, name) == getattr(expected, name))
    ]
    for name in (*spec.arrays, *spec.pairs, "mark", "pays"):
        kind = name.split("_")[0] if name.startswith(("std", "flight")) else "pair"
        kind = "output" if name in ("mark", "pays") else kind
        for key in places[kind]:
            mine, theirs = getattr(model, name), getattr(expected, name)
            if not is_true(z3.Select(mine, *key) == z3.Select(theirs, *key)):
                differences.append(f"{name}{list(key)}")
    return differences


def find_false_clauses(concrete: ConcreteFlight, rules: FlightRules) -> list[str]:
    """Return every clause of every model invariant that fails on a concrete state."""
    state = to_terms(concrete)
    outputs = [*concrete.outputs["mark"], *concrete.outputs["pays"], 0, 10_000]
    counts = {
        Domain.OUTPUT: [(o, 0) for o in outputs],
        Domain.STANDARD: [(e, 0) for e in range(concrete.scalars["std_count"])],
        Domain.FLIGHT: [(e, 0) for e in range(concrete.scalars["flight_count"])],
        Domain.SLOT: [
            (e, k) for e in range(concrete.scalars["flight_count"]) for k in range(SLOTS)
        ],
        Domain.NONE: [(0, 0)],
    }
    return [
        f"{invariant.identifier} '{clause.name}' at {index}"
        for invariant in FLIGHT_INVARIANTS
        for clause in invariant.clauses
        for index in counts[clause.domain]
        if not is_true(holds_at(clause, state, rules, z3.IntVal(index[0]), z3.IntVal(index[1])))
    ]


def check_step(pre: SettlementState, operation: Operation, codes: OutputCodes) -> str:
    """Run one operation through the spec and the model; return 'accepted' or the rejection."""
    environment = pre.environments[ENV]
    rules = to_rules(abstract_rules(environment))
    before = abstract_state(pre, ENV, codes)
    assert find_false_clauses(before, rules) == []
    try:
        post = state_transition(pre, operation)
    except Rejected as rejection:
        steps = abstract_steps(pre, operation, codes, None)
        if rejection.reason in MODELLED_REJECTIONS and steps:
            name, values = steps[0]
            guard, _ = TRANSITIONS[name](to_terms(before), rules, to_parameters(values))
            assert not is_true(guard), (rejection.reason, name, values)
        return str(rejection.reason)
    terms = to_terms(before)
    for name, values in abstract_steps(pre, operation, codes, post):
        guard, terms = TRANSITIONS[name](terms, rules, to_parameters(values))
        assert is_true(guard), (name, values)
    after = abstract_state(post, ENV, codes)
    assert find_differences(terms, after) == [], (type(operation).__name__, after)
    assert find_false_clauses(after, rules) == []
    return "accepted"


OWNERS = {PiggybackSide.INPUT: (ALICE, BOB), PiggybackSide.OUTPUT: (CAROL, ALICE)}
"""Who owns each input and output of the withheld payment (by index)."""

KINDS = (
    "start",
    "piggyback",
    "piggyback",
    "piggyback",
    "advance",
    "advance",
    "process",
    "canonicity",
    "respond",
    "input-spent",
    "output-spent",
    "delete",
    "process",
    "advance",
    "standard-start",
    "standard-challenge",
)
"""What a drawn step does (repeated kinds are drawn more often)."""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_model_agrees_with_the_spec_on_drawn_histories(data: st.DataObject) -> None:
    """Given a withheld payment and drawn exit-game operations, each run in the spec.

    When the model runs the steps each stands for,
    Then it accepts them the same way, reaches the same state, and its clauses hold.
    """
    story = make_withheld_payment_world(
        with_bob=data.draw(st.booleans()), change=data.draw(st.sampled_from([0, 30]))
    )
    world, payment = story.world, story.payment
    competitor = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(ALICE, 100)])
    if data.draw(st.booleans()):
        world.commit([competitor])
    carol_output = position_of(int(world.find(payment).block_number), 0, 0)
    carol_spend = pay(ENV, [(carol_output, CAROL_KEY)], [(CAROL, 10)])
    codes, outcomes = OutputCodes(), []
    for number in range(data.draw(st.integers(6, 14))):
        kind = "start" if number == 0 else data.draw(st.sampled_from(KINDS))
        exit_id = data.draw(st.sampled_from([0, 0, 0, 1]))
        operation: Operation
        if kind == "start":
            bond = int(EXIT_BOND) + (0 if number == 0 else data.draw(st.sampled_from([0, 1])))
            operation = world.start(payment, data.draw(st.sampled_from([ALICE, CAROL])), bond)
        elif kind == "piggyback":
            side = data.draw(st.sampled_from(list(PiggybackSide)))
            index = data.draw(st.sampled_from([0, 0, 1, 1, 2]))
            owners = OWNERS[side] + (MALLORY,)
            sender = owners[index] if data.draw(st.integers(0, 4)) else MALLORY
            operation = world.piggyback(sender, side, index, exit_id)
        elif kind == "canonicity":
            included = competitor in [tx for block in world.blocks.values() for tx in block]
            operation = world.challenge(BOB, competitor, included=included, exit_id=exit_id)
        elif kind == "respond":
            operation = world.respond(CAROL, payment, exit_id)
        elif kind == "input-spent":
            operation = world.input_spent(BOB, 0, competitor, exit_id=exit_id)
        elif kind == "output-spent":
            operation = world.output_spent(ALICE, 0, payment, carol_spend, exit_id=exit_id)
        elif kind == "delete":
            operation = world.delete(ALICE, exit_id)
        elif kind == "process":
            operation = world.process(max_exits=data.draw(st.integers(1, 3)))
        elif kind == "advance":
            seconds = data.draw(st.sampled_from([0, 10, 30, 60, 150, 300]))
            operation = AdvanceTime(Uint64(int(world.state.time) + seconds))
        elif kind == "standard-start":
            block = world.blocks[int(story.alice_deposit.block_number)]
            operation = make_exit(world.state, ENV, ALICE, story.alice_deposit, block)
        else:
            operation = ChallengeStandardExit(Uint64(ENV), BOB, Uint64(exit_id), payment, Uint8(0))
        outcomes.append(run(world, operation, codes))
    # Then everything matures and is processed
    outcomes.append(run(world, AdvanceTime(Uint64(int(world.state.time) + 400)), codes))
    outcomes += [run(world, world.process(max_exits=2), codes) for _ in range(2)]
    assert len(outcomes) >= 9 and outcomes[-3] == "accepted"


def run(world: InFlightWorld, operation: Operation, codes: OutputCodes) -> str:
    """Check one operation against the model; apply it to the world if the spec accepts it."""
    outcome = check_step(world.state, operation, codes)
    if outcome == "accepted":
        world.state = state_transition(world.state, operation)
    return outcome


@pytest.mark.parametrize("challenged", [False, True], ids=["outputs", "inputs"])
def test_model_agrees_on_a_processed_in_flight_exit(challenged: bool) -> None:
    """Given a withheld payment whose exit Carol and Alice piggyback (maybe made non-canonical).

    When the exit is processed after maturity,
    Then the model's steps (a decision, then one settlement per piggyback) reach the spec's state.
    """
    story = make_withheld_payment_world(with_bob=True)
    world, payment, codes = story.world, story.payment, OutputCodes()
    competitor = pay(ENV, [(story.bob_deposit, BOB_KEY)], [(BOB, 50)])
    operations: list[Operation] = [
        world.start(payment, CAROL),
        world.piggyback(CAROL, PiggybackSide.OUTPUT, 0),
        world.piggyback(ALICE, PiggybackSide.INPUT, 0),
    ]
    if challenged:
        operations.append(world.challenge(MALLORY, competitor, 0, included=False))
    for operation in operations:
        assert run(world, operation, codes) == "accepted"
    assert run(world, AdvanceTime(Uint64(int(world.state.time) + 400)), codes) == "accepted"
    process = world.process()
    steps = [name for name, _ in abstract_steps(world.state, process, codes, world.state)]
    assert steps == ["decide_in_flight_exit", "settle_piggyback", "settle_piggyback"]
    assert run(world, process, codes) == "accepted"
    paid = world.exit().input_piggybacks[0] if challenged else world.exit().output_piggybacks[0]
    assert paid.paid > 0
