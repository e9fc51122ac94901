"""Processing a payments queue in the simulator: standard and in-flight exits merged, by index.

The counterpart of ``spec.environments.payments.queue``: the payments kind's
``ProcessExits`` step. One token's queue holds the open standard exits (the
partial index ``settlement_exit_queue``) and the in-flight exits waiting for
that token (the table ``settlement_in_flight_queue``); both are kept in the
spec's priority order, so the mature head of the merged queue is the merge of
at most ``max_exits`` rows read from each, ordered by (exitable time,
position, kind rank, exit id). Processing never scans the exits.

Entries are processed one after the other with the spec's rules and in the
spec's order of arithmetic, so a state that overflows (or underflows, when
loaded) fails with the spec's reason; everything is computed in memory
first, with the finalized marks written so far, then written:

- a standard exit whose output is marked is skipped (bond back, nothing paid);
  otherwise it is paid ``min(amount, vault)`` and its output is marked;
- an in-flight exit is decided at its first processing (outputs if canonical
  and no input is marked by another exit, every input then marked; inputs
  otherwise), its bond going to its bond owner; then each open piggyback of
  the token is settled: paid and marked if on the paid side and unmarked,
  unpaid otherwise, its bond back to its owner less the processing bounty,
  which goes to the caller.
"""

from __future__ import annotations

from dataclasses import replace

from reference.environments.payments.encoding import compute_payment_output_id
from reference.settlement.environment_tables import EnvironmentRow, LedgerEntry, add_to_entry
from reference.settlement.exits import Credits
from reference.settlement.in_flight_tables import QueueHead
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightExit,
    InFlightOutcome,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import Exit, ExitStatus

Priority = tuple[Uint64, OutputPosition, int, Uint64]
"""(exitable time, position, kind rank, exit id): smaller is paid first."""

STANDARD_RANK, IN_FLIGHT_RANK = 0, 1
"""Rank of each exit kind in a priority: at equal time and position, standard exits go first."""


