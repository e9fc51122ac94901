"""Broken twins of the encoding contracts: encoders and decoders that disagree or are lenient."""

from __future__ import annotations

from typing import cast

from proofs.crosshair.contracts.common import (
    ENCODING_REASONS,
    TOKENS,
    UINT64_MAX,
    UINT256_MAX,
    run_or_reason,
)
from proofs.crosshair.contracts.encoding import (
    CANONICAL_OPTIONAL_FLAGS,
    OptionalFlag,
    RoundTrip,
    compute_expected_position_reencoding,
    encode_position_fields,
    is_round_trip,
)
from spec.encoding import Reader, decode, encode, read
from spec.environments.payments.transactions import Output
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256

CONTRACT_NAMES = (
    CANONICAL_OPTIONAL_FLAGS,
    ENCODING_REASONS,
    UINT64_MAX,
    UINT256_MAX,
    compute_expected_position_reencoding,
    encode_position_fields,
    is_round_trip,
)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def encode_uint64_little_endian(value: Uint64) -> bytes:
    """Bug: a Uint64 is written little-endian (the decoder reads big-endian)."""
    return int(value).to_bytes(8, "little")


def decode_position_fields_swapped(data: bytes) -> OutputPosition:
    """Bug: the output index is read before the transaction index.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    block = read(reader, Uint64)
    output = read(reader, Uint8)
    transaction = read(reader, Uint16)
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return OutputPosition(block, transaction, output)


def decode_output_fields_swapped(data: bytes) -> Output:
    """Bug: the token is read before the owner.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    token = read(reader, Address)
    owner = read(reader, Address)
    amount = read(reader, Uint256)
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return Output(owner, token, amount)


def decode_position_ignoring_trailing_bytes(data: bytes) -> OutputPosition:
    """Bug: bytes after the position are ignored, so many byte strings decode to one position.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``.
    """
    return cast(OutputPosition, read(Reader(data), OutputPosition))


def decode_optional_flag_leniently(data: bytes) -> OptionalFlag:
    """Bug: any non-zero flag byte reads as True.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_INVALID_FLAG``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    value = reader.take(1)[0] != 0 if reader.take_flag() else None
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return value


def uint64_encoding_round_trip_little_endian(value: int) -> RoundTrip:
    """Broken twin of ``uint64_encoding_round_trip``: the encoder is little-endian.

    pre: 0 <= value <= UINT64_MAX
    post: is_round_trip(__return__, value.to_bytes(8, "big"))
    """
    encoded = encode_uint64_little_endian(Uint64(value))
    return RoundTrip(Uint64(value), encoded, run_or_reason(lambda: decode(Uint64, encoded)))


def position_encoding_round_trip_fields_swapped(
    block: int, transaction: int, output: int
) -> RoundTrip:
    """Broken twin of ``position_encoding_round_trip``: the decoder swaps two fields.

    pre: 0 <= block <= UINT64_MAX and 0 <= transaction < 2**16 and 0 <= output < 2**8
    post: is_round_trip(__return__, encode_position_fields(block, transaction, output))
    """
    position = OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))
    encoded = encode(position)
    decoded = run_or_reason(lambda: decode_position_fields_swapped(encoded))
    return RoundTrip(position, encoded, decoded)


def output_encoding_round_trip_fields_swapped(owner: int, token: int, amount: int) -> RoundTrip:
    """Broken twin of ``output_encoding_round_trip``: the decoder swaps owner and token.

    pre: owner in (0, 1) and token in (0, 1)
    pre: 0 <= amount <= UINT256_MAX
    post: is_round_trip(__return__, TOKENS[owner] + TOKENS[token] + amount.to_bytes(32, "big"))
    """
    output = Output(owner=TOKENS[owner], token=TOKENS[token], amount=Uint256(amount))
    encoded = encode(output)
    decoded = run_or_reason(lambda: decode_output_fields_swapped(encoded))
    return RoundTrip(output, encoded, decoded)


def position_decoding_is_strict_ignoring_trailing_bytes(data: bytes) -> bytes | RejectionReason:
    """Broken twin of ``position_decoding_is_strict``: trailing bytes are ignored.

    pre: len(data) <= 13
    post: __return__ == compute_expected_position_reencoding(data)
    """
    return run_or_reason(lambda: encode(decode_position_ignoring_trailing_bytes(data)))


def optional_flag_decoding_is_strict_lenient(data: bytes) -> bytes | RejectionReason:
    """Broken twin of ``optional_flag_decoding_is_strict``: any non-zero flag reads as True.

    pre: len(data) <= 3
    post: __return__ == data if data in CANONICAL_OPTIONAL_FLAGS else __return__ in ENCODING_REASONS
    """
    return run_or_reason(lambda: encode(decode_optional_flag_leniently(data), OptionalFlag))
