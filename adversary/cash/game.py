"""The recorded Cash game: its cast, how actions are recorded and checked, and what it reads.

One Cash environment (id 1) is run by ``operator``, who may turn byzantine at
any step; beside it a payments environment (id 0, run by ``operator-two``)
takes deposits, and every accepted Cash operation is paired with that
environment's next deposit for commutation (INV-13). Honest
owners (alice, bob, carol) deposit, pay each other, watch and exit; mallory
steals, griefs and exits what is not hers, and the operator's keys are hers
too (:data:`COLLUDERS`). Every world action goes through
:meth:`CashGameState.attempt` with its expected outcome (accepted, or rejected
with one exact reason); every accepted operation is checked against the whole
invariant catalog (``spec.invariants.evaluate``), pairs included.
:func:`cash_action` makes a game method a recorded action, one
:class:`~adversary.trace.Step` of the trace, replayable through
:data:`CASH_ACTIONS`.

Honest owners follow the Plasma Cash client's rule: a coin whose history
shows any invalid leaf after its mint, or any withheld block after its mint,
is **tainted**. Its owner stops paying with it and exits it at the next
look, and nobody honest accepts it. (A tainted history could hide a
valid-looking chain of forged leaves, which an invalid-history challenge
could use against every later owner.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NoReturn

from adversary.cash.ledger import CashLedger, CoinHistory
from adversary.payments.game import (
    TraceFailure,
    format_violations,
    make_action_recorder,
    to_argument,
)
from adversary.trace import Argument, Step, format_steps
from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, WATCHER, Actor
from fixtures.cash import make_cash_world
from spec.environments.cash.coins import SignedTransfer
from spec.environments.cash.records import CoinExit, CoinExitStatus, CoinStatus
from spec.errors import Rejected, RejectionReason
from spec.invariants import evaluate
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint64, Uint256
from spec.settlement.operations import Deposit
from spec.settlement.transition import Operation, get_operation_environment_id

HONEST_USERS = (ALICE, BOB, CAROL)
"""Owners who follow the protocol."""

HONEST_OWNERS = frozenset(actor.address for actor in HONEST_USERS)
"""Addresses whose coins the game protects."""

COLLUDERS = frozenset({MALLORY.address, OPERATOR.address})
"""Addresses whose keys the byzantine operator controls."""

ACTORS_BY_NAME = {actor.name: actor for actor in (*HONEST_USERS, MALLORY, OPERATOR)}
"""Every actor of the game, by name."""

PAYMENTS_ENV = 0
"""The payments environment beside it (run by ``operator-two``)."""

ENV = 1
"""The Cash environment of the game."""

EMPTY_ROOT = Hash32(b"\x00" * 32)
"""A root for the payments environment's probe blocks (contents do not matter)."""

MAX_COIN_ID = 255
"""Largest coin id of the tiny preset's coin trees (depth 8)."""

CASH_ACTIONS: dict[str, Callable[..., None]] = {}
"""Every Cash game action, by name: what a trace may replay."""

cash_action = make_action_recorder(CASH_ACTIONS)
"""Make a Cash game method a recorded action (listed in :data:`CASH_ACTIONS`)."""


