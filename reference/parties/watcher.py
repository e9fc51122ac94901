"""The watcher of one payments environment: checks every block, challenges bad exits, warns.

A :class:`Watcher` follows the settlement layer's block log in number order
and downloads each block from the :class:`~reference.parties.board.BlockBoard`:

- a child block must be published within a grace period of its commitment,
  its transactions must hash to the committed root, and it must apply to the
  watcher's own :class:`~reference.environments.payments.ledger.ChildChainLedger`. Otherwise the
  block is withheld or invalid, and the environment is compromised from it on;
- every payment it downloads is kept by the inputs it spends: a signed spend
  is what a challenge shows;
- every new exit, found incrementally by exit id
  (:class:`~reference.parties.board.ExitFollower`), is checked: an exit of an output
  the watcher saw spent is challenged at once (before its exitable time),
  which wins the exit's bond.

It reports :class:`~reference.parties.alerts.Alert` values, and runs the
duties it was given (:attr:`Watcher.duties`) at each tick: the in-flight
exits of the wallets it guards (``reference.parties.in_flight_watch``).

After the first invalid or withheld block, committed at time ``t``, every
honest owner of an output created before that block (or by a deposit) must
start its exit strictly before ``t + MFP`` (invariant INV-18); the alert's
``deadline`` is that time. Those exits are then processed before any exit of
an output the bad block created.
"""

from __future__ import annotations

from reference.columns import load_u64, store_position, store_u64
from reference.environments.payments.encoding import (
    compute_transaction_leaf,
    encode_signed_transaction,
)
from reference.environments.payments.ledger import ChildChainLedger
from reference.merkle import compute_root
from reference.parties.alerts import Alert, AlertKind, WatcherDuty
from reference.parties.board import BlockBoard, ExitFollower, format_position
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.encoding import decode
from spec.environments.payments.chain import compute_genesis_child_chain
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    SignedTransaction,
)
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint64
from spec.settlement.state import BlockKind, BlockRecord, Exit, ExitStatus

WATCHER_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS watcher_state (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        cursor BLOB NOT NULL,
        bad_block BLOB,
        bad_time BLOB
    )""",
    """CREATE TABLE IF NOT EXISTS watcher_spends (
        position BLOB PRIMARY KEY,
        payment BLOB NOT NULL,
        input_index INTEGER NOT NULL,
        block_number BLOB NOT NULL
    ) WITHOUT ROWID""",
)
"""The watcher's tables: how far it checked and the first bad block, and the spends it saw."""


