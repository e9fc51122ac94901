"""A user's Plasma Cash wallet: its coins, each with its whole history and proofs.

A :class:`CoinWallet` learns of coins paid to it from the published leaves
(:meth:`CoinWallet.sync` from a :class:`~reference.parties.coin_board.CoinBoard`)
and keeps, for each such coin, its full history since its mint: for every
committed block (child or deposit) from the coin's deposit block on, the
leaf the block holds at the coin's key, or none, with the compact proof of
that key (inclusion or non-inclusion), checked against the root the
settlement layer committed. History stops at the first block that is not
published (or whose published leaves do not match its root) until it is.

The strict client rule (``spec.environments.cash.challenges``): a coin is
accepted only if its history, from the mint to the wallet's receipt, holds at
the coin's key nothing but the next valid transfer (naming the previous
leaf's block, signed by the owner it gave the coin to). Any other leaf
before the receipt taints the coin for good: the wallet refuses it
(:attr:`CoinStatus.REFUSED`), since its exit could be cancelled by a history
challenge nobody can answer. A leaf of the coin that is not a valid spend
*after* the receipt (a forgery by the operator) does not change ownership;
the wallet lists it (:meth:`CoinWallet.list_intrusions`) for its watcher.

For its coins the wallet builds transfers, exit starts (its receipt and that
leaf's parent, or the mint alone) and answers to invalid-history challenges.
Leaves and proofs are encoded with the reference's encoders and stored in the
wallet's :class:`~reference.store.Store`, so a reopened wallet keeps them.
"""

from __future__ import annotations

from enum import StrEnum