class QueueRun:
    """One ``ProcessExits`` call on a payments queue: what it changed so far, in memory."""

    def __init__(
        self, tables: SettlementTables, environment: EnvironmentRow, operation: ProcessExits
    ) -> None:
        """Start a run over ``environment``'s queue of ``operation.token``."""
        self.tables = tables
        """Where the state is read, and finally written."""
        self.environment = environment
        """The environment's row as read at the start."""
        self.operation = operation
        """The call: its sender collects the processing bounties."""
        self.identifier = environment.environment_id
        """The environment's id."""
        self.ledger = tables.read_ledger(self.identifier, operation.token)
        """The token's totals as read at the start."""
        self.withdrawn = self.ledger.withdrawn
        """The token's withdrawn total so far."""
        self.bonds_held = environment.bonds_held
        """The environment's bonds held so far."""
        self.credits = Credits(tables)
        """Balances credited so far."""
        self.marks: dict[Hash32, ExitReference] = {}
        """Finalized marks written by this run."""
        self.standard: list[tuple[int, ExitStatus, Uint256]] = []
        """Standard exits ended by this run: (exit id, status, paid)."""
        self.in_flight: dict[Uint64, InFlightExit] = {}
        """In-flight exits changed by this run, by id."""
        self.processed: list[QueueHead] = []
        """In-flight queue entries processed by this run."""

    # Reads through the run's changes

    def vault(self) -> Uint256:
        """Return what the vault holds of the token now: deposited minus withdrawn.

        Raises:
            Rejected: ``INTEGER_UNDERFLOW`` when a loaded state withdrew more than deposited.
        """
        deposited = Uint256(0) if self.ledger.deposited is None else self.ledger.deposited
        return deposited - (Uint256(0) if self.withdrawn is None else self.withdrawn)

    def get_mark(self, output_id: Hash32) -> ExitReference | None:
        """Return the exit that settled an output, with this run's marks."""
        mark = self.marks.get(output_id)
        return mark if mark is not None else self.tables.read_finalized(self.identifier, output_id)

    def mark(self, output_id: Hash32, reference: ExitReference) -> None:
        """Mark an output settled (written once: the caller checked it was not)."""
        self.marks[output_id] = reference

    def get_in_flight(self, exit_id: Uint64) -> InFlightExit:
        """Return an in-flight exit with this run's changes."""
        exit = self.in_flight.get(exit_id)
        if exit is None:
            exit = self.tables.read_in_flight_exit(self.identifier, exit_id)
        assert exit is not None, "a queue entry names a stored exit"
        return exit

    # Standard exits

    def process_standard(self, exit_id: Uint64, exit: Exit) -> None:
        """Pay a standard exit and mark its output, or skip it if its output is marked.

        Raises:
            Rejected: ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` (as the spec's arithmetic).
        """
        if self.get_mark(exit.output_id) is not None:
            self.bonds_held = self.bonds_held - exit.bond
            self.credits.credit(exit.owner, NATIVE_TOKEN, exit.bond)
            self.standard.append((int(exit_id), ExitStatus.SKIPPED, exit.paid))
            return
        payout = min(exit.amount, self.vault())
        self.withdrawn = add_to_entry(self.withdrawn, payout)
        self.bonds_held = self.bonds_held - exit.bond
        self.credits.credit(exit.owner, exit.token, payout)
        self.credits.credit(exit.owner, NATIVE_TOKEN, exit.bond)
        self.standard.append((int(exit_id), ExitStatus.PROCESSED, payout))
        self.mark(exit.output_id, ExitReference(ExitKind.STANDARD, exit_id))

    # In-flight exits

    def decide(self, exit_id: Uint64, exit: InFlightExit) -> InFlightExit:
        """Decide which side an in-flight exit pays; pay its bond to its bond owner.

        Raises:
            Rejected: ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` (as the spec's arithmetic).
        """
        own = ExitReference(ExitKind.IN_FLIGHT, exit_id)
        settlers = [self.get_mark(output_id) for output_id in exit.input_ids]
        if exit.canonical and all(settler in (None, own) for settler in settlers):
            outcome = InFlightOutcome.OUTPUTS
            for output_id in exit.input_ids:
                if self.get_mark(output_id) is None:
                    self.mark(output_id, own)
        else:
            outcome = InFlightOutcome.INPUTS
        self.bonds_held = self.bonds_held - exit.bond
        self.credits.credit(exit.bond_owner, NATIVE_TOKEN, exit.bond)
        return replace(exit, outcome=outcome)

    def settle(
        self, exit_id: Uint64, exit: InFlightExit, side: PiggybackSide, index: int
    ) -> Piggyback:
        """Settle one open piggyback: pay and mark it if on the paid side and unmarked.

        Raises:
            Rejected: ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` (as the spec's arithmetic).
        """
        if side == PiggybackSide.INPUT:
            output, output_id = exit.inputs[index], exit.input_ids[index]
        else:
            output = exit.transaction.outputs[index]
            output_id = compute_payment_output_id(exit.transaction, index)
        paid_side = (
            PiggybackSide.OUTPUT if exit.outcome == InFlightOutcome.OUTPUTS else PiggybackSide.INPUT
        )
        payout = min(output.amount, self.vault())
        pays = side == paid_side and self.get_mark(output_id) is None
        if pays:
            self.withdrawn = add_to_entry(self.withdrawn, payout)
            self.mark(output_id, ExitReference(ExitKind.IN_FLIGHT, exit_id))
        self.bonds_held = self.bonds_held - exit.bond
        if pays:
            self.credits.credit(output.owner, output.token, payout)
        bounty = self.environment.rules.processing_bounty
        self.credits.credit(output.owner, NATIVE_TOKEN, exit.bond - bounty)
        self.credits.credit(self.operation.sender, NATIVE_TOKEN, bounty)
        if pays:
            return Piggyback(PiggybackStatus.PAID, payout)
        return Piggyback(PiggybackStatus.UNPAID, Uint256(0))

    def process_in_flight(self, entry: QueueHead) -> None:
        """Process an in-flight exit for the token: decide it if first, settle its piggybacks.

        Raises:
            Rejected: ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` (as the spec's arithmetic).
        """
        exit_id, token = entry[2], self.operation.token
        exit = self.get_in_flight(exit_id)
        if exit.outcome == InFlightOutcome.UNDECIDED:
            exit = self.decide(exit_id, exit)
        sides: list[tuple[PiggybackSide, tuple[Piggyback, ...], tuple[Output, ...]]] = [
            (PiggybackSide.INPUT, exit.input_piggybacks, exit.inputs),
            (PiggybackSide.OUTPUT, exit.output_piggybacks, exit.transaction.outputs),
        ]
        settled = {side: list(piggybacks) for side, piggybacks, _ in sides}
        for side, piggybacks, outputs in sides:
            for index, piggyback in enumerate(piggybacks):
                if piggyback.status == PiggybackStatus.OPEN and outputs[index].token == token:
                    settled[side][index] = self.settle(exit_id, exit, side, index)
        self.in_flight[exit_id] = replace(
            exit,
            input_piggybacks=tuple(settled[PiggybackSide.INPUT]),
            output_piggybacks=tuple(settled[PiggybackSide.OUTPUT]),
            processed_tokens=(*exit.processed_tokens, token),
        )
        self.processed.append(entry)

    # Writing

    def write(self) -> None:
        """Write everything the run changed, in the caller's store transaction."""
        identifier, token = self.identifier, self.operation.token
        for status in (ExitStatus.PROCESSED, ExitStatus.SKIPPED):
            payouts = [(i, paid) for i, s, paid in self.standard if s == status]
            self.tables.write_exit_outcomes(identifier, status, payouts)
        failpoint()
        for exit_id, exit in self.in_flight.items():
            self.tables.write_in_flight_exit(identifier, exit_id, exit)
        for entry in self.processed:
            self.tables.delete_queue_entry(identifier, token, entry)
        failpoint()
        for output_id, reference in self.marks.items():
            self.tables.insert_finalized(identifier, output_id, reference)
        failpoint()
        self.credits.write()
        failpoint()
        if self.withdrawn != self.ledger.withdrawn:
            ledger = LedgerEntry(self.ledger.deposited, self.withdrawn)
            self.tables.write_ledger(identifier, token, ledger)
            failpoint()
        self.tables.update_environment(replace(self.environment, bonds_held=self.bonds_held))


