"""Signer recovery: the spec's rules, one at a time or many in parallel.

:func:`recover_signer` applies exactly the rules of ``spec.crypto.recover_signer``,
in the same order: ``SIGNATURE_MALFORMED`` (r or s outside [1, n-1], recovery
id not 0 or 1), then ``SIGNATURE_HIGH_S`` (s above n/2), then
``SIGNATURE_UNRECOVERABLE`` (libsecp256k1 finds no public key).

Recovery is the costliest step of validating a block, and it depends on
nothing but the signed message and the signature, so a block's signatures can
be recovered ahead of the in-order walk of its transactions, in parallel
(the ledger does it in ``reference.environments.payments.prepare``). :class:`SignerRecovery`
does that on a thread pool for any stream of signed messages
(:func:`recover_signers` for a whole batch at once): libsecp256k1 runs
through cffi, which releases the GIL during the call, so threads scale with
cores.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from coincurve import PublicKey

from reference.hashing import hash_bytes
from spec.crypto import SECP256K1_HALF_ORDER, SECP256K1_ORDER
from spec.errors import RejectionReason, reject
from spec.primitives import Address

RecoveryResult = Address | RejectionReason
"""The signer's address, or why no signer can be recovered."""

SignedMessage = tuple[bytes, bytes]
"""A 32-byte message hash and the 65-byte signature over it."""

ADDRESS_CACHE_SIZE = 4096
"""Public keys whose address is remembered."""

ITEMS_PER_TASK = 64
"""Signatures recovered per task handed to a thread: enough to make handing it over cheap."""


def check_signature_form(signature: bytes) -> RejectionReason | None:
    """Return why a signature breaks the spec's form rules, or None if it keeps them."""
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    # r and s must be non-zero scalars below the group order
    if not (0 < r < SECP256K1_ORDER and 0 < s < SECP256K1_ORDER):
        return RejectionReason.SIGNATURE_MALFORMED
    # Only Ethereum's two recovery ids are allowed
    if signature[64] not in (0, 1):
        return RejectionReason.SIGNATURE_MALFORMED
    # The low-s rule forbids the malleable twin
    if s > SECP256K1_HALF_ORDER:
        return RejectionReason.SIGNATURE_HIGH_S
    return None


@functools.lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def compute_address(public_key: bytes) -> Address:
    """Return the address of a 65-byte uncompressed public key (``0x04 ‖ x ‖ y``).

    Cached: a wallet signs many payments with one key, and hashing costs as
    much as the rest of a recovery's Python work.
    """
    # An address is the last 20 bytes of the hash of the key without its 0x04 prefix
    return Address(hash_bytes(public_key[1:])[12:])


def try_recover_signer(message_hash: bytes, signature: bytes) -> RecoveryResult:
    """Return the address that signed ``message_hash``, or the reason none can be recovered."""
    problem = check_signature_form(signature)
    if problem is not None:
        return problem
    try:
        public_key = PublicKey.from_signature_and_message(
            bytes(signature), bytes(message_hash), hasher=None
        )
    except ValueError:
        return RejectionReason.SIGNATURE_UNRECOVERABLE
    return compute_address(public_key.format(compressed=False))


def recover_signer(message_hash: bytes, signature: bytes) -> Address:
    """Return the address that signed ``message_hash``.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED`` when r or s is outside [1, n-1] or the
            recovery id is not 0 or 1; ``SIGNATURE_HIGH_S`` when s > n/2;
            ``SIGNATURE_UNRECOVERABLE`` when no public key recovers.
    """
    result = try_recover_signer(message_hash, signature)
    if isinstance(result, RejectionReason):
        reject(result)
    return result


def recover_chunk(items: Sequence[SignedMessage]) -> list[RecoveryResult]:
    """Recover the signers of a run of signed messages, in order."""
    return [try_recover_signer(message, signature) for message, signature in items]


def resolve_workers(workers: int | None) -> int:
    """Return the number of threads to use: ``workers``, or one per core when None."""
    if workers is None:
        return os.cpu_count() or 1
    assert workers >= 1, "at least one worker"
    return workers


class SignerRecovery:
    """Recovers the signers of signed messages on a thread pool, as they are added.

    Messages are handed to the pool in runs of :data:`ITEMS_PER_TASK` as soon
    as a run is complete, so recovery starts while the caller still prepares
    the later messages, and a caller reading the results in order rarely
    waits. With one worker, or fewer messages than one run, a run is recovered
    on the calling thread when first read. Use it as a context manager:
    leaving it cancels the runs not started yet (a rejected block needs no
    more signers).
    """

    def __init__(self, workers: int | None) -> None:
        """Prepare to recover on ``workers`` threads (one per core when None)."""
        self.items: list[SignedMessage] = []
        """The (message hash, signature) pairs added, in order."""
        self.runs: dict[int, list[RecoveryResult]] = {}
        """Recovered runs read so far, by run number."""
        self.tasks: list[Future[list[RecoveryResult]]] = []
        """The pool's task for each run handed over, by run number."""
        threads = resolve_workers(workers)
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        """The thread pool (its threads start with the first task), or None for one worker."""

    def __enter__(self) -> SignerRecovery:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def add(self, message_hash: bytes, signature: bytes) -> None:
        """Add a signed message; hand a run to the pool once it is complete."""
        self.items.append((message_hash, signature))
        if self.pool is not None and len(self.items) % ITEMS_PER_TASK == 0:
            self.hand_over(self.pool)

    def finish(self) -> None:
        """Hand the last, incomplete run to the pool (if runs were handed over before)."""
        if self.pool is not None and self.tasks and len(self.tasks) * ITEMS_PER_TASK < len(self):
            self.hand_over(self.pool)

    def hand_over(self, pool: ThreadPoolExecutor) -> None:
        """Give the pool the run that follows the last one handed over."""
        start = len(self.tasks) * ITEMS_PER_TASK
        self.tasks.append(pool.submit(recover_chunk, self.items[start : start + ITEMS_PER_TASK]))

    def __len__(self) -> int:
        return len(self.items)

    def get(self, index: int) -> RecoveryResult:
        """Return the recovered signer (or the reason there is none) of item ``index``."""
        number, offset = divmod(index, ITEMS_PER_TASK)
        run = self.runs.get(number)
        if run is None:
            if number < len(self.tasks):
                run = self.tasks[number].result()
            else:
                start = number * ITEMS_PER_TASK
                run = recover_chunk(self.items[start : start + ITEMS_PER_TASK])
            self.runs[number] = run
        return run[offset]

    def close(self) -> None:
        """Cancel the runs not started yet and let the threads end."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def recover_signers(
    items: Sequence[SignedMessage], workers: int | None = None
) -> list[RecoveryResult]:
    """Recover the signer of every (message hash, signature) pair, in parallel.

    Returns one result per item, in the items' order: the address, or the
    reason ``recover_signer`` would reject with. ``workers`` threads share the
    work (one per core when None); small batches run on the calling thread.
    """
    with SignerRecovery(workers) as recovery:
        for message_hash, signature in items:
            recovery.add(message_hash, signature)
        recovery.finish()
        return [recovery.get(index) for index in range(len(items))]
