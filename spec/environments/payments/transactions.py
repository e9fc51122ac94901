"""Payments environment: transaction and block containers, signing and block roots.

A payments child chain moves fungible tokens between owners as unspent
transaction outputs (UTXOs). A block holds three kinds of transaction:

- :class:`SignedTransaction`: a payment spending 1 to ``MAX_INPUTS`` outputs
  into 1 to ``MAX_OUTPUTS`` new ones, one signature per input;
- :class:`FeeClaim`: the operator takes fees its block's payments left over;
- :class:`DepositTransaction`: the single entry of a deposit block, written by
  the settlement layer, never by the operator.

An output is named by its :class:`~spec.positions.OutputPosition`
(block number, transaction index, output index); positions order outputs by
age, which is exit priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spec.crypto import keccak256, sign
from spec.encoding import declare_union_tags, encode
from spec.merkle import compute_leaf_hash, compute_merkle_root
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Signature, Uint8, Uint64, Uint256

MAX_INPUTS = 4
"""Most inputs a payment may spend."""

MAX_OUTPUTS = 4
"""Most outputs a payment may create."""

SIGNING_DOMAIN = b"plasma-spec/payments/transaction/v1"
"""Prefix of every signed message, so a signature means nothing outside this protocol."""

PAYMENT_OUTPUT_ID_DOMAIN = b"plasma-spec/payments/payment-output-id/v1"
"""Prefix of the id of a payment's output (:func:`compute_payment_output_id`)."""

PLACED_OUTPUT_ID_DOMAIN = b"plasma-spec/payments/placed-output-id/v1"
"""Prefix of the id of a deposit's or fee claim's output (:func:`compute_output_id`)."""


@dataclass(frozen=True)
class Output:
    """An amount of one token owned by one address."""

    owner: Address
    """Who may spend or exit the output."""
    token: Address
    """Token contract on the settlement layer; the zero address is the native token."""
    amount: Uint256
    """Amount in the token's base unit; positive in every valid output."""


@dataclass(frozen=True)
class Transaction:
    """The signed body of a payment: what it spends and what it creates."""

    inputs: tuple[OutputPosition, ...]
    """Outputs spent, each at most once."""
    outputs: tuple[Output, ...]
    """Outputs created, at positions (block, this transaction, index)."""


@dataclass(frozen=True)
class SignedTransaction:
    """A payment with one signature per input, by that input's owner, in input order."""

    transaction: Transaction
    """The payment."""
    signatures: tuple[Signature, ...]
    """Signature of input ``i``'s owner over the signing hash, at index ``i``."""


@dataclass(frozen=True)
class FeeClaim:
    """The operator's claim on fees its block's payments paid in one token."""

    output: Output
    """Owner (the operator), token and amount claimed."""


@dataclass(frozen=True)
class DepositTransaction:
    """The one transaction of a deposit block: funds locked on the settlement layer."""

    output: Output
    """Depositor, token and amount locked."""


BlockTransaction = SignedTransaction | FeeClaim | DepositTransaction
"""Any transaction a block can hold; encoded with its one-byte wire tag."""

declare_union_tags(BlockTransaction, {SignedTransaction: 0, FeeClaim: 1, DepositTransaction: 2})


@dataclass(frozen=True)
class Block:
    """The transactions of one child block, in order (index = Merkle leaf index)."""

    transactions: tuple[BlockTransaction, ...]
    """Transactions in order of application."""


def get_transaction_outputs(transaction: BlockTransaction) -> tuple[Output, ...]:
    """Return the outputs any kind of block transaction creates."""
    if isinstance(transaction, SignedTransaction):
        return transaction.transaction.outputs
    return (transaction.output,)


def compute_signing_hash(environment_id: Uint64, transaction: Transaction) -> Hash32:
    """Return the hash each input owner signs.

    The environment id is part of it, so a payment signed for one environment
    is worthless in any other (no cross-environment replay).
    """
    return keccak256(SIGNING_DOMAIN + encode(environment_id) + encode(transaction))


def compute_transaction_leaf(transaction: BlockTransaction) -> Hash32:
    """Return the Merkle leaf of a block transaction (its signatures included)."""
    return compute_leaf_hash(encode(transaction, BlockTransaction))


def compute_payment_output_id(transaction: Transaction, output_index: int) -> Hash32:
    """Return the id of output ``output_index`` of a payment.

    It depends only on the payment's signed body and the index, not on where
    (or whether) the payment was included, so an output of an in-flight
    payment has the same id before and after its inclusion. No two valid
    payments have the same body: they would spend the same inputs.
    """
    return keccak256(PAYMENT_OUTPUT_ID_DOMAIN + encode(transaction) + encode(Uint8(output_index)))


def compute_output_id(transaction: BlockTransaction, position: OutputPosition) -> Hash32:
    """Return the id of the output at ``position``, created by ``transaction``.

    The id is the key of the output's finalized mark at the settlement layer.
    A payment's output is named by the payment's body
    (:func:`compute_payment_output_id`); a deposit or a fee claim can repeat
    word for word, so its output is named by its transaction and its position.
    """
    if isinstance(transaction, SignedTransaction):
        return compute_payment_output_id(transaction.transaction, position.output_index)
    return keccak256(
        PLACED_OUTPUT_ID_DOMAIN + encode(transaction, BlockTransaction) + encode(position)
    )


def compute_block_root(transactions: Sequence[BlockTransaction], depth: int) -> Hash32:
    """Return the Merkle root committed for a block's transactions."""
    return compute_merkle_root([compute_transaction_leaf(tx) for tx in transactions], depth)


def sign_transaction(
    environment_id: Uint64, transaction: Transaction, private_keys: Sequence[bytes]
) -> SignedTransaction:
    """Sign ``transaction`` with one private key per input, in input order (a wallet helper)."""
    message = compute_signing_hash(environment_id, transaction)
    return SignedTransaction(transaction, tuple(sign(key, message) for key in private_keys))
