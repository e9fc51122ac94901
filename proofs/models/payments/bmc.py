"""Bounded model checks of the exit game: honest withdrawal (INV-18) and exit ordering (INV-19).

The world of ``proofs.models.payments.exit_game`` is unrolled from the empty state,
one step at a time, to depth ``k``; after adding step ``d`` the solver looks
for a trace whose step ``d`` breaks the property (push, check, pop). No
violation up to ``k`` is ``Outcome.BOUNDED`` with depth ``k``; a violation
is printed as the numbered spec operations of its trace; unknown fails.

Each property also gets a reachability check: its hypothesis must be met by
some trace within the bound (an honest in-time exit paid after an invalid
block and an exit of its output exist; an invalid output paid after an
honest exit), otherwise the bounded check would pass vacuously.

Properties, with the first invalid block's slot ``f`` and time ``t``:

- INV-18: when the exit of an honest owner's valid output in a slot before
  ``f`` is processed, and it started by ``t + MFP`` (or there is no invalid
  block), it is paid its full amount; an honest exit is never cancelled.
- INV-19: when the exit of an invalid output is processed, no exit of a
  valid unspent output in a slot before ``f`` that started by ``t + MFP`` is
  still open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

from proofs.models.payments.exit_game import (
    ACTOR_NAMES,
    HONEST,
    Action,
    ExitState,
    GameRules,
    Move,
    World,
    apply_move,
    declare_move,
    get_slot_field,
    make_initial_world,
)
from proofs.models.solving import CHECK_TIMEOUT_MS, evaluate, evaluate_int
from proofs.results import Outcome
from spec.invariants.ids import InvariantId

BMC_DEPTH = 8
"""Steps the traces are unrolled to (each step: time passes, then one operation)."""

BMC_SLOTS = 4
"""Blocks (and outputs) a trace may create."""

READABLE_PERIOD = 10
"""MFP of printed traces (any MFP >= 1 is checked; printing prefers this one)."""


@dataclass(frozen=True)
class StepFrame:
    """One unrolled step: the world before, the choices, the world after."""

    before: World
    """World before the step."""
    move: Move
    """The step's choices."""
    after: World
    """World after the step."""


StepCondition = Callable[[StepFrame, z3.ArithRef], z3.BoolRef]
"""A condition on one step, given the MFP."""


