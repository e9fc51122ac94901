"""What a watcher knows that the in-flight exit game asks for: inclusions, spends, competitors.

An in-flight exit is argued with facts the settlement layer cannot see: where
a payment was included (with a Merkle proof), which other payment spent an
input, which payment spent an output. A watcher knows two kinds of them:

- what it read in published blocks: every payment it downloaded is kept by
  the inputs it spends (``Watcher.get_spend``: the first spend seen, hence
  the oldest published one), and the board serves the block again to prove
  its inclusion;
- what the wallets it guards know: the payments they signed or were handed
  that are not published (their :class:`~reference.parties.payment_book.PaymentBook`);
  such a payment can only be shown *in flight* (uncounted as included).

:class:`InFlightWitnesses` answers the questions the watcher's in-flight duty
(``reference.parties.in_flight_watch``) asks, each from those facts only;
:func:`is_ended` and :func:`describe_payment` read an exit's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reference.environments.payments.encoding import compute_transaction_leaf
from reference.merkle import compute_levels, compute_proof
from reference.parties.board import format_position
from reference.parties.wallet import Wallet
from reference.parties.watcher import Watcher
from spec.environments.payments.in_flight import UNINCLUDED_POSITION, TransactionInclusion
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
)
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import SignedTransaction, Transaction
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Address, Uint8, Uint16, Uint64

Inclusion = tuple[SignedTransaction, TransactionInclusion]
"""A payment as its block holds it, and where, with the proof."""

Spend = tuple[SignedTransaction, Uint8]
"""A payment spending an output, and the index of that output among its inputs."""

SpentChallenge = tuple[
    ChallengeInFlightInputSpent | ChallengeInFlightOutputSpent, PiggybackSide, OutputPosition
]
"""A challenge of a piggyback shown spent, the side challenged, and the spent output."""


@dataclass(frozen=True)
class Competitor:
    """Another payment spending an input of an in-flight payment, as a challenge shows it."""

    payment: SignedTransaction
    """The competing payment, signed by the contested input's owner."""
    input_index: Uint8
    """Index of the contested input among the competitor's inputs."""
    inclusion: TransactionInclusion | None
    """Where it is included, with the proof; None when it is only known in flight."""

    @property
    def rank(self) -> TransactionPosition:
        """Its rank in the canonicity game: its position, or the rank of an in-flight one."""
        return UNINCLUDED_POSITION if self.inclusion is None else self.inclusion.position


