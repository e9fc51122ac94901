"""The child block a chain trace is building: valid payments, fee claims and broken payments.

A :class:`BlockDraft` knows which outputs its block leaves spendable and
which fees its payments left unclaimed, so that the valid transactions it is
given (:func:`make_payment_move`, the valid branch of :func:`make_claim_move`)
are valid in order; :func:`make_broken_payment` derives a payment that breaks
one rule of ``spec.environments.payments.chain`` from the outputs the draft can spend.
Every choice comes from a move's two small numbers, so a shrunk trace stays
readable.
"""

from __future__ import annotations

from conformance.case_library.worlds import ENVIRONMENT, with_signature
from fixtures import (
    ALICE,
    BOB,
    CAROL,
    OPERATOR,
    TOKEN_A,
    Actor,
    make_high_s_signature,
    make_malformed_signature,
    make_unrecoverable_signature,
)
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    sign_transaction,
)
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint16, Uint64, Uint256

USERS = (ALICE, BOB, CAROL)
"""Who deposits, pays and is paid."""

KEYS = {actor.address: actor.key for actor in (*USERS, OPERATOR)}
"""Private key of every owner an output can have."""

TOKENS = (NATIVE_TOKEN, TOKEN_A)
"""Tokens deposited and paid."""

FEES = (1, 2, 3, 0)
"""Fees a valid payment leaves per token, drawn by its move's number (less when too poor)."""

NOWHERE = OutputPosition(Uint64(10**6), Uint16(0), Uint8(0))
"""A position no trace creates an output at."""


class BlockDraft:
    """A child block under construction over the chain's state."""

    def __init__(self, state: ChildChainState, number: Uint64) -> None:
        """Start an empty block numbered ``number`` over ``state``."""
        self.number = number
        """Number the block is applied at."""
        self.available: dict[OutputPosition, Output] = dict(state.utxos)
        """Outputs a next valid payment may spend: unspent, or created by this block."""
        self.spent = set(state.spent)
        """Outputs spent before or by this block (for payments of a spent input)."""
        self.transactions: list[BlockTransaction] = []
        """The transactions so far."""
        self.unclaimed: dict[Address, int] = {}
        """Per token, fees this block's payments paid that its claims have not taken."""

    def add(self, transaction: BlockTransaction) -> None:
        """Append a transaction; a valid one updates what is spendable and unclaimed."""
        index = Uint16(len(self.transactions))
        self.transactions.append(transaction)
        if isinstance(transaction, SignedTransaction):
            inputs = transaction.transaction.inputs
            spent = [self.available.pop(position) for position in inputs]
            self.spent.update(inputs)
            created = transaction.transaction.outputs
            for token in {output.token for output in spent}:
                paid = sum(int(o.amount) for o in created if o.token == token)
                fee = sum(int(o.amount) for o in spent if o.token == token) - paid
                self.unclaimed[token] = self.unclaimed.get(token, 0) + fee
        else:
            assert isinstance(transaction, FeeClaim), "only payments and claims are added"
            self.unclaimed[transaction.output.token] -= int(transaction.output.amount)
        for output_index, output in enumerate(get_created_outputs(transaction)):
            self.available[OutputPosition(self.number, index, Uint8(output_index))] = output

    def append_broken(self, transaction: BlockTransaction) -> None:
        """Append a transaction meant to be invalid; it changes nothing spendable."""
        self.transactions.append(transaction)

    def pick_inputs(self, choice: int, number: int) -> list[OutputPosition]:
        """Return one spendable position, or two when ``number`` says so and two exist."""
        positions = sorted(self.available)
        if not positions:
            return []
        first = choice % len(positions)
        second = (first + 1 + number) % len(positions)
        pair = number % 3 == 0 and second != first
        return [positions[first], positions[second]] if pair else [positions[first]]


def get_created_outputs(transaction: BlockTransaction) -> tuple[Output, ...]:
    """Return the outputs a payment or fee claim creates."""
    if isinstance(transaction, SignedTransaction):
        return transaction.transaction.outputs
    assert isinstance(transaction, FeeClaim), "deposits are never drafted as valid"
    return (transaction.output,)


def sign_as_owners(draft: BlockDraft, transaction: Transaction) -> SignedTransaction:
    """Return ``transaction`` signed by the owner of each of its inputs (Alice's if unknown)."""
    keys = []
    for position in transaction.inputs:
        spent = draft.available.get(position)
        keys.append(KEYS[spent.owner] if spent is not None else ALICE.key)
    return sign_transaction(ENVIRONMENT, transaction, keys)


def compute_outputs(
    draft: BlockDraft, inputs: list[OutputPosition], choice: int, number: int
) -> tuple[Output, ...]:
    """Return outputs spending ``inputs`` per token, less a small fee, to one or two users."""
    totals: dict[Address, int] = {}
    for position in inputs:
        spent = draft.available[position]
        totals[spent.token] = totals.get(spent.token, 0) + int(spent.amount)
    outputs = []
    for token, total in sorted(totals.items()):
        fee = min(total - 1, FEES[number % len(FEES)])
        parts = [total - fee] if number % 2 or total - fee < 2 else [1, total - fee - 1]
        for offset, amount in enumerate(parts):
            owner = USERS[(choice + offset) % len(USERS)]
            outputs.append(Output(owner.address, token, Uint256(amount)))
    return tuple(outputs)


