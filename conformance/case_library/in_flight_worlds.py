"""Starting states and operation builders of the in-flight exit cases.

The usual story (:func:`start_story`): over the funded settlement layer,
Alice deposits 100 and Bob 50 of token A; both sign a payment of the 150 to
Carol, and the operator commits the block holding it but withholds its
contents, so nobody can prove the payment spent or unspent from published
data. Ten seconds later the cases begin. :class:`InFlightStory` remembers the
transactions of every block committed in the trace, withheld or not, so a
case can build any witness: the inputs' inclusion proofs, a competitor's, the
in-flight payment's own.

A *competitor* is another payment of Alice's deposit, to Dave, signed by
Alice: she spent the same output twice. It is committed after the in-flight
payment unless the story is told with ``competitor_first``.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.case_library.worlds import (
    ENVIRONMENT,
    deposit,
    make_output,
    make_payment,
    make_position,
    start_settlement,
)
from conformance.cases import TraceBuilder
from fixtures import ALICE, BOB, CAROL, DAVE, OPERATOR, TOKEN_A, WATCHER, Actor
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
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    compute_block_root,
    compute_transaction_leaf,
)
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition, TransactionPosition
from spec.presets import Preset
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import AdvanceTime, ProcessExits, SubmitBlock
from spec.settlement.state import SettlementState

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT
"""The two sides of an in-flight payment."""


class InFlightStory:
    """A trace builder over a payments environment, and the transactions of its blocks."""

    def __init__(self, builder: TraceBuilder) -> None:
        """Tell a story with ``builder``, remembering nothing yet."""
        self.builder = builder
        """The trace so far."""
        self.blocks: dict[int, list[BlockTransaction]] = {}
        """Transactions of every block committed in the trace, by block number."""

    # Building

    @property
    def state(self) -> SettlementState:
        """Return the spec's settlement state after the steps so far."""
        state: SettlementState = self.builder.state
        return state

    @property
    def period(self) -> int:
        """Return the environment's minimal finalization period (MFP)."""
        return int(self.state.environments[ENVIRONMENT].rules.minimal_finalization_period)

    @property
    def bond(self) -> Uint256:
        """Return the environment's exit bond (also every piggyback's)."""
        return self.state.environments[ENVIRONMENT].rules.exit_bond

    def deposit(self, owner: Actor, amount: int, token: Address = TOKEN_A) -> OutputPosition:
        """Add a deposit by ``owner``; return its output's position."""
        number = deposit(self.builder, owner, amount, token)
        self.blocks[number] = [DepositTransaction(make_output(owner, amount, token))]
        return make_position(number)

    def commit(self, transactions: Sequence[BlockTransaction]) -> int:
        """Add the operator's commitment of a child block of ``transactions``; return its number."""
        state = self.state
        number = get_next_child_block_number(state, state.environments[ENVIRONMENT])
        root = compute_block_root(transactions, int(state.preset.transaction_tree_depth))
        self.builder.apply(SubmitBlock(ENVIRONMENT, OPERATOR.address, number, root))
        self.blocks[int(number)] = list(transactions)
        return int(number)

    def advance_to(self, time: int) -> None:
        """Add a step moving the clock to ``time``."""
        self.builder.apply(AdvanceTime(Uint64(time)))

    def apply(self, operation: object) -> None:
        """Add a step applying ``operation``."""
        self.builder.apply(operation)

    # Witnesses

    def find(self, transaction: BlockTransaction) -> TransactionPosition:
        """Return where ``transaction`` was committed."""
        for number, transactions in self.blocks.items():
            if transaction in transactions:
                index = transactions.index(transaction)
                return TransactionPosition(Uint64(number), Uint16(index))
        raise LookupError("transaction not committed")

    def prove(self, position: TransactionPosition) -> tuple[Hash32, ...]:
        """Return the Merkle proof of the transaction at ``position``."""
        leaves = [compute_transaction_leaf(tx) for tx in self.blocks[int(position.block_number)]]
        depth = int(self.state.preset.transaction_tree_depth)
        return tuple(compute_merkle_proof(leaves, int(position.transaction_index), depth))

    def inclusion(self, transaction: BlockTransaction) -> TransactionInclusion:
        """Return the inclusion witness of a committed transaction."""
        position = self.find(transaction)
        return TransactionInclusion(position, self.prove(position))

    def output_position(self, transaction: BlockTransaction, index: int = 0) -> OutputPosition:
        """Return the position of output ``index`` of a committed transaction."""
        where = self.find(transaction)
        return OutputPosition(where.block_number, where.transaction_index, Uint8(index))

    # Operations

    def start(
        self, payment: SignedTransaction, sender: Actor = CAROL, bond: Uint256 | None = None
    ) -> StartInFlightExit:
        """Return the start of the in-flight exit of ``payment``, every input proven."""
        found = [
            TransactionPosition(p.block_number, p.transaction_index)
            for p in payment.transaction.inputs
        ]
        transactions = tuple(
            self.blocks[int(p.block_number)][int(p.transaction_index)] for p in found
        )
        proofs = tuple(self.prove(position) for position in found)
        return StartInFlightExit(
            ENVIRONMENT,
            sender.address,
            payment,
            transactions,
            proofs,
            self.bond if bond is None else bond,
        )

    def piggyback(
        self,
        sender: Actor,
        side: PiggybackSide,
        index: int = 0,
        *,
        exit_id: int = 0,
        bond: Uint256 | None = None,
    ) -> PiggybackInFlightExit:
        """Return ``sender``'s piggyback of one input or output, with the exact bond by default."""
        return PiggybackInFlightExit(
            ENVIRONMENT,
            sender.address,
            Uint64(exit_id),
            side,
            Uint8(index),
            self.bond if bond is None else bond,
        )

    def challenge(
        self,
        competitor: SignedTransaction,
        *,
        included: bool = True,
        at: int = 0,
        exit_id: int = 0,
    ) -> ChallengeInFlightNotCanonical:
        """Return the watcher's canonicity challenge naming ``competitor``'s input ``at``.

        The competitor's inclusion is proven when ``included``; it is shown in
        flight otherwise.
        """
        inclusion = self.inclusion(competitor) if included else None
        return ChallengeInFlightNotCanonical(
            ENVIRONMENT, WATCHER.address, Uint64(exit_id), competitor, Uint8(at), inclusion
        )

    def respond(
        self, payment: SignedTransaction, sender: Actor = CAROL, exit_id: int = 0
    ) -> RespondToNonCanonicalChallenge:
        """Return ``sender``'s response proving ``payment`` included where it was committed."""
        return RespondToNonCanonicalChallenge(
            ENVIRONMENT, sender.address, Uint64(exit_id), payment, self.inclusion(payment)
        )

    def input_spent(
        self, input_index: int, spend: SignedTransaction, at: int = 0, exit_id: int = 0
    ) -> ChallengeInFlightInputSpent:
        """Return the watcher's challenge showing input ``input_index`` spent by ``spend``."""
        return ChallengeInFlightInputSpent(
            ENVIRONMENT, WATCHER.address, Uint64(exit_id), Uint8(input_index), spend, Uint8(at)
        )

    def output_spent(
        self,
        output_index: int,
        payment: SignedTransaction,
        spend: SignedTransaction,
        *,
        inclusion: TransactionInclusion | None = None,
        at: int = 0,
        exit_id: int = 0,
    ) -> ChallengeInFlightOutputSpent:
        """Return the watcher's challenge showing output ``output_index`` of ``payment`` spent."""
        return ChallengeInFlightOutputSpent(
            ENVIRONMENT,
            WATCHER.address,
            Uint64(exit_id),
            Uint8(output_index),
            payment,
            self.inclusion(payment) if inclusion is None else inclusion,
            spend,
            Uint8(at),
        )

    def delete(self, exit_id: int = 0) -> DeleteInFlightExit:
        """Return the watcher's deletion of an in-flight exit."""
        return DeleteInFlightExit(ENVIRONMENT, WATCHER.address, Uint64(exit_id))

    def process(self, token: Address = TOKEN_A, max_exits: int = 10) -> ProcessExits:
        """Return the watcher's call processing exits of ``token``."""
        return ProcessExits(ENVIRONMENT, WATCHER.address, token, Uint32(max_exits))

    # Reading

    def exit(self, exit_id: int = 0) -> InFlightExit:
        """Return an in-flight exit as the spec holds it now."""
        records = get_payments_records(self.state.environments[ENVIRONMENT])
        return records.in_flight_exits[Uint64(exit_id)]

    def first_phase_end(self, exit_id: int = 0) -> int:
        """Return the first second *after* the exit's first phase: ``started_at + MFP // 2``."""
        return int(self.exit(exit_id).started_at) + self.period // 2

    def exitable(self, token: Address = TOKEN_A, exit_id: int = 0) -> int:
        """Return the exitable time the exit's first piggyback of ``token`` set."""
        return int(self.exit(exit_id).exitable_at[token])


