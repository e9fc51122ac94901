"""Cash histories shared by the Cash exit game's tests: a coin and its transfers, committed.

Every world has one Cash environment (id 0) under the tiny preset, built with
``fixtures.cash.CashWorld``; the functions below return the world and the
numbers the tests need (coin id, block numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, Actor
from fixtures.cash import CashWorld, make_cash_world
from spec.environments.cash.challenges import ChallengeCoinHistory, RespondCoinHistory
from spec.environments.cash.exits import StartCoinExit
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.primitives import Uint64, Uint256

ENV = 0
"""The Cash environment's id in every world."""

PERIOD = 100
"""The tiny preset's minimal finalization period (the test environments' MFP)."""


@dataclass
class Chain:
    """A world and the coin its tests act on."""

    world: CashWorld
    """The settlement layer and the blocks' leaves."""
    coin: int
    """The coin's id (its deposit block)."""

    @property
    def bond(self) -> Uint256:
        """The environment's exit bond."""
        return self.world.state.environments[ENV].rules.exit_bond

    def leaf(self, block: int) -> IncludedLeaf:
        """Return the coin's committed leaf in ``block``, with its proof."""
        return self.world.witness(ENV, block, self.coin)

    def transfer_at(self, block: int) -> IncludedTransfer:
        """Return the coin's committed transfer in ``block``, with its proof."""
        return self.world.transfer_witness(ENV, block, self.coin)

    def start(
        self, sender: Actor, exiting: int, parent: int | None, bond: int | None = None
    ) -> StartCoinExit:
        """Return the start of an exit with the coin's leaves at ``exiting`` and ``parent``."""
        return StartCoinExit(
            Uint64(ENV),
            sender.address,
            Uint64(self.coin),
            self.leaf(exiting),
            None if parent is None else self.leaf(parent),
            self.bond if bond is None else Uint256(bond),
        )

    def history_challenge(
        self, sender: Actor, earlier: int, earlier_parent: int | None, exit_id: int = 0
    ) -> ChallengeCoinHistory:
        """Return a history challenge of ``exit_id`` with the coin's leaf at ``earlier``."""
        parent = None if earlier_parent is None else self.leaf(earlier_parent)
        return ChallengeCoinHistory(
            Uint64(ENV), sender.address, Uint64(exit_id), self.leaf(earlier), parent, self.bond
        )

    def response(
        self, sender: Actor, challenge_block: int, block: int, exit_id: int = 0
    ) -> RespondCoinHistory:
        """Return an answer to the challenge at ``challenge_block`` with a transfer."""
        return RespondCoinHistory(
            Uint64(ENV),
            sender.address,
            Uint64(exit_id),
            Uint64(challenge_block),
            self.transfer_at(block),
        )


def make_minted() -> Chain:
    """Return a world where Alice deposited 100 as coin 1 (deposit block 1)."""
    world = make_cash_world()
    world.register()
    coin = world.deposit(ENV, ALICE.address, 100)
    return Chain(world, coin)


def make_passed_on() -> Chain:
    """Return coin 1 moved Alice -> Bob (block 4) -> Carol (block 8) -> Dave (block 12)."""
    chain = make_minted()
    world, coin = chain.world, chain.coin
    world.commit(ENV, [world.transfer(ENV, coin, coin, ALICE, BOB.address)])
    world.commit(ENV, [world.transfer(ENV, coin, 4, BOB, CAROL.address)])
    world.commit(ENV, [world.transfer(ENV, coin, 8, CAROL, DAVE.address)])
    return chain


def make_stolen() -> Chain:
    """Return Alice's coin 1 forged to Mallory by the operator (block 4), then sent to Dave (8).

    The forged transfer is signed by Mallory, not by Alice: the operator
    committed it anyway. Dave's exit with (block 4, block 8) is well formed.
    """
    chain = make_minted()
    world, coin = chain.world, chain.coin
    world.commit(ENV, [world.transfer(ENV, coin, coin, MALLORY, MALLORY.address)])
    world.commit(ENV, [world.transfer(ENV, coin, 4, MALLORY, DAVE.address)])
    return chain
