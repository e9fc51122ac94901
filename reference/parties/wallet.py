"""A user's wallet: one key, its outputs on every environment, payments and exits.

A :class:`Wallet` learns what it owns by reading published child and deposit
blocks (:meth:`Wallet.sync` from a :class:`~reference.parties.board.BlockBoard`).
For each output it keeps what an exit needs even if the operator disappears:
the transaction that created the output and its inclusion proof, in its
:class:`~reference.store.Store`, so a wallet reopened from its file can exit.

An output is in one of three states:

- ``unspent``: the wallet may spend or exit it;
- ``pending``: a payment spending it was handed to the operator and is not in
  a published block yet (:meth:`Wallet.cancel_payment` makes it unspent again);
- ``exiting``: its exit was built; the wallet never spends it (a spend would
  let anyone challenge the exit and take the bond).

An output leaves the wallet when a published block spends it or when its
exit ends (:meth:`Wallet.follow_exits`).

The payments it signs (:meth:`Wallet.pay`) or is handed (:meth:`Wallet.learn_payment`)
are kept with their inputs' witnesses in its :class:`~reference.parties.payment_book.PaymentBook`
until read in a published block: if their block is withheld, it can exit them in flight.

Payments follow the spec's signing rules: every input owner signs the
domain-separated signing hash of the environment
(``spec.environments.payments.transactions.compute_signing_hash``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reference.columns import (
    load_position,
    load_u64,
    load_u256,
    store_position,
    store_u64,
    store_u256,
)
from reference.environments.payments.encoding import (
    compute_leaf_of_encoding,
    compute_signing_hash,
    encode_block_transaction,
)
from reference.merkle import compute_levels, compute_proof
from reference.parties.board import BlockBoard
from reference.parties.payment_book import KnownPayment, PaymentBook, SelectionError, select_coins
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.crypto import compute_address_of_private_key, sign
from spec.encoding import decode_as
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    get_transaction_outputs,
)
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64, Uint256
from spec.settlement.state import ExitStatus

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS wallet_outputs (
        environment_id INTEGER NOT NULL,
        position BLOB NOT NULL,
        token BLOB NOT NULL,
        amount BLOB NOT NULL,
        origin BLOB NOT NULL,
        proof BLOB NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (environment_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS wallet_cursors (
        environment_id INTEGER PRIMARY KEY,
        block_number BLOB NOT NULL
    )""",
)
"""The wallet's tables: its outputs with their witnesses; per environment, the last block read."""

COLUMNS = "environment_id, position, token, amount, origin, proof, status"
"""Columns of ``wallet_outputs``, in the order :func:`load_owned_output` reads them."""

PLACEHOLDERS = ", ".join("?" for _ in COLUMNS.split(","))
"""One parameter per column of :data:`COLUMNS`."""


class OutputStatus(StrEnum):
    """What the wallet may still do with one of its outputs."""

    UNSPENT = "unspent"
    """Free to spend or exit."""
    PENDING = "pending"
    """Spent by a payment the operator has not published yet."""
    EXITING = "exiting"
    """Its exit was built; never spent again."""


class WalletError(Exception):
    """The wallet cannot build what was asked (too little money, too many inputs, no output)."""


@dataclass(frozen=True)
class OwnedOutput:
    """One output of the wallet, with the witnesses its exit needs."""

    environment_id: Uint64
    """Environment holding the output."""
    position: OutputPosition
    """Where the output was created."""
    output: Output
    """Owner (the wallet), token and amount."""
    origin: BlockTransaction
    """The transaction that created the output, as included in its block."""
    proof: tuple[Hash32, ...]
    """Inclusion proof of ``origin`` in its block."""
    status: OutputStatus
    """Unspent, pending or exiting."""


def load_owned_output(owner: Address, row: tuple[object, ...]) -> OwnedOutput:
    """Return the output stored in a ``wallet_outputs`` row (columns as in :data:`COLUMNS`)."""
    environment_id, position, token, amount, origin, proof, status = row
    assert isinstance(environment_id, int) and isinstance(proof, bytes)
    assert isinstance(position, bytes) and isinstance(token, bytes)
    assert isinstance(amount, bytes) and isinstance(origin, bytes) and isinstance(status, str)
    hashes = tuple(Hash32(proof[i : i + 32]) for i in range(0, len(proof), 32))
    return OwnedOutput(
        environment_id=Uint64(environment_id),
        position=load_position(position),
        output=Output(owner, Address(token), load_u256(amount)),
        origin=decode_as(BlockTransaction, origin),
        proof=hashes,
        status=OutputStatus(status),
    )


