"""Scripted Plasma Cash histories for the differential tests: the rare turns of the exit game.

The generator of ``tests.differential_cash`` reaches most rules by chance;
the histories here play, step by step, the turns that need several
operations to line up (built with ``fixtures.cash.CashWorld``): a griefing
history challenge answered, a thief's exit whose answer is forged and which
finalization cancels, a double spend caught between parent and exit, a spend
after the exit, answers outside the claimed history, and a paid exit. Each
history is the state it starts from and its operations, accepted or not;
the test replays them through a ``DifferentialPair``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace

from fixtures import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MALLORY,
    OPERATOR,
    WATCHER,
    Actor,
    make_actor,
    make_malformed_signature,
    make_rules,
)
from fixtures.cash import CashWorld, make_cash_world
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.errors import Rejected
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import Deposit, RegisterEnvironment
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation

PAUPER = make_actor("pauper")
"""An actor with no funds on the settlement layer: it cannot post a bond."""

History = tuple[SettlementState, list[Operation]]
"""A scripted history: the state it starts from and its operations, in order."""


@dataclass
class RecordingWorld(CashWorld):
    """A Cash world that records every operation tried on it, accepted or not."""

    operations: list[Operation] = field(default_factory=list)
    """The operations tried so far, in order."""

    def apply(self, operation: Operation) -> None:
        """Apply an operation that must be accepted, and record it."""
        super().apply(operation)
        self.operations.append(operation)

    def attempt(self, operation: Operation) -> None:
        """Record an operation the spec may refuse (a refusal changes nothing)."""
        self.operations.append(operation)
        with contextlib.suppress(Rejected):
            super().apply(operation)


@dataclass
class Script:
    """A world with one Cash environment and Alice's coin in it."""

    world: RecordingWorld
    """The world the script acts on."""
    start: SettlementState
    """The state before any recorded operation."""
    env: int
    """The Cash environment."""
    coin: int
    """Alice's coin."""

    @property
    def bond(self) -> Uint256:
        """The environment's exit bond."""
        return self.world.state.environments[self.env].rules.exit_bond

    def move(self, previous: int, owner: Actor, new_owner: Actor) -> int:
        """Commit a block moving the coin from the leaf at ``previous``; return its number."""
        signed = self.world.transfer(self.env, self.coin, previous, owner, new_owner.address)
        return self.world.commit(self.env, [signed])

    def start_exit(self, sender: Actor, exiting: int, parent: int | None) -> StartCoinExit:
        """Return the start of an exit with the coin's leaves at ``exiting`` and ``parent``."""
        return StartCoinExit(
            Uint64(self.env),
            sender.address,
            Uint64(self.coin),
            self.world.witness(self.env, exiting, self.coin),
            None if parent is None else self.world.witness(self.env, parent, self.coin),
            self.bond,
        )

    def history(self, sender: Actor, exit_id: int, block: int, parent: int | None) -> Operation:
        """Return an invalid-history challenge of an exit with the coin's leaf at ``block``."""
        return ChallengeCoinHistory(
            Uint64(self.env),
            sender.address,
            Uint64(exit_id),
            self.world.witness(self.env, block, self.coin),
            None if parent is None else self.world.witness(self.env, parent, self.coin),
            self.bond,
        )

    def respond(self, exit_id: int, challenge: int, block: int) -> Operation:
        """Return an answer to the challenge at ``challenge`` with the transfer at ``block``."""
        response = self.world.transfer_witness(self.env, block, self.coin)
        return RespondCoinHistory(
            Uint64(self.env), WATCHER.address, Uint64(exit_id), Uint64(challenge), response
        )

    def finalize(self, exit_id: int) -> Operation:
        """Return the finalization of an exit."""
        return FinalizeCoinExit(Uint64(self.env), Uint64(exit_id))

    def history_of(self) -> History:
        """Return the recorded history."""
        return self.start, list(self.world.operations)


def make_script() -> Script:
    """Return a script whose world has a Cash environment and Alice's coin of 100."""
    base = make_cash_world()
    world = RecordingWorld(base.state)
    start = world.state
    env = world.register()
    coin = world.deposit(env, ALICE.address, 100)
    return Script(world, start, env, coin)


def make_griefing_history() -> History:
    """Alice → Bob → Carol → Dave honestly; Bob double spends later; Dave exits.

    Mallory challenges Dave's history with the mint (twice: the second is
    refused), answers fail (wrong leaf, no such challenge, a spend outside the
    history), Bob's transfer answers; a challenge with Bob's leaf is answered by
    Carol's; the exit is paid after its period.
    """
    script = make_script()
    world, coin = script.world, script.coin
    b1 = script.move(coin, ALICE, BOB)
    b2 = script.move(b1, BOB, CAROL)
    b3 = script.move(b2, CAROL, DAVE)
    b4 = script.move(b1, BOB, MALLORY)  # Bob spends his leaf again, after Dave's parent
    world.apply(script.start_exit(DAVE, b3, b2))
    world.apply(script.history(MALLORY, 0, coin, None))
    world.attempt(script.history(MALLORY, 0, coin, None))
    world.attempt(script.respond(0, coin, b2))
    world.attempt(script.respond(0, b1, b2))
    world.attempt(script.respond(0, coin, b4))
    world.apply(script.respond(0, coin, b1))
    world.apply(script.history(MALLORY, 0, b1, coin))
    world.attempt(script.respond(0, b1, b4))
    world.apply(script.respond(0, b1, b2))
    world.advance(int(world.state.environments[script.env].rules.minimal_finalization_period))
    world.apply(script.finalize(0))
    world.attempt(script.finalize(0))
    return script.history_of()


