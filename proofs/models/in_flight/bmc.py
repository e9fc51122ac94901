"""Bounded model check of the in-flight exit game: INV-18 (MoreVP), INV-19, INV-20.

The game of ``proofs.models.in_flight.game`` (steps in
``proofs.models.in_flight.moves``) is unrolled from the moment the first
invalid or withheld block ``f`` is committed, one step at a time, to
:data:`FLIGHT_BMC_DEPTH`; after adding each step the solver looks for a
trace whose step breaks the property (push, check, pop). A violation is
printed as the scenario and the numbered spec operations of its trace;
unknown fails. Each property then gets a reachability check (its
hypothesis met within the bound: an honest owner paid after Mallory's
interference), so that it does not pass vacuously.

Properties (``H`` piggybacks *in time*: in the exit's first phase and less
than one MFP after ``t_f``):

- INV-18 (b), in-flight receiver: when the in-flight exit of ``P`` is
  processed, ``H`` owning ``O``, having piggybacked it in time, and no
  input owner having signed another spend, ``O`` is paid its full amount;
- INV-18 (c), in-flight sender: when it is processed, ``H`` owning ``A``,
  having piggybacked it in time, and the exit does not pay its outputs,
  ``A`` is paid its full amount;
- INV-19: the invalid output's exit is never processed while ``H``'s
  in-time piggybacked exit waits in the queue;
- INV-20: never an input and the output of ``P`` both paid.

INV-18 (a), standard exits, is checked by ``proofs.models.payments.bmc``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import z3

from proofs.models.in_flight.game import (
    HONEST,
    NAMES,
    SLOT_A,
    SLOT_B,
    SLOT_NAMES,
    SLOT_O,
    Action,
    GameRules,
    Move,
    Outcome,
    Scenario,
    Slot,
    Standard,
    World,
    X,
    declare_move,
    declare_scenario,
    get_scenario_constraints,
    make_initial_world,
)
from proofs.models.in_flight.moves import IN_FLIGHT_ENTRY, apply_move
from proofs.models.solving import CHECK_TIMEOUT_MS, evaluate, evaluate_int
from proofs.results import Outcome as CheckOutcome
from spec.invariants.ids import InvariantId

FLIGHT_BMC_DEPTH = 8
"""Steps the traces are unrolled to (each: time passes, then one operation)."""

FLIGHT_BMC_OUTPUTS = 4
"""Outputs of the world: two inputs, the in-flight payment's output, the invalid output."""

READABLE_PERIOD = 10
"""MFP of printed traces (every MFP >= 2 is checked)."""


@dataclass(frozen=True)
class StepFrame:
    """One unrolled step."""

    before: World
    """World before it."""
    move: Move
    """Its choices."""
    after: World
    """World after it."""


StepCondition = Callable[[StepFrame, Scenario], z3.BoolRef]
"""A condition on one step, given the scenario."""


def processes(frame: StepFrame, entry: int) -> z3.BoolRef:
    """Return whether the step processes queue entry ``entry`` (in-flight: 3)."""
    move = frame.move
    return z3.And(
        move.action == Action.PROCESS,
        move.target == entry,
        frame.before.processed != frame.after.processed
        if entry == IN_FLIGHT_ENTRY
        else frame.before.status[entry] != frame.after.status[entry],
    )


def piggybacked_in_time(world: World, s: Scenario, k: int) -> z3.BoolRef:
    """Return whether ``H`` owns slot ``k`` and piggybacked it less than one MFP after ``t_f``."""
    return z3.And(
        s.slot_owner(k) == HONEST,
        world.slots[k] != Slot.NONE,
        world.slot_at[k] < s.first_time + s.period,
    )


