"""Preparing a child block on a thread pool: everything about it that needs no ledger state.

A transaction's encoding, signing hash, Merkle leaf and recovered signers
depend only on the transaction and the environment id, never on the outputs
the block finds unspent. So before (and while) the ledger walks a block in
order (``reference.environments.payments.walk``), a pool of threads prepares
it in chunks of consecutive transactions. For each chunk, one task:

- encodes each transaction as a ``BlockTransaction`` (the Merkle leaf's
  preimage and its part of the block's stored encoding), and each payment's
  inputs as stored positions (the walk's keys);
- hashes each payment's signed body and recovers the signer of each of its
  signatures, when its counts let it reach the signature stage;
- hashes the leaves, and then the chunk's subtree: a chunk holds
  ``2**height`` transactions and starts at a multiple of that, so its subtree
  root is a node of the block's tree, and the block's root needs only the
  chunks' roots (``reference.merkle.compute_root_from_height``).

Hashing (keccak, through ctypes) and recovery (libsecp256k1, through cffi)
release the GIL, so the chunks really run in parallel, and a task hands the
GIL back every few microseconds, which keeps the walking thread responsive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from reference.columns import LARGEST_COUNT, encode_count
from reference.environments.payments.encoding import (
    SIGNED_TRANSACTION_TAG,
    encode_block_transaction,
    make_signing_prefix,
)
from reference.hashing import get_hasher
from reference.merkle import compute_root
from reference.signatures import RecoveryResult, resolve_workers, try_recover_signer
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    BlockTransaction,
    SignedTransaction,
)
from spec.errors import RejectionReason, require
from spec.merkle import LEAF_PREFIX

KnownSigners = Mapping[tuple[bytes, bytes], RecoveryResult]
"""Recoveries already made: (signing hash, signature) to the signer or the reason."""

CHUNK_HEIGHT = 6
"""A chunk holds ``2**6`` (= 64) transactions: enough to make handing it to a thread cheap."""


@dataclass(frozen=True)
class PreparedChunk:
    """What a chunk of a block's transactions yields before the walk."""

    encodings: list[bytes]
    """Each transaction's encoding as a ``BlockTransaction``."""
    input_keys: list[list[bytes] | None]
    """Each payment's inputs as stored positions (None for other transactions)."""
    signers: list[list[RecoveryResult] | None]
    """Each payment's recovered signers, in signature order; None when not recovered."""
    messages: list[bytes | None]
    """Each payment's signing hash; None when its signers were not recovered."""
    root: bytes
    """Root of the chunk's subtree (its empty leaves included)."""


def may_reach_signatures(inputs: int, outputs: int, signatures: int) -> bool:
    """Return whether a payment with these counts can reach the signature stage."""
    return 1 <= inputs <= MAX_INPUTS and 1 <= outputs <= MAX_OUTPUTS and signatures == inputs


def prepare_chunk(
    signing_prefix: bytes,
    transactions: Sequence[BlockTransaction],
    height: int,
    known_signers: KnownSigners | None = None,
) -> PreparedChunk:
    """Encode, hash and recover the signers of a chunk of at most ``2**height`` transactions.

    A (signing hash, signature) pair found in ``known_signers`` is not
    recovered again: recovery is a pure function of that pair.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` only for a count beyond a ``Uint32``.
    """
    hasher = get_hasher()
    encodings: list[bytes] = []
    all_keys: list[list[bytes] | None] = []
    all_signers: list[list[RecoveryResult] | None] = []
    all_messages: list[bytes | None] = []
    leaves: list[bytes] = []
    known = {} if known_signers is None else known_signers
    for transaction in transactions:
        signers: list[RecoveryResult] | None = None
        message: bytes | None = None
        keys: list[bytes] | None = None
        if isinstance(transaction, SignedTransaction):
            inputs, outputs = transaction.transaction.inputs, transaction.transaction.outputs
            signatures = transaction.signatures
            # A position's encoding is also its stored column value, the walk's key
            keys = [
                p.block_number.to_bytes(8, "big")
                + p.transaction_index.to_bytes(2, "big")
                + p.output_index.to_bytes(1, "big")
                for p in inputs
            ]
            body = b"".join(
                (
                    encode_count(len(inputs)),
                    *keys,
                    encode_count(len(outputs)),
                    *[o.owner + o.token + o.amount.to_bytes(32, "big") for o in outputs],
                )
            )
            encoded = b"".join(
                (SIGNED_TRANSACTION_TAG, body, encode_count(len(signatures)), *signatures)
            )
            if may_reach_signatures(len(inputs), len(outputs), len(signatures)):
                message = hasher(signing_prefix + body)
                signers = [
                    known.get((message, signature)) or try_recover_signer(message, signature)
                    for signature in signatures
                ]
        else:
            encoded = encode_block_transaction(transaction)
        encodings.append(encoded)
        all_keys.append(keys)
        all_signers.append(signers)
        all_messages.append(message)
        leaves.append(hasher(LEAF_PREFIX + encoded))
    root = compute_root(leaves, height)
    return PreparedChunk(encodings, all_keys, all_signers, all_messages, root)