class PaymentStory(InFlightStory):
    """The usual story: Alice's and Bob's payment to Carol, in a withheld block."""

    def __init__(self, builder: TraceBuilder, *, competitor_first: bool = False) -> None:
        """Tell the story; commit the competitor before the payment if ``competitor_first``."""
        super().__init__(builder)
        self.alice_deposit = self.deposit(ALICE, 100)
        """Alice's deposit of 100: the payment's input 0."""
        self.bob_deposit = self.deposit(BOB, 50)
        """Bob's deposit of 50: the payment's input 1."""
        self.payment = make_payment(
            [self.alice_deposit, self.bob_deposit], [make_output(CAROL, 150, TOKEN_A)], [ALICE, BOB]
        )
        """The in-flight payment: 150 of token A to Carol."""
        self.competitor = make_payment(
            [self.alice_deposit], [make_output(DAVE, 100, TOKEN_A)], [ALICE]
        )
        """Alice's other spend of her deposit, to Dave."""
        order = [self.competitor, self.payment] if competitor_first else [self.payment]
        for transaction in order:
            self.commit([transaction])
        self.advance_to(int(self.state.time) + 10)

    def commit_competitor(self) -> None:
        """Add the commitment of the competitor's block (after the payment's)."""
        self.commit([self.competitor])

    def spend_of_output(self, signer: Actor = CAROL) -> SignedTransaction:
        """Return a spend of the payment's output 0, as included, to Dave, signed by ``signer``."""
        position = self.output_position(self.payment)
        return make_payment([position], [make_output(DAVE, 150, TOKEN_A)], [signer])


def start_story(preset: Preset, *, competitor_first: bool = False) -> PaymentStory:
    """Return the usual story over the funded settlement layer of ``preset``."""
    return PaymentStory(start_settlement(preset), competitor_first=competitor_first)


def started_story(preset: Preset, *, competitor_first: bool = False) -> PaymentStory:
    """Return the usual story after Carol started the payment's in-flight exit (exit 0)."""
    story = start_story(preset, competitor_first=competitor_first)
    story.apply(story.start(story.payment))
    return story


def make_outputs(*outputs: tuple[Actor, int, Address]) -> list[Output]:
    """Return outputs from (owner, amount, token) triples."""
    return [make_output(owner, amount, token) for owner, amount, token in outputs]