def underpays_receiver(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """INV-18 (b) broken: ``H``'s in-time output of an uncontested payment is not paid in full."""
    return z3.And(
        processes(frame, IN_FLIGHT_ENTRY),
        z3.Not(s.competitor),
        piggybacked_in_time(frame.before, s, SLOT_O),
        frame.after.slot_paid[SLOT_O] < s.output_amount,
    )


def underpays_sender(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """INV-18 (c) broken: outputs not paid, and ``H``'s in-time input not paid in full."""
    return z3.And(
        processes(frame, IN_FLIGHT_ENTRY),
        piggybacked_in_time(frame.before, s, SLOT_A),
        frame.after.outcome != Outcome.OUTPUTS,
        frame.after.slot_paid[SLOT_A] < s.amount[0],
    )


def pays_invalid_first(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """INV-19 broken: ``X``'s exit is processed while ``H``'s in-time entry still waits."""
    before = frame.before
    waiting = z3.And(before.queued, z3.Not(before.processed))
    honest = z3.Or(*(piggybacked_in_time(before, s, k) for k in (SLOT_A, SLOT_O)))
    return z3.And(processes(frame, X), waiting, honest)


def pays_both_sides(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """INV-20 broken: an input and the output of ``P`` are both paid."""
    slots = frame.after.slots
    inputs = z3.Or(slots[SLOT_A] == Slot.PAID, slots[SLOT_B] == Slot.PAID)
    return z3.And(inputs, slots[SLOT_O] == Slot.PAID)


def pays_receiver_despite_invalid_exit(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """``H``'s in-time output is paid in full while Mallory's exit of ``X`` waits."""
    return z3.And(
        processes(frame, IN_FLIGHT_ENTRY),
        z3.Not(s.competitor),
        piggybacked_in_time(frame.before, s, SLOT_O),
        frame.before.status[X] == Standard.OPEN,
        frame.after.slot_paid[SLOT_O] == s.output_amount,
    )


def pays_sender_after_challenge(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """``H``'s in-time input is paid in full after Mallory made the exit non-canonical."""
    return z3.And(
        processes(frame, IN_FLIGHT_ENTRY),
        piggybacked_in_time(frame.before, s, SLOT_A),
        z3.Not(frame.before.canonical),
        frame.after.slot_paid[SLOT_A] == s.amount[0],
    )


def pays_invalid_after_honest(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """``X``'s exit is processed after ``H``'s in-time in-flight entry was."""
    before = frame.before
    honest = z3.Or(*(piggybacked_in_time(before, s, k) for k in (SLOT_A, SLOT_O)))
    return z3.And(processes(frame, X), before.processed, honest)


@dataclass(frozen=True)
class FlightProperty:
    """A property of the in-flight exit game, checked at every step up to the bound."""

    name: str
    """Check name."""
    invariant: InvariantId
    """The catalogued invariant it states."""
    violation: StepCondition
    """The step breaks it."""
    hypothesis: StepCondition
    """A step meeting its hypothesis (reachability, against vacuity)."""
    message: str
    """What a violation means."""


FLIGHT_PROPERTIES = (
    FlightProperty(
        "in-flight-receiver-withdrawal",
        InvariantId.HONEST_WITHDRAWAL,
        underpays_receiver,
        pays_receiver_despite_invalid_exit,
        "an honest receiver who piggybacked in time was not paid the output's amount",
    ),
    FlightProperty(
        "in-flight-sender-withdrawal",
        InvariantId.HONEST_WITHDRAWAL,
        underpays_sender,
        pays_sender_after_challenge,
        "an honest sender who piggybacked in time was not paid its input, outputs unpaid",
    ),
    FlightProperty(
        "in-flight-exit-ordering",
        InvariantId.EXIT_ORDERING,
        pays_invalid_first,
        pays_invalid_after_honest,
        "the invalid output was paid before an honest owner's in-time in-flight exit",
    ),
    FlightProperty(
        "in-flight-exclusivity",
        InvariantId.IN_FLIGHT_EXCLUSIVITY,
        pays_both_sides,
        pays_sender_after_challenge,
        "an input and the output of the in-flight payment were both paid",
    ),
)
"""The bounded properties."""


class Unrolling:
    """A solver holding the in-flight exit game unrolled step by step."""

    def __init__(self, rules: GameRules, timeout_ms: int) -> None:
        self.scenario = declare_scenario()
        self.rules = rules
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(*get_scenario_constraints(self.scenario))
        self.frames: list[StepFrame] = []
        self.world = make_initial_world(self.scenario)
        self.model: z3.ModelRef | None = None

    def add_step(self) -> StepFrame:
        """Add one more step to every trace; return its frame."""
        move = declare_move(len(self.frames) + 1)
        guard, after = apply_move(self.world, move, self.scenario, self.rules)
        self.solver.add(guard)
        frame = StepFrame(self.world, move, after)
        self.frames.append(frame)
        self.world = after
        return frame

    def check(self, condition: z3.BoolRef) -> z3.CheckSatResult:
        """Return whether some trace so far meets ``condition``; keep a readable model if so."""
        self.solver.push()
        self.solver.add(condition)
        verdict = self.solver.check()
        self.model = self.solver.model() if verdict == z3.sat else None
        if verdict == z3.sat:
            s = self.scenario
            self.solver.add(s.period == READABLE_PERIOD, s.first_time <= 100)
            self.solver.add(*(f.move.elapsed <= 3 * READABLE_PERIOD for f in self.frames))
            if self.solver.check() == z3.sat:
                self.model = self.solver.model()
        self.solver.pop()
        return verdict


def describe_scenario(model: z3.ModelRef, s: Scenario) -> list[str]:
    """Return the scenario as lines."""
    who = {0: "H", 1: "Mallory"}

    def value(term: z3.ExprRef) -> object:
        return evaluate(model, term)

    lines = [
        f"MFP = {value(s.period)}; first invalid/withheld block f at position "
        f"{value(s.first_position)}, committed at t_f = {value(s.first_time)}",
        f"input A: {who.get(evaluate_int(model, s.owner_a), '?')}'s, amount {value(s.amount[0])}, "
        f"position {value(s.position[0])}, block time {value(s.block_time[0])}",
    ]
    if evaluate(model, s.has_b):
        lines.append(
            f"input B: Mallory's, amount {value(s.amount[1])}, position {value(s.position[1])}, "
            f"block time {value(s.block_time[1])}"
        )
    lines += [
        f"payment P (withheld) pays output O to {who.get(evaluate_int(model, s.owner_o), '?')}, "
        f"amount {value(s.output_amount)}; Mallory signed a competitor: {value(s.competitor)}",
        f"invalid output X: Mallory's, amount {value(s.amount[2])}, position "
        f"{value(s.position[2])}, block time {value(s.block_time[2])}; other deposits "
        f"{value(s.other_deposits)}",
    ]
    return lines


def describe_move(model: z3.ModelRef, frame: StepFrame) -> str:
    """Return one step's action as the spec operation it stands for."""
    action = Action(evaluate_int(model, frame.move.action))
    target = evaluate_int(model, frame.move.target)
    after = frame.after
    if action == Action.PROCESS and target == IN_FLIGHT_ENTRY:
        outcome = Outcome(evaluate_int(model, after.outcome)).name.lower()
        paid = ", ".join(
            f"{SLOT_NAMES[k]} {Slot(evaluate_int(model, after.slots[k])).name.lower()} "
            f"{evaluate(model, after.slot_paid[k])}"
            for k in (SLOT_A, SLOT_B, SLOT_O)
        )
        return f"ProcessExits -> in-flight exit of P decided {outcome}: {paid}"
    if action == Action.PROCESS:
        status = Standard(evaluate_int(model, after.status[target])).name.lower()
        return f"ProcessExits -> standard exit of {NAMES[target]} {status}, paid " + str(
            evaluate(model, after.paid[target])
        )
    texts = {
        Action.WAIT: "(nothing)",
        Action.START_STANDARD: f"StartStandardExit(output {NAMES.get(target, '?')}, by Mallory)",
        Action.CHALLENGE_STANDARD: f"ChallengeStandardExit(output {NAMES.get(target, '?')}, "
        "with P as the spend)",
        Action.START_IN_FLIGHT: "StartInFlightExit(P)",
        Action.PIGGYBACK: f"PiggybackInFlightExit({SLOT_NAMES.get(target, '?')}, by its owner)",
        Action.CHALLENGE_CANONICITY: "ChallengeInFlightNotCanonical(Mallory's competitor)",
        Action.CHALLENGE_INPUT: f"ChallengeInFlightInputSpent({SLOT_NAMES.get(target, '?')})",
    }
    return texts[action]


def describe_trace(model: z3.ModelRef, unrolling: Unrolling) -> str:
    """Return a trace: the scenario, then numbered spec operations (time moves included)."""
    lines = describe_scenario(model, unrolling.scenario)
    number = 0
    for frame in unrolling.frames:
        elapsed = evaluate_int(model, frame.move.elapsed)
        if elapsed > 0:
            number += 1
            lines.append(
                f"{number}. AdvanceTime(+{elapsed} -> t={evaluate(model, frame.after.now)})"
            )
        if evaluate_int(model, frame.move.action) != Action.WAIT:
            number += 1
            lines.append(f"{number}. {describe_move(model, frame)}")
    return "\n".join(lines)


def run_flight_bounded_check(
    prop: FlightProperty,
    *,
    depth: int = FLIGHT_BMC_DEPTH,
    rules: GameRules | None = None,
    violation: StepCondition | None = None,
    timeout_ms: int = CHECK_TIMEOUT_MS,
) -> tuple[CheckOutcome, int, str, float]:
    """Unroll to ``depth``, looking for a violation at each step; return outcome, depth, detail, s.

    ``violation`` replaces the property's (a control dropping a hypothesis).
    A violation is FAILED with its trace; unknown is UNKNOWN; otherwise the
    hypothesis must be reachable within the bound (else FAILED: vacuous).
    """
    started = time.perf_counter()
    unrolling = Unrolling(rules or GameRules(), timeout_ms)
    broken = violation or prop.violation
    for step in range(1, depth + 1):
        frame = unrolling.add_step()
        verdict = unrolling.check(broken(frame, unrolling.scenario))
        if verdict == z3.sat:
            assert unrolling.model is not None
            trace = describe_trace(unrolling.model, unrolling)
            detail = f"{trace}\nviolates {prop.invariant}: {prop.message}"
            return CheckOutcome.FAILED, step, detail, time.perf_counter() - started
        if verdict != z3.unsat:
            detail = f"solver gave up at depth {step}"
            return CheckOutcome.UNKNOWN, step, detail, time.perf_counter() - started
    reached = z3.Or(*(prop.hypothesis(f, unrolling.scenario) for f in unrolling.frames))
    if unrolling.check(reached) != z3.sat:
        detail = "vacuous: no trace within the bound meets the hypothesis"
        return CheckOutcome.FAILED, depth, detail, time.perf_counter() - started
    assert unrolling.model is not None
    witness = describe_trace(unrolling.model, unrolling)
    detail = f"no violation; a trace meeting the hypothesis:\n{witness}"
    return CheckOutcome.BOUNDED, depth, detail, time.perf_counter() - started