class CashGameState:
    """The Cash game's world, the actors' bookkeeping, and the trace being recorded."""

    def __init__(self) -> None:
        self.ledger = CashLedger(make_cash_world())
        """The ground truth the game acts on."""
        self.steps: list[Step] = []
        """Actions taken so far."""
        self.notes: list[str] = []
        """Notes of the action in progress."""
        self.current: tuple[str, dict[str, Argument]] | None = None
        """The action in progress, if any."""
        self.pending: list[SignedTransfer] = []
        """Signed transfers waiting for the operator."""
        self.last_watch = self.ledger.time
        """When honest owners last looked at the chain."""
        self.failed = False
        """Whether an action failed (the trace is then over)."""

    # Recording

    def begin(self, name: str, arguments: Mapping[str, object]) -> None:
        """Start recording an action."""
        self.current, self.notes = (name, {k: to_argument(v) for k, v in arguments.items()}), []

    def end(self) -> None:
        """Finish recording the action in progress."""
        if self.current is not None:
            self.steps.append(Step(self.current[0], self.current[1], tuple(self.notes)))
        self.current, self.notes = None, []

    def note(self, text: str) -> None:
        """Add a note, stamped with the time, to the action in progress."""
        self.notes.append(f"[t={self.ledger.time}] {text}")

    def get_trace(self) -> tuple[Step, ...]:
        """Return the steps taken, the one in progress included."""
        steps = list(self.steps)
        if self.current is not None:
            steps.append(Step(self.current[0], self.current[1], tuple(self.notes)))
        return tuple(steps)

    def fail(self, summary: str) -> NoReturn:
        """Fail the trace: ``summary`` first (one line), then the trace so far.

        Raises:
            TraceFailure: always.
        """
        self.failed = True
        raise TraceFailure(f"{summary}\n\nTrace (game actions):\n{format_steps(self.get_trace())}")

    # Applying world actions

    def attempt(
        self, what: str, expected: RejectionReason | None, perform: Callable[[], object]
    ) -> bool:
        """Run a ledger action whose outcome is known; check the step; return whether accepted."""
        pre, logged = self.ledger.state, len(self.ledger.log)
        try:
            perform()
        except Rejected as rejection:
            if rejection.reason != expected:
                wanted = expected.value if expected else "acceptance"
                self.fail(f"{what}: rejected with {rejection.reason.value}, expected {wanted}")
            self.note(f"{what}: rejected with {rejection.reason.value}, as it must be")
            return False
        if expected is not None:
            self.fail(f"{what}: accepted, expected rejection {expected.value}")
        self.note(what)
        operations = self.ledger.log[logged:]
        post = self.ledger.state
        violations = []
        for operation in operations:
            violations += evaluate.check_settlement_transition(pre, operation, post)
        for operation in operations:
            if get_operation_environment_id(operation) == ENV:
                for partner in self.get_pair_partners():
                    violations += evaluate.check_settlement_pair(pre, operation, partner)
        if violations:
            rest = f"\n{format_violations(violations[1:])}" if len(violations) > 1 else ""
            self.fail(format_violations(violations[:1]) + rest)
        return True

    def get_pair_partners(self) -> list[Operation]:
        """Return the payments environment's next deposit, a watcher's (INV-13 pairs)."""
        return [Deposit(Uint64(PAYMENTS_ENV), WATCHER.address, NATIVE_TOKEN, Uint256(1))]

    def submit(self, what: str, expected: RejectionReason | None, operation: Operation) -> bool:
        """Apply one settlement operation whose outcome is known (see :meth:`attempt`)."""
        return self.attempt(what, expected, lambda: self.ledger.apply(operation))

    # Reading the world

    def coins(self) -> list[int]:
        """Return every coin minted so far."""
        return self.ledger.coins(ENV)

    def history(self, coin: int) -> CoinHistory:
        """Return a coin's ground truth."""
        return self.ledger.history(ENV, coin)

    def status(self, coin: int) -> CoinStatus:
        """Return a coin's status at the settlement layer."""
        return self.ledger.records(ENV).coins[Uint64(coin)].status

    def exits(self) -> list[tuple[int, CoinExit]]:
        """Return every coin exit by id."""
        return [(int(i), e) for i, e in sorted(self.ledger.records(ENV).exits.items())]

    def open_exits(self) -> list[tuple[int, CoinExit]]:
        """Return the open coin exits by id."""
        return [(i, e) for i, e in self.exits() if e.status == CoinExitStatus.OPEN]

    def is_tainted(self, coin: int) -> bool:
        """Return whether a coin's history shows an invalid leaf or a withheld block (see above)."""
        history = self.history(coin)
        if any(block > coin for block, _ in history.invalid):
            return True
        return any(env == ENV and block > coin for env, block in self.ledger.withheld)

    def owned_coins(self, owners: frozenset[Address]) -> list[int]:
        """Return coins at rest whose rightful owner is one of ``owners``."""
        return [
            coin
            for coin in self.coins()
            if self.status(coin) == CoinStatus.DEPOSITED and self.history(coin).owner in owners
        ]

    def has_pending(self, coin: int) -> bool:
        """Return whether a signed transfer of the coin waits for the operator."""
        return any(int(t.transfer.coin_id) == coin for t in self.pending)

    def expect_exit_start(self, coin: int) -> RejectionReason | None:
        """Return the reason a coin's status alone gives a new exit (None: it may start one)."""
        status = self.status(coin)
        if status == CoinStatus.EXITED:
            return RejectionReason.COIN_ALREADY_EXITED
        if status == CoinStatus.EXITING:
            return RejectionReason.COIN_EXIT_ALREADY_OPEN
        return None

    def has_free_deposit_number(self) -> bool:
        """Return whether a deposit may mint a coin now (a number free and inside the tree)."""
        number = self.ledger.next_coin_id(ENV)
        return number < self.ledger.next_child_block(ENV) and number <= MAX_COIN_ID

    def get_time_budget(self) -> int:
        """Return how far time may pass before honest owners must look again (< MFP/2)."""
        period = int(self.ledger.state.environments[ENV].rules.minimal_finalization_period)
        return self.last_watch + period // 2 - 1 - self.ledger.time

    def actor(self, name: str) -> Actor:
        """Return an actor by name."""
        return ACTORS_BY_NAME[name]