class InFlightWitnesses:
    """The facts a watcher and the wallets it guards know, as in-flight witnesses."""

    def __init__(self, watcher: Watcher, wallets: Sequence[Wallet]) -> None:
        """Answer from ``watcher``'s published spends and ``wallets``' unpublished payments."""
        self.watcher = watcher
        """The watcher: its spends, the board it reads, its environment."""
        self.wallets = wallets
        """The wallets it guards."""

    def make_inclusion(self, number: Uint64, transaction: Transaction) -> Inclusion | None:
        """Return a payment's inclusion in published block ``number``, if the block holds it."""
        watcher = self.watcher
        transactions = watcher.board.get_block(watcher.environment_id, number)
        if transactions is None:
            return None
        for index, candidate in enumerate(transactions):
            if isinstance(candidate, SignedTransaction) and candidate.transaction == transaction:
                leaves = [compute_transaction_leaf(t) for t in transactions]
                levels = compute_levels(leaves, int(watcher.ledger.transaction_tree_depth))
                position = TransactionPosition(number, Uint16(index))
                return candidate, TransactionInclusion(position, compute_proof(levels, index))
        return None

    def find_inclusion(self, transaction: Transaction) -> Inclusion | None:
        """Return where a payment was published: it is then the first spend of its inputs."""
        spend = self.watcher.get_spend(transaction.inputs[0])
        if spend is None or spend[0].transaction != transaction:
            return None
        return self.make_inclusion(spend[2], transaction)

    def list_unpublished(self) -> list[SignedTransaction]:
        """Return the guarded wallets' payments not seen published, signed or handed over."""
        environment_id = self.watcher.environment_id
        return [
            entry.known.payment
            for wallet in self.wallets
            for entry in wallet.payments.list_entries(environment_id)
        ]

    def find_spend(self, position: OutputPosition, other_than: Transaction) -> Spend | None:
        """Return a payment other than ``other_than`` spending ``position``: published first."""
        published = self.watcher.get_spend(position)
        if published is not None and published[0].transaction != other_than:
            return published[0], Uint8(published[1])
        for payment in self.list_unpublished():
            inputs = payment.transaction.inputs
            if payment.transaction != other_than and position in inputs:
                return payment, Uint8(inputs.index(position))
        return None

    def find_oldest_competitor(self, exit: InFlightExit) -> Competitor | None:
        """Return the oldest payment known, other than the exit's, spending one of its inputs.

        A published competitor is older than any known only in flight.
        """
        found: list[Competitor] = []
        unpublished = self.list_unpublished()
        for position in exit.transaction.inputs:
            published = self.watcher.get_spend(position)
            if published is not None and published[0].transaction != exit.transaction:
                inclusion = self.make_inclusion(published[2], published[0].transaction)
                if inclusion is not None:
                    found.append(Competitor(inclusion[0], Uint8(published[1]), inclusion[1]))
            for payment in unpublished:
                inputs = payment.transaction.inputs
                if payment.transaction != exit.transaction and position in inputs:
                    found.append(Competitor(payment, Uint8(inputs.index(position)), None))
        return min(found, key=lambda competitor: competitor.rank, default=None)

    def make_spent_challenges(
        self, challenger: Address, exit_id: Uint64, exit: InFlightExit
    ) -> list[SpentChallenge]:
        """Return a challenge for each open piggyback known spent.

        An input is spent by another payment (published or known in flight);
        an output, by a payment spending it where the exit's payment was published.
        """
        environment_id = self.watcher.environment_id
        challenges: list[SpentChallenge] = []
        for index, piggyback in enumerate(exit.input_piggybacks):
            position = exit.transaction.inputs[index]
            spend = self.find_spend(position, exit.transaction)
            if piggyback.status == PiggybackStatus.OPEN and spend is not None:
                operation = ChallengeInFlightInputSpent(
                    environment_id, challenger, exit_id, Uint8(index), *spend
                )
                challenges.append((operation, PiggybackSide.INPUT, position))
        found = self.find_inclusion(exit.transaction)
        for index, piggyback in enumerate(exit.output_piggybacks):
            if piggyback.status != PiggybackStatus.OPEN or found is None:
                continue
            at = found[1].position
            position = OutputPosition(at.block_number, at.transaction_index, Uint8(index))
            published = self.watcher.get_spend(position)
            if published is not None:
                output_challenge = ChallengeInFlightOutputSpent(
                    environment_id,
                    challenger,
                    exit_id,
                    Uint8(index),
                    found[0],
                    found[1],
                    published[0],
                    Uint8(published[1]),
                )
                challenges.append((output_challenge, PiggybackSide.OUTPUT, position))
        return challenges


def is_ended(exit: InFlightExit) -> bool:
    """Return whether an in-flight exit is over: deleted, or decided with nothing left open."""
    if exit.status == InFlightExitStatus.DELETED:
        return True
    piggybacks = exit.input_piggybacks + exit.output_piggybacks
    open_ = any(p.status == PiggybackStatus.OPEN for p in piggybacks)
    return exit.outcome != InFlightOutcome.UNDECIDED and not open_


def describe_payment(exit: InFlightExit) -> str:
    """Return a short description of an in-flight payment: what it spends and pays."""
    spent = ", ".join(format_position(p) for p in exit.transaction.inputs)
    total = sum(int(o.amount) for o in exit.transaction.outputs)
    return f"{total} spending {spent}"
