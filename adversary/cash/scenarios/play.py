"""Playing a Cash scenario: actions on Cash environments, recorded on the library's timeline.

A Cash scenario is registered in the one scenario library
(``adversary.payments.scenarios.framework``) with :func:`cash_scenario`. The
library hands every scenario a payments :class:`Play`; a Cash scenario's
script receives a :class:`CashPlay` wrapped around it instead. The Cash play
keeps the ground truth (:class:`~adversary.cash.ledger.CashLedger`) on the
same settlement state, so a scenario may act on payments environments
(through :attr:`CashPlay.payments`) and Cash environments side by side.

Every Cash action is recorded as a :class:`Step` of the same timeline, with the
funds it moved (:mod:`adversary.cash.scenarios.books`); after each accepted
step the books are audited and the catalogued settlement invariants are
evaluated, exactly as for payments steps. Action kinds are the library's:
starting a coin exit is ``start_exit``, the three challenges and the answer to
a history challenge are ``challenge``, finalizing a coin exit is
``process_exits``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

from adversary.cash import wallet
from adversary.cash.ledger import CashLedger
from adversary.cash.scenarios.books import compute_step_movements
from adversary.payments.scenarios.books import find_unexplained_changes
from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.play import Play
from adversary.payments.scenarios.records import ActionKind, Expectation, Outcome, Step
from fixtures import OPERATOR, Actor
from fixtures.cash import CashWorld
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import CoinLeaf, SignedTransfer
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CoinExitStatus
from spec.errors import Rejected
from spec.invariants import evaluate
from spec.primitives import NATIVE_TOKEN, Address, Uint64
from spec.settlement.transition import Operation

CashScript = Callable[["CashPlay"], None]
"""The body of a Cash scenario."""

KINDS: dict[type, ActionKind] = {
    StartCoinExit: ActionKind.START_EXIT,
    ChallengeCoinSpent: ActionKind.CHALLENGE,
    ChallengeCoinDoubleSpend: ActionKind.CHALLENGE,
    ChallengeCoinHistory: ActionKind.CHALLENGE,
    RespondCoinHistory: ActionKind.CHALLENGE,
    FinalizeCoinExit: ActionKind.PROCESS_EXITS,
}
"""The library's kind of action of each Cash exit-game operation."""


def cash_scenario(
    expectation: Expectation,
    cash_operators: tuple[Actor, ...] = (OPERATOR,),
    operators: tuple[Actor, ...] = (),
) -> Callable[[CashScript], CashScript]:
    """Register a Cash scenario in the library.

    The world starts with one payments environment per actor of
    ``operators`` (ids 0, 1, ...), then one Cash environment per actor of
    ``cash_operators``, all out of quarantine when the scenario's clock starts.
    """

    def register(script: CashScript) -> CashScript:
        @functools.wraps(script)
        def adapted(play: Play) -> None:
            script(CashPlay(play, cash_operators))

        scenario(expectation, operators)(adapted)
        return script

    return register


