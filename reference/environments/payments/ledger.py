"""The payments child chain ledger, the reference counterpart of ``spec...payments.chain``.

:class:`ChildChainLedger` applies deposits, blocks and exits with the spec's
semantics: the same rejection reasons, checked in the same order (see the
module docstring of ``spec.environments.payments.chain``), and the same
state, as its equal digests show. It computes them differently, to be fast
and durable:

- the state lives in SQLite (``reference.environments.payments.tables``):
  outputs by position, an index by owner, the spent set, totals, and every
  applied block with its root and encoding, so that wallets and watchers can
  fetch blocks and build inclusion proofs;
- the unspent outputs are also held in memory, keyed by stored position
  (``reference.columns``), loaded at open, so a block is validated without
  reading the database;
- a block is prepared in chunks on a thread pool (encodings, Merkle subtree
  roots, recovered signers: ``reference.environments.payments.prepare``)
  while its transactions are walked in order over an overlay of the cache
  (``reference.environments.payments.walk``); nothing is written until the
  whole block passes, and then everything is written in one store transaction.

The node picks this ledger for a payments environment through the kind's row
(``reference.environments.payments.kind``).

Atomicity: each operation commits in one transaction, and the in-memory
state is updated only after the commit. A rejection, or a crash, leaves both
the database and the memory as they were.
"""

from __future__ import annotations

from dataclasses import replace

from reference.columns import store_position
from reference.environments.payments import tables
from reference.environments.payments.encoding import (
    DEPOSIT_TAG,
    compute_leaf_of_encoding,
    encode_block_from_parts,
    encode_block_transaction,
    encode_output,
)
from reference.environments.payments.export import compute_ledger_digest, export_state
from reference.environments.payments.prepare import BlockPreparation, KnownSigners, check_counts
from reference.environments.payments.walk import BlockWalk, add_to_total
from reference.merkle import compute_levels, compute_proof, compute_root, compute_root_from_height
from reference.store import Store, failpoint
from spec.encoding import decode
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.transactions import Block, DepositTransaction, Output
from spec.errors import Rejected, RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64

Totals = dict[str, dict[Address, int]]
"""The four per-token totals of the state, by ``ChildChainState`` field name."""


def find_changed_entries(
    before: dict[Address, int], after: dict[Address, int]
) -> list[tuple[Address, int]]:
    """Return the entries of ``after`` that are new or differ from ``before``."""
    return [(token, amount) for token, amount in after.items() if before.get(token) != amount]


