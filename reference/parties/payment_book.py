"""A wallet's payments: choosing their inputs, and the book of payments that may be in flight.

:func:`select_coins` picks the outputs a new payment spends.

A :class:`PaymentBook`, kept in the wallet's :class:`~reference.store.Store`,
remembers every payment the wallet may have to exit *in flight* (More Viable
Plasma): the payments it signed and handed to the operator, and the payments
paying it that a sender handed over (:class:`KnownPayment`). Each comes with
the witnesses an in-flight exit needs: for each input, the transaction that
created it and its inclusion proof. A payment leaves the book when the wallet
reads it in a published block (unless its in-flight exit was started), or
when its in-flight exit ends.

From a known payment the wallet's in-flight operations are built:
:func:`make_in_flight_exit` (anyone may start it; the starter posts the
bond) and :func:`make_piggybacks` (only an input's or an output's owner may
piggyback it). The watcher (``reference.parties.in_flight_watch``) decides
when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from reference.environments.payments.encoding import encode_transaction
from reference.hashing import hash_bytes
from reference.store import Store
from spec.encoding import decode, encode
from spec.environments.payments.in_flight import StartInFlightExit
from spec.environments.payments.piggybacks import PiggybackInFlightExit
from spec.environments.payments.records import (
    InFlightExit,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    BlockTransaction,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint64, Uint256

BOOK_SCHEMA = """CREATE TABLE IF NOT EXISTS wallet_payments (
    environment_id INTEGER NOT NULL,
    transaction_key BLOB NOT NULL,
    payment BLOB NOT NULL,
    signed INTEGER NOT NULL,
    exit_id INTEGER,
    PRIMARY KEY (environment_id, transaction_key)
) WITHOUT ROWID"""
"""The book's table: per payment, its witnesses, whether the wallet signed it, its exit."""


class SelectionError(Exception):
    """The candidates cannot pay the target (too little, or too many inputs needed)."""


class Spendable(Protocol):
    """What coin selection reads of a candidate output."""

    @property
    def output(self) -> Output:
        """Owner, token and amount."""
        ...

    @property
    def position(self) -> OutputPosition:
        """Where the output was created."""
        ...


S = TypeVar("S", bound=Spendable)


def select_coins(candidates: Sequence[S], target: int) -> list[S]:
    """Choose outputs worth at least ``target``, at most ``MAX_INPUTS`` of them.

    The smallest single output that covers the target is preferred (no change
    split off a large output); otherwise the largest outputs are taken first.

    Raises:
        SelectionError: when the candidates are worth too little, or need too many inputs.
    """
    covering = [c for c in candidates if c.output.amount >= target]
    if covering:
        return [min(covering, key=lambda c: (c.output.amount, c.position))]
    chosen: list[S] = []
    for candidate in sorted(candidates, key=lambda c: (-int(c.output.amount), c.position)):
        if sum(int(c.output.amount) for c in chosen) >= target:
            break
        chosen.append(candidate)
    if (total := sum(int(c.output.amount) for c in chosen)) < target:
        raise SelectionError(f"needs {target}, holds {total}")
    if len(chosen) > MAX_INPUTS:
        raise SelectionError(f"needs {len(chosen)} inputs, a payment takes at most {MAX_INPUTS}")
    return chosen


@dataclass(frozen=True)
class KnownPayment:
    """A payment with what its in-flight exit needs: each input's transaction and proof."""

    environment_id: Uint64
    """Environment of the payment."""
    payment: SignedTransaction
    """The payment with its input owners' signatures."""
    input_transactions: tuple[BlockTransaction, ...]
    """For each input, the transaction that created it, as included."""
    input_proofs: tuple[tuple[Hash32, ...], ...]
    """For each input, the Merkle proof of that transaction in its block."""


@dataclass(frozen=True)
class BookEntry:
    """A payment of the book, whether the wallet signed it, and its in-flight exit if known."""

    known: KnownPayment
    """The payment and its witnesses."""
    signed: bool
    """Whether the wallet signed it (else a sender handed it over)."""
    exit_id: Uint64 | None
    """The id of its in-flight exit, once the wallet started or found one."""


def compute_transaction_key(transaction: Transaction) -> bytes:
    """Return the book's key of a payment: the hash of its signed body's encoding."""
    return hash_bytes(encode_transaction(transaction))


