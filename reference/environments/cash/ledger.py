"""The Plasma Cash child chain ledger, the reference counterpart of ``spec...cash.chain``.

:class:`CashLedger` applies mints, child blocks and coin exits with the
spec's semantics: the same rejection reasons, checked in the same order (see
the module docstring of ``spec.environments.cash.chain``), and the same
state, as equal digests show. It computes them differently, to be fast and
durable:

- the state lives in SQLite (``reference.environments.cash.tables``): the
  coin index (owner, token, amount, last block, by coin id and by owner),
  the totals, and the coin history (every mint and transfer applied, by coin
  and by block), from which a wallet gets any coin's leaves and the compact
  proofs of its key in any block (:meth:`CashLedger.get_coin_proof`);
- the live coins are also held in memory, loaded at open, so a block is
  validated without reading the database;
- a block's signers are recovered on a thread pool
  (:class:`~reference.signatures.SignerRecovery`) while its transfers are
  walked in order; a signer is consulted only when the spec would check it,
  so the first invalid transfer's reason is the spec's.

Atomicity: each step commits in one store transaction, and the memory is
updated only after the commit; a rejection or a crash leaves both as they were.
"""

from __future__ import annotations

from dataclasses import replace

from Crypto.Hash import keccak

from reference.columns import encode_count
from reference.environments.cash import tables
from reference.environments.cash.encoding import (
    compute_compact_proof,
    compute_signing_hash,
    compute_sparse_root,
    encode_leaf,
)
from reference.hashing import hash_bytes
from reference.signatures import SignerRecovery
from reference.store import Store, failpoint
from spec.encoding import decode_as
from spec.environments.cash.chain import CashChainState, LiveCoin
from spec.environments.cash.coins import CoinBlock, CoinLeaf, CoinMint
from spec.environments.cash.kind import CASH_CHAIN_DIGEST_DOMAIN
from spec.errors import RejectionReason, reject, require
from spec.merkle import LEAF_PREFIX
from spec.primitives import Address, Hash32, Uint8, Uint64, Uint256
from spec.sparse_merkle import CompactProof

ROWS_PER_FETCH = 4096
"""Rows hashed per round trip to SQLite."""

Totals = dict[str, dict[Address, int]]
"""The two per-token totals, by ``CashChainState`` field name."""


