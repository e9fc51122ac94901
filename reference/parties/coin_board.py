"""Public services of a Plasma Cash environment's parties: a leaf board and a coin exit follower.

The counterpart of :mod:`reference.parties.board` for Cash environments. The
settlement layer stores only each block's sparse root; whoever wants to
check a coin's history needs the leaves:

- :class:`CoinBoard`: the leaves of every published Cash block (a mint for a
  deposit block, the transfers of a child block, nothing for an empty one),
  which anyone may download. The Cash operator publishes its child blocks
  here; deposit blocks are posted by :func:`make_coin_deposit`, as the root
  contract's deposit event announces them. A block whose root is committed
  but which is not here is withheld.
- :class:`CoinExitFollower`: reads a Cash environment's coin exits
  incrementally, as an event subscription would: new exits by id from the
  last one seen, and the exits seen open until they end.

Leaves are stored in their canonical encoding
(:func:`reference.environments.cash.encoding.encode_leaf`) and hashed with
the reference's fast encoders.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference.columns import load_u64, store_u64
from reference.environments.cash.encoding import (
    compute_leaf_hash,
    compute_sparse_root,
    encode_leaf,
    get_leaf_coin,
)
from reference.parties.cursor import ExitCursor
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.encoding import decode_as
from spec.environments.cash.coins import CoinLeaf, CoinMint
from spec.environments.cash.records import CoinExit, CoinExitStatus
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit

COIN_BOARD_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS coin_board_blocks (
        environment_id INTEGER NOT NULL,
        number BLOB NOT NULL,
        PRIMARY KEY (environment_id, number)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coin_board_leaves (
        environment_id INTEGER NOT NULL,
        number BLOB NOT NULL,
        coin_id INTEGER NOT NULL,
        leaf BLOB NOT NULL,
        PRIMARY KEY (environment_id, number, coin_id)
    ) WITHOUT ROWID""",
)
"""The board's tables: the published block numbers, and their leaves by coin."""

CoinLeaves = dict[int, CoinLeaf]
"""A published Cash block's leaves, by coin id."""


def compute_leaf_hashes(leaves: CoinLeaves) -> dict[int, bytes]:
    """Return the sparse-tree leaf hash of every leaf, by coin id."""
    return {coin: compute_leaf_hash(leaf) for coin, leaf in leaves.items()}


def compute_coin_root(leaves: CoinLeaves, depth: int) -> Hash32:
    """Return the sparse root committed for a block holding ``leaves`` (the spec's root)."""
    return compute_sparse_root(compute_leaf_hashes(leaves), depth)


class CoinBoard:
    """A data-availability board for Cash blocks: their leaves, which anyone may download."""

    def __init__(self, store: Store) -> None:
        """Open (or start) the board kept in ``store`` (it may share the payments board's)."""
        self.store = store
        """Where the published leaves are kept, encoded."""
        with store.transaction() as connection:
            for statement in COIN_BOARD_SCHEMA:
                connection.execute(statement)

    def publish(self, environment_id: Uint64, number: Uint64, leaves: Sequence[CoinLeaf]) -> None:
        """Publish a block's leaves (one per coin); publishing a number again changes nothing."""
        environment, key = int(environment_id), store_u64(number)
        with self.store.transaction() as connection:
            published = connection.execute(
                "SELECT 1 FROM coin_board_blocks WHERE environment_id = ? AND number = ?",
                (environment, key),
            ).fetchone()
            if published is not None:
                return
            connection.execute("INSERT INTO coin_board_blocks VALUES (?, ?)", (environment, key))
            connection.executemany(
                "INSERT INTO coin_board_leaves VALUES (?, ?, ?, ?)",
                [
                    (environment, key, int(get_leaf_coin(leaf)), encode_leaf(leaf))
                    for leaf in leaves
                ],
            )

    def is_published(self, environment_id: Uint64, number: Uint64) -> bool:
        """Return whether a block was published (an empty one too)."""
        row = self.store.connection.execute(
            "SELECT 1 FROM coin_board_blocks WHERE environment_id = ? AND number = ?",
            (int(environment_id), store_u64(number)),
        ).fetchone()
        return row is not None

    def get_leaves(self, environment_id: Uint64, number: Uint64) -> CoinLeaves | None:
        """Return a published block's leaves by coin id, or None if it was not published."""
        if not self.is_published(environment_id, number):
            return None
        rows = self.store.connection.execute(
            "SELECT coin_id, leaf FROM coin_board_leaves WHERE environment_id = ? AND number = ?",
            (int(environment_id), store_u64(number)),
        )
        return {int(coin): decode_as(CoinLeaf, leaf) for coin, leaf in rows}

    def get_numbers_after(self, environment_id: Uint64, number: Uint64) -> list[Uint64]:
        """Return the numbers of the blocks published after ``number``, in order."""
        rows = self.store.connection.execute(
            "SELECT number FROM coin_board_blocks WHERE environment_id = ? AND number > ? "
            "ORDER BY number",
            (int(environment_id), store_u64(number)),
        )
        return [load_u64(n) for (n,) in rows]


def make_coin_deposit(
    settlement: SettlementSimulator, board: CoinBoard, deposit: Deposit
) -> Uint64:
    """Apply a deposit to a Cash environment and post its mint; return the new coin's id.

    The coin's id is the number of its deposit block.

    Raises:
        Rejected: any reason of the ``Deposit`` operation; nothing is posted then.
    """
    number = settlement.get_next_deposit_block_number(deposit.environment_id)
    settlement.apply(deposit)
    mint = CoinMint(number, deposit.owner, deposit.token, deposit.amount)
    board.publish(deposit.environment_id, number, [mint])
    return number


IdentifiedCoinExit = tuple[Uint64, CoinExit]
"""A coin exit with its id."""


class CoinExitFollower:
    """Follows the coin exits of one Cash environment without rescanning them.

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
        """The Cash environment followed."""
        self.cursor = ExitCursor(store, "coin_", environment_id)
        """Where the follower is: the next coin exit id, and the exits seen open."""

    def poll(self) -> tuple[list[IdentifiedCoinExit], list[IdentifiedCoinExit]]:
        """Return the exits still open (new ones included), and the ones that ended since."""
        start, tracked = self.cursor.read()
        count = self.settlement.get_coin_exit_count(self.environment_id)
        candidates = [(Uint64(i), self.read_exit(i)) for i in [*tracked, *range(start, count)]]
        still_open = [(i, e) for i, e in candidates if e.status == CoinExitStatus.OPEN]
        ended = [(i, e) for i, e in candidates if e.status != CoinExitStatus.OPEN]
        self.cursor.write(count, [int(i) for i, _ in still_open])
        return still_open, ended

    def read_exit(self, exit_id: int) -> CoinExit:
        """Return a coin exit that exists."""
        exit = self.settlement.get_coin_exit(self.environment_id, Uint64(exit_id))
        assert exit is not None, "exit ids below the exit count exist"
        return exit
