"""Fast keccak-256: pycryptodome's C sponge called directly, one reused state per thread.

Every hash of the reference node (Merkle leaves and nodes, signing hashes,
addresses of recovered keys) is keccak-256, the hash of ``spec.crypto``.
``Crypto.Hash.keccak`` wraps each digest in a Python object and several
argument conversions; calling pycryptodome's C functions directly on a reused
state is about three times faster. :func:`get_hasher` gives each thread its
own state; :func:`hash_bytes` hashes on the calling thread's.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from collections.abc import Callable

from Crypto.Hash import keccak

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
