"""Random child chain histories played on the spec and the reference ledger side by side.

Support for ``test_reference_chain_differential``: the actors and tokens, a
:class:`Chooser` (so the same generator runs under Hypothesis, which shrinks
failures, and from a fixed seed), the steps (deposit, block, exit), a draft
of the block being built, valid payments and fee claims drawn from the
current unspent outputs, the block-level broken steps, and :func:`check_step`,
which applies one step to both and compares verdicts and digests.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

from hypothesis import strategies as st

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR, TOKEN_A
from reference.environments.payments.kind import CHAIN_STEPS
from reference.environments.payments.ledger import ChildChainLedger
from spec.environments.payments.chain import (
    ChildChainState,
    apply_deposit,
    compute_genesis_child_chain,
)
from spec.environments.payments.kind import compute_child_chain_digest
from spec.environments.payments.steps import (
    ApplyBlock,
    ApplyDeposit,
    ApplyExit,
    ChainOperation,
    apply_chain_operation,
)
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
    sign_transaction,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint16, Uint64, Uint256

T = TypeVar("T")

ENVIRONMENT_ID = Uint64(7)
"""Environment of the generated chains."""

USERS = (ALICE, BOB, CAROL, DAVE, MALLORY)
"""Actors who deposit, pay and receive."""

KEYS = {actor.address: actor.key for actor in (*USERS, OPERATOR)}
"""Private key of every owner."""

TOKENS = (NATIVE_TOKEN, TOKEN_A)
"""Tokens deposited."""

LARGEST = Uint256.max_value()
"""The largest amount."""

# Choosers


class Chooser(Protocol):
    """Where the generator's choices come from."""

    def integer(self, low: int, high: int) -> int:
        """Return an integer from ``low`` to ``high`` inclusive."""


class RandomChooser:
    """Choices from a seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.generator = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        """Return an integer from ``low`` to ``high`` inclusive."""
        return self.generator.randint(low, high)


class DataChooser:
    """Choices drawn by Hypothesis, so that failures shrink."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        """Return an integer from ``low`` to ``high`` inclusive."""
        return self.data.draw(st.integers(low, high))


def pick(chooser: Chooser, options: Sequence[T]) -> T:
    """Return one of ``options``."""
    return options[chooser.integer(0, len(options) - 1)]


# Steps


Step = ChainOperation
"""A child-chain step: the spec's own steps (``spec.environments.payments.steps``)."""


def apply_to_ledger(ledger: ChildChainLedger, step: Step) -> None:
    """Apply ``step`` to the reference ledger, through the reference's table of chain steps.

    Raises:
        Rejected: with the reference's reason.
    """
    CHAIN_STEPS[type(step)](ledger, step)


# The block being built


class BlockDraft:
    """A block under construction: the outputs it leaves spendable and the fees it left."""

    def __init__(self, state: ChildChainState, number: Uint64) -> None:
        self.number = number
        self.available = dict(state.utxos)
        self.transactions: list[BlockTransaction] = []
        self.unclaimed: dict[Address, int] = {}
        self.claimed: dict[Address, int] = {}

    def add(self, transaction: BlockTransaction) -> None:
        """Append a transaction the generator means to be valid, updating what is spendable."""
        index = Uint16(len(self.transactions))
        self.transactions.append(transaction)
        if isinstance(transaction, SignedTransaction):
            spent = [self.available.pop(p) for p in transaction.transaction.inputs]
            for token in {o.token for o in spent}:
                paid = sum(o.amount for o in transaction.transaction.outputs if o.token == token)
                fee = sum(o.amount for o in spent if o.token == token) - paid
                self.unclaimed[token] = self.unclaimed.get(token, 0) + fee
            created = transaction.transaction.outputs
        else:
            assert isinstance(transaction, FeeClaim)
            token, amount = transaction.output.token, transaction.output.amount
            self.unclaimed[token] -= amount
            self.claimed[token] = self.claimed.get(token, 0) + amount
            created = (transaction.output,)
        for output_index, output in enumerate(created):
            self.available[OutputPosition(self.number, index, Uint8(output_index))] = output


def split_amount(chooser: Chooser, amount: int, parts: int) -> list[int]:
    """Return ``parts`` positive amounts summing to ``amount`` (fewer if it is too small)."""
    parts = max(1, min(parts, amount))
    cuts = sorted({chooser.integer(1, amount - 1) for _ in range(parts - 1)}) if amount > 1 else []
    bounds = [0, *cuts, amount]
    return [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]


def draw_payment(chooser: Chooser, draft: BlockDraft) -> SignedTransaction | None:
    """Return a valid payment of one or two spendable outputs (of any tokens), or None."""
    positions = sorted(draft.available)
    if not positions:
        return None
    first = pick(chooser, positions)
    others = [position for position in positions if position != first]
    second = [pick(chooser, others)] if others and chooser.integer(0, 2) == 0 else []
    inputs = (first, *second)
    totals: dict[Address, int] = {}
    for spent in (draft.available[position] for position in inputs):
        totals[spent.token] = totals.get(spent.token, 0) + spent.amount
    outputs = []
    for token, total in sorted(totals.items()):
        fee = min(total - 1, chooser.integer(0, 3))
        for amount in split_amount(chooser, total - fee, chooser.integer(1, 2)):
            outputs.append(Output(pick(chooser, USERS).address, token, Uint256(amount)))
    keys = [KEYS[draft.available[position].owner] for position in inputs]
    return sign_transaction(ENVIRONMENT_ID, Transaction(inputs, tuple(outputs)), keys)