def make_thief_history() -> History:
    """Mallory's forged transfer of Alice's coin, then to Dave, who exits; Alice challenges.

    The only answer, the forged transfer, is refused; finalization cancels the
    exit and pays Alice its bond; Alice then exits from her mint.
    """
    script = make_script()
    world, coin = script.world, script.coin
    b1 = script.move(coin, MALLORY, MALLORY)  # signed by Mallory, not by Alice
    b2 = script.move(b1, MALLORY, DAVE)
    world.apply(script.start_exit(DAVE, b2, b1))
    world.apply(script.history(ALICE, 0, coin, None))
    world.attempt(script.respond(0, coin, b1))
    world.attempt(script.start_exit(ALICE, coin, None))
    world.advance(int(world.state.environments[script.env].rules.minimal_finalization_period))
    world.apply(script.finalize(0))
    world.apply(script.start_exit(ALICE, coin, None))
    return script.history_of()


def make_double_spend_history() -> History:
    """Alice pays Bob, then pays Carol with the same mint; Carol exits; Bob's transfer cancels it.

    Then Bob exits, and Carol's later transfer does not spend Bob's (a refused
    spent-coin challenge); Bob moves the coin on, and that spend cancels his exit.
    """
    script = make_script()
    world, coin, env = script.world, script.coin, script.env
    b1 = script.move(coin, ALICE, BOB)
    b2 = script.move(coin, ALICE, CAROL)
    world.apply(script.start_exit(CAROL, b2, coin))
    spend = world.transfer_witness(env, b1, coin)
    world.apply(ChallengeCoinDoubleSpend(Uint64(env), WATCHER.address, Uint64(0), spend))
    world.apply(script.start_exit(BOB, b1, coin))
    later = world.transfer_witness(env, b2, coin)
    world.attempt(ChallengeCoinSpent(Uint64(env), WATCHER.address, Uint64(1), later))
    b3 = script.move(b1, BOB, DAVE)
    spend = world.transfer_witness(env, b3, coin)
    world.apply(ChallengeCoinSpent(Uint64(env), WATCHER.address, Uint64(1), spend))
    return script.history_of()


def make_edge_history() -> History:
    """The rules a history reaches only when several choices line up.

    A new environment is used in quarantine; the operator commits, before
    Bob's coin is minted, a transfer of it naming its mint block, and Alice's
    coin goes to someone without funds. Exits and challenges then break:
    the parent before the mint, a spent-coin challenge before the exit, a
    history challenge before the mint (by its leaf, and by its parent), a bond
    the exiter cannot pay, and a
    transfer with a malformed signature.
    """
    script = make_script()
    world, coin, env = script.world, script.coin, script.env
    fresh = len(world.state.environments)
    world.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.CASH, make_rules()))
    world.attempt(Deposit(Uint64(fresh), ALICE.address, NATIVE_TOKEN, Uint256(1)))
    future = world.next_child_block(env) + 1  # the coin Bob's deposit will mint
    early = world.transfer(env, future, future, BOB, CAROL.address)
    to_pauper = world.transfer(env, coin, coin, ALICE, PAUPER.address)
    b1 = world.commit(env, [early, to_pauper])
    assert world.deposit(env, BOB.address, 10) == future
    b2 = world.commit(env, [world.transfer(env, future, b1, CAROL, DAVE.address)])
    broken = world.transfer(env, coin, b1, PAUPER, ALICE.address)
    broken = replace(broken, signature=make_malformed_signature(broken.signature))
    b3 = world.commit(env, [broken])
    bob = Script(world, script.start, env, future)
    world.attempt(bob.start_exit(DAVE, b2, b1))
    world.attempt(script.start_exit(PAUPER, b1, coin))
    world.attempt(script.start_exit(ALICE, b3, b1))
    world.apply(bob.start_exit(BOB, future, None))
    spend = world.transfer_witness(env, b1, future)
    world.attempt(ChallengeCoinSpent(Uint64(env), WATCHER.address, Uint64(0), spend))
    world.attempt(bob.history(WATCHER, 0, b1, None))
    world.attempt(bob.history(WATCHER, 0, b2, b1))  # a leaf after the mint, its parent before
    return script.history_of()


def list_scripted_histories() -> list[History]:
    """Return every scripted history."""
    return [
        make_griefing_history(),
        make_thief_history(),
        make_double_spend_history(),
        make_edge_history(),
    ]