from reference.columns import load_u64, store_u64
from reference.environments.cash.encoding import (
    compute_compact_proof,
    compute_leaf_hash,
    compute_signing_hash,
    compute_sparse_root,
    encode_leaf,
    get_leaf_owner,
    is_valid_compact_proof,
)
from reference.parties.coin_board import CoinBoard, compute_leaf_hashes
from reference.parties.coin_history import (
    CoinRecord,
    HistoryVerdict,
    get_leaf_owner_of,
    judge_history,
)
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.crypto import compute_address_of_private_key, sign
from spec.encoding import decode, decode_as, encode
from spec.environments.cash.challenges import RespondCoinHistory
from spec.environments.cash.coins import CoinLeaf, CoinMint, SignedTransfer, Transfer
from spec.environments.cash.exits import StartCoinExit
from spec.environments.cash.records import CoinExit
from spec.environments.cash.witnesses import IncludedTransfer
from spec.merkle import EMPTY_LEAF
from spec.primitives import Address, Hash32, Uint64, Uint256
from spec.sparse_merkle import CompactProof

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS coin_wallet_coins (
        environment_id INTEGER NOT NULL,
        coin_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        checked_through BLOB NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (environment_id, coin_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coin_wallet_history (
        environment_id INTEGER NOT NULL,
        coin_id INTEGER NOT NULL,
        block_number BLOB NOT NULL,
        leaf BLOB,
        proof BLOB NOT NULL,
        PRIMARY KEY (environment_id, coin_id, block_number)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coin_wallet_cursors (
        environment_id INTEGER PRIMARY KEY,
        block_number BLOB NOT NULL
    )""",
)
"""The wallet's tables: its coins; each coin's history (leaf or none, proof) per
committed block; per environment, the last published block scanned for new coins."""


class CoinStatus(StrEnum):
    """What the wallet thinks of a coin it heard of."""

    UNVERIFIED = "unverified"
    """Paid to the wallet, but its history is not complete yet (a block is not published)."""
    OWNED = "owned"
    """Strictly valid history ending with the wallet's receipt: free to transfer or exit."""
    PENDING = "pending"
    """A transfer of it was signed and handed to the operator, not yet committed."""
    EXITING = "exiting"
    """Its exit was built; never transferred again."""
    REFUSED = "refused"
    """Its history holds an invalid leaf before the wallet's receipt: never accepted."""
    SENT = "sent"
    """A committed transfer gave it to someone else."""
    EXITED = "exited"
    """Paid out by a finalized exit."""


FINISHED = (CoinStatus.REFUSED, CoinStatus.SENT, CoinStatus.EXITED)
"""Statuses of coins whose history the wallet no longer extends."""


class CoinWallet:
    """One private key and the Cash coins it owns, with their histories, kept in a store."""

    def __init__(self, store: Store, private_key: bytes, coin_tree_depth: int) -> None:
        """Open (or start) the coin wallet of ``private_key`` kept in ``store``."""
        self.store = store
        """Where the wallet's coins and histories are kept."""
        self.private_key = private_key
        """The 32-byte secp256k1 private key; never stored."""
        self.address = compute_address_of_private_key(private_key)
        """The address of the key: the owner of the wallet's coins."""
        self.depth = int(coin_tree_depth)
        """Depth of every Cash block's sparse tree (the preset's)."""
        with store.transaction() as connection:
            for statement in SCHEMA:
                connection.execute(statement)

    # Learning from the board

    def sync(
        self, settlement: SettlementSimulator, board: CoinBoard, environment_id: Uint64
    ) -> int:
        """Find coins newly paid to the wallet, then extend and judge every open coin's history.

        Returns how many coins changed status.
        """
        self.discover(board, environment_id)
        changed = 0
        for coin_id, status in self.list_coin_statuses(environment_id):
            if status in FINISHED:
                continue
            self.extend_history(settlement, board, environment_id, coin_id)
            new = self.judge(environment_id, coin_id, status)
            if new != status:
                self.set_status(environment_id, coin_id, new)
                changed += 1
        return changed

    def discover(self, board: CoinBoard, environment_id: Uint64) -> None:
        """Track every coin a newly published leaf gives to the wallet."""
        cursor = self.get_cursor(environment_id)
        numbers = board.get_numbers_after(environment_id, cursor)
        found: set[int] = set()
        for number in numbers:
            leaves = board.get_leaves(environment_id, number) or {}
            found |= {coin for coin, leaf in leaves.items() if get_leaf_owner(leaf) == self.address}
        with self.store.transaction() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO coin_wallet_coins VALUES (?, ?, ?, ?, '')",
                [
                    (int(environment_id), coin, CoinStatus.UNVERIFIED.value, store_u64(coin - 1))
                    for coin in sorted(found)
                ],
            )
            # A coin the wallet sent away may come back
            connection.executemany(
                "UPDATE coin_wallet_coins SET status = ? "
                "WHERE environment_id = ? AND coin_id = ? AND status = ?",
                [
                    (CoinStatus.UNVERIFIED.value, int(environment_id), coin, CoinStatus.SENT.value)
                    for coin in sorted(found)
                ],
            )
            if numbers:
                connection.execute(
                    "INSERT OR REPLACE INTO coin_wallet_cursors VALUES (?, ?)",
                    (int(environment_id), store_u64(numbers[-1])),
                )

    def extend_history(
        self,
        settlement: SettlementSimulator,
        board: CoinBoard,
        environment_id: Uint64,
        coin_id: int,
    ) -> int:
        """Add the records of the committed blocks after the coin's last checked one.

        Stops at the first committed block not published, or published with
        leaves that do not match its committed root. Returns how many were added.
        """
        checked = int(self.get_checked_through(environment_id, coin_id))
        last = int(settlement.get_next_deposit_block_number(environment_id)) - 1
        rows = []
        for number in range(checked + 1, last + 1):
            record = settlement.get_block(environment_id, Uint64(number))
            if record is None:
                continue
            leaves = board.get_leaves(environment_id, Uint64(number))
            if leaves is None:
                break
            hashes = compute_leaf_hashes(leaves)
            if compute_sparse_root(hashes, self.depth) != record.root:
                break
            proof = compute_compact_proof(hashes, coin_id, self.depth)
            leaf = leaves.get(coin_id)
            hashed = bytes(EMPTY_LEAF) if leaf is None else compute_leaf_hash(leaf)
            assert is_valid_compact_proof(hashed, coin_id, proof, self.depth, bytes(record.root))
            encoded = None if leaf is None else encode_leaf(leaf)
            rows.append((int(environment_id), coin_id, store_u64(number), encoded, encode(proof)))
            checked = number
        with self.store.transaction() as connection:
            connection.executemany("INSERT INTO coin_wallet_history VALUES (?, ?, ?, ?, ?)", rows)
            connection.execute(
                "UPDATE coin_wallet_coins SET checked_through = ? "
                "WHERE environment_id = ? AND coin_id = ?",
                (store_u64(checked), int(environment_id), coin_id),
            )
        return len(rows)

    def judge(self, environment_id: Uint64, coin_id: int, status: CoinStatus) -> CoinStatus:
        """Return a coin's status after its history was extended."""
        verdict = self.get_verdict(environment_id, coin_id)
        history = self.get_history(environment_id, coin_id)
        complete = bool(history) and history[0].block_number == coin_id
        if verdict.owner == self.address:
            if verdict.tainted:
                return CoinStatus.REFUSED
            if status in (CoinStatus.PENDING, CoinStatus.EXITING):
                return status
            return CoinStatus.OWNED if complete else CoinStatus.UNVERIFIED
        if status == CoinStatus.UNVERIFIED:
            # Paid to us by a leaf that is no valid spend: refused once the history is known
            pending = self.get_checked_through(environment_id, coin_id) < (
                self.get_cursor(environment_id)
            )
            return CoinStatus.UNVERIFIED if pending or not complete else CoinStatus.REFUSED
        return CoinStatus.SENT

    # Queries

    def get_cursor(self, environment_id: Uint64) -> Uint64:
        """Return the last published block scanned for new coins (0 before any)."""
        row = self.store.connection.execute(
            "SELECT block_number FROM coin_wallet_cursors WHERE environment_id = ?",
            (int(environment_id),),
        ).fetchone()
        return Uint64(0) if row is None else load_u64(row[0])

    def get_checked_through(self, environment_id: Uint64, coin_id: int) -> Uint64:
        """Return the last block of a coin's history the wallet checked."""
        row = self.store.connection.execute(
            "SELECT checked_through FROM coin_wallet_coins "
            "WHERE environment_id = ? AND coin_id = ?",
            (int(environment_id), coin_id),
        ).fetchone()
        assert row is not None, "a tracked coin"
        return load_u64(row[0])

    def list_coin_statuses(self, environment_id: Uint64) -> list[tuple[int, CoinStatus]]:
        """Return every coin the wallet tracks in an environment with its status, by id."""
        rows = self.store.connection.execute(
            "SELECT coin_id, status FROM coin_wallet_coins WHERE environment_id = ? "
            "ORDER BY coin_id",
            (int(environment_id),),
        )
        return [(int(coin), CoinStatus(status)) for coin, status in rows]

    def get_status(self, environment_id: Uint64, coin_id: int) -> CoinStatus | None:
        """Return a coin's status, or None if the wallet never heard of it."""
        statuses = dict(self.list_coin_statuses(environment_id))
        return statuses.get(int(coin_id))

    def list_coins(self, environment_id: Uint64, status: CoinStatus) -> list[int]:
        """Return the ids of the wallet's coins with ``status``."""
        return [c for c, s in self.list_coin_statuses(environment_id) if s == status]

    def get_history(self, environment_id: Uint64, coin_id: int) -> list[CoinRecord]:
        """Return a coin's checked history, one record per committed block, in block order."""
        rows = self.store.connection.execute(
            "SELECT block_number, leaf, proof FROM coin_wallet_history "
            "WHERE environment_id = ? AND coin_id = ? ORDER BY block_number",
            (int(environment_id), coin_id),
        )
        return [
            CoinRecord(
                load_u64(number),
                None if leaf is None else decode_as(CoinLeaf, leaf),
                decode(CompactProof, proof),
            )
            for number, leaf, proof in rows
        ]

    def get_verdict(self, environment_id: Uint64, coin_id: int) -> HistoryVerdict:
        """Return what a coin's checked history says (valid leaves, intrusions, taint)."""
        history = self.get_history(environment_id, coin_id)
        return judge_history(int(environment_id), coin_id, history, self.address)

    def list_intrusions(self, environment_id: Uint64, coin_id: int) -> list[CoinRecord]:
        """Return the leaves of a coin that are no valid spend (forged, or second spends)."""
        return list(self.get_verdict(environment_id, coin_id).intrusions)

    def get_receipt(
        self, environment_id: Uint64, coin_id: int
    ) -> tuple[CoinRecord, CoinRecord | None]:
        """Return the leaf that gave the wallet a coin it owns, and that leaf's parent (if any)."""
        chain = self.get_verdict(environment_id, coin_id).chain
        assert chain and get_leaf_owner_of(chain[-1]) == self.address, "a coin the wallet owns"
        return chain[-1], chain[-2] if len(chain) > 1 else None

    def get_amount(self, environment_id: Uint64, coin_id: int) -> Uint256:
        """Return a tracked coin's amount (from its mint)."""
        chain = self.get_verdict(environment_id, coin_id).chain
        assert chain and isinstance(chain[0].leaf, CoinMint)
        return chain[0].leaf.amount

    def set_status(self, environment_id: Uint64, coin_id: int, status: CoinStatus) -> None:
        """Set a tracked coin's status."""
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE coin_wallet_coins SET status = ? WHERE environment_id = ? AND coin_id = ?",
                (status.value, int(environment_id), coin_id),
            )

    # Transfers, exits and answers

    def transfer(self, environment_id: Uint64, coin_id: int, recipient: Address) -> SignedTransfer:
        """Sign a transfer of an owned coin to ``recipient``; the coin becomes pending."""
        assert self.get_status(environment_id, coin_id) == CoinStatus.OWNED, "an owned coin"
        receipt, _ = self.get_receipt(environment_id, coin_id)
        body = Transfer(Uint64(coin_id), receipt.block_number, recipient)
        signature = sign(self.private_key, Hash32(compute_signing_hash(int(environment_id), body)))
        self.set_status(environment_id, coin_id, CoinStatus.PENDING)
        return SignedTransfer(body, signature)

    def cancel_transfer(self, environment_id: Uint64, coin_id: int) -> None:
        """Make a coin whose transfer the operator refused owned again."""
        self.set_status(environment_id, coin_id, CoinStatus.OWNED)

    def make_exit(self, environment_id: Uint64, coin_id: int, bond: Uint256) -> StartCoinExit:
        """Build the exit of an owned coin (receipt and parent, or the mint); it becomes exiting."""
        assert self.get_status(environment_id, coin_id) == CoinStatus.OWNED, "an owned coin"
        receipt, parent = self.get_receipt(environment_id, coin_id)
        self.set_status(environment_id, coin_id, CoinStatus.EXITING)
        return StartCoinExit(
            environment_id=environment_id,
            sender=self.address,
            coin_id=Uint64(coin_id),
            exiting=receipt.as_included(),
            parent=None if parent is None else parent.as_included(),
            bond=bond,
        )

    def make_answer(
        self, environment_id: Uint64, exit_id: Uint64, exit: CoinExit, challenge_block: Uint64
    ) -> RespondCoinHistory | None:
        """Return the answer to a history challenge: the valid spend of the challenging leaf.

        None when the wallet's valid history holds no such spend up to the exit's parent.
        """
        for record in self.get_verdict(environment_id, int(exit.coin_id)).chain:
            leaf = record.leaf
            if (
                isinstance(leaf, SignedTransfer)
                and leaf.transfer.previous_block == challenge_block
                and challenge_block < record.block_number <= exit.parent_block
            ):
                response = IncludedTransfer(record.block_number, leaf, record.proof)
                return RespondCoinHistory(
                    environment_id, self.address, exit_id, challenge_block, response
                )
        return None
