"""Random Plasma Cash histories at the settlement layer, for the settlement differential traces.

A ``cash`` move of a settlement trace (``conformance.settlement_moves``)
acts on a Cash environment registered beside the payments one on its first
use (id 1, its quarantine waited out). Its choice picks what happens:

0. a deposit mints a coin for Alice, Bob or Carol;
1. the coin's owner transfers it, honestly, in a new child block;
2. the operator forges a transfer of the coin to Mallory in a new child block;
3. an exit starts: the owner's, with the coin's last two honest leaves (or
   its mint), or, for an odd number, Mallory's with the forged leaf;
4. a challenge of the newest open exit: a spent-after challenge with the
   honest transfer spending the exiting leaf, when there is one, or an
   invalid-history challenge with the latest honest leaf before the exit's
   parent (the mint, if none);
5. an answer to the newest open challenge, with the honest spend of its leaf;
6. the newest open exit is finalized, usually after waiting one period;
7. time moves half a period.

The world keeps every block's leaves (``fixtures.cash``), so witnesses are
real and most operations are accepted; the rejections come from windows,
maturity, forged histories and repeated moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.case_library.cash_worlds import CASH_ENVIRONMENT, TracedCashWorld
from conformance.cases import TraceBuilder
from fixtures import ALICE, BOB, CAROL, MALLORY, WATCHER, Actor
from spec.environments.cash.challenges import (
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import get_leaf_owner
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExit, CoinExitStatus
from spec.primitives import Uint64

ENV = CASH_ENVIRONMENT
"""The Cash environment of every trace."""

OWNERS = (ALICE, BOB, CAROL)
"""Who deposits and receives coins."""


@dataclass
class CashHistories:
    """The Cash side of one settlement trace: the world and each coin's honest history."""

    builder: TraceBuilder
    """The trace being built."""
    world: TracedCashWorld | None = None
    """The Cash world, once registered."""
    honest: dict[int, list[int]] = field(default_factory=dict)
    """Each coin's honest history: the blocks of its mint and transfers, in order."""
    forged: dict[int, int] = field(default_factory=dict)
    """Each coin's latest forged leaf's block."""

    def get_world(self) -> TracedCashWorld:
        """Return the world, registering the Cash environment on first use."""
        if self.world is None:
            self.world = TracedCashWorld(self.builder.state, builder=self.builder)
            if self.world.register() != ENV:
                raise AssertionError("the Cash environment must get id 1")
        self.world.state = self.builder.state
        return self.world

    def get_records(self) -> CashRecords:
        """Return the Cash environment's records now."""
        records = self.get_world().state.environments[ENV].kind_records
        assert isinstance(records, CashRecords)
        return records

    def pick_coin(self, number: int) -> int | None:
        """Return one of the minted coins, or None before the first."""
        coins = sorted(self.honest)
        return coins[number % len(coins)] if coins else None

    def owner_of(self, coin: int) -> Actor:
        """Return the coin's honest owner now."""
        leaf = self.get_world().leaves[(ENV, self.honest[coin][-1])][coin]
        owner = get_leaf_owner(leaf)
        return next(actor for actor in (*OWNERS, MALLORY) if actor.address == owner)

    def newest_open_exit(self) -> tuple[int, CoinExit] | None:
        """Return the newest open coin exit, if any."""
        open_exits = [
            (int(i), e)
            for i, e in self.get_records().exits.items()
            if e.status == CoinExitStatus.OPEN
        ]
        return max(open_exits, key=lambda item: item[0]) if open_exits else None

    def deposit(self, number: int) -> None:
        """Choice 0: a deposit mints a coin."""
        world = self.get_world()
        coin = world.deposit(ENV, OWNERS[number % 3].address, 1 + number)
        if world.state.environments[ENV].kind_records.coins.get(Uint64(coin)) is not None:  # type: ignore[union-attr]
            self.honest.setdefault(coin, [coin])

    def transfer(self, number: int) -> None:
        """Choice 1: the owner sends the coin on, in a new child block."""
        coin = self.pick_coin(number)
        if coin is None:
            return
        owner, receiver = self.owner_of(coin), OWNERS[(number // 3) % 3]
        world = self.get_world()
        block = world.send(self.honest[coin][-1], owner, receiver, coin)
        if world.state.environments[ENV].blocks.get(Uint64(block)) is not None:
            self.honest[coin].append(block)

    def forge(self, number: int) -> None:
        """Choice 2: the operator commits a transfer of the coin to Mallory, signed by Mallory."""
        coin = self.pick_coin(number)
        if coin is not None:
            previous = self.forged.get(coin, self.honest[coin][-1])
            self.forged[coin] = self.get_world().send(previous, MALLORY, MALLORY, coin)

    def start(self, number: int) -> None:
        """Choice 3: the owner's exit with the last two honest leaves, or Mallory's forged one."""
        coin = self.pick_coin(number)
        if coin is None:
            return
        world = self.get_world()
        history = self.honest[coin]
        exiter, exiting, parent = self.owner_of(coin), history[-1], history[-2:-1]
        if number % 2 and coin in self.forged:
            exiter, exiting = MALLORY, self.forged[coin]
            parent = [int(world.leaves[(ENV, exiting)][coin].transfer.previous_block)]  # type: ignore[union-attr]
        witness = world.witness(ENV, exiting, coin)
        parent_witness = world.witness(ENV, parent[0], coin) if parent else None
        world.apply(
            StartCoinExit(
                Uint64(ENV), exiter.address, Uint64(coin), witness, parent_witness, world.bond
            )
        )

    def challenge(self, number: int) -> None:
        """Choice 4: a spent-after challenge when the exiting leaf was spent, else a history one."""
        newest = self.newest_open_exit()
        if newest is None:
            return
        exit_id, exit = newest
        world, coin = self.get_world(), int(exit.coin_id)
        history = self.honest.get(coin, [coin])
        later = [b for b in history if b > exit.exit_block]
        if later and int(exit.exit_block) in history and number % 3:
            spend = world.transfer_witness(ENV, later[0], coin)
            world.apply(ChallengeCoinSpent(Uint64(ENV), WATCHER.address, Uint64(exit_id), spend))
            return
        earlier = [b for b in history if b < exit.parent_block] or [coin]
        index = history.index(earlier[-1]) if earlier[-1] in history else 0
        leaf = world.witness(ENV, earlier[-1], coin)
        parent = world.witness(ENV, history[index - 1], coin) if index > 0 else None
        owner = self.owner_of(coin).address
        world.apply(
            ChallengeCoinHistory(Uint64(ENV), owner, Uint64(exit_id), leaf, parent, world.bond)
        )

    def respond(self, number: int) -> None:
        """Choice 5: the honest spend of the newest open challenge's leaf answers it."""
        newest = self.newest_open_exit()
        if newest is None or not newest[1].challenges:
            return
        exit_id, exit = newest
        coin, challenged = int(exit.coin_id), int(max(exit.challenges))
        history = self.honest.get(coin, [])
        spends = [b for b in history if b > challenged]
        if not spends:
            return
        world = self.get_world()
        response = world.transfer_witness(ENV, spends[0], coin)
        world.apply(
            RespondCoinHistory(
                Uint64(ENV), WATCHER.address, Uint64(exit_id), Uint64(challenged), response
            )
        )

    def finalize(self, number: int) -> None:
        """Choice 6: the newest open exit is finalized, usually after a period."""
        newest = self.newest_open_exit()
        if newest is None:
            return
        world = self.get_world()
        if number % 4:
            world.wait_period()
        world.apply(FinalizeCoinExit(Uint64(ENV), Uint64(newest[0])))

    def apply(self, choice: int, number: int) -> None:
        """Add the steps of a ``cash`` move."""
        moves = (
            self.deposit,
            self.transfer,
            self.forge,
            self.start,
            self.challenge,
            self.respond,
            self.finalize,
            lambda _: self.get_world().wait_period(0.5),
        )
        moves[choice % len(moves)](number)
