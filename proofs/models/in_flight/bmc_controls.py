"""Negative controls of the in-flight bounded checks, and the runner of both.

Each :class:`FlightBoundedControl` runs a property of
``proofs.models.in_flight.bmc`` against a broken exit game, or without one
of its hypotheses, and must get a counterexample trace:

- ``standard-exit-one-period``: a standard exit of a child-block output
  matures one MFP after its start, without the ``block + 2·MFP`` term:
  Mallory's exit of the invalid output ``X`` overtakes ``H``'s in-flight
  exit and drains the vault (INV-18, INV-19);
- ``input-spent-challenge-with-the-payment``: an input-spent challenge may
  show the in-flight payment itself as the spend (no
  ``CHALLENGE_IS_IN_FLIGHT_TRANSACTION``): Mallory takes ``H``'s input
  piggyback (INV-18 (c));
- ``unchallenged-input-exit-is-unprotected``: INV-18 (b) without "``H``
  challenges every standard exit of the payment's inputs in time": a
  co-signer's standard exit of her input, spent by ``P``, matures before
  the in-flight exit and marks the input, so the exit pays inputs and the
  receiver gets nothing;
- ``late-piggyback-is-unprotected``: INV-18 (b) without "less than one MFP
  after ``t_f``": a receiver who piggybacks late is paid after ``X``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import z3

from proofs.models.in_flight.bmc import (
    FLIGHT_BMC_DEPTH,
    FLIGHT_PROPERTIES,
    FlightProperty,
    StepCondition,
    StepFrame,
    processes,
    run_flight_bounded_check,
)
from proofs.models.in_flight.game import HONEST, SLOT_O, GameRules, Scenario, Slot
from proofs.models.in_flight.moves import IN_FLIGHT_ENTRY
from proofs.results import CheckResult, Method, Outcome


def underpays_late_receiver(frame: StepFrame, s: Scenario) -> z3.BoolRef:
    """INV-18 (b) broken, for a receiver who piggybacked at any time."""
    return z3.And(
        processes(frame, IN_FLIGHT_ENTRY),
        z3.Not(s.competitor),
        s.owner_o == HONEST,
        frame.before.slots[SLOT_O] != Slot.NONE,
        frame.after.slot_paid[SLOT_O] < s.output_amount,
    )


@dataclass(frozen=True)
class FlightBoundedControl:
    """A broken game (or a dropped hypothesis) that an in-flight bounded check must catch."""

    name: str
    """Short name, as the catalog lists it."""
    description: str
    """What is broken."""
    checked: FlightProperty
    """The property whose check must now fail."""
    rules: GameRules
    """The (possibly broken) rules."""
    violation: StepCondition | None = None
    """The property's violation without a hypothesis, if the control drops one."""


RECEIVER, SENDER, ORDERING, EXCLUSIVITY = FLIGHT_PROPERTIES

FLIGHT_BOUNDED_CONTROLS = (
    FlightBoundedControl(
        "standard-exit-one-period",
        "a standard exit of a child-block output matures one MFP after its start (no 2·MFP term)",
        RECEIVER,
        GameRules(two_periods=False),
    ),
    FlightBoundedControl(
        "standard-exit-one-period",
        "a standard exit of a child-block output matures one MFP after its start (no 2·MFP term)",
        ORDERING,
        GameRules(two_periods=False),
    ),
    FlightBoundedControl(
        "input-spent-challenge-with-the-payment",
        "an input-spent challenge may show the in-flight payment itself as the spend",
        SENDER,
        GameRules(spend_other_than_payment=False),
    ),
    FlightBoundedControl(
        "unchallenged-input-exit-is-unprotected",
        "H does not challenge a standard exit of the payment's inputs: Mallory's exit of her "
        "input matures first, marks it, and the in-flight exit pays inputs instead of H's output",
        RECEIVER,
        GameRules(honest_challenges_inputs=False),
    ),
    FlightBoundedControl(
        "late-piggyback-is-unprotected",
        "the receiver may piggyback at any time in the first phase, not only within one MFP "
        "of the first invalid or withheld block",
        RECEIVER,
        GameRules(),
        underpays_late_receiver,
    ),
)
"""Every negative control of the in-flight bounded checks."""


def run_flight_bounded_property(prop: FlightProperty) -> CheckResult:
    """Return the bounded check of one in-flight exit-game property."""
    outcome, depth, detail, seconds = run_flight_bounded_check(prop)
    header = f"depth {depth} (of {FLIGHT_BMC_DEPTH}), one in-flight payment; "
    return CheckResult(
        f"{prop.invariant}/{prop.name}",
        (prop.invariant,),
        Method.BMC,
        outcome,
        seconds,
        depth=depth,
        detail=header + detail,
    )


def run_flight_bounded_control(control: FlightBoundedControl) -> CheckResult:
    """Return an in-flight bounded negative control: the broken game must violate the property."""
    outcome, depth, detail, seconds = run_flight_bounded_check(
        control.checked, rules=control.rules, violation=control.violation
    )
    mapped = {Outcome.FAILED: Outcome.CAUGHT, Outcome.BOUNDED: Outcome.FAILED}
    result = mapped.get(outcome, Outcome.UNKNOWN)
    verdict = "caught" if result == Outcome.CAUGHT else "NOT caught"
    return CheckResult(
        f"control/{control.checked.invariant}/{control.checked.name}/{control.name}",
        (control.checked.invariant,),
        Method.NEGATIVE_CONTROL,
        result,
        seconds,
        depth=depth,
        detail=f"{control.description}; {verdict}:\n{detail}",
    )


def iterate_flight_bounded_checks() -> Iterator[CheckResult]:
    """Yield the bounded checks of the in-flight exit-game properties, then their controls."""
    for prop in FLIGHT_PROPERTIES:
        yield run_flight_bounded_property(prop)
    for control in FLIGHT_BOUNDED_CONTROLS:
        yield run_flight_bounded_control(control)
