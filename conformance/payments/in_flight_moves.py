"""Random in-flight exit histories at the settlement layer, for the settlement differential traces.

An ``in-flight`` move of a settlement trace (``conformance.settlement_moves``)
acts on the payments environment the other moves use, on the deposits they
made. Its choice picks what happens:

0. one depositor (two, for an odd number) pays Carol or Dave in a child
   block the operator commits and withholds (the inputs' owners sign; for a
   number that is a multiple of 5, Mallory signs the last input instead),
   and the receiver starts its in-flight exit (with a bond one short for a
   multiple of 7) and, unless the number is a multiple of 3, piggybacks the
   output; for a number of 2 modulo 4, a canonicity challenge (choice 3)
   follows at once;
1. the same, with another choice of deposits;
2. an owner piggybacks one input or output of the newest exit (the number
   picks which; a multiple of 5 sends the piggyback from Mallory);
3. a canonicity challenge of the newest exit: the first input's owner signed
   another spend of it, shown in flight, or (odd number) committed and shown
   included; for a multiple of 3, the response follows at once;
4. a response: the newest exit's payment shown included where it was committed;
5. a spent challenge of an open piggyback of the newest exit: an input with
   its owner's other spend, or an output with a spend of it at the payment's
   position (for an even number, with no input piggybacked, the first
   input's owner piggybacks it first);
6. time moves to the earliest exitable time of the newest exit's tokens (plus
   a few seconds) and token A's queue is processed;
7. time moves half a period, and (odd number) the newest exit is deleted.

Witnesses are real (the history keeps every block it commits and rebuilds
deposit transactions from the trace's deposits), so most operations are
accepted; rejections come from the phases, repeated moves and the wrong
signers and senders above. The ``mature`` and ``process`` moves of the trace
then pay standard and in-flight exits from one queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.case_library.in_flight_worlds import INPUT, OUTPUT, InFlightStory
from conformance.case_library.worlds import make_output, make_payment, make_position
from conformance.cases import TraceBuilder
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR, TOKEN_A, Actor
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.records import InFlightExit, InFlightExitStatus, PiggybackStatus
from spec.environments.payments.transactions import DepositTransaction, SignedTransaction
from spec.primitives import Uint256

Deposits = dict[int, tuple[Actor, int]]
"""Deposit blocks of the trace so far: block number to (depositor, amount)."""

RECEIVERS = (CAROL, DAVE)
"""Who in-flight payments pay."""

OWNERS = (ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR)
"""Every actor an input or output of a payment can belong to."""


@dataclass
class InFlightHistories:
    """The in-flight side of one settlement trace: its payments and the blocks it committed."""

    builder: TraceBuilder
    """The trace being built."""
    deposits: Deposits
    """The trace's deposits (shared with the other moves)."""
    payments: list[SignedTransaction] = field(default_factory=list)
    """Payments committed by ``pay`` moves, oldest first."""
    story: InFlightStory = field(init=False)
    """The witnesses: every block this history committed, and the deposits'."""

    def __post_init__(self) -> None:
        """Start with no block remembered."""
        self.story = InFlightStory(self.builder)

    def sync_deposits(self) -> None:
        """Remember the deposit transaction of every deposit the trace made."""
        for block, (owner, amount) in self.deposits.items():
            transaction = DepositTransaction(make_output(owner, amount, TOKEN_A))
            self.story.blocks.setdefault(block, [transaction])

    def newest_exit(self) -> tuple[int, InFlightExit] | None:
        """Return the newest in-flight exit that is not deleted, if any."""
        records = get_payments_records(self.story.state.environments[0])
        active = [
            (int(i), e)
            for i, e in records.in_flight_exits.items()
            if e.status == InFlightExitStatus.ACTIVE
        ]
        return max(active, key=lambda item: item[0]) if active else None

    def payment_of(self, exit: InFlightExit) -> SignedTransaction:
        """Return the committed payment an exit is of."""
        return next(p for p in self.payments if p.transaction == exit.transaction)

    def owner(self, address: object) -> Actor:
        """Return the actor owning ``address``."""
        return next(actor for actor in OWNERS if actor.address == address)

    # The moves

    def pay(self, number: int, offset: int) -> None:
        """Choices 0 and 1: a payment in a withheld block, its exit, usually a piggyback."""
        blocks = sorted(self.deposits)
        if not blocks:
            return
        count = 2 if number % 2 and len(blocks) > 1 else 1
        chosen = sorted({blocks[(number + offset + 3 * i) % len(blocks)] for i in range(count)})
        owners = [self.deposits[b][0] for b in chosen]
        signers = [*owners[:-1], MALLORY] if number % 5 == 0 else owners
        total = sum(self.deposits[b][1] for b in chosen)
        receiver = RECEIVERS[number % len(RECEIVERS)]
        payment = make_payment(
            [make_position(b) for b in chosen], [make_output(receiver, total, TOKEN_A)], signers
        )
        self.story.commit([payment])
        self.payments.append(payment)
        self.sync_deposits()
        bond = Uint256(self.story.bond - 1) if number % 7 == 0 else None
        before = self.newest_exit()
        self.story.apply(self.story.start(payment, sender=receiver, bond=bond))
        newest = self.newest_exit()
        if newest is None or newest == before:
            return
        if number % 3:
            self.story.apply(self.story.piggyback(receiver, OUTPUT, 0, exit_id=newest[0]))
        if number % 4 == 2:
            self.challenge(number // 4)

    def piggyback(self, number: int) -> None:
        """Choice 2: an owner piggybacks one input or output of the newest exit."""
        newest = self.newest_exit()
        if newest is None:
            return
        exit_id, exit = newest
        sides = [(INPUT, i, o.owner) for i, o in enumerate(exit.inputs)]
        sides += [(OUTPUT, i, o.owner) for i, o in enumerate(exit.transaction.outputs)]
        side, index, owner = sides[number % len(sides)]
        sender = MALLORY if number % 5 == 0 else self.owner(owner)
        self.story.apply(self.story.piggyback(sender, side, index, exit_id=exit_id))

    def competitor_of(self, exit: InFlightExit, number: int) -> SignedTransaction:
        """Return the first input's owner's other spend of it (to Dave, of ``number + 1``)."""
        owner = self.owner(exit.inputs[0].owner)
        return make_payment(
            [exit.transaction.inputs[0]], [make_output(DAVE, number + 1, TOKEN_A)], [owner]
        )

    def challenge(self, number: int) -> None:
        """Choice 3: a canonicity challenge with a competitor, in flight or included."""
        newest = self.newest_exit()
        if newest is None:
            return
        exit_id, exit = newest
        competitor = self.competitor_of(exit, number)
        included = number % 2 == 1
        if included:
            self.story.commit([competitor])
        self.story.apply(self.story.challenge(competitor, included=included, exit_id=exit_id))
        if number % 3 == 0:
            self.respond(number)

    def respond(self, number: int) -> None:
        """Choice 4: the newest exit's payment shown included where it was committed."""
        newest = self.newest_exit()
        if newest is not None:
            exit_id, exit = newest
            self.story.apply(self.story.respond(self.payment_of(exit), exit_id=exit_id))

    def spent(self, number: int) -> None:
        """Choice 5: an open piggyback of the newest exit shown spent."""
        newest = self.newest_exit()
        if newest is None:
            return
        exit_id, exit = newest
        open_inputs = [
            i for i, p in enumerate(exit.input_piggybacks) if p.status == PiggybackStatus.OPEN
        ]
        open_outputs = [
            i for i, p in enumerate(exit.output_piggybacks) if p.status == PiggybackStatus.OPEN
        ]
        if not open_inputs and not number % 2:
            owner = self.owner(exit.inputs[0].owner)
            self.story.apply(self.story.piggyback(owner, INPUT, 0, exit_id=exit_id))
            if self.newest_exit() != newest:
                open_inputs = [0]
        if open_outputs and (number % 2 or not open_inputs):
            payment = self.payment_of(exit)
            index = open_outputs[0]
            owner = self.owner(exit.transaction.outputs[index].owner)
            position = self.story.output_position(payment, index)
            spend = make_payment([position], [make_output(BOB, 1, TOKEN_A)], [owner])
            self.story.apply(self.story.output_spent(index, payment, spend, exit_id=exit_id))
        elif open_inputs:
            index = open_inputs[0]
            owner = self.owner(exit.inputs[index].owner)
            spend = make_payment(
                [exit.transaction.inputs[index]], [make_output(DAVE, 1, TOKEN_A)], [owner]
            )
            self.story.apply(self.story.input_spent(index, spend, exit_id=exit_id))

    def process(self, number: int) -> None:
        """Choice 6: time moves to the newest exit's earliest exitable time; token A is paid."""
        newest = self.newest_exit()
        if newest is not None and newest[1].exitable_at:
            earliest = min(int(t) for t in newest[1].exitable_at.values())
            later = max(earliest + number % 3, int(self.story.state.time) + 1)
            self.story.advance_to(later)
        self.story.apply(self.story.process(TOKEN_A, 1 + number % 3))

    def wait_or_delete(self, number: int) -> None:
        """Choice 7: half a period passes; for an odd number the newest exit is deleted."""
        self.story.advance_to(int(self.story.state.time) + self.story.period // 2)
        newest = self.newest_exit()
        if number % 2 and newest is not None:
            self.story.apply(self.story.delete(newest[0]))

    def apply(self, choice: int, number: int) -> None:
        """Add the steps of an ``in-flight`` move."""
        moves = (
            lambda number: self.pay(number, 0),
            lambda number: self.pay(number, 1),
            self.piggyback,
            self.challenge,
            self.respond,
            self.spent,
            self.process,
            self.wait_or_delete,
        )
        moves[choice % len(moves)](number)
