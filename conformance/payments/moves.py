"""Random payments child chain histories for the differential traces.

A trace starts from a child chain in which Alice, Bob and Carol deposited
and one block of a payment and a partial fee claim was applied
(:func:`make_chain_start`). Hypothesis draws a list of **moves**, each a kind
and two small numbers:

- ``pay``, ``claim`` and ``break`` add a valid payment, a fee claim (valid,
  or claiming more than the block's fees, or paying someone other than the
  operator) or a payment breaking one rule to the block being built
  (:mod:`conformance.payments.draft`);
- ``seal`` applies that block (``ApplyBlock``), usually at the next child
  block number, sometimes at a number already used, or stuffed with one
  transaction more than its tree holds;
- ``deposit`` (``ApplyDeposit``: usually small, sometimes zero, near the
  largest amount, or at a used number) and ``exit`` (``ApplyExit``: usually
  of an unspent output, sometimes of a spent or unknown one) apply the block
  being built first, if it holds anything.

Valid transactions are drawn from the outputs the chain and the block so far
leave spendable, so most blocks are accepted and rejections come from the
one transaction meant to break a rule.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.areas import PAYMENTS_CHAIN
from conformance.case_library.worlds import (
    ALICE,
    BOB,
    make_output,
    make_payment,
    make_position,
    next_child_block,
    start_chain,
)
from conformance.cases import TraceBuilder
from conformance.payments.draft import (
    NOWHERE,
    TOKENS,
    USERS,
    BlockDraft,
    make_broken_payment,
    make_claim_move,
    make_payment_move,
)
from conformance.trace import Trace
from fixtures import CAROL, OPERATOR
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.environments.payments.transactions import Block, DepositTransaction, FeeClaim, Output
from spec.presets import Preset
from spec.primitives import Uint64, Uint256

ChainMove = tuple[str, int, int]
"""(kind of move, a small choice, a number: an amount, an index or a variant)."""

CHAIN_MOVES = st.tuples(
    st.sampled_from(
        ("pay",) * 4 + ("claim",) * 3 + ("seal", "seal", "break", "break", "deposit", "exit")
    ),
    st.integers(0, 7),
    st.integers(0, 300),
)
"""One move of a chain trace."""

START_DEPOSITS = ((USERS[0], TOKENS[0], 100), (USERS[1], TOKENS[1], 50), (USERS[2], TOKENS[0], 80))
"""The deposits, at blocks 1, 2 and 3, of the chain every trace starts from."""


def make_chain_start(preset: Preset) -> TraceBuilder:
    """Return a builder over the operator's child chain after its starting history.

    Alice, Bob and Carol deposit (:data:`START_DEPOSITS`); in the next child
    block Alice pays Bob 90 of her 100, the operator claims 4 of the fee of
    10, and Bob pays Carol 45 of his 50 of token A. The fees left unclaimed,
    6 and 5, stay so for good: no later block may claim them.
    """
    builder = start_chain(preset)
    for number, (owner, token, amount) in enumerate(START_DEPOSITS, start=1):
        deposit = DepositTransaction(Output(owner.address, token, Uint256(amount)))
        builder.apply(ApplyDeposit(Uint64(number), deposit))
    payment = make_payment([make_position(1)], [make_output(BOB, 90)], [ALICE])
    claim = FeeClaim(make_output(OPERATOR, 4))
    token_payment = make_payment([make_position(2)], [make_output(CAROL, 45, TOKENS[1])], [BOB])
    block = Block((payment, claim, token_payment))
    builder.apply(ApplyBlock(next_child_block(builder), block))
    return TraceBuilder(PAYMENTS_CHAIN, preset, builder.state)


class ChainTraceBuilder:
    """Turns moves into child chain steps, keeping the block being built."""

    def __init__(self, builder: TraceBuilder) -> None:
        """Build on ``builder``'s steps."""
        self.builder = builder
        """The trace so far."""
        self.draft: BlockDraft | None = None
        """The block being built, if a move started one."""

    def get_draft(self) -> BlockDraft:
        """Return the block being built, starting one at the next child block number."""
        if self.draft is None:
            self.draft = BlockDraft(self.builder.state, next_child_block(self.builder))
        return self.draft

    def seal(self, choice: int = 0, number: int = 0) -> None:
        """Apply the block being built (an empty one if none): late or oversized by ``choice``."""
        draft = self.get_draft()
        transactions = list(draft.transactions)
        block_number = draft.number
        if choice == 6:
            block_number = Uint64(number % (int(self.builder.state.block_number) + 1))
        elif choice == 7:
            size = (1 << int(self.builder.preset.transaction_tree_depth)) + 1
            filler = FeeClaim(Output(OPERATOR.address, TOKENS[0], Uint256(1)))
            transactions += [filler] * (size - len(transactions))
        self.builder.apply(ApplyBlock(block_number, Block(tuple(transactions))))
        self.draft = None

    def seal_if_started(self) -> None:
        """Apply the block being built, if it holds anything."""
        if self.draft is not None and self.draft.transactions:
            self.seal()
        self.draft = None

    def deposit(self, choice: int, number: int) -> None:
        """Apply a deposit block, after the block being built."""
        self.seal_if_started()
        state: ChildChainState = self.builder.state
        owner, token = USERS[choice % len(USERS)], TOKENS[number % len(TOKENS)]
        amount = {7: 0, 6: Uint256.max_value() - number % 3}.get(choice, 1 + number)
        block_number = state.block_number if choice == 5 else state.block_number + 1
        deposit = DepositTransaction(Output(owner.address, token, Uint256(amount)))
        self.builder.apply(ApplyDeposit(Uint64(block_number), deposit))

    def exit(self, choice: int, number: int) -> None:
        """Apply an exit, after the block being built: of an unspent output, usually."""
        self.seal_if_started()
        state: ChildChainState = self.builder.state
        unspent, spent = sorted(state.utxos), sorted(state.spent)
        if unspent and choice < 6:
            position = unspent[number % len(unspent)]
        else:
            position = spent[number % len(spent)] if spent and choice == 6 else NOWHERE
        self.builder.apply(ApplyExit(position))

    def apply(self, move: ChainMove) -> None:
        """Add what ``move`` stands for."""
        kind, choice, number = move
        if kind == "pay":
            payment = make_payment_move(self.get_draft(), choice, number)
            if payment is not None:
                self.get_draft().add(payment)
        elif kind == "claim":
            drawn = make_claim_move(self.get_draft(), choice, number)
            if drawn is not None:
                claim, valid = drawn
                (self.get_draft().add if valid else self.get_draft().append_broken)(claim)
        elif kind == "break":
            self.get_draft().append_broken(make_broken_payment(self.get_draft(), choice, number))
        elif kind == "seal":
            self.seal(choice, number)
        elif kind == "deposit":
            self.deposit(choice, number)
        elif kind == "exit":
            self.exit(choice, number)


def build_chain_trace(preset: Preset, moves: list[ChainMove]) -> Trace:
    """Return the trace the moves stand for, from the chain of :func:`make_chain_start`."""
    chain = ChainTraceBuilder(make_chain_start(preset))
    for move in moves:
        chain.apply(move)
    chain.seal_if_started()
    builder = chain.builder
    return Trace(
        "differential-payments-chain-failure",
        f"Shrunk differential payments-chain trace: moves {moves}",
        "conformance.payments.moves",
        builder.area,
        preset.name,
        builder.initial_state,
        tuple(builder.steps),
    )
