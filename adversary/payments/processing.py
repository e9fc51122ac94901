"""An independent model of ``ProcessExits`` on a payments environment, and the payout ledger.

The spec processes one token's queue of standard and in-flight exits
(``spec.environments.payments.queue``). This module restates that rule from
the records alone, to judge each accepted step of the adversarial game:

- the queue: open standard exits of the token, keyed (exitable time,
  position, 0, exit id), and active in-flight exits queued for the token and
  not yet processed for it, keyed (the token's exitable time, youngest input,
  1, exit id); the mature ones from the head, at most ``max_exits``;
- a standard exit whose output is already marked is skipped (nothing paid,
  bond back); otherwise it is paid ``min(amount, vault)`` and marks its output;
- an undecided in-flight exit pays outputs when canonical and no input is
  marked by another exit (then marks every unmarked input), inputs otherwise;
  its bond goes to its bond owner;
- each open piggyback of the token, inputs first, is paid ``min(amount,
  vault)`` and marked when on the paid side and unmarked, else settled
  unpaid; its bond goes back less the bounty, which goes to the caller.

:func:`compute_expected_ledger` then says how every accepted operation moves
balances, in-flight operations included. Everything is plain integers and
dictionaries, so a broken state is reported, not crashed on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from spec.environments.payments import transactions
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import DeleteInFlightExit, StartInFlightExit
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PaymentsRecords,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output
from spec.invariants.evaluate import Violation
from spec.invariants.ids import InvariantId
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint64
from spec.settlement.operations import Deposit, ProcessExits
from spec.settlement.state import Environment, ExitStatus, SettlementState
from spec.settlement.transition import Operation

Ledger = Counter[tuple[Address, Address]]
"""Change of settlement balance per (account, token)."""

PiggybackKey = tuple[int, PiggybackSide, int]
"""(in-flight exit id, side, index) of one piggyback."""


@dataclass
class ExpectedProcessing:
    """What one ``ProcessExits`` must do, by the model."""

    standard: dict[int, tuple[ExitStatus, int]] = field(default_factory=dict)
    """Per standard exit processed: its new status and what it is paid."""
    outcomes: dict[int, InFlightOutcome] = field(default_factory=dict)
    """Per in-flight exit processed: the side it pays."""
    piggybacks: dict[PiggybackKey, tuple[PiggybackStatus, int]] = field(default_factory=dict)
    """Per piggyback settled: its new status and what it is paid."""
    ledger: Ledger = field(default_factory=Counter)
    """How balances move."""


def get_records(environment: Environment) -> PaymentsRecords | None:
    """Return a payments environment's records (None for another kind)."""
    records = environment.kind_records
    return records if isinstance(records, PaymentsRecords) else None


def get_in_flight_exits(environment: Environment) -> dict[Uint64, InFlightExit]:
    """Return an environment's in-flight exits (none for another kind)."""
    records = get_records(environment)
    return dict(records.in_flight_exits) if records else {}


def get_side_outputs(exit: InFlightExit, side: PiggybackSide) -> tuple[Output, ...]:
    """Return the inputs (what they held) or the outputs of an in-flight payment."""
    return exit.inputs if side == PiggybackSide.INPUT else exit.transaction.outputs


def get_piggybacks(exit: InFlightExit, side: PiggybackSide) -> tuple[Piggyback, ...]:
    """Return the piggybacks of one side of an in-flight exit."""
    return exit.input_piggybacks if side == PiggybackSide.INPUT else exit.output_piggybacks


def get_side_piggybacks(exit: InFlightExit, side: PiggybackSide) -> tuple[PiggybackStatus, ...]:
    """Return the piggyback statuses of one side of an in-flight exit."""
    return tuple(piggyback.status for piggyback in get_piggybacks(exit, side))


def get_side_output_id(exit: InFlightExit, side: PiggybackSide, index: int) -> Hash32:
    """Return the output id of one input or output of an in-flight payment."""
    if side == PiggybackSide.INPUT:
        return exit.input_ids[index]
    return transactions.compute_payment_output_id(exit.transaction, index)


QueueKey = tuple[Uint64, OutputPosition, int, Uint64]
"""(exitable time, position, kind rank, exit id)."""