class PaymentBook:
    """The payments a wallet may have to exit in flight, kept in the wallet's store."""

    def __init__(self, store: Store) -> None:
        """Open (or start) the book kept in ``store`` (the wallet's)."""
        self.store = store
        """Where the book is kept; its writes join the store's open transaction, if any."""
        with store.transaction() as connection:
            connection.execute(BOOK_SCHEMA)

    def record(self, known: KnownPayment, *, signed: bool) -> None:
        """Remember a payment (a second record of the same payment changes nothing)."""
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO wallet_payments VALUES (?, ?, ?, ?, NULL)",
                (
                    int(known.environment_id),
                    compute_transaction_key(known.payment.transaction),
                    encode(known),
                    int(signed),
                ),
            )

    def forget(self, environment_id: Uint64, transaction: Transaction) -> None:
        """Forget a payment (refused by the operator, or its exit ended)."""
        with self.store.transaction() as connection:
            connection.execute(
                "DELETE FROM wallet_payments WHERE environment_id = ? AND transaction_key = ?",
                (int(environment_id), compute_transaction_key(transaction)),
            )

    def forget_published(
        self, environment_id: Uint64, transactions: Sequence[BlockTransaction]
    ) -> None:
        """Forget the payments a published block holds, unless their in-flight exit started."""
        keys = [
            (int(environment_id), compute_transaction_key(t.transaction))
            for t in transactions
            if isinstance(t, SignedTransaction)
        ]
        if not keys:
            return
        with self.store.transaction() as connection:
            connection.executemany(
                "DELETE FROM wallet_payments WHERE environment_id = ? AND transaction_key = ? "
                "AND exit_id IS NULL",
                keys,
            )

    def set_exit(self, environment_id: Uint64, transaction: Transaction, exit_id: Uint64) -> None:
        """Note the in-flight exit of a payment of the book."""
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE wallet_payments SET exit_id = ? WHERE environment_id = ? "
                "AND transaction_key = ?",
                (int(exit_id), int(environment_id), compute_transaction_key(transaction)),
            )

    def get(self, environment_id: Uint64, transaction: Transaction) -> BookEntry | None:
        """Return a payment of the book, or None."""
        row = self.store.connection.execute(
            "SELECT payment, signed, exit_id FROM wallet_payments "
            "WHERE environment_id = ? AND transaction_key = ?",
            (int(environment_id), compute_transaction_key(transaction)),
        ).fetchone()
        return None if row is None else load_entry(row)

    def list_entries(self, environment_id: Uint64) -> list[BookEntry]:
        """Return the book's payments of an environment, in key order."""
        rows = self.store.connection.execute(
            "SELECT payment, signed, exit_id FROM wallet_payments WHERE environment_id = ? "
            "ORDER BY transaction_key",
            (int(environment_id),),
        ).fetchall()
        return [load_entry(row) for row in rows]


def load_entry(row: tuple[object, ...]) -> BookEntry:
    """Return the entry stored in a ``(payment, signed, exit_id)`` row."""
    payment, signed, exit_id = row
    assert isinstance(payment, bytes) and isinstance(signed, int)
    assert exit_id is None or isinstance(exit_id, int)
    return BookEntry(
        decode(KnownPayment, payment), bool(signed), None if exit_id is None else Uint64(exit_id)
    )


def make_in_flight_exit(sender: Address, known: KnownPayment, bond: Uint256) -> StartInFlightExit:
    """Return the start of the in-flight exit of a known payment, posted by ``sender``."""
    return StartInFlightExit(
        environment_id=known.environment_id,
        sender=sender,
        transaction=known.payment,
        input_transactions=known.input_transactions,
        input_proofs=known.input_proofs,
        bond=bond,
    )


def make_piggybacks(
    owner: Address,
    environment_id: Uint64,
    exit_id: Uint64,
    exit: InFlightExit,
    *,
    side: PiggybackSide,
    bond: Uint256,
) -> list[PiggybackInFlightExit]:
    """Return ``owner``'s piggybacks on one side of an exit: each of its items not piggybacked."""
    if side == PiggybackSide.INPUT:
        owned, piggybacks = exit.inputs, exit.input_piggybacks
    else:
        owned, piggybacks = exit.transaction.outputs, exit.output_piggybacks
    return [
        PiggybackInFlightExit(environment_id, owner, exit_id, side, Uint8(index), bond)
        for index, (output, piggyback) in enumerate(zip(owned, piggybacks, strict=True))
        if output.owner == owner and piggyback.status == PiggybackStatus.NONE
    ]
