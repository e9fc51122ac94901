"""Codec cases where two decoding errors apply: the first one met, reading front to back, wins.

The wire-format document states the order (``decoding_order``): each check
runs as soon as the bytes it needs are read, a count larger than the bytes
left is truncation before any item is read, and trailing bytes are checked
last. Each case below holds two faults, and its expected reason is the one a
front-to-back decoder meets first, so a decoder that checks in another order
(for example, looks for trailing bytes first, or reads items before checking
a count) fails it.
"""

from __future__ import annotations

from conformance.case_library.codec_cases import start_codec
from conformance.case_library.worlds import ALICE, BOB, OPERATOR, make_output, make_position
from conformance.cases import TraceBuilder, case
from spec.codec import Decode
from spec.encoding import encode, encode_count
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Uint8, Uint64


@case(RejectionReason.ENCODING_TRUNCATED)
def decode_count_beyond_the_bytes_before_a_bad_tag(preset: Preset) -> TraceBuilder:
    """A block counting five transactions with one byte left, an unknown tag, is truncated.

    The count is checked against the bytes left when it is read, before the
    first item (whose tag 3 names no transaction) is looked at.
    """
    builder = start_codec(preset)
    builder.apply(Decode("Block", encode_count(5) + b"\x03"))
    return builder


@case(RejectionReason.ENCODING_INVALID_FLAG)
def decode_bad_flag_before_trailing_bytes(preset: Preset) -> TraceBuilder:
    """A boolean byte 2 followed by another byte: the flag is met before the trailing byte."""
    builder = start_codec(preset)
    builder.apply(Decode("bool", b"\x02\x00"))
    return builder


@case(RejectionReason.ENCODING_INVALID_TAG)
def decode_bad_tag_before_a_truncated_body(preset: Preset) -> TraceBuilder:
    """A block transaction with tag 7 and no body: the tag is refused before the body is missed."""
    builder = start_codec(preset)
    builder.apply(Decode("BlockTransaction", b"\x07"))
    return builder


@case(RejectionReason.ENCODING_TRUNCATED)
def decode_good_tag_with_a_truncated_body(preset: Preset) -> TraceBuilder:
    """A block transaction with a known tag and half a body is truncated."""
    builder = start_codec(preset)
    builder.apply(Decode("BlockTransaction", b"\x01" + encode(make_output(ALICE, 5))[:10]))
    return builder


@case(RejectionReason.ENCODING_INVALID_TEXT)
def decode_bad_text_before_trailing_bytes(preset: Preset) -> TraceBuilder:
    """Text of one byte 0xff, then one byte more: the text is refused before the trailing byte."""
    builder = start_codec(preset)
    builder.apply(Decode("str", encode_count(1) + b"\xff" + b"\x00"))
    return builder


@case(RejectionReason.ENCODING_UNSORTED_KEYS)
def decode_unsorted_key_before_its_truncated_value(preset: Preset) -> TraceBuilder:
    """A child chain state whose second output key is out of order and whose value is cut short.

    The key's order is checked as soon as the key is read, before its value.
    """
    builder = start_codec(preset)
    older, newer = make_position(1), make_position(2)
    utxos = encode_count(2) + encode(newer) + encode(make_output(BOB, 1)) + encode(older)
    header = encode(Uint64(0)) + encode(OPERATOR.address) + encode(Uint8(3)) + encode(Uint64(2))
    builder.apply(Decode("ChildChainState", header + utxos + encode(make_output(ALICE, 1))[:3]))
    return builder
