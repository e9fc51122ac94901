"""Fast canonical encodings and hashes of the payment containers.

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

Every integer is big-endian at its type's width, so a position's encoding is
also its stored column value (``reference.columns.store_position``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from collections.abc import Callable

from Crypto.Hash import keccak

from spec.errors import RejectionReason, require
from spec.merkle import LEAF_PREFIX
from spec.payments.transactions import (
    SIGNING_DOMAIN,
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    OutputPosition,
    SignedTransaction,
    Transaction,
)
from spec.primitives import Hash32, Uint64

SIGNED_TRANSACTION_TAG = b"\x00"
"""Variant tag of a payment in the ``BlockTransaction`` union."""

FEE_CLAIM_TAG = b"\x01"
"""Variant tag of a fee claim."""

DEPOSIT_TAG = b"\x02"
"""Variant tag of a deposit."""

LARGEST_COUNT = 2**32 - 1
"""The largest count prefix (a ``Uint32``)."""


KECCAK_CAPACITY_BYTES = 64
"""Capacity of keccak-256's sponge: twice its 32-byte digest."""

KECCAK_ROUNDS = 24
"""Rounds of the Keccak-f[1600] permutation."""

KECCAK_PADDING = 0x01
"""Keccak's original padding (SHA-3 uses 0x06): the one Ethereum's keccak-256 uses."""

Hasher = Callable[[bytes], bytes]
"""A function returning the keccak-256 digest of its argument."""


def load_keccak_library() -> ctypes.CDLL | None:
    """Load pycryptodome's keccak C library, or None if it is not found.

    ``Crypto.Hash.keccak`` wraps each digest in a Python object and several
    argument conversions (about 6 µs a digest); calling the same C functions
    directly on a reused state takes under a third of that. A private handle
    keeps our calls from touching pycryptodome's own function objects.
    """
    spec = importlib.util.find_spec("Crypto.Hash._keccak")
    if spec is None or spec.origin is None:
        return None
    return ctypes.CDLL(spec.origin)


KECCAK_LIBRARY = load_keccak_library()
"""pycryptodome's keccak C library, or None to fall back on ``Crypto.Hash.keccak``."""


def hash_with_pycryptodome(data: bytes) -> bytes:
    """Return the keccak-256 digest of ``data`` through pycryptodome's Python API."""
    return keccak.new(digest_bits=256, data=data).digest()


class KeccakState:
    """One keccak-256 sponge state in C, reset and reused for digest after digest.

    A state is not thread-safe: each thread makes its own (see :func:`get_hasher`).
    The C functions are called without declared prototypes, which ctypes
    checks slowly on every call; so every argument is passed as a ctypes value
    of the C parameter's exact type (or as bytes, for a pointer to bytes).
    """

    def __init__(self, library: ctypes.CDLL) -> None:
        """Allocate a state in ``library``."""
        self.library = library
        """The library owning the state."""
        self.pointer = ctypes.c_void_p()
        """The C state (a ``void *``)."""
        status = library.keccak_init(
            ctypes.byref(self.pointer),
            ctypes.c_size_t(KECCAK_CAPACITY_BYTES),
            ctypes.c_uint8(KECCAK_ROUNDS),
        )
        assert status == 0, f"keccak_init failed with {status}"
        self.output = ctypes.create_string_buffer(32)
        """Where each digest is written before being copied out."""

    def make_hasher(self) -> Hasher:
        """Return a function hashing with this state (its lookups bound once, for speed)."""
        reset, absorb = self.library.keccak_reset, self.library.keccak_absorb
        squeeze, pointer, state = self.library.keccak_digest, self.pointer, self
        size_t, digest_size = ctypes.c_size_t, ctypes.c_size_t(32)
        padding = ctypes.c_uint8(KECCAK_PADDING)

        def hash_data(data: bytes) -> bytes:
            # Reading the output through the state keeps the state alive as long as this function
            reset(pointer)
            absorb(pointer, data, size_t(len(data)))
            squeeze(pointer, state.output, digest_size, padding)
            return state.output.raw

        return hash_data

    def __del__(self) -> None:
        self.library.keccak_destroy(self.pointer)


THREAD_STATE = threading.local()
"""Each thread's hasher (states cannot be shared between threads)."""


def get_hasher() -> Hasher:
    """Return this thread's keccak-256 function (made on first use)."""
    hasher: Hasher | None = getattr(THREAD_STATE, "hasher", None)
    if hasher is None:
        if KECCAK_LIBRARY is None:
            hasher = hash_with_pycryptodome
        else:
            state = KeccakState(KECCAK_LIBRARY)
            THREAD_STATE.state = state
            hasher = state.make_hasher()
        THREAD_STATE.hasher = hasher
    return hasher


def hash_bytes(data: bytes) -> bytes:
    """Return the keccak-256 digest of ``data`` (bytes, or any buffer) as plain bytes."""
    return get_hasher()(data if isinstance(data, bytes) else bytes(data))


def encode_count(count: int) -> bytes:
    """Return the 4-byte count prefix of a sequence of ``count`` items.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when ``count`` does not fit a ``Uint32``.
    """
    require(count <= LARGEST_COUNT, RejectionReason.INTEGER_OVERFLOW, "count prefix")
    return count.to_bytes(4, "big")


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
    """Return the hash each input owner signs (as ``spec.payments.transactions`` does).

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