class Watcher:
    """Watches one environment for invalid and withheld blocks and for exits of spent outputs."""

    def __init__(
        self,
        ledger: ChildChainLedger,
        settlement: SettlementSimulator,
        board: BlockBoard,
        address: Address,
        grace_period: int | None = None,
    ) -> None:
        """Wrap the watcher's ledger; use :meth:`create` or :meth:`open`.

        ``grace_period``: seconds after its commitment within which a child
        block must be published; a quarter of the MFP when not given.
        """
        self.ledger = ledger
        """The valid history of the chain, as far as the watcher checked it."""
        self.settlement = settlement
        """The settlement layer read (and challenged on)."""
        self.board = board
        """Where blocks are downloaded."""
        self.address = address
        """The watcher's account: it sends challenges and receives their bonds."""
        self.period = settlement.get_rules(ledger.environment_id).minimal_finalization_period
        """The environment's minimal finalization period (MFP)."""
        self.grace_period = int(self.period) // 4 if grace_period is None else grace_period
        """Seconds a committed block may stay unpublished before it counts as withheld."""
        self.follower = ExitFollower(ledger.store, settlement, ledger.environment_id)
        """Finds new and ended exits incrementally."""
        self.alerts: list[Alert] = []
        """Every alert raised by this watcher object, in order."""
        self.duties: list[WatcherDuty] = []
        """More duties, run at each tick after the watcher's own checks."""
        with ledger.store.transaction() as connection:
            for statement in WATCHER_SCHEMA:
                connection.execute(statement)
            connection.execute(
                "INSERT OR IGNORE INTO watcher_state VALUES (0, ?, NULL, NULL)", (store_u64(0),)
            )

    @classmethod
    def create(
        cls,
        store: Store,
        *,
        settlement: SettlementSimulator,
        board: BlockBoard,
        environment_id: Uint64,
        address: Address,
        grace_period: int | None = None,
    ) -> Watcher:
        """Start watching a registered environment, with a new ledger in ``store``."""
        genesis = compute_genesis_child_chain(
            environment_id,
            settlement.get_operator(environment_id),
            settlement.preset.transaction_tree_depth,
        )
        ledger = ChildChainLedger.create(store, genesis, workers=1)
        return cls(ledger, settlement, board, address, grace_period)

    @classmethod
    def open(
        cls,
        store: Store,
        settlement: SettlementSimulator,
        board: BlockBoard,
        address: Address,
        grace_period: int | None = None,
    ) -> Watcher:
        """Reopen a watcher from its store; it goes on where it stopped."""
        ledger = ChildChainLedger.open(store, workers=1)
        return cls(ledger, settlement, board, address, grace_period)

    @property
    def environment_id(self) -> Uint64:
        """The environment watched."""
        return self.ledger.environment_id

    # State

    def read_state(self) -> tuple[Uint64, Uint64 | None, Uint64 | None]:
        """Return the last block number handled, and the first bad block and its time."""
        cursor, block, time = self.ledger.store.connection.execute(
            "SELECT cursor, bad_block, bad_time FROM watcher_state WHERE id = 0"
        ).fetchone()
        return (
            load_u64(cursor),
            None if block is None else load_u64(block),
            None if time is None else load_u64(time),
        )

    @property
    def first_bad_block(self) -> Uint64 | None:
        """The first invalid or withheld child block, if any."""
        return self.read_state()[1]

    def get_exit_deadline(self) -> Uint64 | None:
        """Return the time before which protected outputs must start exiting, if any.

        It is the first bad block's commitment time plus the MFP; an exit started
        at that time or later is no longer sure to come before the bad block's outputs.
        """
        bad_time = self.read_state()[2]
        return None if bad_time is None else bad_time + self.period

    # Watching

    def tick(self) -> list[Alert]:
        """Check every new block and every new or ended exit, run the duties; return new alerts."""
        raised = self.check_blocks()
        raised += self.check_exits()
        for duty in self.duties:
            raised += duty.tick()
        self.alerts.extend(raised)
        return raised

    def find_next_block(self, cursor: Uint64) -> tuple[Uint64, BlockRecord] | None:
        """Return the block log entry after ``cursor``, if one is committed."""
        number = cursor + 1
        record = self.settlement.get_block(self.environment_id, number)
        if record is not None:
            return number, record
        # Deposit numbers run on from the last block, so after a gap comes the next child block
        interval = int(self.settlement.preset.block_interval)
        child = Uint64(-(-int(number) // interval) * interval)
        record = self.settlement.get_block(self.environment_id, child)
        return None if record is None else (child, record)

    def check_blocks(self) -> list[Alert]:
        """Check the committed blocks in number order, as far as they can be checked now."""
        raised: list[Alert] = []
        while (found := self.find_next_block(self.read_state()[0])) is not None:
            number, record = found
            if record.kind == BlockKind.DEPOSIT:
                handled = self.check_deposit(number, record)
            else:
                handled = self.check_child_block(number, record, raised)
            if not handled:
                break
            with self.ledger.store.transaction() as connection:
                connection.execute("UPDATE watcher_state SET cursor = ?", (store_u64(number),))
        return raised

    def check_deposit(self, number: Uint64, record: BlockRecord) -> bool:
        """Apply a deposit block once its contents are posted; return whether it was."""
        transactions = self.board.get_block(self.environment_id, number)
        if transactions is None or len(transactions) != 1:
            return False
        deposit = transactions[0]
        if not isinstance(deposit, DepositTransaction) or self.compute_root(transactions) != (
            record.root
        ):
            return False
        self.ledger.apply_deposit(number, deposit)
        return True

    def compute_root(self, transactions: tuple[BlockTransaction, ...]) -> bytes:
        """Return the Merkle root of a block's transactions."""
        leaves = [compute_transaction_leaf(tx) for tx in transactions]
        return compute_root(leaves, int(self.ledger.transaction_tree_depth))

    def check_child_block(self, number: Uint64, record: BlockRecord, raised: list[Alert]) -> bool:
        """Check one committed child block; return False to wait for its publication."""
        transactions = self.board.get_block(self.environment_id, number)
        if transactions is None:
            if self.settlement.time < record.timestamp + self.grace_period:
                return False
            raised.append(self.mark_bad(AlertKind.WITHHELD_BLOCK, number, record, "not published"))
            return True
        raised.extend(self.record_spends(number, transactions))
        if self.compute_root(transactions) != record.root:
            problem = "published transactions do not match its root"
            raised.append(self.mark_bad(AlertKind.WITHHELD_BLOCK, number, record, problem))
        elif self.first_bad_block is None:
            try:
                self.ledger.apply_block(number, Block(transactions))
            except Rejected as rejection:
                problem = f"rejected: {rejection.reason.value}"
                raised.append(self.mark_bad(AlertKind.INVALID_BLOCK, number, record, problem))
        return True

    def mark_bad(self, kind: AlertKind, number: Uint64, record: BlockRecord, problem: str) -> Alert:
        """Record a bad block (the first one sets the deadline) and return its alert."""
        if self.first_bad_block is None:
            with self.ledger.store.transaction() as connection:
                connection.execute(
                    "UPDATE watcher_state SET bad_block = ?, bad_time = ?",
                    (store_u64(number), store_u64(record.timestamp)),
                )
        first, deadline = self.first_bad_block, self.get_exit_deadline()
        assert first is not None and deadline is not None
        adjective = kind.value.split("_")[0]
        message = (
            f"block {int(number)} of environment {int(self.environment_id)} is {adjective} "
            f"({problem}): exit every output created before block {int(first)} or by a deposit "
            f"before t={int(deadline)}"
        )
        return Alert(kind, self.environment_id, number, deadline, message)

    # Spends and exits

    def record_spends(
        self, number: Uint64, transactions: tuple[BlockTransaction, ...]
    ) -> list[Alert]:
        """Keep the first spend seen of every input; challenge open exits of those inputs."""
        raised = []
        for transaction in transactions:
            if not isinstance(transaction, SignedTransaction):
                continue
            for index, position in enumerate(transaction.transaction.inputs):
                if self.get_spend(position) is not None:
                    continue
                with self.ledger.store.transaction() as connection:
                    connection.execute(
                        "INSERT INTO watcher_spends VALUES (?, ?, ?, ?)",
                        (
                            store_position(position),
                            encode_signed_transaction(transaction),
                            index,
                            store_u64(number),
                        ),
                    )
                found = self.settlement.get_exit_of_position(self.environment_id, position)
                if found is not None and found[1].status == ExitStatus.OPEN:
                    alert = self.challenge(*found)
                    raised.extend([] if alert is None else [alert])
        return raised

    def get_spend(self, position: OutputPosition) -> tuple[SignedTransaction, int, Uint64] | None:
        """Return the first spend seen of an output: the payment, the input index, its block."""
        row = self.ledger.store.connection.execute(
            "SELECT payment, input_index, block_number FROM watcher_spends WHERE position = ?",
            (store_position(position),),
        ).fetchone()
        if row is None:
            return None
        return decode(SignedTransaction, row[0]), int(row[1]), load_u64(row[2])

    def challenge(self, exit_id: Uint64, exit: Exit) -> Alert | None:
        """Challenge an exit with the spend seen of its output; return the alert, or None."""
        spend = self.get_spend(exit.position)
        assert spend is not None, "only exits of outputs seen spent are challenged"
        payment, index, block = spend
        operation = ChallengeStandardExit(
            self.environment_id, self.address, exit_id, payment, Uint8(index)
        )
        try:
            self.settlement.apply(operation)
        except Rejected:
            # Not signed by the exit's owner (a forged spend): the exit stands
            return None
        message = (
            f"exit {int(exit_id)} of output {format_position(exit.position)} was challenged: "
            f"block {int(block)} spent it; bond {int(exit.bond)} taken from its owner"
        )
        return Alert(AlertKind.EXIT_CHALLENGED, self.environment_id, block, None, message)

    def check_exits(self) -> list[Alert]:
        """Challenge new exits of spent outputs, flag exits of invalid ones, follow payouts."""
        new, finished = self.follower.poll()
        raised = []
        for exit_id, exit in new:
            if exit.status != ExitStatus.OPEN:
                continue
            if self.get_spend(exit.position) is not None:
                alert = self.challenge(exit_id, exit)
            else:
                alert = self.check_exit_origin(exit_id, exit)
            raised.extend([] if alert is None else [alert])
        for _, exit in finished:
            if exit.status == ExitStatus.PROCESSED and self.ledger.get_output(exit.position):
                self.ledger.apply_exit(exit.position)
        return raised

    def check_exit_origin(self, exit_id: Uint64, exit: Exit) -> Alert | None:
        """Return an alert when an exit's output depends on the first bad block."""
        first = self.first_bad_block
        if first is None or exit.position.block_number < first:
            return None
        if self.ledger.get_output(exit.position) is not None:
            return None
        message = (
            f"exit {int(exit_id)} of output {format_position(exit.position)} ({int(exit.amount)}) "
            f"comes from bad block {int(exit.position.block_number)}; it cannot be challenged, "
            f"but exits started before the deadline are paid first"
        )
        return Alert(
            AlertKind.EXIT_OF_INVALID_OUTPUT,
            self.environment_id,
            exit.position.block_number,
            self.get_exit_deadline(),
            message,
        )
