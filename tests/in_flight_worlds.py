"""Worlds for in-flight exit tests: a payments environment whose blocks the test remembers.

:class:`InFlightWorld` wraps a settlement state (moved only through the
checked harness, so every step is judged by the whole catalog) and the
transactions of every block it committed, published or withheld alike, so a
test can build any witness: inclusion proofs of inputs, of competitors, of
the in-flight payment itself. The usual story is :func:`make_withheld_payment_world`:
Alice and Bob deposited, Alice paid Carol (and Bob paid in too), and the
operator committed the block holding that payment but withheld it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fixtures import WATCHER
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import (
    DeleteInFlightExit,
    StartInFlightExit,
    TransactionInclusion,
)
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.records import InFlightExit, PiggybackSide
from spec.environments.payments.transactions import BlockTransaction, SignedTransaction
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation
from tests.harness import (
    EXIT_BOND,
    advance,
    apply,
    apply_rejected,
    commit_block,
    deposit,
    make_proof,
    make_world,
    pay,
)
from tests.support import ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL

ENV = 0
"""The one environment of these worlds."""

PERIOD = 100
"""MFP of the tiny preset's environments."""

HALF = PERIOD // 2
"""Length of an in-flight exit's first phase."""


@dataclass
class InFlightWorld:
    """A payments world and the transactions of every block committed in it."""

    state: SettlementState
    blocks: dict[int, list[BlockTransaction]] = field(default_factory=dict)

    # Building

    def deposit(self, owner: Address, amount: int, token: Address = NATIVE_TOKEN) -> OutputPosition:
        """Deposit for ``owner`` and return the new output's position."""
        self.state, made = deposit(self.state, ENV, owner, amount, token)
        self.blocks[int(made.position.block_number)] = [made.transaction]
        return made.position

    def commit(self, transactions: Sequence[BlockTransaction]) -> int:
        """Commit a child block (published or withheld: the root is all the layer sees)."""
        self.state, number = commit_block(self.state, ENV, transactions)
        self.blocks[int(number)] = list(transactions)
        return int(number)

    def advance(self, seconds: int) -> None:
        """Move the clock forward."""
        self.state = advance(self.state, seconds)

    def apply(self, operation: Operation) -> None:
        """Apply an operation that must be accepted (checked against the catalog)."""
        self.state = apply(self.state, operation)

    def reject(self, operation: Operation) -> None:
        """Apply an operation that must be rejected; re-raises the rejection."""
        apply_rejected(self.state, operation)

    # Witnesses

    def inclusion(self, position: TransactionPosition) -> TransactionInclusion:
        """Return the inclusion witness of the transaction at ``position``."""
        transactions = self.blocks[int(position.block_number)]
        proof = make_proof(self.state, transactions, int(position.transaction_index))
        return TransactionInclusion(position, proof)

    def find(self, payment: SignedTransaction) -> TransactionPosition:
        """Return where a payment was committed."""
        for number, transactions in self.blocks.items():
            for index, transaction in enumerate(transactions):
                if transaction == payment:
                    return TransactionPosition(Uint64(number), Uint16(index))
        raise LookupError("payment not committed")

    def start(
        self, payment: SignedTransaction, sender: Address = ALICE, bond: int = int(EXIT_BOND)
    ) -> StartInFlightExit:
        """Return the start of the in-flight exit of ``payment``, with every input proven."""
        inputs = payment.transaction.inputs
        transactions = tuple(
            self.blocks[int(p.block_number)][int(p.transaction_index)] for p in inputs
        )
        proofs = tuple(
            make_proof(self.state, self.blocks[int(p.block_number)], int(p.transaction_index))
            for p in inputs
        )
        return StartInFlightExit(Uint64(ENV), sender, payment, transactions, proofs, Uint256(bond))

    def piggyback(
        self, sender: Address, side: PiggybackSide, index: int, exit_id: int = 0
    ) -> PiggybackInFlightExit:
        """Return a piggyback with the exact bond."""
        return PiggybackInFlightExit(
            Uint64(ENV), sender, Uint64(exit_id), side, Uint8(index), EXIT_BOND
        )

    def challenge(
        self,
        sender: Address,
        competitor: SignedTransaction,
        competitor_input_index: int = 0,
        *,
        included: bool = True,
        exit_id: int = 0,
    ) -> ChallengeInFlightNotCanonical:
        """Return a canonicity challenge; the competitor's inclusion is proven if ``included``."""
        inclusion = self.inclusion(self.find(competitor)) if included else None
        return ChallengeInFlightNotCanonical(
            Uint64(ENV),
            sender,
            Uint64(exit_id),
            competitor,
            Uint8(competitor_input_index),
            inclusion,
        )

    def respond(
        self, sender: Address, payment: SignedTransaction, exit_id: int = 0
    ) -> RespondToNonCanonicalChallenge:
        """Return a response proving ``payment`` included where it was committed."""
        return RespondToNonCanonicalChallenge(
            Uint64(ENV), sender, Uint64(exit_id), payment, self.inclusion(self.find(payment))
        )

    def input_spent(
        self,
        sender: Address,
        input_index: int,
        spend: SignedTransaction,
        at: int = 0,
        exit_id: int = 0,
    ) -> ChallengeInFlightInputSpent:
        """Return a challenge showing input ``input_index`` spent by ``spend`` at ``at``."""
        return ChallengeInFlightInputSpent(
            Uint64(ENV), sender, Uint64(exit_id), Uint8(input_index), spend, Uint8(at)
        )

    def output_spent(
        self,
        sender: Address,
        output_index: int,
        payment: SignedTransaction,
        spend: SignedTransaction,
        *,
        at: int = 0,
        exit_id: int = 0,
    ) -> ChallengeInFlightOutputSpent:
        """Return a challenge showing output ``output_index`` of the included ``payment`` spent."""
        return ChallengeInFlightOutputSpent(
            Uint64(ENV),
            sender,
            Uint64(exit_id),
            Uint8(output_index),
            payment,
            self.inclusion(self.find(payment)),
            spend,
            Uint8(at),
        )

    def delete(self, sender: Address, exit_id: int = 0) -> DeleteInFlightExit:
        """Return the deletion of an in-flight exit."""
        return DeleteInFlightExit(Uint64(ENV), sender, Uint64(exit_id))

    def process(self, token: Address = NATIVE_TOKEN, max_exits: int = 10) -> ProcessExits:
        """Return a ``ProcessExits`` call by the watcher."""
        return ProcessExits(Uint64(ENV), WATCHER.address, token, Uint32(max_exits))

    # Reading

    def exit(self, exit_id: int = 0) -> InFlightExit:
        """Return an in-flight exit."""
        return get_payments_records(self.state.environments[ENV]).in_flight_exits[Uint64(exit_id)]


@dataclass
class WithheldPayment:
    """The usual story: a payment from Alice (and Bob) to Carol, in a withheld block."""

    world: InFlightWorld
    alice_deposit: OutputPosition
    bob_deposit: OutputPosition
    payment: SignedTransaction


def make_withheld_payment_world(*, with_bob: bool = True, change: int = 0) -> WithheldPayment:
    """Return a world where Alice (100) and Bob (50) paid Carol in a block the operator withheld.

    The payment spends Alice's deposit (and Bob's, if ``with_bob``) into one
    output to Carol of the whole amount, less ``change`` returned to Alice as
    a second output. The world's clock is 10 s after the withheld block.
    """
    world = InFlightWorld(make_world())
    alice_deposit = world.deposit(ALICE, 100)
    bob_deposit = world.deposit(BOB, 50)
    inputs = [(alice_deposit, ALICE_KEY)] + ([(bob_deposit, BOB_KEY)] if with_bob else [])
    total = 150 if with_bob else 100
    outputs = [(CAROL, total - change)] + ([(ALICE, change)] if change else [])
    payment = pay(ENV, inputs, outputs)
    world.commit([payment])
    world.advance(10)
    return WithheldPayment(world, alice_deposit, bob_deposit, payment)
