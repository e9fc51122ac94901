"""Negative controls of the exit-game bounded checks, and the runner of both.

Each :class:`BoundedControl` runs a bounded check of ``proofs.models.payments.bmc``
against a broken exit game (an exitable-time rule without the 2·MFP term, a
queue order that ignores positions, a challenge that needs no spend), which
must produce a counterexample trace. Two more controls show that INV-18's
hypotheses are needed: without "exits within one MFP of the first invalid
block", or for an output created by a payment in a block *after* the first
invalid block, an honest owner can lose funds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import z3

from proofs.models.payments.bmc import (
    BMC_SLOTS,
    PROPERTIES,
    BoundedProperty,
    StepFrame,
    reaches_honest_payout,
    run_bounded_check,
)
from proofs.models.payments.exit_game import HONEST, Action, GameRules, get_slot_field
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId


def is_underpaid_honest_exit(frame: StepFrame) -> z3.BoolRef:
    """Return whether the step pays an honest owner's valid output less than its amount."""
    move, before, after = frame.move, frame.before, frame.after
    slot = move.slot
    return z3.And(
        move.action == Action.PROCESS,
        get_slot_field(before, slot, "owner") == HONEST,
        get_slot_field(before, slot, "valid"),
        get_slot_field(after, slot, "paid") < get_slot_field(before, slot, "amount"),
    )


def breaks_withdrawal_of_late_exit(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return INV-18's violation without its 'exits within one MFP' hypothesis."""
    return z3.And(is_underpaid_honest_exit(frame), frame.move.slot < frame.before.first_invalid)


def breaks_withdrawal_after_invalid_block(frame: StepFrame, period: z3.ArithRef) -> z3.BoolRef:
    """Return INV-18's violation for an in-time exit of a payment made after the invalid block."""
    before, slot = frame.before, frame.move.slot
    started = get_slot_field(before, slot, "exit_started_at")
    return z3.And(
        is_underpaid_honest_exit(frame),
        z3.Not(get_slot_field(before, slot, "is_deposit")),
        slot > before.first_invalid,
        started <= before.first_invalid_time + period,
    )


def order_ignoring_position(
    first: tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef],
    second: tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef],
) -> z3.BoolRef:
    """Return a broken queue order: (exitable time, exit id), positions ignored."""
    return z3.Or(first[0] < second[0], z3.And(first[0] == second[0], first[2] < second[2]))


@dataclass(frozen=True)
class BoundedControl:
    """A broken exit game that a bounded check must catch."""

    name: str
    """Short name."""
    description: str
    """What is broken."""
    checked: BoundedProperty
    """The property whose check must now fail."""
    rules: GameRules
    """The (possibly broken) rules."""


HONEST_WITHDRAWAL, EXIT_ORDERING = PROPERTIES
LATE_EXIT = BoundedProperty(
    "honest-withdrawal-late",
    InvariantId.HONEST_WITHDRAWAL,
    breaks_withdrawal_of_late_exit,
    reaches_honest_payout,
    "an honest owner who exited more than one MFP after the invalid block lost funds",
)
PAYMENT_AFTER_INVALID_BLOCK = BoundedProperty(
    "honest-withdrawal-after-invalid-block",
    InvariantId.HONEST_WITHDRAWAL,
    breaks_withdrawal_after_invalid_block,
    reaches_honest_payout,
    "an honest owner paid in a block after the invalid block lost funds, though it exited in time",
)

BOUNDED_CONTROLS = (
    BoundedControl(
        "exitable-one-period",
        "exitable time start + MFP for child blocks (no 2·MFP after the block)",
        HONEST_WITHDRAWAL,
        GameRules(exitable_rule=lambda deposit, block, start, period: start + period),
    ),
    BoundedControl(
        "exitable-one-period",
        "exitable time start + MFP for child blocks (no 2·MFP after the block)",
        EXIT_ORDERING,
        GameRules(exitable_rule=lambda deposit, block, start, period: start + period),
    ),
    BoundedControl(
        "priority-ignoring-position",
        "queue ordered by (exitable time, exit id)",
        EXIT_ORDERING,
        GameRules(order=order_ignoring_position),
    ),
    BoundedControl(
        "challenge-without-spend",
        "a challenge needs no signed spend",
        HONEST_WITHDRAWAL,
        GameRules(challenge_needs_spend=False),
    ),
    BoundedControl(
        "late-exit-is-unprotected",
        f"{InvariantId.HONEST_WITHDRAWAL} without its 'exits within one MFP of "
        "the invalid block' hypothesis (the hypothesis is needed)",
        LATE_EXIT,
        GameRules(),
    ),
    BoundedControl(
        "payment-after-invalid-block-is-unprotected",
        f"{InvariantId.HONEST_WITHDRAWAL} for an output paid to the honest owner in a block "
        "after the first invalid "
        "block (the 'block before the first invalid block' hypothesis is needed)",
        PAYMENT_AFTER_INVALID_BLOCK,
        GameRules(),
    ),
)
"""Negative controls of the bounded checks."""


def run_bounded_property(prop: BoundedProperty) -> CheckResult:
    """Return the bounded check of one exit-game property."""
    started = time.perf_counter()
    outcome, depth, detail = run_bounded_check(prop)
    seconds = time.perf_counter() - started
    header = f"depth {depth}, at most {BMC_SLOTS} blocks; "
    return CheckResult(
        f"{prop.invariant}/{prop.name}",
        (prop.invariant,),
        Method.BMC,
        outcome,
        seconds,
        depth=depth,
        detail=header + detail,
    )


def run_bounded_control(control: BoundedControl) -> CheckResult:
    """Return a bounded negative control: the broken game must violate the property."""
    started = time.perf_counter()
    outcome, depth, detail = run_bounded_check(control.checked, rules=control.rules)
    seconds = time.perf_counter() - started
    mapped = {Outcome.FAILED: Outcome.CAUGHT, Outcome.BOUNDED: Outcome.FAILED}
    result = mapped.get(outcome, Outcome.UNKNOWN)
    verdict = "caught" if result == Outcome.CAUGHT else "NOT caught"
    return CheckResult(
        f"control/{control.checked.invariant}/{control.name}",
        (control.checked.invariant,),
        Method.NEGATIVE_CONTROL,
        result,
        seconds,
        depth=depth,
        detail=f"{control.description}; {verdict}:\n{detail}",
    )


def iterate_bounded_checks() -> Iterator[CheckResult]:
    """Yield the bounded checks of the exit-game properties, then their controls."""
    for prop in PROPERTIES:
        yield run_bounded_property(prop)
    for control in BOUNDED_CONTROLS:
        yield run_bounded_control(control)
