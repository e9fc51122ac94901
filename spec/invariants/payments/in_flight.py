"""Invariants of the in-flight exit game, and its bonds and payouts read for INV-01, 02, 09.

The in-flight exit game (``spec.environments.payments.in_flight`` and its
siblings) keeps its exits and the finalized marks in the payments kind's
records. What the kind-neutral invariants need of it is read here from the
records alone, never through the exit game's helpers, so a wrong helper in
the spec cannot make its checker wrong as well:

- the bonds the records hold (INV-09): each active, undecided exit's bond
  and one bond per open piggyback;
- what the records paid (INV-01): the ``paid`` of every piggyback;
- the balance moves a step explains (INV-09, transition form);
- the outputs paid, by output id, across both kinds of exit (INV-02), and
  the marks, written once (INV-02, transition form).

And the game's own invariant, INV-20 In-flight exclusivity.
"""

from __future__ import annotations

from collections import Counter

from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PaymentsRecords,
    Piggyback,
    PiggybackStatus,
)
from spec.environments.payments.transactions import compute_payment_output_id
from spec.invariants.changes import Movements, get_sender
from spec.invariants.checks import (
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_BOUNDED_IN_FLIGHT,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint64
from spec.settlement.operations import ProcessExits
from spec.settlement.state import Environment, EnvironmentKind, ExitStatus, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id

# Reading the records


def get_in_flight_exits(environment: Environment) -> dict[Uint64, InFlightExit]:
    """Return a payments environment's in-flight exits (none for any other kind)."""
    records = environment.kind_records
    if not isinstance(records, PaymentsRecords):
        return {}
    return dict(records.in_flight_exits)


def get_marks(environment: Environment) -> dict[Hash32, ExitReference]:
    """Return a payments environment's finalized marks (none for any other kind)."""
    records = environment.kind_records
    if not isinstance(records, PaymentsRecords):
        return {}
    return dict(records.finalized)


def get_sides(exit: InFlightExit) -> list[tuple[bool, int, Piggyback]]:
    """Return every piggyback of an exit as (is it an input, index, piggyback)."""
    inputs = [(True, index, p) for index, p in enumerate(exit.input_piggybacks)]
    return inputs + [(False, index, p) for index, p in enumerate(exit.output_piggybacks)]


def is_active(exit: InFlightExit) -> bool:
    """Return whether an in-flight exit is active (not deleted)."""
    return exit.status == InFlightExitStatus.ACTIVE


def is_newly_paid(before: Piggyback, after: Piggyback) -> bool:
    """Return whether a step took a piggyback from open to paid."""
    return before.status == PiggybackStatus.OPEN and after.status == PiggybackStatus.PAID


def get_side_output(exit: InFlightExit, is_input: bool, index: int) -> tuple[Address, Address]:
    """Return (owner, token) of one input or output of the exit's payment."""
    output = exit.inputs[index] if is_input else exit.transaction.outputs[index]
    return output.owner, output.token


def get_side_id(exit: InFlightExit, is_input: bool, index: int) -> Hash32:
    """Return the output id of one input or output of the exit's payment."""
    if is_input:
        return exit.input_ids[index]
    return compute_payment_output_id(exit.transaction, index)


def compute_in_flight_bonds(environment: Environment) -> int:
    """Return the bonds a payments environment's in-flight records hold (0 for other kinds)."""
    held = 0
    for exit in get_in_flight_exits(environment).values():
        if exit.status == InFlightExitStatus.ACTIVE and exit.outcome == InFlightOutcome.UNDECIDED:
            held += int(exit.bond)
        open_count = sum(1 for _, _, p in get_sides(exit) if p.status == PiggybackStatus.OPEN)
        held += int(exit.bond) * open_count
    return held


def compute_in_flight_payouts(environment: Environment) -> Counter[Address]:
    """Return, per token, what the in-flight exits of an environment paid."""
    paid: Counter[Address] = Counter()
    for exit in get_in_flight_exits(environment).values():
        for is_input, index, piggyback in get_sides(exit):
            _, token = get_side_output(exit, is_input, index)
            paid[token] += int(piggyback.paid)
    return paid


# INV-09, transition form: who each bond and payout goes to


def compute_exit_bond_moves(
    before: InFlightExit | None, after: InFlightExit, sender: Address | None
) -> Movements:
    """Return the moves of an exit's own bond: taken at start, paid when deleted or decided."""
    moves: Movements = Counter()
    if before is None:
        if sender is not None:
            moves[(sender, NATIVE_TOKEN)] -= int(after.bond)
        return moves
    deleted = before.status != after.status == InFlightExitStatus.DELETED
    decided = before.outcome == InFlightOutcome.UNDECIDED != after.outcome
    if deleted or decided:
        moves[(before.bond_owner, NATIVE_TOKEN)] += int(before.bond)
    return moves


def compute_piggyback_moves(
    operation: Operation, before: InFlightExit, after: InFlightExit, bounty: int
) -> Movements:
    """Return the moves of piggyback bonds and payouts between two states of one exit."""
    moves: Movements = Counter()
    sender = get_sender(operation)
    for (is_input, index, old), (_, _, new) in zip(
        get_sides(before), get_sides(after), strict=True
    ):
        if old.status == new.status:
            continue
        owner, token = get_side_output(after, is_input, index)
        if new.status == PiggybackStatus.OPEN and sender is not None:
            moves[(sender, NATIVE_TOKEN)] -= int(after.bond)
        elif new.status == PiggybackStatus.CHALLENGED and sender is not None:
            moves[(sender, NATIVE_TOKEN)] += int(after.bond)
        elif new.status in (PiggybackStatus.PAID, PiggybackStatus.UNPAID):
            moves[(owner, token)] += int(new.paid)
            moves[(owner, NATIVE_TOKEN)] += int(after.bond) - bounty
            if isinstance(operation, ProcessExits):
                moves[(operation.sender, NATIVE_TOKEN)] += bounty
    return moves


def compute_in_flight_movements(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> Movements:
    """Return how a step moves settlement balances through the in-flight exits it touches.

    A start takes the exit's bond from the sender; a piggyback takes one from
    the sender; a spent challenge gives the piggyback's bond to the sender; a
    deletion, or the exit's first processing, gives the exit's bond to its
    bond owner; a processed piggyback gives its owner what it was paid and its
    bond less the bounty, and the bounty to the caller of ``ProcessExits``.
    """
    moves: Movements = Counter()
    env_id = get_operation_environment_id(operation)
    if env_id is None or env_id >= len(pre.environments):
        return moves
    environment = post.environments[env_id]
    before_exits = get_in_flight_exits(pre.environments[env_id])
    bounty = int(environment.rules.processing_bounty)
    for exit_id, after in get_in_flight_exits(environment).items():
        before = before_exits.get(exit_id)
        moves.update(compute_exit_bond_moves(before, after, get_sender(operation)))
        if before is not None:
            moves.update(compute_piggyback_moves(operation, before, after, bounty))
    return moves


# INV-02, across both kinds of exit


def get_paid_outputs(environment: Environment) -> list[tuple[Hash32, ExitReference]]:
    """Return every output id some exit paid, with the exit that paid it (standard or in-flight)."""
    paid = [
        (exit.output_id, ExitReference(ExitKind.STANDARD, exit_id))
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.PROCESSED
    ]
    for exit_id, exit in get_in_flight_exits(environment).items():
        reference = ExitReference(ExitKind.IN_FLIGHT, exit_id)
        paid += [
            (get_side_id(exit, is_input, index), reference)
            for is_input, index, piggyback in get_sides(exit)
            if piggyback.status == PiggybackStatus.PAID
        ]
    return paid


def check_cross_kind_single_payout(state: SettlementState) -> list[str]:
    """INV-02 across exit kinds: no output id is paid twice; each paid one is marked by its payer.

    A processed standard exit pays its output id; a paid piggyback pays its
    input's or output's id. No id appears twice, and the finalized mark of
    every paid id names the exit that paid it.
    """
    violations = []
    for env_id, environment in enumerate(state.environments):
        if environment.kind != EnvironmentKind.PAYMENTS:
            continue
        paid = get_paid_outputs(environment)
        marks = get_marks(environment)
        for output_id, count in Counter(output_id for output_id, _ in paid).items():
            if count > 1:
                violations.append(f"env {env_id}: output {output_id} paid {count} times")
        for output_id, payer in paid:
            if marks.get(output_id) != payer:
                violations.append(f"env {env_id}: output {output_id} paid by {payer}, not marked")
    return violations


def check_marks_written_once(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-02 (transition form): a finalized mark, once written, never changes or disappears."""
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = get_marks(post.environments[env_id])
        for output_id, exit in get_marks(before).items():
            if after.get(output_id) != exit:
                violations.append(f"env {env_id}: mark of {output_id} changed")
    return violations


# INV-20 In-flight exclusivity


def check_in_flight_exclusivity(state: SettlementState) -> list[str]:
    """INV-20: of one in-flight payment, its inputs or its outputs are paid, never both.

    Every paid piggyback is on the side the exit's outcome names (inputs for
    ``INPUTS``, outputs for ``OUTPUTS``); an undecided exit has paid nothing;
    only a paid piggyback has a non-zero payment, at most its amount; a
    decided ``OUTPUTS`` exit marked every input as settled.
    """
    violations = []
    for env_id, environment in enumerate(state.environments):
        marks = get_marks(environment)
        for exit_id, exit in get_in_flight_exits(environment).items():
            violations += [
                f"env {env_id} in-flight exit {exit_id}: {problem}"
                for problem in get_exclusivity_problems(exit_id, exit, marks)
            ]
    return violations


def get_exclusivity_problems(
    exit_id: Uint64, exit: InFlightExit, marks: dict[Hash32, ExitReference]
) -> list[str]:
    """Return what breaks INV-20 in one in-flight exit."""
    problems = []
    for is_input, index, piggyback in get_sides(exit):
        side = "input" if is_input else "output"
        paid_side = InFlightOutcome.INPUTS if is_input else InFlightOutcome.OUTPUTS
        amount = exit.inputs[index].amount if is_input else exit.transaction.outputs[index].amount
        if piggyback.status == PiggybackStatus.PAID and exit.outcome != paid_side:
            problems.append(f"{side} {index} paid while the exit pays {exit.outcome}")
        if piggyback.paid > 0 and piggyback.status != PiggybackStatus.PAID:
            problems.append(f"{side} {index} has a payment while {piggyback.status}")
        if piggyback.paid > amount:
            problems.append(f"{side} {index} paid more than its amount")
    if exit.outcome == InFlightOutcome.OUTPUTS and any(i not in marks for i in exit.input_ids):
        problems.append("outputs paid but an input is not marked settled")
    return problems


def check_outcome_written_once(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-20 (transition form): an exit's outcome, once decided, never changes."""
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = get_in_flight_exits(post.environments[env_id])
        for exit_id, exit in get_in_flight_exits(before).items():
            later = after.get(exit_id)
            if exit.outcome != InFlightOutcome.UNDECIDED and (
                later is None or later.outcome != exit.outcome
            ):
                violations.append(f"env {env_id} in-flight exit {exit_id}: outcome changed")
    return violations


IN_FLIGHT_EXCLUSIVITY = Invariant(
    identifier=InvariantId.IN_FLIGHT_EXCLUSIVITY,
    title="In-flight exclusivity",
    layer=Layer.SETTLEMENT,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "Of one in-flight payment, the exit pays its piggybacked inputs or its piggybacked "
        "outputs, never both: the side is decided once, at the exit's first processing, and "
        "never changes; outputs are paid only if the payment stood canonical and no input was "
        "settled by another exit, and then every input is marked settled."
    ),
    rationale=(
        "A payment moves value from its inputs to its outputs; paying both sides pays the "
        "same value twice, out of the other owners' share of the vault."
    ),
    strengthening=(
        "The outcome is recorded (undecided, outputs, inputs) and written once; a piggyback "
        "carries its payment, non-zero only when paid and at most its amount."
    ),
    predicates=Predicates(
        state=(check_in_flight_exclusivity,), transition=(check_outcome_written_once,)
    ),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        Z3_INDUCTIVE,
        Check(
            Checker.Z3_CONTROLS,
            ("settle-pays-both-sides", "outcome-rewritten", "canonical-ignores-marks"),
        ),
        Z3_BOUNDED_IN_FLIGHT,
        Check(Checker.SCENARIOS_EVERY_STEP),
        Check(Checker.STATEFUL_EVERY_STEP),
    ),
)
"""INV-20."""

INVARIANTS = (IN_FLIGHT_EXCLUSIVITY,)
"""The in-flight exit game's own catalog entries."""
