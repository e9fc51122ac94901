"""Starting states for the Plasma Cash cases: a Cash environment beside the payments one.

Every settlement case of the Cash exit game starts from the same funded
settlement layer as the other cases (``worlds.make_rich_world``: environment 0
is a payments environment), registers a Cash environment (id 1), waits out
its quarantine, and lets Alice deposit 100 as coin ``n`` (the number of its
deposit block). A :class:`TracedCashWorld` is a ``fixtures.cash.CashWorld``
whose every operation becomes a step of the trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.areas import SETTLEMENT
from conformance.case_library.worlds import make_rich_world
from conformance.cases import TraceBuilder
from fixtures import ALICE, BOB, CAROL, DAVE, Actor
from fixtures.cash import CashWorld
from spec.environments.cash.challenges import ChallengeCoinHistory, RespondCoinHistory
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.presets import Preset
from spec.primitives import Uint64, Uint256
from spec.settlement.transition import Operation

CASH_ENVIRONMENT = 1
"""The Cash environment's id in every Cash case (environment 0 is the payments one)."""


@dataclass
class TracedCashWorld(CashWorld):
    """A Cash world whose operations are the steps of a trace."""

    builder: Any = field(default=None)
    """The trace builder every operation is added to."""

    def apply(self, operation: Operation) -> None:
        """Add ``operation`` as a step; a rejection leaves the state as it was."""
        self.state = self.builder.apply(operation)

    @property
    def coin(self) -> int:
        """The first coin of the Cash environment (Alice's deposit)."""
        return min(int(n) for n in self.state.environments[CASH_ENVIRONMENT].kind_records.coins)  # type: ignore[union-attr]

    @property
    def bond(self) -> Uint256:
        """The Cash environment's exit bond."""
        return self.state.environments[CASH_ENVIRONMENT].rules.exit_bond

    def start(self, sender: Actor, exiting: int, parent: int | None) -> StartCoinExit:
        """Return an exit of the first coin with its leaves at ``exiting`` and ``parent``."""
        env, coin = CASH_ENVIRONMENT, self.coin
        return StartCoinExit(
            Uint64(env),
            sender.address,
            Uint64(coin),
            self.witness(env, exiting, coin),
            None if parent is None else self.witness(env, parent, coin),
            self.bond,
        )

    def history_challenge(
        self, sender: Actor, earlier: int, earlier_parent: int | None
    ) -> ChallengeCoinHistory:
        """Return a history challenge of exit 0 with the first coin's leaf at ``earlier``."""
        env, coin = CASH_ENVIRONMENT, self.coin
        parent = None if earlier_parent is None else self.witness(env, earlier_parent, coin)
        return ChallengeCoinHistory(
            Uint64(env),
            sender.address,
            Uint64(0),
            self.witness(env, earlier, coin),
            parent,
            self.bond,
        )

    def response(self, sender: Actor, challenge_block: int, block: int) -> RespondCoinHistory:
        """Return an answer to exit 0's challenge at ``challenge_block`` with a transfer."""
        return RespondCoinHistory(
            Uint64(CASH_ENVIRONMENT),
            sender.address,
            Uint64(0),
            Uint64(challenge_block),
            self.transfer_witness(CASH_ENVIRONMENT, block, self.coin),
        )

    def finalize(self) -> FinalizeCoinExit:
        """Return the finalization of exit 0."""
        return FinalizeCoinExit(Uint64(CASH_ENVIRONMENT), Uint64(0))

    def wait_period(self, fraction: float = 1.0) -> None:
        """Move time ahead by ``fraction`` of the Cash environment's finalization period."""
        period = int(self.state.environments[CASH_ENVIRONMENT].rules.minimal_finalization_period)
        self.advance(int(period * fraction))

    def send(self, previous: int, signer: Actor, receiver: Actor, coin: int | None = None) -> int:
        """Commit a child block holding one transfer of a coin; return the block's number."""
        coin = self.coin if coin is None else coin
        signed = self.transfer(CASH_ENVIRONMENT, coin, previous, signer, receiver.address)
        return self.commit(CASH_ENVIRONMENT, [signed])


def start_cash(preset: Preset) -> tuple[TraceBuilder, TracedCashWorld]:
    """Return a builder and its world after the Cash environment's registration and Alice's coin."""
    builder = TraceBuilder(SETTLEMENT, preset, make_rich_world(preset).settlement)
    world = TracedCashWorld(builder.state, builder=builder)
    assert world.register() == CASH_ENVIRONMENT
    world.deposit(CASH_ENVIRONMENT, ALICE.address, 100)
    return builder, world


def start_passed_on(preset: Preset) -> tuple[TraceBuilder, TracedCashWorld, list[int]]:
    """Return Alice's coin passed to Bob, Carol and Dave (three child blocks) and their numbers."""
    builder, world = start_cash(preset)
    first = world.send(world.coin, ALICE, BOB)
    second = world.send(first, BOB, CAROL)
    third = world.send(second, CAROL, DAVE)
    return builder, world, [world.coin, first, second, third]