def list_mature_entries(
    tables: SettlementTables, environment_id: int, token: Address, time: Uint64, limit: int
) -> list[tuple[Priority, Exit | None, QueueHead]]:
    """Return the merged queue's mature head: up to ``limit`` entries, in priority order.

    Each is (priority, the standard exit or None, its queue head).
    """
    standard = [
        (
            (exit.exitable_at, exit.position, STANDARD_RANK, exit_id),
            exit,
            (exit.exitable_at, exit.position, exit_id),
        )
        for exit_id, exit in tables.read_mature_exits(environment_id, token, time, limit)
    ]
    in_flight: list[tuple[Priority, Exit | None, QueueHead]] = [
        ((exitable_at, position, IN_FLIGHT_RANK, exit_id), None, (exitable_at, position, exit_id))
        for exitable_at, position, exit_id in tables.read_mature_in_flight_entries(
            environment_id, token, time, limit
        )
    ]
    return sorted([*standard, *in_flight], key=lambda entry: entry[0])[:limit]


def process_payments_exits(
    tables: SettlementTables, preset: Preset, operation: ProcessExits
) -> None:
    """Process mature exits of one token's merged queue in priority order, up to ``max_exits``.

    ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment(operation.environment_id)
    # Verify the call may process at least one exit
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    time = tables.read_time()
    entries = list_mature_entries(
        tables, environment.environment_id, operation.token, time, int(operation.max_exits)
    )
    # Verify the head of the queue is mature
    require(len(entries) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    run = QueueRun(tables, environment, operation)
    for priority, exit, head in entries:
        if exit is not None:
            run.process_standard(priority[3], exit)
        else:
            run.process_in_flight(head)
    run.write()
