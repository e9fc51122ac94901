"""Codec cases: bytes decoded as a named type, including rejections no operation can reach.

``ENCODING_INVALID_FLAG`` is shown on a bare ``bool`` (the settlement cases
show it in an operation too: a canonicity challenge's optional inclusion);
unsorted keys on a child chain state, and text that is not UTF-8 on a
preset's name. The in-flight exit game's types are decoded too: a
transaction's inclusion witness, and a settlement state holding an in-flight
exit and its finalized marks.
"""

from __future__ import annotations

from conformance.areas import CODEC
from conformance.case_library.in_flight_processing_cases import (
    process_a_canonical_exit_paying_its_output,
)
from conformance.case_library.worlds import ALICE, BOB, OPERATOR, make_output, make_position
from conformance.cases import TraceBuilder, case
from spec.codec import Decode
from spec.encoding import encode, encode_count
from spec.environments.payments.in_flight import TransactionInclusion
from spec.errors import RejectionReason
from spec.positions import TransactionPosition
from spec.presets import Preset
from spec.primitives import Hash32, Uint8, Uint16, Uint64
from spec.settlement.state import SettlementState


def start_codec(preset: Preset) -> TraceBuilder:
    """Return a builder over the codec area's empty state."""
    return TraceBuilder(CODEC, preset, b"")


@case(None)
def decode_preset(preset: Preset) -> TraceBuilder:
    """The preset's own bytes decode, and re-encode to the same bytes."""
    builder = start_codec(preset)
    builder.apply(Decode("Preset", encode(preset)))
    return builder


@case(RejectionReason.ENCODING_TRUNCATED)
def decode_truncated_output(preset: Preset) -> TraceBuilder:
    """An output missing its last byte does not decode."""
    builder = start_codec(preset)
    builder.apply(Decode("Output", encode(make_output(ALICE, 5))[:-1]))
    return builder


@case(RejectionReason.ENCODING_TRAILING_BYTES)
def decode_output_with_trailing_byte(preset: Preset) -> TraceBuilder:
    """An output followed by one more byte does not decode."""
    builder = start_codec(preset)
    builder.apply(Decode("Output", encode(make_output(ALICE, 5)) + b"\x00"))
    return builder


@case(RejectionReason.ENCODING_INVALID_FLAG)
def decode_boolean_two(preset: Preset) -> TraceBuilder:
    """A boolean byte must be 0 or 1."""
    builder = start_codec(preset)
    builder.apply(Decode("bool", b"\x02"))
    return builder


@case(RejectionReason.ENCODING_INVALID_TAG)
def decode_block_transaction_with_unknown_tag(preset: Preset) -> TraceBuilder:
    """Block transaction tag 3 names no kind of transaction (there are three, 0 to 2)."""
    builder = start_codec(preset)
    builder.apply(Decode("BlockTransaction", b"\x03" + encode(make_output(ALICE, 5))))
    return builder


@case(RejectionReason.ENCODING_UNSORTED_KEYS)
def decode_child_chain_state_with_unsorted_outputs(preset: Preset) -> TraceBuilder:
    """A child chain state whose two unspent outputs are listed newest first does not decode."""
    builder = start_codec(preset)
    older, newer = make_position(1), make_position(2)
    utxos = (
        encode_count(2)
        + encode(newer)
        + encode(make_output(BOB, 1))
        + encode(older)
        + encode(make_output(ALICE, 1))
    )
    header = encode(Uint64(0)) + encode(OPERATOR.address) + encode(Uint8(3)) + encode(Uint64(2))
    empty_rest = encode_count(0) * 5  # spent and the four totals
    builder.apply(Decode("ChildChainState", header + utxos + empty_rest))
    return builder


@case(RejectionReason.ENCODING_INVALID_TEXT)
def decode_preset_with_invalid_name(preset: Preset) -> TraceBuilder:
    """A preset whose name bytes are not UTF-8 does not decode."""
    builder = start_codec(preset)
    name = preset.name.encode()
    data = encode(preset).replace(name, b"\xff" * len(name), 1)
    builder.apply(Decode("Preset", data))
    return builder


@case(RejectionReason.CODEC_UNKNOWN_TYPE)
def decode_as_an_unknown_type(preset: Preset) -> TraceBuilder:
    """A codec step naming a type outside the codec's type list is rejected, whatever its bytes."""
    builder = start_codec(preset)
    builder.apply(Decode("Uint128", b"\x00" * 16))
    return builder


def make_inclusion() -> TransactionInclusion:
    """Return an inclusion witness: transaction 1 of block 4, with a proof of three hashes."""
    proof = tuple(Hash32(bytes([byte]) * 32) for byte in (1, 2, 3))
    return TransactionInclusion(TransactionPosition(Uint64(4), Uint16(1)), proof)


@case(None)
def decode_transaction_inclusion(preset: Preset) -> TraceBuilder:
    """An inclusion witness (position, then the proof as a counted list of hashes) decodes."""
    builder = start_codec(preset)
    builder.apply(Decode("TransactionInclusion", encode(make_inclusion())))
    return builder


@case(RejectionReason.ENCODING_TRUNCATED)
def decode_transaction_inclusion_missing_a_hash(preset: Preset) -> TraceBuilder:
    """A witness whose proof counts three hashes but holds two and a half does not decode."""
    builder = start_codec(preset)
    builder.apply(Decode("TransactionInclusion", encode(make_inclusion())[:-16]))
    return builder


@case(None)
def decode_settlement_state_with_a_settled_in_flight_exit(preset: Preset) -> TraceBuilder:
    """A settlement state after an in-flight exit paid its output: its records and marks decode."""
    state: SettlementState = process_a_canonical_exit_paying_its_output(preset).state
    builder = start_codec(preset)
    builder.apply(Decode("SettlementState", encode(state)))
    return builder
