"""Fast canonical encodings and hashes of the payments containers.

``spec.encoding.encode`` finds its way through type hints at run time, which
is clear but slow. The shapes of the payment containers are fixed, so here
each one is written out by hand; the bytes are exactly those of the spec's
encoder (the tests prove it on random values):

- an output position is block number (8) ‖ transaction index (2) ‖ output index (1);
- an output is owner (20) ‖ token (20) ‖ amount (32);
- a transaction is the count (4) and the inputs, then the count and the outputs;
- a signed transaction is its transaction, then the count and the 65-byte signatures;
- a block transaction is its variant tag (payment 0, fee claim 1, deposit 2),
  then the variant's encoding;
- a block is the count of its transactions, then each as a block transaction.

An output's id (the key of its finalized mark) is the hash of a domain tag
and, for a payment's output, the payment's body and the output's index; for a
deposit's or a fee claim's, the block transaction and the position.

Every integer is big-endian at its type's width, so a position's encoding is
also its stored column value (``reference.columns.store_position``). Hashes
are keccak-256 through ``reference.hashing``.
"""

from __future__ import annotations

from reference.columns import encode_count
from reference.hashing import hash_bytes
from spec.environments.payments.transactions import (
    PAYMENT_OUTPUT_ID_DOMAIN,
    PLACED_OUTPUT_ID_DOMAIN,
    SIGNING_DOMAIN,
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.merkle import LEAF_PREFIX
from spec.positions import OutputPosition
from spec.primitives import Hash32, Uint64

SIGNED_TRANSACTION_TAG = b"\x00"
"""Variant tag of a payment in the ``BlockTransaction`` union."""

FEE_CLAIM_TAG = b"\x01"
"""Variant tag of a fee claim."""

DEPOSIT_TAG = b"\x02"
"""Variant tag of a deposit."""


def encode_position(position: OutputPosition) -> bytes:
    """Return the 11-byte canonical encoding of an output position."""
    return (
        position.block_number.to_bytes(8, "big")
        + position.transaction_index.to_bytes(2, "big")
        + position.output_index.to_bytes(1, "big")
    )


def encode_output(output: Output) -> bytes:
    """Return the 72-byte canonical encoding of an output."""
    return output.owner + output.token + output.amount.to_bytes(32, "big")


def encode_transaction(transaction: Transaction) -> bytes:
    """Return the canonical encoding of a payment's signed body.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for more than ``2**32 - 1`` inputs or outputs.
    """
    inputs, outputs = transaction.inputs, transaction.outputs
    return b"".join(
        (
            encode_count(len(inputs)),
            *(encode_position(position) for position in inputs),
            encode_count(len(outputs)),
            *(encode_output(output) for output in outputs),
        )
    )


def encode_signatures(signed: SignedTransaction) -> bytes:
    """Return the count and bytes of a payment's signatures (what follows its transaction).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for more than ``2**32 - 1`` signatures.
    """
    return encode_count(len(signed.signatures)) + b"".join(signed.signatures)


def encode_signed_transaction(signed: SignedTransaction) -> bytes:
    """Return the canonical encoding of a signed payment.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    return encode_transaction(signed.transaction) + encode_signatures(signed)


def encode_fee_claim(claim: FeeClaim) -> bytes:
    """Return the canonical encoding of a fee claim (its output)."""
    return encode_output(claim.output)


def encode_deposit(deposit: DepositTransaction) -> bytes:
    """Return the canonical encoding of a deposit transaction (its output)."""
    return encode_output(deposit.output)


def encode_block_transaction(transaction: BlockTransaction) -> bytes:
    """Return the encoding of a transaction as the ``BlockTransaction`` union (tag first).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    if isinstance(transaction, SignedTransaction):
        return SIGNED_TRANSACTION_TAG + encode_signed_transaction(transaction)
    if isinstance(transaction, FeeClaim):
        return FEE_CLAIM_TAG + encode_fee_claim(transaction)
    assert isinstance(transaction, DepositTransaction), "not a block transaction"
    return DEPOSIT_TAG + encode_deposit(transaction)


def encode_block_from_parts(encoded_transactions: list[bytes]) -> bytes:
    """Return a block's encoding from the union encodings of its transactions.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for more than ``2**32 - 1`` transactions.
    """
    return encode_count(len(encoded_transactions)) + b"".join(encoded_transactions)


def encode_block(block: Block) -> bytes:
    """Return the canonical encoding of a block.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    return encode_block_from_parts([encode_block_transaction(tx) for tx in block.transactions])


def compute_signing_hash_of_encoding(environment_prefix: bytes, encoded: bytes) -> bytes:
    """Return the signing hash from ``SIGNING_DOMAIN ‖ environment id`` and a body's encoding."""
    return hash_bytes(environment_prefix + encoded)


def make_signing_prefix(environment_id: int) -> bytes:
    """Return what precedes a payment's encoding in its signed message."""
    return SIGNING_DOMAIN + environment_id.to_bytes(8, "big")


def compute_signing_hash(environment_id: Uint64, transaction: Transaction) -> Hash32:
    """Return the hash each input owner signs (as ``spec.environments.payments.transactions`` does).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    prefix = make_signing_prefix(environment_id)
    return Hash32(compute_signing_hash_of_encoding(prefix, encode_transaction(transaction)))


def compute_leaf_of_encoding(encoded_transaction: bytes) -> bytes:
    """Return the Merkle leaf of a block transaction from its union encoding."""
    return hash_bytes(LEAF_PREFIX + encoded_transaction)


def compute_transaction_leaf(transaction: BlockTransaction) -> Hash32:
    """Return the Merkle leaf of a block transaction (its signatures included).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    return Hash32(compute_leaf_of_encoding(encode_block_transaction(transaction)))


def compute_payment_output_id(transaction: Transaction, output_index: int) -> Hash32:
    """Return the id of output ``output_index`` of a payment: its body and index, hashed.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    encoded = encode_transaction(transaction) + output_index.to_bytes(1, "big")
    return Hash32(hash_bytes(PAYMENT_OUTPUT_ID_DOMAIN + encoded))


def compute_output_id(transaction: BlockTransaction, position: OutputPosition) -> Hash32:
    """Return the id of the output at ``position``, created by ``transaction``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    if isinstance(transaction, SignedTransaction):
        return compute_payment_output_id(transaction.transaction, position.output_index)
    encoded = encode_block_transaction(transaction) + encode_position(position)
    return Hash32(hash_bytes(PLACED_OUTPUT_ID_DOMAIN + encoded))
