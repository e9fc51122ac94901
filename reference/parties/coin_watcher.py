"""A Plasma Cash user's watcher: guards the coins of one wallet in one Cash environment.

A :class:`CoinWatcher` works for a :class:`~reference.parties.coin_wallet.CoinWallet`.
At each :meth:`CoinWatcher.tick` it lets the wallet read the new blocks, then
follows the environment's coin exits incrementally (by exit id, with a
:class:`~reference.parties.coin_board.CoinExitFollower`) and:

- for an exit *by someone else* of a coin the wallet owns, challenges it with
  the wallet's history: a later spend by the exiter (``ChallengeCoinSpent``),
  a spend of the exit's parent before the exiting transfer
  (``ChallengeCoinDoubleSpend``), or else, while the window is open (the
  first half of the MFP), the wallet's latest valid leaf before the exit's
  parent (``ChallengeCoinHistory``, bonded): a thief cannot answer it, so the
  exit is cancelled at finalization and the watcher wins the thief's bond;
- for the wallet's *own* exits, answers every open invalid-history challenge
  with the valid spend of the challenging leaf (``RespondCoinHistory``);
- finalizes the mature exits it cares about (its own, and those it
  challenged), and tells the wallet how its own exits ended.

It reports what it sees as :class:`CoinAlert` values, like the payments
watcher: a coin the wallet refused, a forged leaf of one of its coins,
challenges made and answered, exits finalized. The watcher keeps its exit
cursor, the exits it challenged and the alerts already raised in its own
:class:`~reference.store.Store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reference.parties.coin_board import CoinBoard, CoinExitFollower
from reference.parties.coin_history import CoinRecord
from reference.parties.coin_wallet import CoinStatus, CoinWallet
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
)
from spec.environments.cash.coins import SignedTransfer
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CoinExit, CoinExitStatus
from spec.environments.cash.witnesses import IncludedTransfer
from spec.errors import Rejected
from spec.primitives import Uint64
from spec.settlement.transition import Operation

WATCHER_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS coin_watcher_challenged (
        environment_id INTEGER NOT NULL,
        exit_id INTEGER NOT NULL,
        PRIMARY KEY (environment_id, exit_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coin_watcher_reported (
        environment_id INTEGER NOT NULL,
        subject TEXT NOT NULL,
        PRIMARY KEY (environment_id, subject)
    ) WITHOUT ROWID""",
)
"""The watcher's tables: the exits it challenged, and what it already reported."""


class CoinAlertKind(StrEnum):
    """What a coin watcher found or did."""

    COIN_REFUSED = "coin_refused"
    """A coin paid to the wallet has an invalid history: the wallet refused it."""
    FORGED_LEAF = "forged_leaf"
    """A block holds a leaf of one of the wallet's coins that its owner never signed."""
    EXIT_CANCELLED = "exit_cancelled"
    """An exit of the wallet's coin was cancelled at once (spent after, or double spend)."""
    HISTORY_CHALLENGED = "history_challenged"
    """An exit of the wallet's coin was challenged with the wallet's history (bonded)."""
    CHALLENGE_ANSWERED = "challenge_answered"
    """A history challenge on the wallet's own exit was answered."""
    EXIT_FINALIZED = "exit_finalized"
    """A mature exit the watcher cares about was finalized (paid or cancelled)."""
    BLOCK_WITHHELD = "block_withheld"
    """A committed block of the coin's history is not published after the grace period."""


@dataclass(frozen=True)
class CoinAlert:
    """A coin watcher's report to its user."""

    kind: CoinAlertKind
    """What happened."""
    environment_id: Uint64
    """The Cash environment."""
    coin_id: Uint64
    """The coin concerned."""
    exit_id: Uint64 | None
    """The exit concerned, if any."""
    message: str
    """What happened, for people."""


