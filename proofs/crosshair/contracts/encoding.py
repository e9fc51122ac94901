"""CrossHair contracts on the canonical encoding (``spec/encoding.py``).

One value, one encoding, so one digest: integers, positions and outputs
encode as their fields in order and decode back to themselves, and the
decoder accepts exactly the canonical bytes (anything else is rejected with
an ``ENCODING_*`` reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from proofs.crosshair.contracts.common import (
    ENCODING_REASONS,
    TOKENS,
    UINT64_MAX,
    UINT256_MAX,
    run_or_reason,
)
from spec.encoding import decode, decode_as, encode
from spec.environments.payments.transactions import Output
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Uint8, Uint16, Uint64, Uint256

CONTRACT_NAMES = (ENCODING_REASONS, UINT64_MAX, UINT256_MAX)
"""Names only the contracts use: CrossHair evaluates them in this module's globals."""


@dataclass(frozen=True)
class RoundTrip:
    """What encoding a value and decoding the bytes again gave."""

    original: object
    """The value encoded."""
    encoded: bytes
    """Its canonical encoding."""
    decoded: object
    """The value decoded from the encoding, or the reason decoding was rejected."""


def is_round_trip(result: RoundTrip, encoding: bytes) -> bool:
    """Return whether the value encoded as ``encoding`` and decoded to itself, type included."""
    return (
        result.encoded == encoding
        and result.decoded == result.original
        and type(result.decoded) is type(result.original)
    )


def encode_position_fields(block: int, transaction: int, output: int) -> bytes:
    """Return the encoding of a position as the encoding table states it: big-endian fields."""
    return block.to_bytes(8, "big") + transaction.to_bytes(2, "big") + output.to_bytes(1, "big")


def uint64_encoding_round_trip(value: int) -> RoundTrip:
    """A Uint64 encodes as 8 big-endian bytes and decodes back to itself.

    pre: 0 <= value <= UINT64_MAX
    post: is_round_trip(__return__, value.to_bytes(8, "big"))
    """
    encoded = encode(Uint64(value))
    return RoundTrip(Uint64(value), encoded, run_or_reason(lambda: decode(Uint64, encoded)))


def position_encoding_round_trip(block: int, transaction: int, output: int) -> RoundTrip:
    """An output position encodes in 8 + 2 + 1 bytes and decodes back to itself.

    pre: 0 <= block <= UINT64_MAX and 0 <= transaction < 2**16 and 0 <= output < 2**8
    post: is_round_trip(__return__, encode_position_fields(block, transaction, output))
    """
    position = OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))
    encoded = encode(position)
    return RoundTrip(position, encoded, run_or_reason(lambda: decode(OutputPosition, encoded)))


def output_encoding_round_trip(owner: int, token: int, amount: int) -> RoundTrip:
    """An output encodes in 20 + 20 + 32 bytes and decodes back to itself.

    pre: owner in (0, 1) and token in (0, 1)
    pre: 0 <= amount <= UINT256_MAX
    post: is_round_trip(__return__, TOKENS[owner] + TOKENS[token] + amount.to_bytes(32, "big"))
    """
    output = Output(owner=TOKENS[owner], token=TOKENS[token], amount=Uint256(amount))
    encoded = encode(output)
    return RoundTrip(output, encoded, run_or_reason(lambda: decode(Output, encoded)))


POSITION_LENGTH = 8 + 2 + 1
"""Length of an encoded output position: block number, transaction index, output index."""


def reencode_position(data: bytes) -> bytes | RejectionReason:
    """Return the re-encoding of the position decoded from ``data``, or the rejection reason."""
    return run_or_reason(lambda: encode(decode(OutputPosition, data)))


def compute_expected_position_reencoding(data: bytes) -> bytes | RejectionReason:
    """Return what re-encoding a decoded position must give: ``data`` itself, or a rejection."""
    if len(data) < POSITION_LENGTH:
        return RejectionReason.ENCODING_TRUNCATED
    if len(data) > POSITION_LENGTH:
        return RejectionReason.ENCODING_TRAILING_BYTES
    return data


def position_decoding_is_strict(data: bytes) -> bytes | RejectionReason:
    """Decoding accepts exactly the 11-byte strings, each the encoding of what it decodes to.

    pre: len(data) <= 13
    post: __return__ == compute_expected_position_reencoding(data)
    """
    return reencode_position(data)


OptionalFlag = bool | None
"""A small union type whose decoder reads a presence byte and then a flag byte."""

CANONICAL_OPTIONAL_FLAGS = (b"\x00", b"\x01\x00", b"\x01\x01")
"""The encodings of None, False and True as an ``OptionalFlag``."""


def optional_flag_decoding_is_strict(data: bytes) -> bytes | RejectionReason:
    """Decoding an optional flag accepts only canonical bytes and rejects with ENCODING_* only.

    pre: len(data) <= 3
    post: __return__ == data if data in CANONICAL_OPTIONAL_FLAGS else __return__ in ENCODING_REASONS
    """
    return run_or_reason(lambda: encode(decode_as(OptionalFlag, data), OptionalFlag))
