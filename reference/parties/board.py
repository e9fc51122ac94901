"""Shared public services of the node's parties: a data-availability board and an exit follower.

On a real deployment users, operators and watchers read two public sources:
the settlement layer (its state and its events) and whatever the operator
publishes. The settlement layer is :class:`~reference.settlement.simulator.SettlementSimulator`;
this module adds the rest:

- :class:`BlockBoard`: the blocks published so far, which anyone may download.
  Operators publish their child blocks here; deposit blocks are posted by
  :func:`make_deposit`, as the root contract's deposit event announces them;
- :class:`ExitFollower`: reads an environment's exits incrementally, as an
  event subscription would: new exits by id from the last one seen, and the
  exits seen open until they end, never the whole exit history.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference.columns import load_u64, store_u64
from reference.environments.payments.encoding import compute_transaction_leaf, encode_block
from reference.merkle import compute_root
from reference.parties.cursor import ExitCursor
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.encoding import decode
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    Output,
)
from spec.positions import OutputPosition
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit
from spec.settlement.state import Exit, ExitStatus

PublishedBlock = tuple[Uint64, tuple[BlockTransaction, ...]]
"""A block as the board serves it: its number and its transactions."""


def compute_block_root(transactions: Sequence[BlockTransaction], depth: int) -> Hash32:
    """Return the Merkle root committed for a block's transactions (the spec's root)."""
    return compute_root([compute_transaction_leaf(tx) for tx in transactions], depth)


class BlockBoard:
    """A data-availability board: the blocks published so far, which anyone may download.

    Operators publish their child blocks here; deposit blocks are posted by
    :func:`make_deposit`, as the root contract's deposit event would announce
    them. A withheld block is one whose root is committed but which is not here.
    """

    def __init__(self, store: Store) -> None:
        """Open (or start) the board kept in ``store``."""
        self.store = store
        """Where the published blocks are kept, encoded."""
        with store.transaction() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS board_blocks (environment_id INTEGER NOT NULL, "
                "number BLOB NOT NULL, block BLOB NOT NULL, "
                "PRIMARY KEY (environment_id, number)) WITHOUT ROWID"
            )

    def publish(
        self, environment_id: Uint64, number: Uint64, transactions: Sequence[BlockTransaction]
    ) -> None:
        """Publish a block's transactions; publishing a number again changes nothing."""
        encoding = encode_block(Block(tuple(transactions)))
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO board_blocks VALUES (?, ?, ?)",
                (int(environment_id), store_u64(number), encoding),
            )

    def get_block(
        self, environment_id: Uint64, number: Uint64
    ) -> tuple[BlockTransaction, ...] | None:
        """Return the transactions of a published block, or None if it was not published."""
        row = self.store.connection.execute(
            "SELECT block FROM board_blocks WHERE environment_id = ? AND number = ?",
            (int(environment_id), store_u64(number)),
        ).fetchone()
        return None if row is None else decode(Block, row[0]).transactions

    def get_blocks_after(self, environment_id: Uint64, number: Uint64) -> list[PublishedBlock]:
        """Return the published blocks numbered after ``number``, in number order."""
        rows = self.store.connection.execute(
            "SELECT number, block FROM board_blocks WHERE environment_id = ? AND number > ? "
            "ORDER BY number",
            (int(environment_id), store_u64(number)),
        )
        return [(load_u64(n), decode(Block, block).transactions) for n, block in rows]


def make_deposit(settlement: SettlementSimulator, board: BlockBoard, deposit: Deposit) -> Uint64:
    """Apply a deposit on the settlement layer and post its deposit block; return its number.

    Raises:
        Rejected: any reason of the ``Deposit`` operation; nothing is posted then.
    """
    number = settlement.get_next_deposit_block_number(deposit.environment_id)
    settlement.apply(deposit)
    transaction = DepositTransaction(Output(deposit.owner, deposit.token, deposit.amount))
    board.publish(deposit.environment_id, number, [transaction])
    return number


IdentifiedExit = tuple[Uint64, Exit]
"""An exit with its id."""


def format_position(position: OutputPosition) -> str:
    """Return ``block:transaction:output``, the short form of a position."""
    parts = (position.block_number, position.transaction_index, position.output_index)
    return ":".join(str(int(part)) for part in parts)


class ExitFollower:
    """Follows the exits of one environment without rescanning them.

    New exits are read by id from the last one seen; exits seen open are
    remembered (in the store) and re-read on each poll until they end.
    """

    def __init__(
        self, store: Store, settlement: SettlementSimulator, environment_id: Uint64
    ) -> None:
        """Open (or start) the follower of ``environment_id`` kept in ``store``."""
        self.store = store
        """Where the cursor and the open exits are kept."""
        self.settlement = settlement
        """The settlement layer read."""
        self.environment_id = environment_id
        """The environment followed."""
        self.cursor = ExitCursor(store, "", environment_id)
        """Where the follower is: the next exit id, and the exits seen open."""

    def poll(self) -> tuple[list[IdentifiedExit], list[IdentifiedExit]]:
        """Return the exits started since the last poll, and the ones that ended since."""
        start, tracked = self.cursor.read()
        count = self.settlement.get_exit_count(self.environment_id)
        new = [(Uint64(i), self.read_exit(i)) for i in range(start, count)]
        candidates = [(Uint64(i), self.read_exit(i)) for i in tracked] + new
        finished = [(i, e) for i, e in candidates if e.status != ExitStatus.OPEN]
        still_open = [int(i) for i, e in candidates if e.status == ExitStatus.OPEN]
        self.cursor.write(count, still_open)
        return new, finished

    def read_exit(self, exit_id: int) -> Exit:
        """Return an exit that exists."""
        exit = self.settlement.get_exit(self.environment_id, Uint64(exit_id))
        assert exit is not None, "exit ids below the exit count exist"
        return exit
