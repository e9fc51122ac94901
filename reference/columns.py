"""How protocol values are stored in SQLite columns, and the count prefix of sequences.

SQLite integers are signed 64-bit, too small for ``Uint64`` times near the top
of their range and for ``Uint256`` amounts. Every unsigned integer is therefore
stored as a fixed-width big-endian BLOB: its canonical encoding. SQLite
compares BLOBs byte by byte, so for a fixed width the column order is the
numeric order, and an index over such columns sorts exactly as the numbers do.

An output position is stored as the 11 bytes block number (8) ‖ transaction
index (2) ‖ output index (1), which orders positions as the spec does: by
block, then transaction, then output.

Since a column holds a value's canonical encoding, the streamed state digests
hash columns as they are read; :func:`encode_count` adds the one piece of the
canonical encoding no column holds, the 4-byte length of a sequence.
"""

from __future__ import annotations

from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64, Uint256

POSITION_WIDTH = 11
"""Bytes of a stored output position: 8 + 2 + 1."""

LARGEST_COUNT = 2**32 - 1
"""The largest count prefix (a ``Uint32``)."""


def store_u64(value: int) -> bytes:
    """Return the 8-byte big-endian column value of a ``Uint64``."""
    return value.to_bytes(8, "big")


def load_u64(blob: bytes) -> Uint64:
    """Return the ``Uint64`` stored by :func:`store_u64`."""
    return Uint64(int.from_bytes(blob, "big"))


def store_u256(value: int) -> bytes:
    """Return the 32-byte big-endian column value of a ``Uint256``."""
    return value.to_bytes(32, "big")


def load_u256(blob: bytes) -> Uint256:
    """Return the ``Uint256`` stored by :func:`store_u256`."""
    return Uint256(int.from_bytes(blob, "big"))


def store_position(position: OutputPosition) -> bytes:
    """Return the 11-byte column value of an output position (ordered like positions)."""
    return (
        position.block_number.to_bytes(8, "big")
        + position.transaction_index.to_bytes(2, "big")
        + position.output_index.to_bytes(1, "big")
    )


def load_position(blob: bytes) -> OutputPosition:
    """Return the output position stored by :func:`store_position`."""
    assert len(blob) == POSITION_WIDTH, "not a stored position"
    return OutputPosition(
        Uint64(int.from_bytes(blob[0:8], "big")),
        Uint16(int.from_bytes(blob[8:10], "big")),
        Uint8(blob[10]),
    )


def load_address(blob: bytes) -> Address:
    """Return the address stored as its 20 raw bytes."""
    return Address(blob)


def load_hash(blob: bytes) -> Hash32:
    """Return the hash stored as its 32 raw bytes."""
    return Hash32(blob)


def encode_count(count: int) -> bytes:
    """Return the 4-byte count prefix of a sequence of ``count`` items.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when ``count`` does not fit a ``Uint32``.
    """
    require(count <= LARGEST_COUNT, RejectionReason.INTEGER_OVERFLOW, "count prefix")
    return count.to_bytes(4, "big")