def list_queue(environment: Environment, token: Address) -> list[tuple[QueueKey, ExitKind]]:
    """Return one token's queue by priority: each exit's key and kind."""
    entries: list[tuple[QueueKey, ExitKind]] = [
        ((exit.exitable_at, exit.position, 0, exit_id), ExitKind.STANDARD)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    entries += [
        ((exit.exitable_at[token], exit.youngest_input, 1, exit_id), ExitKind.IN_FLIGHT)
        for exit_id, exit in get_in_flight_exits(environment).items()
        if exit.status == InFlightExitStatus.ACTIVE
        and token in exit.exitable_at
        and token not in exit.processed_tokens
    ]
    return sorted(entries, key=lambda entry: entry[0])


@dataclass
class Processing:
    """The model's running state while it processes one queue."""

    environment: Environment
    operation: ProcessExits
    vault: int
    marks: dict[Hash32, ExitReference]
    result: ExpectedProcessing = field(default_factory=ExpectedProcessing)

    def pay(self, account: Address, amount: int) -> int:
        """Pay up to ``amount`` of the queue's token from the vault; return what was paid."""
        paid = min(amount, self.vault)
        self.vault -= paid
        self.result.ledger[(account, self.operation.token)] += paid
        return paid

    def process_standard(self, exit_id: int) -> None:
        """Pay or skip one standard exit."""
        exit = self.environment.exits[Uint64(exit_id)]
        self.result.ledger[(exit.owner, NATIVE_TOKEN)] += int(exit.bond)
        if exit.output_id in self.marks:
            self.result.standard[exit_id] = (ExitStatus.SKIPPED, 0)
            return
        self.marks[exit.output_id] = ExitReference(ExitKind.STANDARD, Uint64(exit_id))
        self.result.standard[exit_id] = (
            ExitStatus.PROCESSED,
            self.pay(exit.owner, int(exit.amount)),
        )

    def decide(self, exit_id: int, exit: InFlightExit) -> InFlightOutcome:
        """Decide an in-flight exit at its first processing; mark its inputs if it pays outputs."""
        own = ExitReference(ExitKind.IN_FLIGHT, Uint64(exit_id))
        elsewhere = any(self.marks.get(i, own) != own for i in exit.input_ids)
        self.result.ledger[(exit.bond_owner, NATIVE_TOKEN)] += int(exit.bond)
        if not exit.canonical or elsewhere:
            return InFlightOutcome.INPUTS
        for output_id in exit.input_ids:
            self.marks.setdefault(output_id, own)
        return InFlightOutcome.OUTPUTS

    def process_in_flight(self, exit_id: int) -> None:
        """Decide an in-flight exit if need be, then settle its open piggybacks of the token."""
        exit = get_in_flight_exits(self.environment)[Uint64(exit_id)]
        outcome = exit.outcome
        if outcome == InFlightOutcome.UNDECIDED:
            outcome = self.decide(exit_id, exit)
        self.result.outcomes[exit_id] = outcome
        paid_side = (
            PiggybackSide.OUTPUT if outcome == InFlightOutcome.OUTPUTS else PiggybackSide.INPUT
        )
        bounty = int(self.environment.rules.processing_bounty)
        for side in (PiggybackSide.INPUT, PiggybackSide.OUTPUT):
            for index, status in enumerate(get_side_piggybacks(exit, side)):
                output = get_side_outputs(exit, side)[index]
                if status != PiggybackStatus.OPEN or output.token != self.operation.token:
                    continue
                output_id = get_side_output_id(exit, side, index)
                settled = (PiggybackStatus.UNPAID, 0)
                if side == paid_side and output_id not in self.marks:
                    self.marks[output_id] = ExitReference(ExitKind.IN_FLIGHT, Uint64(exit_id))
                    settled = (PiggybackStatus.PAID, self.pay(output.owner, int(output.amount)))
                self.result.piggybacks[(exit_id, side, index)] = settled
                self.result.ledger[(output.owner, NATIVE_TOKEN)] += int(exit.bond) - bounty
                self.result.ledger[(self.operation.sender, NATIVE_TOKEN)] += bounty


def compute_expected_processing(
    pre: SettlementState, operation: ProcessExits
) -> ExpectedProcessing:
    """Return what an accepted ``ProcessExits`` must do to a payments environment, by the model."""
    environment = pre.environments[operation.environment_id]
    records = get_records(environment)
    vault = int(environment.deposited.get(operation.token, 0))
    vault -= int(environment.withdrawn.get(operation.token, 0))
    marks = dict(records.finalized) if records else {}
    model = Processing(environment, operation, vault, marks)
    queue = list_queue(environment, operation.token)
    for key, kind in queue[: int(operation.max_exits)]:
        if key[0] > pre.time:
            break
        if kind == ExitKind.STANDARD:
            model.process_standard(int(key[3]))
        else:
            model.process_in_flight(int(key[3]))
    return model.result


def compute_expected_ledger(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> Ledger:
    """Return how an accepted operation should move settlement balances.

    A deposit takes the amount from its owner; an exit start, an in-flight
    start and a piggyback take the bond from their sender; a successful
    challenge of a standard exit or of a piggyback pays that bond to the
    challenger; canonicity challenges and responses move no funds (they move
    who will get the in-flight exit's bond); a deletion returns the bond to
    the exit's bond owner; processing moves what :func:`compute_expected_processing` says.
    """
    ledger: Ledger = Counter()
    match operation:
        case Deposit():
            ledger[(operation.owner, operation.token)] -= int(operation.amount)
        case StartStandardExit() | StartInFlightExit() | PiggybackInFlightExit():
            ledger[(operation.sender, NATIVE_TOKEN)] -= int(operation.bond)
        case ChallengeStandardExit():
            exit = pre.environments[operation.environment_id].exits[operation.exit_id]
            ledger[(operation.sender, NATIVE_TOKEN)] += int(exit.bond)
        case ChallengeInFlightInputSpent() | ChallengeInFlightOutputSpent():
            in_flight = get_in_flight_exits(pre.environments[operation.environment_id])
            ledger[(operation.sender, NATIVE_TOKEN)] += int(in_flight[operation.exit_id].bond)
        case DeleteInFlightExit():
            deleted = get_in_flight_exits(pre.environments[operation.environment_id])
            exit_record = deleted[operation.exit_id]
            ledger[(exit_record.bond_owner, NATIVE_TOKEN)] += int(exit_record.bond)
        case ChallengeInFlightNotCanonical() | RespondToNonCanonicalChallenge():
            pass
        case ProcessExits():
            ledger = compute_expected_processing(pre, operation).ledger
    return ledger


def list_settled(
    pre: SettlementState, post: SettlementState, environment_id: Uint64
) -> ExpectedProcessing:
    """Return what a step actually settled in one environment, read from its records."""
    before, after = pre.environments[environment_id], post.environments[environment_id]
    actual = ExpectedProcessing()
    for exit_id, exit in after.exits.items():
        if before.exits[exit_id].status == ExitStatus.OPEN != exit.status:
            actual.standard[int(exit_id)] = (exit.status, int(exit.paid))
    old = get_in_flight_exits(before)
    for in_flight_id, in_flight in get_in_flight_exits(after).items():
        previous = old[in_flight_id]
        if in_flight.processed_tokens != previous.processed_tokens:
            actual.outcomes[int(in_flight_id)] = in_flight.outcome
        for side in (PiggybackSide.INPUT, PiggybackSide.OUTPUT):
            settled = zip(
                get_side_piggybacks(previous, side), get_piggybacks(in_flight, side), strict=True
            )
            for index, (was, now) in enumerate(settled):
                if was == PiggybackStatus.OPEN and now.status in SETTLED:
                    key = (int(in_flight_id), side, index)
                    actual.piggybacks[key] = (now.status, int(now.paid))
    return actual


SETTLED = (PiggybackStatus.PAID, PiggybackStatus.UNPAID)
"""Statuses a piggyback takes when processed."""


def check_processing(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[Violation]:
    """INV-08 and INV-01, exact form: processing does what :func:`compute_expected_processing` says.

    The catalog's INV-08 predicate sees which exits were processed, not how
    many the limit allowed nor in which order within one call; the amounts
    paid when the vault runs short show the order.
    """
    if not isinstance(operation, ProcessExits):
        return []
    expected = compute_expected_processing(pre, operation)
    actual = list_settled(pre, post, operation.environment_id)
    found = []
    if set(actual.standard) != set(expected.standard) or set(actual.outcomes) != set(
        expected.outcomes
    ):
        shown = (
            sorted(actual.standard),
            sorted(actual.outcomes),
            sorted(expected.standard),
            sorted(expected.outcomes),
        )
        found.append(
            Violation(
                InvariantId.PRIORITY_ORDER,
                f"ProcessExits settled standard exits {shown[0]} and in-flight exits {shown[1]}, "
                f"expected {shown[2]} and {shown[3]}",
            )
        )
    pairs: list[tuple[str, object, object]] = [
        (f"standard exit {key}", actual.standard.get(key), expected.standard.get(key))
        for key in sorted(set(actual.standard) | set(expected.standard))
    ]
    pairs += [
        (f"in-flight exit {key}", actual.outcomes.get(key), expected.outcomes.get(key))
        for key in sorted(set(actual.outcomes) | set(expected.outcomes))
    ]
    pairs += [
        (f"piggyback {key}", actual.piggybacks.get(key), expected.piggybacks.get(key))
        for key in sorted(set(actual.piggybacks) | set(expected.piggybacks), key=str)
    ]
    return found + [
        Violation(InvariantId.SOLVENCY, f"{label}: settled as {got}, expected {wanted}")
        for label, got, wanted in pairs
        if got != wanted
    ]
