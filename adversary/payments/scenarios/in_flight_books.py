"""The books of an in-flight step: which funds an in-flight exit's life moved.

Read from the change of a payments environment's in-flight exit records
(:mod:`adversary.payments.scenarios.books` adds these movements to those of
standard exits, and checks that together they explain every balance change):

- a new in-flight exit: its starter posted the bond;
- a piggyback opened: the input's or output's owner posted a bond;
- a piggyback challenged: its bond was awarded to the challenger (the step's actor);
- a piggyback settled by processing: on the paid side, the owner was paid
  what the record says; paid or not, the owner got the bond back less the
  processing bounty, which was awarded to the processor (the step's actor);
- an exit decided (first processed) or deleted: the exit's own bond was
  released to its bond owner (shown as returned to them: whoever holds the
  bond then, the starter, a challenger or a responder).

A canonicity challenge or a response moves no funds: it moves who will get
the exit's bond, which shows when the exit is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from adversary.payments.processing import get_in_flight_exits, get_piggybacks, get_side_outputs
from adversary.payments.scenarios.records import Movement, MovementKind
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.primitives import NATIVE_TOKEN, Address
from spec.settlement.state import Environment


def compute_in_flight_movements(
    before: Environment, after: Environment, env_id: int, actor: Address
) -> list[Movement]:
    """Return the bonds posted, payouts and bonds released by in-flight exits in one step."""
    old = get_in_flight_exits(before)
    movements: list[Movement] = []
    for exit_id, exit in sorted(get_in_flight_exits(after).items()):
        previous = old.get(exit_id)
        if previous is None:
            movements.append(
                Movement(
                    MovementKind.BOND_POSTED,
                    exit.bond_owner,
                    NATIVE_TOKEN,
                    int(exit.bond),
                    env_id,
                    int(exit_id),
                )
            )
            continue
        books = Books(env_id, int(exit_id), actor, int(after.rules.processing_bounty))
        movements += compute_piggyback_movements(previous, exit, books)
        if is_bond_released(previous, exit):
            movements.append(
                Movement(
                    MovementKind.BOND_RETURNED,
                    exit.bond_owner,
                    NATIVE_TOKEN,
                    int(exit.bond),
                    env_id,
                    int(exit_id),
                )
            )
    return movements


def is_bond_released(previous: InFlightExit, exit: InFlightExit) -> bool:
    """Return whether a step released the exit's own bond: it was decided or deleted."""
    decided = previous.outcome == InFlightOutcome.UNDECIDED != exit.outcome
    deleted = previous.status == InFlightExitStatus.ACTIVE != exit.status
    return decided or deleted


@dataclass(frozen=True)
class Books:
    """Where one in-flight exit's movements are booked."""

    env_id: int
    """Environment of the exit."""
    exit_id: int
    """In-flight exit id."""
    actor: Address
    """Who took the step (the challenger, or the processor who earns the bounty)."""
    bounty: int
    """The environment's processing bounty."""


def compute_piggyback_movements(
    previous: InFlightExit, exit: InFlightExit, books: Books
) -> list[Movement]:
    """Return what each piggyback whose status changed moved."""
    movements: list[Movement] = []
    bond, env_id, exit_id, actor = int(exit.bond), books.env_id, books.exit_id, books.actor
    for side in (PiggybackSide.INPUT, PiggybackSide.OUTPUT):
        pairs = zip(get_piggybacks(previous, side), get_piggybacks(exit, side), strict=True)
        for index, (was, now) in enumerate(pairs):
            if was.status == now.status:
                continue
            output = get_side_outputs(exit, side)[index]
            owner = output.owner
            if now.status == PiggybackStatus.OPEN:
                movements.append(
                    Movement(MovementKind.BOND_POSTED, owner, NATIVE_TOKEN, bond, env_id, exit_id)
                )
            elif now.status == PiggybackStatus.CHALLENGED:
                movements.append(
                    Movement(
                        MovementKind.BOND_AWARDED, actor, NATIVE_TOKEN, bond, env_id, exit_id, owner
                    )
                )
            else:
                movements += compute_settlement(exit, side, index, books)
    return movements


def compute_settlement(
    exit: InFlightExit, side: PiggybackSide, index: int, books: Books
) -> list[Movement]:
    """Return what settling one piggyback moved: its payout, its bond back, the bounty."""
    piggyback = get_piggybacks(exit, side)[index]
    output = get_side_outputs(exit, side)[index]
    bounty, env_id, exit_id, actor = books.bounty, books.env_id, books.exit_id, books.actor
    movements: list[Movement] = []
    if piggyback.status == PiggybackStatus.PAID:
        movements.append(
            Movement(
                MovementKind.PAID, output.owner, output.token, int(piggyback.paid), env_id, exit_id
            )
        )
    movements.append(
        Movement(
            MovementKind.BOND_RETURNED,
            output.owner,
            NATIVE_TOKEN,
            int(exit.bond) - bounty,
            env_id,
            exit_id,
        )
    )
    if bounty:
        movements.append(
            Movement(
                MovementKind.BOND_AWARDED,
                actor,
                NATIVE_TOKEN,
                bounty,
                env_id,
                exit_id,
                output.owner,
            )
        )
    return movements