def check_counts(transactions: Sequence[BlockTransaction]) -> None:
    """Check that every count of every payment fits its ``Uint32`` prefix.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` for a count beyond a ``Uint32``.
    """
    for transaction in transactions:
        if isinstance(transaction, SignedTransaction):
            largest = max(
                len(transaction.transaction.inputs),
                len(transaction.transaction.outputs),
                len(transaction.signatures),
            )
            require(largest <= LARGEST_COUNT, RejectionReason.INTEGER_OVERFLOW, "count prefix")


class BlockPreparation:
    """A block's chunks being prepared on a thread pool, read back in block order.

    Every chunk is handed over at once, so the threads run ahead of the walk.
    A block of one chunk, or one worker, is prepared on the calling thread
    instead, chunk by chunk as read. Use it as a context manager: leaving it
    cancels the chunks not started (a rejected block needs no more).
    """

    def __init__(
        self,
        environment_id: int,
        transactions: Sequence[BlockTransaction],
        depth: int,
        workers: int | None,
        known_signers: KnownSigners | None = None,
    ) -> None:
        """Start preparing ``transactions``, a block of a depth-``depth`` tree.

        ``known_signers`` are recoveries already made (say, by the mempool that
        admitted these payments); they are reused instead of recovered again.
        """
        self.transactions = transactions
        """The block's transactions."""
        self.known_signers = known_signers
        """Recoveries already made, by (signing hash, signature)."""
        self.height = min(CHUNK_HEIGHT, depth)
        """Height of each chunk's subtree: a chunk holds ``2**height`` transactions."""
        self.signing_prefix = make_signing_prefix(environment_id)
        """What precedes a payment's encoding in its signed message."""
        self.chunk_count = -(-len(transactions) >> self.height)
        """Number of chunks (the last one may be partial)."""
        threads = min(resolve_workers(workers), self.chunk_count)
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        """The thread pool, or None to prepare on the calling thread."""
        self.tasks: list[Future[PreparedChunk]] = []
        """The pool's task for each chunk, in order (none without a pool)."""
        if self.pool is not None:
            self.tasks = [
                self.pool.submit(self.prepare, number) for number in range(self.chunk_count)
            ]

    def __enter__(self) -> BlockPreparation:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    @property
    def chunk_size(self) -> int:
        """Transactions in a chunk (all but the last, which may hold fewer)."""
        return 1 << self.height

    def prepare(self, number: int) -> PreparedChunk:
        """Prepare chunk ``number`` on the current thread."""
        start = number * self.chunk_size
        chunk = self.transactions[start : start + self.chunk_size]
        return prepare_chunk(self.signing_prefix, chunk, self.height, self.known_signers)

    def get(self, number: int) -> PreparedChunk:
        """Return chunk ``number`` prepared (waiting for its task, if it has one).

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` only for a count beyond a ``Uint32``.
        """
        if self.pool is None:
            return self.prepare(number)
        return self.tasks[number].result()

    def close(self) -> None:
        """Cancel the chunks not started yet and let the threads end."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