class CoinWatcher:
    """Guards one wallet's coins in one Cash environment."""

    def __init__(
        self,
        store: Store,
        wallet: CoinWallet,
        settlement: SettlementSimulator,
        board: CoinBoard,
        environment_id: Uint64,
        *,
        grace_period: int | None = None,
    ) -> None:
        """Open (or start) the watcher kept in ``store``, working for ``wallet``.

        ``grace_period``: seconds after its commitment within which a child
        block must be published (a quarter of the period by default).
        """
        self.store = store
        """Where the exit cursor, the challenged exits and the reports are kept."""
        self.wallet = wallet
        """The wallet whose coins are guarded (it sends the challenges and answers)."""
        self.settlement = settlement
        """The settlement layer read, challenged on and finalized on."""
        self.board = board
        """Where the wallet downloads blocks' leaves."""
        self.environment_id = environment_id
        """The Cash environment watched."""
        period = int(settlement.get_rules(environment_id).minimal_finalization_period)
        self.grace_period = period // 4 if grace_period is None else grace_period
        """Seconds a committed child block may stay unpublished before it counts as withheld."""
        self.follower = CoinExitFollower(store, settlement, environment_id)
        """Finds new and ended coin exits incrementally."""
        self.alerts: list[CoinAlert] = []
        """Every alert raised by this watcher object, in order."""
        with store.transaction() as connection:
            for statement in WATCHER_SCHEMA:
                connection.execute(statement)

    @property
    def name(self) -> str:
        """A short name for messages: the wallet's address, abbreviated."""
        return bytes(self.wallet.address).hex()[:8]

    def tick(self) -> list[CoinAlert]:
        """Sync the wallet, check its coins and every open or ended exit; return new alerts."""
        self.wallet.sync(self.settlement, self.board, self.environment_id)
        raised = self.check_coins() + self.check_withheld()
        open_exits, ended = self.follower.poll()
        for exit_id, exit in open_exits:
            raised += self.check_exit(exit_id, exit)
        for exit_id, exit in ended:
            raised += self.note_end(exit_id, exit)
        self.alerts.extend(raised)
        return raised

    # Reports

    def report_once(self, subject: str) -> bool:
        """Return whether ``subject`` is new (and remember it)."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO coin_watcher_reported VALUES (?, ?)",
                (int(self.environment_id), subject),
            )
            return cursor.rowcount == 1

    def alert(
        self, kind: CoinAlertKind, coin_id: int, exit_id: Uint64 | None, message: str
    ) -> CoinAlert:
        """Return an alert of this watcher's environment."""
        return CoinAlert(kind, self.environment_id, Uint64(coin_id), exit_id, message)

    def check_coins(self) -> list[CoinAlert]:
        """Report coins the wallet refused and forged leaves of its coins, once each."""
        env = self.environment_id
        raised = []
        for coin_id, status in self.wallet.list_coin_statuses(env):
            if status == CoinStatus.REFUSED and self.report_once(f"refused:{coin_id}"):
                verdict = self.wallet.get_verdict(env, coin_id)
                first = verdict.intrusions[0].block_number if verdict.intrusions else None
                message = (
                    f"coin {coin_id} refused: its history holds a leaf at block {first} "
                    "that is no valid spend"
                )
                raised.append(self.alert(CoinAlertKind.COIN_REFUSED, coin_id, None, message))
            if status not in (CoinStatus.OWNED, CoinStatus.PENDING, CoinStatus.EXITING):
                continue
            for record in self.wallet.list_intrusions(env, coin_id):
                if self.report_once(f"forged:{coin_id}:{int(record.block_number)}"):
                    message = (
                        f"block {int(record.block_number)} holds a transfer of coin {coin_id} "
                        "that is no valid spend of it: the coin is still ours, and an exit "
                        "built on that transfer will be challenged"
                    )
                    raised.append(self.alert(CoinAlertKind.FORGED_LEAF, coin_id, None, message))
        return raised

    def find_withheld(self, coin_id: int) -> int | None:
        """Return the committed block a coin's history stopped at, if it is withheld past grace."""
        env = self.environment_id
        checked = int(self.wallet.get_checked_through(env, coin_id))
        last = int(self.settlement.get_next_deposit_block_number(env)) - 1
        for number in range(checked + 1, last + 1):
            record = self.settlement.get_block(env, Uint64(number))
            if record is None:
                continue
            late = self.settlement.time >= record.timestamp + self.grace_period
            unpublished = self.board.get_leaves(env, Uint64(number)) is None
            return number if late and unpublished else None
        return None

    def check_withheld(self) -> list[CoinAlert]:
        """Report, once per block, a withheld block that stops a held coin's history."""
        raised = []
        for coin_id, status in self.wallet.list_coin_statuses(self.environment_id):
            if status not in (CoinStatus.OWNED, CoinStatus.PENDING, CoinStatus.EXITING):
                continue
            number = self.find_withheld(coin_id)
            if number is not None and self.report_once(f"withheld:{number}"):
                message = (
                    f"block {number} is withheld: coin {coin_id}'s history cannot be checked "
                    "past it, so the coin cannot be passed on; it can still exit with its last "
                    "two leaves, and any other exit of it can still be challenged"
                )
                raised.append(self.alert(CoinAlertKind.BLOCK_WITHHELD, coin_id, None, message))
        return raised

    # Exits

    def is_challenged(self, exit_id: Uint64) -> bool:
        """Return whether this watcher challenged an exit."""
        row = self.store.connection.execute(
            "SELECT 1 FROM coin_watcher_challenged WHERE environment_id = ? AND exit_id = ?",
            (int(self.environment_id), int(exit_id)),
        ).fetchone()
        return row is not None

    def check_exit(self, exit_id: Uint64, exit: CoinExit) -> list[CoinAlert]:
        """Answer, challenge or finalize one open exit, as the wallet's interest requires."""
        status = self.wallet.get_status(self.environment_id, int(exit.coin_id))
        own = exit.owner == self.wallet.address and status == CoinStatus.EXITING
        raised = []
        if own:
            raised += self.answer(exit_id, exit)
        elif status in (CoinStatus.OWNED, CoinStatus.PENDING) and not self.is_challenged(exit_id):
            raised += self.challenge(exit_id, exit)
        current = self.settlement.get_coin_exit(self.environment_id, exit_id)
        assert current is not None
        mature = current.exitable_at <= self.settlement.time
        if (
            current.status == CoinExitStatus.OPEN
            and mature
            and (own or self.is_challenged(exit_id))
        ):
            raised += self.finalize(exit_id, current)
        return raised

    def answer(self, exit_id: Uint64, exit: CoinExit) -> list[CoinAlert]:
        """Answer every open history challenge of the wallet's own exit."""
        raised = []
        for block in sorted(exit.challenges):
            response = self.wallet.make_answer(self.environment_id, exit_id, exit, block)
            if response is None or not self.try_apply(response):
                continue
            message = (
                f"exit {int(exit_id)} of coin {int(exit.coin_id)}: the history challenge at block "
                f"{int(block)} was answered with block {int(response.response.block_number)}; "
                f"bond {int(exit.challenges[block].bond)} won"
            )
            raised.append(
                self.alert(CoinAlertKind.CHALLENGE_ANSWERED, int(exit.coin_id), exit_id, message)
            )
        return raised

    def challenge(self, exit_id: Uint64, exit: CoinExit) -> list[CoinAlert]:
        """Challenge another's exit of the wallet's coin; return the alert if one held."""
        env, me = self.environment_id, self.wallet.address
        chain = self.wallet.get_verdict(env, int(exit.coin_id)).chain
        for record in chain:
            spend = as_transfer(record)
            if spend is None:
                continue
            previous = spend.transfer.transfer.previous_block
            if previous == exit.exit_block and self.try_apply(
                ChallengeCoinSpent(env, me, exit_id, spend)
            ):
                return self.challenged(exit_id, exit, "spent after", CoinAlertKind.EXIT_CANCELLED)
            if previous == exit.parent_block and self.try_apply(
                ChallengeCoinDoubleSpend(env, me, exit_id, spend)
            ):
                kind = CoinAlertKind.EXIT_CANCELLED
                return self.challenged(exit_id, exit, "double spend between", kind)
        earlier = [
            (index, record)
            for index, record in enumerate(chain)
            if exit.coin_id <= record.block_number < exit.parent_block
        ]
        if earlier:
            index, record = earlier[-1]
            parent = chain[index - 1].as_included() if index > 0 else None
            bond = self.settlement.get_rules(env).exit_bond
            operation = ChallengeCoinHistory(env, me, exit_id, record.as_included(), parent, bond)
            if self.try_apply(operation):
                what = f"invalid history (block {int(record.block_number)})"
                return self.challenged(exit_id, exit, what, CoinAlertKind.HISTORY_CHALLENGED)
        return []

    def challenged(
        self, exit_id: Uint64, exit: CoinExit, what: str, kind: CoinAlertKind
    ) -> list[CoinAlert]:
        """Remember a challenge made and return its alert."""
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO coin_watcher_challenged VALUES (?, ?)",
                (int(self.environment_id), int(exit_id)),
            )
        message = (
            f"exit {int(exit_id)} of coin {int(exit.coin_id)} by another owner challenged: {what}"
        )
        return [self.alert(kind, int(exit.coin_id), exit_id, message)]

    def finalize(self, exit_id: Uint64, exit: CoinExit) -> list[CoinAlert]:
        """Finalize a mature exit and tell the wallet how its own exit ended."""
        if not self.try_apply(FinalizeCoinExit(self.environment_id, exit_id)):
            return []
        ended = self.settlement.get_coin_exit(self.environment_id, exit_id)
        assert ended is not None
        return self.note_end(exit_id, ended)

    def note_end(self, exit_id: Uint64, exit: CoinExit) -> list[CoinAlert]:
        """Settle the wallet's own ended exit; report, once, how an exit it cares about ended."""
        self.settle_own_exit(exit)
        own = exit.owner == self.wallet.address
        if not (own or self.is_challenged(exit_id)) or not self.report_once(f"ended:{exit_id}"):
            return []
        if exit.status == CoinExitStatus.FINALIZED:
            outcome = "paid"
        else:
            outcome = "cancelled" + ("" if own else "; its bond is ours")
        message = f"exit {int(exit_id)} of coin {int(exit.coin_id)} finalized: {outcome}"
        return [self.alert(CoinAlertKind.EXIT_FINALIZED, int(exit.coin_id), exit_id, message)]

    def settle_own_exit(self, exit: CoinExit) -> None:
        """Mark the wallet's coin exited (paid) or owned again (cancelled) after its exit ended."""
        env, coin = self.environment_id, int(exit.coin_id)
        if exit.owner != self.wallet.address:
            return
        if self.wallet.get_status(env, coin) != CoinStatus.EXITING:
            return
        if exit.status == CoinExitStatus.FINALIZED:
            self.wallet.set_status(env, coin, CoinStatus.EXITED)
        elif exit.status == CoinExitStatus.CANCELLED:
            self.wallet.set_status(env, coin, CoinStatus.OWNED)

    def try_apply(self, operation: Operation) -> bool:
        """Apply an operation on the settlement layer; return False if it was rejected."""
        try:
            self.settlement.apply(operation)
        except Rejected:
            return False
        return True


def as_transfer(record: CoinRecord) -> IncludedTransfer | None:
    """Return a record holding a transfer as an included transfer, else None."""
    if not isinstance(record.leaf, SignedTransfer):
        return None
    return IncludedTransfer(record.block_number, record.leaf, record.proof)