def draw_fee_claim(chooser: Chooser, draft: BlockDraft) -> FeeClaim | None:
    """Return a valid claim of some of the fees left unclaimed so far, or None."""
    tokens = sorted(token for token, fee in draft.unclaimed.items() if fee > 0)
    if not tokens:
        return None
    token = pick(chooser, tokens)
    return FeeClaim(
        Output(OPERATOR.address, token, Uint256(chooser.integer(1, draft.unclaimed[token])))
    )


def draw_valid_transactions(chooser: Chooser, draft: BlockDraft, count: int) -> None:
    """Add up to ``count`` valid payments and fee claims to ``draft``."""
    for _ in range(count):
        claim = draw_fee_claim(chooser, draft) if chooser.integer(0, 3) == 0 else None
        transaction = claim or draw_payment(chooser, draft)
        if transaction is not None:
            draft.add(transaction)


# Steps


def next_number(chooser: Chooser, state: ChildChainState) -> Uint64:
    """Return a number after the state's, leaving a small gap sometimes."""
    return Uint64(state.block_number + chooser.integer(1, 3))


def draw_valid_block(chooser: Chooser, state: ChildChainState) -> Step:
    """A block of valid payments and fee claims (possibly empty)."""
    draft = BlockDraft(state, next_number(chooser, state))
    draw_valid_transactions(chooser, draft, chooser.integer(0, 6))
    return ApplyBlock(draft.number, Block(tuple(draft.transactions)))


def draw_oversized_block(chooser: Chooser, state: ChildChainState) -> Step:
    """A block of one more (invalid) transaction than its tree holds."""
    count = (1 << int(state.transaction_tree_depth)) + 1
    claim = FeeClaim(Output(ALICE.address, NATIVE_TOKEN, Uint256(1)))
    return ApplyBlock(next_number(chooser, state), Block((claim,) * count))


def draw_late_block(chooser: Chooser, state: ChildChainState) -> Step:
    """A valid block numbered at or below the last one."""
    step = draw_valid_block(chooser, state)
    assert isinstance(step, ApplyBlock)
    return ApplyBlock(Uint64(chooser.integer(0, state.block_number)), step.block)


def draw_deposit(chooser: Chooser, state: ChildChainState) -> Step:
    """A deposit: usually small, sometimes zero, huge (near 2**256), or late (kind 2)."""
    owner, token = pick(chooser, USERS).address, pick(chooser, TOKENS)
    kind = chooser.integer(0, 9)
    if kind == 0:
        amount = 0
    elif kind == 1:
        amount = LARGEST - chooser.integer(0, 2)
    else:
        amount = chooser.integer(1, 1000)
    number = (
        Uint64(chooser.integer(0, state.block_number)) if kind == 2 else next_number(chooser, state)
    )
    return ApplyDeposit(number, DepositTransaction(Output(owner, token, Uint256(amount))))


def draw_exit(chooser: Chooser, state: ChildChainState) -> Step:
    """An exit: of an unspent output, usually; of a spent or unknown one, sometimes."""
    unspent = sorted(state.utxos)
    if unspent and chooser.integer(0, 3):
        return ApplyExit(pick(chooser, unspent))
    gone = [*sorted(state.spent), OutputPosition(Uint64(999), Uint16(0), Uint8(0))]
    return ApplyExit(pick(chooser, gone))


PLAIN_ACTIONS = (
    draw_deposit,
    draw_deposit,
    draw_valid_block,
    draw_valid_block,
    draw_valid_block,
    draw_exit,
    draw_oversized_block,
    draw_late_block,
)
"""Steps other than broken blocks, for the generator to draw from (repeats weigh the draw)."""


# Checks


def make_start(chooser: Chooser, depth: int) -> ChildChainState:
    """Return a chain in which two to five users deposited."""
    state = compute_genesis_child_chain(ENVIRONMENT_ID, OPERATOR.address, Uint8(depth))
    for number in range(1, chooser.integer(2, 5) + 1):
        output = Output(
            pick(chooser, USERS).address, pick(chooser, TOKENS), Uint256(chooser.integer(1, 500))
        )
        state = apply_deposit(state, Uint64(number), DepositTransaction(output))
    return state


def check_step(
    state: ChildChainState, ledger: ChildChainLedger, step: Step
) -> tuple[ChildChainState, RejectionReason | None]:
    """Apply ``step`` to both; assert equal verdicts and digests; return the spec's result."""
    expected: RejectionReason | None = None
    try:
        state = apply_chain_operation(state, step)
    except Rejected as rejection:
        expected = rejection.reason
    found: RejectionReason | None = None
    try:
        apply_to_ledger(ledger, step)
    except Rejected as rejection:
        found = rejection.reason
    assert found == expected, f"{step}: reference {found}, spec {expected}"
    assert ledger.compute_digest() == compute_child_chain_digest(state)
    if expected is None and not isinstance(step, ApplyExit):
        check_recorded_block(state, ledger, step)
    return state, expected


def check_recorded_block(
    state: ChildChainState, ledger: ChildChainLedger, step: ApplyDeposit | ApplyBlock
) -> None:
    """Assert the ledger recorded an accepted block (or deposit block) and its root."""
    block = step.block if isinstance(step, ApplyBlock) else Block((step.deposit,))
    assert ledger.get_block(step.block_number) == block
    depth = int(state.transaction_tree_depth)
    assert ledger.get_block_root(step.block_number) == compute_block_root(block.transactions, depth)