def is_honest_in_time(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step acts on an honest owner's in-time valid output.

    In time: in a block before the first invalid block, and its exit started
    within one MFP of that block (or there is no invalid block).
    """
    world, slot = frame.before, frame.move.slot

    def field(name: str) -> z3.ExprRef:
        return get_slot_field(world, slot, name)

    no_invalid = world.first_invalid == len(world.slots)
    in_time = field("exit_started_at") <= world.first_invalid_time + period
    return z3.And(
        field("owner") == HONEST,
        field("valid"),
        slot < world.first_invalid,
        z3.Or(no_invalid, in_time),
    )


def breaks_honest_withdrawal(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step pays an honest in-time exit less than its amount, or cancels it."""
    move, before, after = frame.move, frame.before, frame.after
    amount = get_slot_field(before, move.slot, "amount")
    underpaid = z3.And(
        move.action == Action.PROCESS,
        is_honest_in_time(frame, period),
        get_slot_field(after, move.slot, "paid") < amount,
    )
    cancelled = z3.And(
        move.action == Action.CHALLENGE,
        get_slot_field(before, move.slot, "owner") == HONEST,
        get_slot_field(before, move.slot, "valid"),
    )
    return z3.Or(underpaid, cancelled)


def has_waiting_honest_exit(world: World, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether an in-time exit of a valid unspent output is still open.

    In time: the output is in a block before the first invalid block, and
    its exit started within one MFP of that block.
    """
    waiting = [
        z3.And(
            position < world.first_invalid,
            slot.valid,
            z3.Not(slot.spent),
            slot.exit_state == ExitState.OPEN,
            slot.exit_started_at <= world.first_invalid_time + period,
        )
        for position, slot in enumerate(world.slots)
    ]
    return z3.Or(*waiting)


def breaks_exit_ordering(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step pays an invalid output while an in-time valid exit still waits."""
    move, before = frame.move, frame.before
    return z3.And(
        move.action == Action.PROCESS,
        z3.Not(get_slot_field(before, move.slot, "valid")),
        has_waiting_honest_exit(before, period),
    )


def reaches_honest_payout(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step pays an honest in-time exit while an invalid output's exit exists."""
    before = frame.before
    invalid_exit = [
        z3.And(z3.Not(slot.valid), slot.exit_state != ExitState.NONE) for slot in before.slots
    ]
    return z3.And(
        frame.move.action == Action.PROCESS,
        is_honest_in_time(frame, period),
        z3.Or(*invalid_exit),
    )


def reaches_invalid_payout(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return whether the step pays an invalid output after an honest exit was paid."""
    before, move = frame.before, frame.move
    honest_paid = [
        z3.And(slot.owner == HONEST, slot.valid, slot.exit_state == ExitState.PROCESSED)
        for slot in before.slots
    ]
    return z3.And(
        move.action == Action.PROCESS,
        z3.Not(get_slot_field(before, move.slot, "valid")),
        z3.Or(*honest_paid),
    )


@dataclass(frozen=True)
class BoundedProperty:
    """A property checked at every step of every trace up to the bound."""

    name: str
    """Check name."""
    invariant: InvariantId
    """The catalogued invariant it states."""
    violation: StepCondition
    """The step breaks the property."""
    hypothesis: StepCondition
    """A step that meets the property's hypothesis (for the reachability check)."""
    message: str
    """What a violation means, in words."""


PROPERTIES = (
    BoundedProperty(
        "honest-withdrawal",
        InvariantId.HONEST_WITHDRAWAL,
        breaks_honest_withdrawal,
        reaches_honest_payout,
        "an honest owner's valid output, exited in time, was not paid in full",
    ),
    BoundedProperty(
        "exit-ordering",
        InvariantId.EXIT_ORDERING,
        breaks_exit_ordering,
        reaches_invalid_payout,
        "an invalid output was paid while an in-time exit of an older valid output waited",
    ),
)
"""The exit-game properties."""


class Unrolling:
    """A solver holding the world unrolled step by step from the empty world."""

    def __init__(self, slots: int, rules: GameRules, timeout_ms: int) -> None:
        self.period = z3.Int("mfp")
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(self.period >= 1)
        self.frames: list[StepFrame] = []
        self.world = make_initial_world(slots)
        self.rules = rules

    def add_step(self) -> StepFrame:
        """Add one more step to every trace; return its frame."""
        move = declare_move(len(self.frames) + 1)
        guard, after = apply_move(self.world, move, self.period, self.rules)
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
            self.solver.add(*self.make_readable())
            if self.solver.check() == z3.sat:
                self.model = self.solver.model()
        self.solver.pop()
        return verdict

    def make_readable(self) -> list[z3.BoolRef]:
        """Return constraints for a trace that reads easily: MFP 10, small amounts and waits."""
        readable = [self.period == READABLE_PERIOD]
        for frame in self.frames:
            move = frame.move
            readable.append(z3.And(move.elapsed <= 3 * READABLE_PERIOD, move.amount <= 10))
        return readable


def describe_move(model: z3.ModelRef, frame: StepFrame) -> str:
    """Return one step's action as the spec operation it stands for."""
    move, before, after = frame.move, frame.before, frame.after
    action = Action(evaluate_int(model, move.action))
    slot = evaluate_int(model, move.slot)
    actor = ACTOR_NAMES.get(evaluate_int(model, move.actor), "?")

    def value(world: World, name: str) -> int | bool | str:
        return evaluate(model, get_slot_field(world, move.slot, name))

    new_block = evaluate_int(model, before.block_count)
    owner = ACTOR_NAMES.get(int(value(before, "owner")), "?")
    texts = {
        Action.DEPOSIT: f"Deposit(owner={actor}, amount={evaluate(model, move.amount)}) "
        f"-> block {new_block}",
        Action.PAYMENT: f"SubmitBlock(valid: pays the output of block {slot} "
        f"({value(before, 'amount')}) to {actor}) -> block {new_block}",
        Action.INVALID_BLOCK: f"SubmitBlock(invalid: mints {evaluate(model, move.amount)} to "
        f"operator from nowhere) -> block {new_block}",
        Action.START_EXIT: f"StartStandardExit(owner={owner}, output of block {slot}, "
        f"exitable at {value(after, 'exitable_at')})",
        Action.CHALLENGE: f"ChallengeStandardExit(exit of block {slot})",
        Action.PROCESS: f"ProcessExits -> pays the exit of block {slot} ({owner}): "
        f"{value(after, 'paid')} of {value(before, 'amount')}",
    }
    return texts[action]


def describe_trace(model: z3.ModelRef, frames: list[StepFrame], period: z3.ArithRef) -> str:
    """Return a trace as a numbered list of spec operations (time moves included)."""
    lines = [f"MFP = {evaluate(model, period)}"]
    for frame in frames:
        elapsed = evaluate_int(model, frame.move.elapsed)
        if elapsed > 0:
            now = evaluate_int(model, frame.after.now)
            lines.append(f"{len(lines)}. AdvanceTime(+{elapsed} -> t={now})")
        lines.append(f"{len(lines)}. {describe_move(model, frame)}")
    return "\n".join(lines)


def run_bounded_check(
    prop: BoundedProperty,
    *,
    depth: int = BMC_DEPTH,
    slots: int = BMC_SLOTS,
    rules: GameRules | None = None,
    timeout_ms: int = CHECK_TIMEOUT_MS,
) -> tuple[Outcome, int, str]:
    """Unroll to ``depth`` and look for a violation at each step; return outcome, depth, detail.

    A violation is FAILED with its trace; unknown is UNKNOWN; otherwise the
    hypothesis must be reachable within the bound (else FAILED: vacuous),
    and the outcome is BOUNDED.
    """
    unrolling = Unrolling(slots, rules or GameRules(), timeout_ms)
    for step in range(1, depth + 1):
        frame = unrolling.add_step()
        verdict = unrolling.check(prop.violation(frame, unrolling.period))
        if verdict == z3.sat:
            trace = describe_trace(unrolling.model, unrolling.frames, unrolling.period)
            return Outcome.FAILED, step, f"{trace}\nviolates {prop.invariant}: {prop.message}"
        if verdict != z3.unsat:
            return Outcome.UNKNOWN, step, f"solver gave up at depth {step}"
    reached = z3.Or(*(prop.hypothesis(frame, unrolling.period) for frame in unrolling.frames))
    if unrolling.check(reached) != z3.sat:
        return Outcome.FAILED, depth, "vacuous: no trace within the bound meets the hypothesis"
    witness = describe_trace(unrolling.model, unrolling.frames, unrolling.period)
    return Outcome.BOUNDED, depth, f"no violation; a trace meeting the hypothesis:\n{witness}"