class CashPlay:
    """A Cash scenario being played on the library's :class:`Play` (see the module docstring)."""

    def __init__(self, play: Play, cash_operators: tuple[Actor, ...]) -> None:
        """Register the Cash environments on ``play``'s world and restart its clock."""
        self.payments = play
        """The library's play: the timeline, the problems found, the payments environments."""
        self.ledger = CashLedger(CashWorld(play.world.settlement))
        """The ground truth of the Cash environments."""
        self.environments = [self.ledger.register(operator) for operator in cash_operators]
        """Ids of the Cash environments, in the order of ``cash_operators``."""
        play.world = replace(play.world, settlement=self.ledger.state)
        play.start = int(self.ledger.state.time)

    # Clock and lookups

    @property
    def now(self) -> int:
        """Seconds since the scenario started."""
        return self.payments.now

    def wait_until(self, offset: int) -> None:
        """Move the settlement clock to ``offset`` seconds after the start."""
        self.payments.wait_until(offset)

    def env(self, index: int = 0) -> int:
        """Return the id of the ``index``-th Cash environment."""
        return self.environments[index]

    def sync(self) -> None:
        """Take the settlement state from the library's play (payments steps may have moved it)."""
        self.ledger.world.state = self.payments.world.settlement

    # Deposits, transfers, blocks

    def deposit(
        self, owner: Actor, amount: int, env: int = 0, token: Address = NATIVE_TOKEN
    ) -> int:
        """``owner`` deposits into a Cash environment; return the coin's id."""
        env_id = self.env(env)
        coin = self.ledger.next_coin_id(env_id)
        self.attempt(
            owner.address,
            ActionKind.DEPOSIT,
            f"deposits {amount} into Cash env {env_id}, minting coin {coin}",
            lambda: self.ledger.deposit(env_id, owner.address, amount, token),
        )
        return coin

    def sign(
        self, signer: Actor, coin: int, previous_block: int, new_owner: Actor, env: int = 0
    ) -> SignedTransfer:
        """``signer`` signs a transfer of a coin (owned or not) and hands it out."""
        env_id = self.env(env)
        transfer = self.ledger.sign(env_id, coin, previous_block, signer, new_owner.address)
        words = (
            f"signs a transfer of coin {coin} (spending block {previous_block}) to {new_owner.name}"
        )
        self.record(Step(self.now, signer.address, ActionKind.SIGN, words, Outcome.OFF_CHAIN))
        return transfer

    def commit(self, leaves: list[CoinLeaf], env: int = 0, *, withhold: bool = False) -> int:
        """The environment's operator commits a child block of ``leaves``; return its number."""
        env_id = self.env(env)
        self.sync()
        number = self.ledger.next_child_block(env_id)
        operator = self.ledger.state.environments[env_id].operator
        hidden = ", withholding its contents" if withhold else ""
        self.attempt(
            operator,
            ActionKind.SUBMIT_BLOCK,
            f"commits block {number} of Cash env {env_id} ({count_leaves(leaves)}){hidden}",
            lambda: self.ledger.commit(env_id, leaves, withhold=withhold),
        )
        return number

    def resubmit(self, sender: Actor, number: int, leaves: list[CoinLeaf], env: int = 0) -> None:
        """``sender`` submits a root of ``leaves`` at an explicit block number."""
        env_id = self.env(env)
        self.attempt(
            sender.address,
            ActionKind.SUBMIT_BLOCK,
            f"submits a new root at block {number} of Cash env {env_id}",
            lambda: self.ledger.commit(env_id, leaves, sender=sender.address, number=number),
        )

    # Exits and challenges

    def start_exit(
        self, sender: Actor, coin: int, exiting: int, parent: int | None = None, env: int = 0
    ) -> int:
        """``sender`` exits a coin with the leaves of blocks ``exiting`` and ``parent``."""
        env_id = self.env(env)
        self.sync()
        exit_id = len(self.ledger.records(env_id).exits)
        shown = f"{exiting}" if parent is None else f"{exiting} (parent {parent})"
        operation = wallet.build_exit(
            self.ledger, env_id, coin, sender.address, exiting_block=exiting, parent_block=parent
        )
        self.submit(sender, operation, f"starts exit #{exit_id} of coin {coin} with block {shown}")
        return exit_id

    def exit_coin(self, owner: Actor, coin: int, env: int = 0) -> int:
        """``owner`` exits a coin with its last two valid leaves (or its mint)."""
        env_id = self.env(env)
        self.sync()
        operation = wallet.make_honest_exit(self.ledger, env_id, coin)
        operation = replace(operation, sender=owner.address)
        exit_id = len(self.ledger.records(env_id).exits)
        exiting = int(operation.exiting.block_number)
        words = f"starts exit #{exit_id} of coin {coin} with its latest leaf (block {exiting})"
        self.submit(owner, operation, words)
        return exit_id

    def challenge_spent(self, challenger: Actor, exit_id: int, spend: int, env: int = 0) -> None:
        """``challenger`` shows the exiter's later spend (block ``spend``) of the exiting leaf."""
        words = f"challenges exit #{exit_id}: spent in block {spend}"
        coin = self.find_coin(challenger, env, exit_id, words)
        if coin is not None:
            witness = self.ledger.transfer_witness(self.env(env), spend, coin)
            operation = ChallengeCoinSpent(
                Uint64(self.env(env)), challenger.address, Uint64(exit_id), witness
            )
            self.submit(challenger, operation, words)

    def challenge_double_spend(
        self, challenger: Actor, exit_id: int, spend: int, env: int = 0
    ) -> None:
        """``challenger`` shows the parent's earlier spend (block ``spend``)."""
        words = f"challenges exit #{exit_id}: parent spent first in block {spend}"
        coin = self.find_coin(challenger, env, exit_id, words)
        if coin is not None:
            witness = self.ledger.transfer_witness(self.env(env), spend, coin)
            operation = ChallengeCoinDoubleSpend(
                Uint64(self.env(env)), challenger.address, Uint64(exit_id), witness
            )
            self.submit(challenger, operation, words)

    def challenge_history(
        self, challenger: Actor, exit_id: int, earlier: int, parent: int | None, env: int = 0
    ) -> None:
        """``challenger`` posts a bond and shows the leaf of block ``earlier`` (with its parent)."""
        words = f"challenges the history of exit #{exit_id} with the leaf of block {earlier}"
        coin = self.find_coin(challenger, env, exit_id, words)
        if coin is None:
            return
        env_id = self.env(env)
        shown = self.ledger.witness(env_id, earlier, coin)
        above = None if parent is None else self.ledger.witness(env_id, parent, coin)
        bond = self.ledger.state.environments[env_id].rules.exit_bond
        operation = ChallengeCoinHistory(
            Uint64(env_id), challenger.address, Uint64(exit_id), shown, above, bond
        )
        self.submit(challenger, operation, words)

    def respond(
        self, responder: Actor, exit_id: int, challenge: int, response: int, env: int = 0
    ) -> None:
        """``responder`` answers the history challenge at ``challenge`` with block ``response``."""
        words = (
            f"answers the history challenge at block {challenge} of exit #{exit_id} "
            f"with the spend in block {response}"
        )
        coin = self.find_coin(responder, env, exit_id, words)
        if coin is not None:
            witness = self.ledger.transfer_witness(self.env(env), response, coin)
            operation = RespondCoinHistory(
                Uint64(self.env(env)),
                responder.address,
                Uint64(exit_id),
                Uint64(challenge),
                witness,
            )
            self.submit(responder, operation, words)

    def watch(self, owner: Actor, env: int = 0) -> None:
        """``owner`` looks at every open exit: challenges bad exits of its coins, answers its own.

        (What an honest owner does on each visit: :mod:`adversary.cash.wallet`.)
        """
        env_id = self.env(env)
        self.sync()
        for exit_id, exit in sorted(self.ledger.records(env_id).exits.items()):
            if exit.status != CoinExitStatus.OPEN:
                continue
            if exit.owner == owner.address:
                for answer in wallet.choose_answers(
                    self.ledger, env_id, int(exit_id), exit, owner.address
                ):
                    words = f"answers the history challenge at block {int(answer.challenge_block)}"
                    self.submit(owner, answer, f"{words} of exit #{int(exit_id)}")
                continue
            if self.ledger.history(env_id, int(exit.coin_id)).owner != owner.address:
                continue
            found = wallet.choose_challenge(self.ledger, env_id, int(exit_id), exit, owner.address)
            if found is not None:
                kind = type(found).__name__.removeprefix("ChallengeCoin").lower()
                self.submit(owner, found, f"challenges exit #{int(exit_id)} ({kind})")

    def finalize(self, caller: Actor, exit_id: int, env: int = 0) -> None:
        """``caller`` finalizes a coin exit."""
        env_id = self.env(env)
        operation = FinalizeCoinExit(Uint64(env_id), Uint64(exit_id))
        self.submit(caller, operation, f"finalizes exit #{exit_id} of Cash env {env_id}")

    def find_coin(self, actor: Actor, env: int, exit_id: int, words: str) -> int | None:
        """Return the coin of an exit; record an impossible step when there is no such exit."""
        self.sync()
        exit = self.ledger.records(self.env(env)).exits.get(Uint64(exit_id))
        if exit is None:
            kind, detail = ActionKind.CHALLENGE, f"no exit #{exit_id}"
            self.record(
                Step(self.now, actor.address, kind, words, Outcome.IMPOSSIBLE, None, detail)
            )
            return None
        return int(exit.coin_id)

    # Recording

    def submit(self, sender: Actor, operation: Operation, words: str) -> None:
        """``sender`` submits a settlement operation of the Cash exit game."""
        kind = KINDS[type(operation)]
        self.attempt(sender.address, kind, words, lambda: self.ledger.apply(operation))

    def attempt(
        self, actor: Address, kind: ActionKind, words: str, action: Callable[[], object]
    ) -> bool:
        """Try an action on the ledger, record the step, audit it; return whether accepted."""
        self.sync()
        before, time, logged = self.ledger.state, self.now, len(self.ledger.log)
        try:
            action()
        except Rejected as rejection:
            self.record(Step(time, actor, kind, words, Outcome.REJECTED, rejection.reason))
            return False
        after = self.ledger.state
        operations = self.ledger.log[logged:]
        operation = operations[-1] if operations else None
        movements = compute_step_movements(before, after, actor, operation)
        label = f"step {len(self.payments.steps) + 1}"
        for problem in find_unexplained_changes(before, after, movements):
            self.payments.problems.append(f"{label}: {problem}")
        for logged_operation in operations:
            found = evaluate.check_settlement_transition(before, logged_operation, after)
            self.payments.problems.extend(
                f"{label}: {v.identifier} broken: {v.message}" for v in found
            )
        world = self.payments.world
        self.payments.world = replace(world, settlement=after, log=(*world.log, *operations))
        self.record(Step(time, actor, kind, words, Outcome.ACCEPTED, movements=movements))
        return True

    def record(self, step: Step) -> None:
        """Append a step to the library's timeline."""
        self.payments.record(step)


def count_leaves(leaves: list[CoinLeaf]) -> str:
    """Return ``n leaf`` or ``n leaves``."""
    return f"{len(leaves)} lea{'f' if len(leaves) == 1 else 'ves'}"