def add_to_total(totals: dict[Address, int], token: Address, amount: int) -> None:
    """Add ``amount`` to a token's total in place (zero adds no entry).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    if amount:
        totals[token] = int(Uint256(totals.get(token, 0)) + Uint256(amount))


def encode_totals(totals: dict[Address, int]) -> bytes:
    """Return the canonical encoding of one per-token total (entries in token order)."""
    entries = sorted((bytes(token), amount) for token, amount in totals.items())
    return encode_count(len(entries)) + b"".join(
        token + amount.to_bytes(32, "big") for token, amount in entries
    )


class CashLedger:
    """A Cash child chain kept in a :class:`~reference.store.Store`."""

    def __init__(
        self,
        store: Store,
        header: tables.CashHeader,
        coins: dict[int, LiveCoin],
        totals: Totals,
        workers: int | None,
    ) -> None:
        """Wrap loaded state; use :meth:`create` or :meth:`open`."""
        self.store = store
        """Where the ledger's state is kept."""
        self.header = header
        """Environment id, coin tree depth and last block number, as committed."""
        self.coins = coins
        """Every live coin, by id, as committed (the cache)."""
        self.totals = totals
        """The two per-token totals, as committed."""
        self.workers = workers
        """Threads recovering a block's signers (None: one per core)."""

    # Opening

    @staticmethod
    def exists(store: Store) -> bool:
        """Return whether ``store`` holds a Cash ledger."""
        return store.has_table(tables.HEADER_TABLE)

    @classmethod
    def create(
        cls, store: Store, genesis: CashChainState, workers: int | None = None
    ) -> CashLedger:
        """Create a ledger in an empty store, starting from any spec state ``genesis``."""
        assert not cls.exists(store), "the store already holds a ledger"
        header = tables.CashHeader(
            Uint64(genesis.environment_id),
            Uint8(genesis.coin_tree_depth),
            Uint64(genesis.block_number),
        )
        coins = {int(coin_id): coin for coin_id, coin in genesis.coins.items()}
        totals = {
            "minted": {token: int(amount) for token, amount in genesis.minted.items()},
            "retired": {token: int(amount) for token, amount in genesis.retired.items()},
        }
        with store.transaction() as connection:
            tables.create_tables(connection)
            tables.write_header(connection, header)
            failpoint()
            tables.write_coins(connection, (tables.make_coin_row(i, c) for i, c in coins.items()))
            failpoint()
            for ledger, entries in totals.items():
                tables.write_totals(connection, ledger, entries.items())
        return cls(store, header, coins, totals, workers)

    @classmethod
    def open(cls, store: Store, workers: int | None = None) -> CashLedger:
        """Open the ledger kept in ``store``, loading its live coins into memory."""
        connection = store.connection
        header = tables.read_header(connection)
        coins = tables.read_coins(connection)
        return cls(store, header, coins, tables.read_totals(connection), workers)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    # Accessors

    @property
    def environment_id(self) -> Uint64:
        """Id of the environment; every transfer is signed for it."""
        return self.header.environment_id

    @property
    def coin_tree_depth(self) -> Uint8:
        """Depth of each block's sparse tree."""
        return self.header.coin_tree_depth

    @property
    def block_number(self) -> Uint64:
        """Number of the last block or mint applied; 0 before any."""
        return self.header.block_number

    def get_coin(self, coin_id: int) -> LiveCoin | None:
        """Return a live coin, or None (never minted, or retired)."""
        return self.coins.get(coin_id)

    def get_coins_of(self, owner: Address) -> list[int]:
        """Return the ids of an owner's live coins, in id order (through an index)."""
        return tables.read_coins_of(self.store.connection, owner)

    def get_history(self, coin_id: int) -> list[tuple[int, CoinLeaf]]:
        """Return a coin's applied mint and transfers with their block numbers, in block order."""
        rows = tables.read_history_of(self.store.connection, coin_id)
        return [(block, decode_as(CoinLeaf, leaf)) for block, leaf in rows]

    def get_block_root(self, block_number: int) -> Hash32:
        """Return the sparse root of the leaves applied at ``block_number`` (empty if none)."""
        leaves = self.get_block_leaf_hashes(block_number)
        return compute_sparse_root(leaves, int(self.coin_tree_depth))

    def get_coin_proof(self, block_number: int, coin_id: int) -> CompactProof:
        """Return the compact proof of a coin's key in an applied block (inclusion or not)."""
        leaves = self.get_block_leaf_hashes(block_number)
        return compute_compact_proof(leaves, coin_id, int(self.coin_tree_depth))

    def get_block_leaf_hashes(self, block_number: int) -> dict[int, bytes]:
        """Return the leaf hashes of a block's applied leaves, by coin id."""
        leaves = tables.read_block_leaves(self.store.connection, block_number)
        return {coin: hash_bytes(LEAF_PREFIX + leaf) for coin, leaf in leaves.items()}

    def get_state(self) -> CashChainState:
        """Return the whole state as the spec's ``CashChainState``."""
        return CashChainState(
            environment_id=self.environment_id,
            coin_tree_depth=self.coin_tree_depth,
            block_number=self.block_number,
            coins={Uint64(coin_id): coin for coin_id, coin in self.coins.items()},
            minted={token: Uint256(a) for token, a in self.totals["minted"].items()},
            retired={token: Uint256(a) for token, a in self.totals["retired"].items()},
        )

    def compute_digest(self) -> Hash32:
        """Return the state digest, equal to the spec's, streaming the coin index in key order."""
        hasher = keccak.new(digest_bits=256)
        header = self.header
        hasher.update(
            CASH_CHAIN_DIGEST_DOMAIN
            + header.environment_id.to_bytes(8, "big")
            + bytes([int(header.coin_tree_depth)])
            + header.block_number.to_bytes(8, "big")
            + encode_count(len(self.coins))
        )
        cursor = self.store.connection.execute(
            "SELECT coin_id, owner, token, amount, last_block FROM cash_coins ORDER BY coin_id"
        )
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            hasher.update(b"".join(b"".join(row) for row in rows))
        for ledger in tables.TOTALS_LEDGERS:
            hasher.update(encode_totals(self.totals[ledger]))
        return Hash32(hasher.digest())

    def check_not_nested(self) -> None:
        """Assert no store transaction is open: the cache follows only this step's commit."""
        assert self.store.depth == 0, "ledger operations commit on their own, not nested"

    # Mints

    def apply_mint(self, mint: CoinMint) -> None:
        """Apply a deposit block: its coin becomes live, owned by the depositor.

        Raises:
            Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``COIN_TREE_FULL``,
                ``OUTPUT_AMOUNT_ZERO``, ``INTEGER_OVERFLOW`` (the token's minted total).
        """
        self.check_not_nested()
        # Verify blocks and mints come in strictly increasing number order
        require(mint.coin_id > self.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
        # Verify the coin's id is a key of the block trees
        require(mint.coin_id < 1 << int(self.coin_tree_depth), RejectionReason.COIN_TREE_FULL)
        # Verify the coin carries a positive amount
        require(mint.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
        minted = dict(self.totals["minted"])
        add_to_total(minted, mint.token, int(mint.amount))
        coin_id = int(mint.coin_id)
        coin = LiveCoin(mint.owner, mint.token, mint.amount, mint.coin_id)
        with self.store.transaction() as connection:
            tables.write_coins(connection, [tables.make_coin_row(coin_id, coin)])
            failpoint()
            tables.write_totals(connection, "minted", [(mint.token, minted[mint.token])])
            failpoint()
            tables.write_history(connection, [(coin_id, coin_id, encode_leaf(mint))])
            failpoint()
            tables.write_block_number(connection, mint.coin_id)
        self.coins[coin_id] = coin
        self.totals["minted"] = minted
        self.header = replace(self.header, block_number=mint.coin_id)

    # Blocks

    def apply_block(self, block_number: Uint64, block: CoinBlock) -> None:
        """Apply a child block: every transfer moves its coin to the new owner.

        Each transfer is checked against the coins before the block; the reason
        of the first invalid transfer, in the listed order, is reported.

        Raises:
            Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``TRANSFER_COIN_REPEATED``,
                ``TRANSFER_COIN_UNKNOWN``, ``TRANSFER_NOT_FROM_LAST_BLOCK``, the
                signature reasons, ``TRANSFER_NOT_SIGNED_BY_OWNER``.
        """
        self.check_not_nested()
        # Verify blocks and mints are applied in strictly increasing number order
        require(block_number > self.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
        environment_id = int(self.environment_id)
        moved: dict[int, LiveCoin] = {}
        with SignerRecovery(self.workers) as recovery:
            for signed in block.transfers:
                message = compute_signing_hash(environment_id, signed.transfer)
                recovery.add(message, bytes(signed.signature))
            recovery.finish()
            for index, signed in enumerate(block.transfers):
                transfer = signed.transfer
                coin_id = int(transfer.coin_id)
                # Verify a block moves each coin at most once
                require(coin_id not in moved, RejectionReason.TRANSFER_COIN_REPEATED)
                coin = self.coins.get(coin_id)
                # Verify the transfer moves a live coin
                require(coin is not None, RejectionReason.TRANSFER_COIN_UNKNOWN)
                assert coin is not None
                # Verify the transfer spends the coin's latest mint or transfer
                require(
                    transfer.previous_block == coin.last_block,
                    RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK,
                )
                signer = recovery.get(index)
                if isinstance(signer, RejectionReason):
                    reject(signer)
                # Verify the coin's owner signed the transfer
                require(signer == coin.owner, RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER)
                moved[coin_id] = replace(
                    coin, owner=transfer.new_owner, last_block=Uint64(block_number)
                )
        number = int(block_number)
        history = [(int(s.transfer.coin_id), number, encode_leaf(s)) for s in block.transfers]
        with self.store.transaction() as connection:
            tables.write_coins(connection, (tables.make_coin_row(i, c) for i, c in moved.items()))
            failpoint()
            tables.write_history(connection, history)
            failpoint()
            tables.write_block_number(connection, Uint64(block_number))
        self.coins.update(moved)
        self.header = replace(self.header, block_number=Uint64(block_number))

    # Exits

    def apply_exit(self, coin_id: Uint64) -> None:
        """Apply an exit finalized on the settlement layer: the coin is retired.

        Raises:
            Rejected: ``EXITED_COIN_UNKNOWN``; ``INTEGER_OVERFLOW`` of the token's
                retired total.
        """
        self.check_not_nested()
        coin = self.coins.get(int(coin_id))
        # Verify the exited coin is live on the child chain
        require(coin is not None, RejectionReason.EXITED_COIN_UNKNOWN)
        assert coin is not None
        retired = dict(self.totals["retired"])
        add_to_total(retired, coin.token, int(coin.amount))
        with self.store.transaction() as connection:
            tables.delete_coin(connection, int(coin_id))
            failpoint()
            if coin.amount:
                tables.write_totals(connection, "retired", [(coin.token, retired[coin.token])])
        del self.coins[int(coin_id)]
        self.totals["retired"] = retired