class ChildChainLedger:
    """A payments child chain kept in a :class:`~reference.store.Store`."""

    def __init__(
        self,
        store: Store,
        header: tables.ChainHeader,
        utxos: dict[bytes, Output],
        totals: Totals,
        workers: int | None,
    ) -> None:
        """Wrap loaded state; use :meth:`create` or :meth:`open`."""
        self.store = store
        """Where the ledger's state is kept."""
        self.header = header
        """Environment id, operator, tree depth and last block number, as committed."""
        self.utxos = utxos
        """Every unspent output, by stored position, as committed (the cache)."""
        self.totals = totals
        """The four per-token totals, as committed."""
        self.workers = workers
        """Threads recovering a block's signatures (None: one per core)."""

    # Opening

    @staticmethod
    def exists(store: Store) -> bool:
        """Return whether ``store`` holds a ledger."""
        return store.has_table(tables.HEADER_TABLE)

    @classmethod
    def create(
        cls, store: Store, genesis: ChildChainState, workers: int | None = None
    ) -> ChildChainLedger:
        """Create a ledger in an empty store, starting from any spec state ``genesis``."""
        assert not cls.exists(store), "the store already holds a ledger"
        header = tables.ChainHeader(
            Uint64(genesis.environment_id),
            Address(genesis.operator),
            Uint8(genesis.transaction_tree_depth),
            Uint64(genesis.block_number),
        )
        totals = {
            ledger: {token: int(amount) for token, amount in getattr(genesis, ledger).items()}
            for ledger in tables.TOTALS_LEDGERS
        }
        with store.transaction() as connection:
            tables.create_tables(connection)
            tables.write_header(connection, header)
            failpoint()
            rows = (tables.make_utxo_row(position, o) for position, o in genesis.utxos.items())
            tables.write_utxos(connection, rows)
            failpoint()
            tables.write_spent(connection, (store_position(p) for p in genesis.spent))
            failpoint()
            for ledger, entries in totals.items():
                tables.write_totals(connection, ledger, entries.items())
        utxos = {store_position(position): o for position, o in genesis.utxos.items()}
        return cls(store, header, utxos, totals, workers)

    @classmethod
    def open(cls, store: Store, workers: int | None = None) -> ChildChainLedger:
        """Open the ledger kept in ``store``, loading its unspent outputs into memory."""
        connection = store.connection
        header = tables.read_header(connection)
        utxos = tables.read_utxo_cache(connection)
        return cls(store, header, utxos, tables.read_totals(connection), workers)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    # Accessors

    @property
    def environment_id(self) -> Uint64:
        """Id of the environment; every signed message names it."""
        return self.header.environment_id

    @property
    def operator(self) -> Address:
        """The only owner a fee claim may pay."""
        return self.header.operator

    @property
    def transaction_tree_depth(self) -> Uint8:
        """Depth of each block's Merkle tree."""
        return self.header.transaction_tree_depth

    @property
    def block_number(self) -> Uint64:
        """Number of the last block or deposit applied; 0 before any."""
        return self.header.block_number

    def get_block_size_limit(self) -> int:
        """Return the most transactions a block may hold, ``2**depth``."""
        return 1 << int(self.transaction_tree_depth)

    def get_output(self, position: OutputPosition) -> Output | None:
        """Return the unspent output at ``position``, or None."""
        return self.utxos.get(store_position(position))

    def get_outputs_of(self, owner: Address) -> list[tuple[OutputPosition, Output]]:
        """Return the unspent outputs of ``owner`` in position order (through an index)."""
        return tables.read_utxos_of(self.store.connection, owner)

    def is_spent(self, position: OutputPosition) -> bool:
        """Return whether a payment ever spent the output at ``position``."""
        return tables.is_spent(self.store.connection, position)

    def get_block(self, block_number: int) -> Block | None:
        """Return the block (or deposit block) applied at ``block_number``, or None."""
        found = tables.read_block(self.store.connection, block_number)
        return None if found is None else decode(Block, found[1])

    def get_block_root(self, block_number: int) -> Hash32 | None:
        """Return the Merkle root of the block applied at ``block_number``, or None."""
        found = tables.read_block(self.store.connection, block_number)
        return None if found is None else Hash32(found[0])

    def get_inclusion_proof(
        self, block_number: int, transaction_index: int
    ) -> tuple[Hash32, ...] | None:
        """Return the Merkle proof of a transaction of an applied block, or None if absent."""
        block = self.get_block(block_number)
        if block is None or not 0 <= transaction_index < len(block.transactions):
            return None
        leaves = [
            compute_leaf_of_encoding(encode_block_transaction(tx)) for tx in block.transactions
        ]
        return compute_proof(
            compute_levels(leaves, int(self.transaction_tree_depth)), transaction_index
        )

    def get_state(self) -> ChildChainState:
        """Return the whole state as the spec's ``ChildChainState`` (reads every output)."""
        loader = tables.OutputLoader()
        utxos = {loader.get_position(key): output for key, output in self.utxos.items()}
        return export_state(self.store.connection, self.header, utxos, self.totals)

    def compute_digest(self) -> Hash32:
        """Return the state digest, equal to ``spec.digest.compute_child_chain_digest``."""
        connection = self.store.connection
        return compute_ledger_digest(connection, self.header, len(self.utxos), self.totals)

    def check_not_nested(self) -> None:
        """Assert no store transaction is open: the cache follows only this operation's commit.

        Inside a caller's transaction, the operation would join it, and the cache
        would be updated before the caller's commit, or rollback, decides.
        """
        assert self.store.depth == 0, "ledger operations commit on their own, not nested"

    # Deposits

    def apply_deposit(self, block_number: Uint64, deposit: DepositTransaction) -> None:
        """Apply a deposit block: its output becomes unspent at ``(block_number, 0, 0)``.

        Raises:
            Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``OUTPUT_AMOUNT_ZERO``,
                ``INTEGER_OVERFLOW`` (the token's deposited total).
        """
        self.check_not_nested()
        # Verify blocks and deposits are applied in strictly increasing number order
        require(block_number > self.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
        output = deposit.output
        # Verify the deposit carries a positive amount
        require(output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
        deposited = dict(self.totals["deposited"])
        add_to_total(deposited, output.token, int(output.amount))
        number = Uint64(block_number)
        position = OutputPosition(number, Uint16(0), Uint8(0))
        encoded = DEPOSIT_TAG + encode_output(output)
        root = compute_root([compute_leaf_of_encoding(encoded)], int(self.transaction_tree_depth))
        with self.store.transaction() as connection:
            tables.write_utxos(connection, [tables.make_utxo_row(position, output)])
            failpoint()
            tables.write_totals(connection, "deposited", [(output.token, deposited[output.token])])
            failpoint()
            tables.write_block_number(connection, number)
            failpoint()
            tables.write_block(connection, number, root, encode_block_from_parts([encoded]))
        self.utxos[store_position(position)] = output
        self.totals["deposited"] = deposited
        self.header = replace(self.header, block_number=number)

    # Blocks

    def apply_block(
        self, block_number: Uint64, block: Block, known_signers: KnownSigners | None = None
    ) -> None:
        """Apply a child block: its transactions in order, each on what the ones before left.

        The reason reported for a rejected block is that of its first invalid
        transaction, checked in the spec's order. ``known_signers`` are
        signature recoveries this process already made (an operator's mempool
        passes its own); they are reused, every other check runs.

        Raises:
            Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``BLOCK_TOO_LARGE``, and, for the
                first invalid transaction, any reason of
                :meth:`reference.environments.payments.walk.BlockWalk.apply`.
        """
        self.check_not_nested()
        # Verify blocks and deposits are applied in strictly increasing number order
        require(block_number > self.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
        transactions = block.transactions
        # Verify the block has no more transactions than its Merkle tree has leaves
        require(len(transactions) <= self.get_block_size_limit(), RejectionReason.BLOCK_TOO_LARGE)
        number = Uint64(block_number)
        depth = int(self.transaction_tree_depth)
        walk = BlockWalk(
            self.utxos,
            self.operator,
            number,
            fees_paid=self.totals["fees_paid"],
            fees_claimed=self.totals["fees_claimed"],
        )
        encodings: list[bytes] = []
        roots: list[bytes] = []
        with BlockPreparation(
            self.environment_id, transactions, depth, self.workers, known_signers
        ) as chunks:
            index = 0
            try:
                for number_of_chunk in range(chunks.chunk_count):
                    chunk = chunks.get(number_of_chunk)
                    for keys, signers in zip(chunk.input_keys, chunk.signers, strict=True):
                        walk.apply(index, transactions[index], keys, signers)
                        index += 1
                    encodings.extend(chunk.encodings)
                    roots.append(chunk.root)
            except Rejected:
                # Every transaction is encoded before any is walked, in the spec: a count
                # overflow anywhere outranks the first invalid transaction
                check_counts(transactions[index:])
                raise
        root = compute_root_from_height(roots, chunks.height, depth)
        # Written only now, not chunk by chunk during the walk: SQLite's many short
        # GIL-free calls would fight the recovery threads for the GIL, costing more CPU
        self.write_block(walk, root, encode_block_from_parts(encodings))
        self.commit_block_to_memory(walk)

    def write_block(self, walk: BlockWalk, root: bytes, encoding: bytes) -> None:
        """Write a validated block's changes, totals, number and record in one transaction."""
        created = [(key, o) for key, o in walk.changes.items() if o is not None]
        consumed = [key for key, o in walk.changes.items() if o is None]
        with self.store.transaction() as connection:
            tables.delete_utxos(connection, consumed)
            failpoint()
            tables.write_utxos(connection, (tables.make_keyed_utxo_row(k, o) for k, o in created))
            failpoint()
            tables.write_spent(connection, walk.spent)
            failpoint()
            for ledger, after in (
                ("fees_paid", walk.fees_paid),
                ("fees_claimed", walk.fees_claimed),
            ):
                tables.write_totals(
                    connection, ledger, find_changed_entries(self.totals[ledger], after)
                )
            failpoint()
            tables.write_block_number(connection, walk.block_number)
            failpoint()
            tables.write_block(connection, walk.block_number, root, encoding)

    def commit_block_to_memory(self, walk: BlockWalk) -> None:
        """Bring the in-memory state up to a block just committed."""
        for key, output in walk.changes.items():
            if output is None:
                self.utxos.pop(key, None)
            else:
                self.utxos[key] = output
        self.totals["fees_paid"] = walk.fees_paid
        self.totals["fees_claimed"] = walk.fees_claimed
        self.header = replace(self.header, block_number=walk.block_number)

    # Exits

    def apply_exit(self, position: OutputPosition) -> None:
        """Apply an exit processed on the settlement layer: its output leaves the unspent set.

        The output is not marked spent: it left by an exit, not by a payment.

        Raises:
            Rejected: ``EXITED_OUTPUT_NOT_UNSPENT``; ``INTEGER_OVERFLOW`` of the
                token's exited total.
        """
        self.check_not_nested()
        key = store_position(position)
        output = self.utxos.get(key)
        # Verify the exited output is unspent on the child chain
        require(output is not None, RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
        assert output is not None
        exited = dict(self.totals["exited"])
        add_to_total(exited, output.token, int(output.amount))
        with self.store.transaction() as connection:
            tables.delete_utxos(connection, [key])
            failpoint()
            tables.write_totals(
                connection, "exited", find_changed_entries(self.totals["exited"], exited)
            )
        del self.utxos[key]
        self.totals["exited"] = exited