def make_payment_move(draft: BlockDraft, choice: int, number: int) -> SignedTransaction | None:
    """Return a valid payment of one or two spendable outputs, or None if none is spendable."""
    inputs = draft.pick_inputs(choice, number)
    if not inputs:
        return None
    transaction = Transaction(tuple(inputs), compute_outputs(draft, inputs, choice, number))
    return sign_as_owners(draft, transaction)


def make_claim_move(draft: BlockDraft, choice: int, number: int) -> tuple[FeeClaim, bool] | None:
    """Return a fee claim and whether it is valid, or None for nothing to claim.

    Choices 0 to 4 claim part of the block's unclaimed fees (nothing when it
    has none); 5 and 6 claim more than the block left unclaimed; 7 pays a
    user or claims nothing.
    """
    tokens = sorted(token for token, fee in draft.unclaimed.items() if fee > 0)
    token = tokens[number % len(tokens)] if tokens else TOKENS[number % len(TOKENS)]
    unclaimed = draft.unclaimed.get(token, 0)
    owner: Actor = OPERATOR
    if choice < 5:
        if unclaimed == 0:
            return None
        amount = 1 + number % unclaimed
    elif choice < 7:
        amount = unclaimed + 1 + number % 3
    else:
        owner, amount = (ALICE, 1) if number % 2 else (OPERATOR, 0)
    return FeeClaim(Output(owner.address, token, Uint256(amount))), choice < 5


def make_broken_payment(draft: BlockDraft, choice: int, number: int) -> BlockTransaction:
    """Return a transaction breaking one rule, picked by ``choice``, of a payment."""
    inputs = draft.pick_inputs(number, 0) or [NOWHERE]
    held = draft.available.get(inputs[0], Output(ALICE.address, NATIVE_TOKEN, Uint256(1)))
    amount = int(held.amount)
    pay_bob = (Output(BOB.address, held.token, Uint256(amount)),)
    if choice == 0:  # the same input twice
        return sign_as_owners(draft, Transaction((inputs[0], inputs[0]), pay_bob))
    if choice == 1:  # signed by someone other than the owner
        payment = sign_as_owners(draft, Transaction((inputs[0],), pay_bob))
        thief = next(user for user in USERS if user.address != held.owner)
        return sign_transaction(ENVIRONMENT, payment.transaction, [thief.key])
    if choice == 2:  # more out than in
        more = (Output(BOB.address, held.token, Uint256(amount + 1 + number)),)
        return sign_as_owners(draft, Transaction((inputs[0],), more))
    if choice == 3:  # an input already spent, or never created
        gone = sorted(draft.spent)
        position = gone[number % len(gone)] if gone and number % 4 else NOWHERE
        return sign_as_owners(draft, Transaction((position,), pay_bob))
    if choice == 4:  # an output of zero beside the payment
        zero = (*pay_bob, Output(CAROL.address, held.token, Uint256(0)))
        return sign_as_owners(draft, Transaction((inputs[0],), zero))
    if choice == 5:
        return make_misshapen_payment(draft, inputs[0], pay_bob, number)
    if choice == 6:
        return make_badly_signed_payment(draft, inputs[0], pay_bob, number)
    if number % 2:  # outputs whose sum wraps past the largest amount
        wrapping = (Output(BOB.address, held.token, Uint256(Uint256.max_value())), *pay_bob)
        return sign_as_owners(draft, Transaction((inputs[0],), wrapping))
    return DepositTransaction(Output(OPERATOR.address, held.token, Uint256(1 + number)))


def make_misshapen_payment(
    draft: BlockDraft, spent: OutputPosition, outputs: tuple[Output, ...], number: int
) -> SignedTransaction:
    """Return a payment with no inputs, too many inputs or outputs, or a signature too many."""
    shape = number % 4
    if shape == 0:
        return SignedTransaction(Transaction((), outputs), ())
    if shape == 1:
        return sign_as_owners(draft, Transaction((spent,) * 5, outputs))
    if shape == 2:
        return sign_as_owners(draft, Transaction((spent,), outputs * 5))
    payment = sign_as_owners(draft, Transaction((spent,), outputs))
    return SignedTransaction(payment.transaction, payment.signatures * 2)


def make_badly_signed_payment(
    draft: BlockDraft, spent: OutputPosition, outputs: tuple[Output, ...], number: int
) -> SignedTransaction:
    """Return a payment whose signature is malformed, high-s or unrecoverable."""
    payment = sign_as_owners(draft, Transaction((spent,), outputs))
    signature = payment.signatures[0]
    bad = (
        make_malformed_signature(signature),
        make_high_s_signature(signature),
        make_unrecoverable_signature(),
    )[number % 3]
    return with_signature(payment, bad)
