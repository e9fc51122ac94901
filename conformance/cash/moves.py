"""Random Plasma Cash child chain histories for the differential traces.

A trace starts from a Cash chain in which Alice, Bob and Carol each minted a
coin (blocks 1, 2 and 3) and Alice's coin moved to Bob in the first child
block (:func:`make_cash_chain_start`). Hypothesis draws a list of **moves**,
each a kind and two small numbers:

- ``send`` adds a valid transfer of a live coin, signed by its owner, to the
  block being built (a coin already in the block is skipped);
- ``break`` adds a transfer breaking one rule: of a coin the block already
  moves, of a coin never minted, naming an old block, or signed by someone
  else;
- ``seal`` applies the block being built (``ApplyCoinBlock``), usually at the
  next child block number, sometimes at a number already used;
- ``mint`` (``ApplyMint``: usually of the next number, sometimes of amount
  zero, at a used number or outside the coin tree) and ``exit``
  (``ApplyCoinExit``: usually of a live coin, sometimes of a retired or
  unknown one) apply the block being built first, if it holds anything.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.areas import CHAIN_AREAS
from conformance.case_library.cash_chain_cases import ENV
from conformance.cases import TraceBuilder
from conformance.trace import Trace
from fixtures import ALICE, BOB, CAROL, MALLORY, Actor
from spec.environments.cash.chain import CashChainState, compute_genesis_cash_chain
from spec.environments.cash.coins import (
    CoinBlock,
    CoinMint,
    SignedTransfer,
    Transfer,
    sign_transfer,
)
from spec.environments.cash.steps import ApplyCoinBlock, ApplyCoinExit, ApplyMint
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.state import EnvironmentKind

CashMove = tuple[str, int, int]
"""(kind of move, a small choice, a number: an amount, an index or a variant)."""

CASH_CHAIN_MOVES = st.tuples(
    st.sampled_from(("send",) * 5 + ("seal", "seal", "break", "mint", "mint", "exit")),
    st.integers(0, 7),
    st.integers(0, 300),
)
"""One move of a Cash chain trace."""

USERS = (ALICE, BOB, CAROL)
"""Who owns and receives coins."""

CASH_CHAIN = CHAIN_AREAS[EnvironmentKind.CASH]
"""The area these traces exercise."""


def sign(coin: int, previous: int, signer: Actor, receiver: Address) -> SignedTransfer:
    """Return a transfer of ``coin`` naming ``previous``, signed by ``signer``."""
    body = Transfer(Uint64(coin), Uint64(previous), receiver)
    return sign_transfer(ENV, body, signer.key)


def get_next_child_block(state: CashChainState, preset: Preset) -> int:
    """Return the next multiple of the block interval after the chain's last block."""
    interval = int(preset.block_interval)
    return (int(state.block_number) // interval + 1) * interval


def make_cash_chain_start(preset: Preset) -> TraceBuilder:
    """Return a builder after three mints and Alice's transfer of coin 1 to Bob."""
    genesis = compute_genesis_cash_chain(ENV, preset.coin_tree_depth)
    builder = TraceBuilder(CASH_CHAIN, preset, genesis)
    for coin, owner in enumerate(USERS, start=1):
        mint = CoinMint(Uint64(coin), owner.address, NATIVE_TOKEN, Uint256(10 * coin))
        builder.apply(ApplyMint(mint))
    first = get_next_child_block(builder.state, preset)
    builder.apply(ApplyCoinBlock(Uint64(first), CoinBlock((sign(1, 1, ALICE, BOB.address),))))
    return TraceBuilder(CASH_CHAIN, preset, builder.state)


def get_owner(address: Address) -> Actor:
    """Return the user with ``address``."""
    return next(user for user in (*USERS, MALLORY) if user.address == address)


class CashTraceBuilder:
    """Turns moves into Cash chain steps, keeping the block being built."""

    def __init__(self, builder: TraceBuilder) -> None:
        """Build on ``builder``'s steps."""
        self.builder = builder
        """The trace so far."""
        self.draft: list[SignedTransfer] = []
        """The transfers of the block being built."""

    @property
    def state(self) -> CashChainState:
        """The chain after the steps so far."""
        state: CashChainState = self.builder.state
        return state

    def send(self, choice: int, number: int) -> None:
        """Add a valid transfer of a live coin the block does not move yet."""
        moved = {int(t.transfer.coin_id) for t in self.draft}
        live = sorted(int(c) for c in self.state.coins if int(c) not in moved)
        if not live:
            return
        coin = self.state.coins[Uint64(live[number % len(live)])]
        receiver = USERS[choice % len(USERS)].address
        coin_id = live[number % len(live)]
        self.draft.append(sign(coin_id, int(coin.last_block), get_owner(coin.owner), receiver))

    def break_rule(self, choice: int, number: int) -> None:
        """Add a transfer breaking one rule of the chain."""
        coins = sorted(int(c) for c in self.state.coins)
        if not coins:
            return
        coin_id = coins[number % len(coins)]
        coin = self.state.coins[Uint64(coin_id)]
        owner, last = get_owner(coin.owner), int(coin.last_block)
        broken = {
            0: sign(coin_id, last, owner, MALLORY.address),  # moved twice below
            1: sign(250 + number % 5, 0, owner, MALLORY.address),  # never minted
            2: sign(coin_id, last + 1, owner, MALLORY.address),  # names another block
        }.get(choice % 4, sign(coin_id, last, MALLORY, MALLORY.address))  # wrong signer
        if choice % 4 == 0:
            self.draft.append(broken)
        self.draft.append(broken)

    def seal(self, choice: int = 0, number: int = 0) -> None:
        """Apply the block being built: at the next child number, or at a used one (choice 7)."""
        block_number = get_next_child_block(self.state, self.builder.preset)
        if choice == 7:
            block_number = number % (int(self.state.block_number) + 1)
        self.builder.apply(ApplyCoinBlock(Uint64(block_number), CoinBlock(tuple(self.draft))))
        self.draft = []

    def seal_if_started(self) -> None:
        """Apply the block being built, if it holds anything."""
        if self.draft:
            self.seal()

    def mint(self, choice: int, number: int) -> None:
        """Apply a mint after the block being built: usually of the next number."""
        self.seal_if_started()
        coin_id = int(self.state.block_number) + 1
        if choice == 6:
            coin_id = int(self.state.block_number)
        elif choice == 7 and int(self.builder.preset.coin_tree_depth) < 64:
            coin_id = max(coin_id, 1 << int(self.builder.preset.coin_tree_depth))
        amount = 0 if choice == 5 else 1 + number
        owner = USERS[number % len(USERS)].address
        self.builder.apply(
            ApplyMint(CoinMint(Uint64(coin_id), owner, NATIVE_TOKEN, Uint256(amount)))
        )

    def exit(self, choice: int, number: int) -> None:
        """Apply a coin exit after the block being built: usually of a live coin."""
        self.seal_if_started()
        live = sorted(int(c) for c in self.state.coins)
        coin_id = live[number % len(live)] if live and choice < 6 else 200 + number % 50
        self.builder.apply(ApplyCoinExit(Uint64(coin_id)))

    def apply(self, move: CashMove) -> None:
        """Add what ``move`` stands for."""
        kind, choice, number = move
        if kind == "send":
            self.send(choice, number)
        elif kind == "break":
            self.break_rule(choice, number)
        elif kind == "seal":
            self.seal(choice, number)
        elif kind == "mint":
            self.mint(choice, number)
        elif kind == "exit":
            self.exit(choice, number)


def build_cash_chain_trace(preset: Preset, moves: list[CashMove]) -> Trace:
    """Return the trace the moves stand for, from the chain of :func:`make_cash_chain_start`."""
    chain = CashTraceBuilder(make_cash_chain_start(preset))
    for move in moves:
        chain.apply(move)
    chain.seal_if_started()
    builder = chain.builder
    return Trace(
        "differential-cash-chain-failure",
        f"Shrunk differential cash-chain trace: moves {moves}",
        "conformance.cash.moves",
        builder.area,
        preset.name,
        builder.initial_state,
        tuple(builder.steps),
    )