class Wallet:
    """One private key and the outputs it owns, kept in a store."""

    def __init__(self, store: Store, private_key: bytes, transaction_tree_depth: int) -> None:
        """Open (or start) the wallet of ``private_key`` kept in ``store``."""
        self.store = store
        """Where the wallet's outputs are kept."""
        self.private_key = private_key
        """The 32-byte secp256k1 private key; never stored."""
        self.address = compute_address_of_private_key(private_key)
        """The address of the key: the owner of the wallet's outputs."""
        self.depth = int(transaction_tree_depth)
        """Depth of every block's Merkle tree (the preset's), for inclusion proofs."""
        self.payments = PaymentBook(store)
        """The payments it may have to exit in flight: signed, or handed over, and unpublished."""
        with store.transaction() as connection:
            for statement in SCHEMA:
                connection.execute(statement)

    # Learning from blocks

    def observe_block(
        self, environment_id: Uint64, number: Uint64, transactions: Sequence[BlockTransaction]
    ) -> None:
        """Learn from a published block: forget the outputs it spends, keep the ones it pays us.

        Observing the same block twice changes nothing.
        """
        mine = [
            (index, output_index, output)
            for index, transaction in enumerate(transactions)
            for output_index, output in enumerate(get_transaction_outputs(transaction))
            if output.owner == self.address
        ]
        spent = [
            position
            for transaction in transactions
            if isinstance(transaction, SignedTransaction)
            for position in transaction.transaction.inputs
        ]
        encodings = [encode_block_transaction(transaction) for transaction in transactions]
        # Only hash the tree when the block pays us something (most blocks do not)
        levels = (
            compute_levels([compute_leaf_of_encoding(e) for e in encodings], self.depth)
            if mine
            else []
        )
        with self.store.transaction() as connection:
            connection.executemany(
                "DELETE FROM wallet_outputs WHERE environment_id = ? AND position = ?",
                [(int(environment_id), store_position(p)) for p in spent],
            )
            for index, output_index, output in mine:
                position = OutputPosition(number, Uint16(index), Uint8(output_index))
                proof = b"".join(compute_proof(levels, index))
                connection.execute(
                    f"INSERT OR IGNORE INTO wallet_outputs ({COLUMNS}) VALUES ({PLACEHOLDERS})",
                    (
                        int(environment_id),
                        store_position(position),
                        bytes(output.token),
                        store_u256(output.amount),
                        encodings[index],
                        proof,
                        OutputStatus.UNSPENT.value,
                    ),
                )
            self.payments.forget_published(environment_id, transactions)
            self.write_cursor(connection, environment_id, number)

    def sync(self, board: BlockBoard, environment_id: Uint64) -> int:
        """Read every block the board published after the last one read; return how many."""
        blocks = board.get_blocks_after(environment_id, self.get_cursor(environment_id))
        for number, transactions in blocks:
            self.observe_block(environment_id, number, transactions)
        return len(blocks)

    def get_cursor(self, environment_id: Uint64) -> Uint64:
        """Return the number of the last block observed in an environment (0 before any)."""
        row = self.store.connection.execute(
            "SELECT block_number FROM wallet_cursors WHERE environment_id = ?",
            (int(environment_id),),
        ).fetchone()
        return Uint64(0) if row is None else load_u64(row[0])

    def write_cursor(
        self, connection: sqlite3.Connection, environment_id: Uint64, number: Uint64
    ) -> None:
        """Move an environment's cursor forward to ``number`` (never back)."""
        if number > self.get_cursor(environment_id):
            connection.execute(
                "INSERT OR REPLACE INTO wallet_cursors VALUES (?, ?)",
                (int(environment_id), store_u64(number)),
            )

    # Queries

    def list_outputs(
        self, environment_id: Uint64, status: OutputStatus | None = None
    ) -> list[OwnedOutput]:
        """Return the wallet's outputs in an environment, in position order."""
        rows = self.store.connection.execute(
            f"SELECT {COLUMNS} FROM wallet_outputs WHERE environment_id = ? ORDER BY position",
            (int(environment_id),),
        ).fetchall()
        outputs = [load_owned_output(self.address, row) for row in rows]
        return [o for o in outputs if status is None or o.status == status]

    def get_output(self, environment_id: Uint64, position: OutputPosition) -> OwnedOutput | None:
        """Return one of the wallet's outputs, or None."""
        row = self.store.connection.execute(
            f"SELECT {COLUMNS} FROM wallet_outputs WHERE environment_id = ? AND position = ?",
            (int(environment_id), store_position(position)),
        ).fetchone()
        return None if row is None else load_owned_output(self.address, row)

    def get_balance(self, environment_id: Uint64, token: Address) -> Uint256:
        """Return what the wallet holds of a token in an environment, whatever the status."""
        outputs = self.list_outputs(environment_id)
        return sum((o.output.amount for o in outputs if o.output.token == token), Uint256(0))

    def list_outputs_to_exit(
        self, environment_id: Uint64, first_bad_block: Uint64
    ) -> list[OwnedOutput]:
        """Return the outputs to exit after ``first_bad_block`` was found invalid or withheld.

        These are the unspent outputs that the exit game protects: those created
        before the bad block, and deposits (the operator cannot forge them).
        Pending outputs are left to their payment's in-flight exit.
        """
        return [
            o
            for o in self.list_outputs(environment_id, OutputStatus.UNSPENT)
            if (o.position.block_number < first_bad_block or is_deposit(o))
            and (o.position.block_number < first_bad_block or is_deposit(o))
        ]

    # Payments

    def sign(self, environment_id: Uint64, transaction: Transaction) -> SignedTransaction:
        """Sign every input of ``transaction`` with the wallet's key (all must be ours)."""
        message = compute_signing_hash(environment_id, transaction)
        signature = sign(self.private_key, message)
        return SignedTransaction(transaction, tuple(signature for _ in transaction.inputs))

    def pay(
        self,
        environment_id: Uint64,
        recipient: Address,
        token: Address,
        amount: int,
        fee: int = 0,
    ) -> SignedTransaction:
        """Build and sign a payment of ``amount`` to ``recipient``; its inputs become pending.

        The payment leaves ``fee`` to the operator and sends the change back to the wallet.

        Raises:
            WalletError: when the unspent outputs of ``token`` cannot cover
                ``amount + fee`` with at most ``MAX_INPUTS`` inputs, or ``amount`` is not positive.
        """
        if amount <= 0 or fee < 0:
            raise WalletError("a payment sends a positive amount and a fee of zero or more")
        candidates = [
            o
            for o in self.list_outputs(environment_id, OutputStatus.UNSPENT)
            if o.output.token == token
        ]
        try:
            chosen = select_coins(candidates, amount + fee)
        except SelectionError as error:
            raise WalletError(str(error)) from error
        change = sum(int(c.output.amount) for c in chosen) - amount - fee
        outputs = [Output(recipient, token, Uint256(amount))]
        if change > 0:
            outputs.append(Output(self.address, token, Uint256(change)))
        transaction = Transaction(tuple(c.position for c in chosen), tuple(outputs))
        payment = self.sign(environment_id, transaction)
        witnesses = (tuple(c.origin for c in chosen), tuple(c.proof for c in chosen))
        with self.store.transaction():
            self.set_status(environment_id, transaction.inputs, OutputStatus.PENDING)
            self.payments.record(KnownPayment(environment_id, payment, *witnesses), signed=True)
        return payment

    def learn_payment(self, known: KnownPayment) -> None:
        """Keep a payment a sender handed over (one paying this wallet) until it is published."""
        self.payments.record(known, signed=False)

    def cancel_payment(self, environment_id: Uint64, payment: SignedTransaction) -> None:
        """Make the inputs of a payment the operator refused spendable again."""
        with self.store.transaction():
            self.set_status(environment_id, payment.transaction.inputs, OutputStatus.UNSPENT)
            self.payments.forget(environment_id, payment.transaction)

    def set_status(
        self, environment_id: Uint64, positions: Sequence[OutputPosition], status: OutputStatus
    ) -> None:
        """Set the status of some of the wallet's outputs."""
        with self.store.transaction() as connection:
            connection.executemany(
                "UPDATE wallet_outputs SET status = ? WHERE environment_id = ? AND position = ?",
                [(status.value, int(environment_id), store_position(p)) for p in positions],
            )

    # Exits

    def make_exit(
        self, environment_id: Uint64, position: OutputPosition, bond: Uint256
    ) -> StartStandardExit:
        """Build the standard exit of one of the wallet's outputs; the output becomes exiting.

        The output stays exiting even if the settlement layer refuses the exit:
        a wallet never spends an output it tried to exit.

        Raises:
            WalletError: when the wallet holds no output at ``position``.
        """
        owned = self.get_output(environment_id, position)
        if owned is None:
            raise WalletError(f"no output at {position} in environment {environment_id}")
        self.set_status(environment_id, [position], OutputStatus.EXITING)
        return StartStandardExit(
            environment_id=environment_id,
            sender=self.address,
            position=position,
            transaction=owned.origin,
            inclusion_proof=owned.proof,
            bond=bond,
        )

    def follow_exits(
        self, settlement: SettlementSimulator, environment_id: Uint64
    ) -> list[OwnedOutput]:
        """Forget the exiting outputs whose exit ended (paid or challenged); return them.

        Only the wallet's own exits are read, one index lookup each.
        """
        ended = []
        for owned in self.list_outputs(environment_id, OutputStatus.EXITING):
            found = settlement.get_exit_of_position(environment_id, owned.position)
            if found is not None and found[1].status != ExitStatus.OPEN:
                ended.append(owned)
        self.forget_outputs(environment_id, [o.position for o in ended])
        return ended

    def forget_outputs(self, environment_id: Uint64, positions: Sequence[OutputPosition]) -> None:
        """Forget outputs an exit settled (paid, or spent by a payment exited in flight)."""
        with self.store.transaction() as connection:
            connection.executemany(
                "DELETE FROM wallet_outputs WHERE environment_id = ? AND position = ?",
                [(int(environment_id), store_position(p)) for p in positions],
            )


def is_deposit(owned: OwnedOutput) -> bool:
    """Return whether an output was created by a deposit (not by the operator's block)."""
    return isinstance(owned.origin, DepositTransaction)
