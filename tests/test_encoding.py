"""Canonical encoding: round trips, strict decoding, and the documented byte layout.

The known-answer tests write the expected bytes by hand from the table in the
``spec.encoding`` module docstring, so that the table is what is tested.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.encoding import declare_enum_tags, declare_union_tags, decode, decode_as, encode
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.presets import TINY, Preset
from spec.primitives import (
    Address,
    Hash32,
    Signature,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
from tests.strategies import (
    addresses,
    arbitrary_presets,
    block_transactions,
    blocks,
    deposit_transactions,
    fee_claims,
    hash32s,
    output_positions,
    outputs,
    presets,
    signatures,
    signed_transactions,
    transactions,
    uint8s,
    uint16s,
    uint32s,
    uint64s,
    uint256s,
    valid_signatures,
)
from tests.support import rejects

# Local types for the encodings the protocol containers do not use


class Color(Enum):
    """An enumeration: encoded as the member's declared wire tag."""

    RED = "red"
    GREEN = "green"
    BLUE = "blue"


declare_enum_tags(Color, {Color.RED: 0, Color.GREEN: 1, Color.BLUE: 2})
declare_union_tags(Uint8 | Hash32, {Uint8: 0, Hash32: 1})
declare_union_tags(Uint8 | Uint16, {Uint8: 0, Uint16: 1})


@dataclass(frozen=True)
class Sample:
    """A container with one field of every kind the encoding table lists."""

    flag: bool
    note: str
    blob: bytes
    color: Color
    maybe: Uint16 | None
    table: Mapping[str, Uint8]
    members: frozenset[Uint16]
    pair: tuple[Uint8, Address]
    choice: Uint8 | Hash32


def samples() -> st.SearchStrategy[Sample]:
    """Draw any small Sample."""
    return st.builds(
        Sample,
        st.booleans(),
        st.text(max_size=6),
        st.binary(max_size=6),
        st.sampled_from(Color),
        st.none() | uint16s(),
        st.dictionaries(st.text(max_size=3), uint8s(), max_size=3),
        st.frozensets(uint16s(), max_size=3),
        st.tuples(uint8s(), addresses()),
        st.one_of(uint8s(), hash32s()),
    )


ENCODING_REASONS = frozenset(
    {
        RejectionReason.ENCODING_TRUNCATED,
        RejectionReason.ENCODING_TRAILING_BYTES,
        RejectionReason.ENCODING_INVALID_FLAG,
        RejectionReason.ENCODING_INVALID_TAG,
        RejectionReason.ENCODING_UNSORTED_KEYS,
        RejectionReason.ENCODING_INVALID_TEXT,
    }
)
"""Every reason decoding may give; never INTEGER_* or BYTES_WRONG_LENGTH."""

ROUND_TRIPS: list[tuple[str, Any, st.SearchStrategy[Any]]] = [
    ("Uint8", Uint8, uint8s()),
    ("Uint16", Uint16, uint16s()),
    ("Uint32", Uint32, uint32s()),
    ("Uint64", Uint64, uint64s()),
    ("Uint256", Uint256, uint256s()),
    ("bool", bool, st.booleans()),
    ("str", str, st.text(max_size=8)),
    ("bytes", bytes, st.binary(max_size=8)),
    ("enum", Color, st.sampled_from(Color)),
    ("Address", Address, addresses()),
    ("Hash32", Hash32, hash32s()),
    ("Signature", Signature, signatures()),
    ("valid Signature", Signature, valid_signatures()),
    ("OutputPosition", OutputPosition, output_positions()),
    ("Output", Output, outputs()),
    ("Transaction", Transaction, transactions()),
    ("SignedTransaction", SignedTransaction, signed_transactions()),
    ("FeeClaim", FeeClaim, fee_claims()),
    ("DepositTransaction", DepositTransaction, deposit_transactions()),
    ("BlockTransaction", BlockTransaction, block_transactions()),
    ("Block", Block, blocks()),
    ("named Preset", Preset, presets()),
    ("Preset", Preset, arbitrary_presets()),
    ("optional", Uint16 | None, st.none() | uint16s()),
    (
        "tuple of positions",
        tuple[OutputPosition, ...],
        st.lists(output_positions(), max_size=4).map(tuple),
    ),
    ("Sample", Sample, samples()),
]
"""(name, type, strategy) for every round-trip and mutation property."""

ROUND_TRIP_IDS = [name for name, _, _ in ROUND_TRIPS]


def assert_same_types(decoded: Any, original: Any) -> None:
    """Assert that ``decoded`` has the same types as ``original``, recursively."""
    assert type(decoded) is type(original), f"{type(decoded)} is not {type(original)}"
    if dataclasses.is_dataclass(original):
        for field in dataclasses.fields(original):
            assert_same_types(getattr(decoded, field.name), getattr(original, field.name))
    elif isinstance(original, tuple):
        for decoded_item, original_item in zip(decoded, original, strict=True):
            assert_same_types(decoded_item, original_item)
    elif isinstance(original, dict):
        for key, value in original.items():
            assert_same_types(decoded[key], value)


def decode_or_reason(hint: Any, data: bytes) -> Any:
    """Return the decoded value, or the RejectionReason decoding raised."""
    try:
        return decode_as(hint, data)
    except Rejected as rejected:
        return rejected.reason


def check_strict_decoding(hint: Any, data: bytes) -> RejectionReason | None:
    """Decode ``data``: on success it must re-encode to exactly ``data``.

    Returns:
        The rejection reason, or None when ``data`` decoded.
    """
    outcome = decode_or_reason(hint, data)
    if isinstance(outcome, RejectionReason):
        assert outcome in ENCODING_REASONS, f"decoding rejected with {outcome.value}"
        return outcome
    assert encode(outcome, hint) == data, "an accepted encoding is not canonical"
    return None


def mutations(encoding: bytes) -> st.SearchStrategy[bytes]:
    """Draw ``encoding`` with one byte changed, removed or inserted, cut short or extended."""
    size = len(encoding)
    appended = st.binary(min_size=1, max_size=4).map(lambda extra: encoding + extra)
    inserted = st.tuples(st.integers(0, size), st.binary(min_size=1, max_size=4)).map(
        lambda at: encoding[: at[0]] + at[1] + encoding[at[0] :]
    )
    if size == 0:
        return appended | inserted
    changed = st.tuples(st.integers(0, size - 1), st.integers(0, 255)).map(
        lambda at: encoding[: at[0]] + bytes([at[1]]) + encoding[at[0] + 1 :]
    )
    removed = st.integers(0, size - 1).map(lambda at: encoding[:at] + encoding[at + 1 :])
    truncated = st.integers(0, size - 1).map(lambda length: encoding[:length])
    return st.one_of(changed, removed, truncated, appended, inserted)


# Round trips


@pytest.mark.parametrize(("name", "hint", "strategy"), ROUND_TRIPS, ids=ROUND_TRIP_IDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_decode_inverts_encode(
    name: str, hint: Any, strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    """Given any value of a type with a canonical encoding.

    When it is encoded and the bytes decoded as the same type,
    Then the same value, with the same types throughout, comes back.
    """
    value = data.draw(strategy, label=name)
    decoded = decode_as(hint, encode(value, hint))
    assert decoded == value
    assert_same_types(decoded, value)


@pytest.mark.parametrize(("name", "hint", "strategy"), ROUND_TRIPS, ids=ROUND_TRIP_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_mutated_encodings_decode_canonically_or_reject(
    name: str, hint: Any, strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    """Given a valid encoding with one mutation.

    (a byte changed, removed or inserted; the bytes cut short or extended)
    When the mutated bytes are decoded,
    Then either they decode and re-encode to exactly the same bytes, or decoding is
    rejected with an ENCODING_* reason (never INTEGER_*, BYTES_WRONG_LENGTH or
    another exception).
    """
    encoding = encode(data.draw(strategy, label=name), hint)
    check_strict_decoding(hint, data.draw(mutations(encoding), label="mutated"))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_decode_canonically_or_reject(data: bytes) -> None:
    """Given arbitrary bytes.

    When they are decoded as a Block and as a Sample,
    Then they either re-encode to the same bytes or are rejected with an ENCODING_* reason.
    """
    check_strict_decoding(Block, data)
    check_strict_decoding(Sample, data)


# Which reasons decoding gives, exhaustively over single mutations of fixed values

OWNER = Address(b"\x11" * 20)
TOKEN = Address(b"\x22" * 20)
OUTPUT = Output(OWNER, TOKEN, Uint256(1000))
POSITION = OutputPosition(Uint64(1), Uint16(2), Uint8(3))
TRANSACTION = Transaction((POSITION,), (OUTPUT,))
SIGNED = SignedTransaction(TRANSACTION, (Signature(b"\x33" * 65),))
BLOCK = Block((SIGNED, FeeClaim(OUTPUT), DepositTransaction(OUTPUT)))
SAMPLE = Sample(
    flag=True,
    note="hé",
    blob=b"\x01\x02",
    color=Color.BLUE,
    maybe=Uint16(7),
    table={"b": Uint8(2), "aa": Uint8(1)},
    members=frozenset({Uint16(0x0103), Uint16(0x0102)}),  # a one-bit change makes a repeat
    pair=(Uint8(9), OWNER),
    choice=Uint8(5),
)

TRUNCATED = RejectionReason.ENCODING_TRUNCATED
TRAILING = RejectionReason.ENCODING_TRAILING_BYTES

REACHABLE_REASONS: list[tuple[str, Any, Any, frozenset[RejectionReason]]] = [
    ("OutputPosition", OutputPosition, POSITION, frozenset({TRUNCATED, TRAILING})),
    ("Output", Output, OUTPUT, frozenset({TRUNCATED, TRAILING})),
    ("Transaction", Transaction, TRANSACTION, frozenset({TRUNCATED, TRAILING})),
    ("SignedTransaction", SignedTransaction, SIGNED, frozenset({TRUNCATED, TRAILING})),
    (
        "Block",
        Block,
        BLOCK,
        frozenset({TRUNCATED, TRAILING, RejectionReason.ENCODING_INVALID_TAG}),
    ),
    (
        "Preset",
        Preset,
        TINY,
        frozenset({TRUNCATED, TRAILING, RejectionReason.ENCODING_INVALID_TEXT}),
    ),
    ("Sample", Sample, SAMPLE, ENCODING_REASONS),
]
"""(name, type, value, exactly the reasons single mutations of its encoding can give)."""


def every_single_mutation(encoding: bytes) -> list[bytes]:
    """Return single mutations of ``encoding``.

    Every cut, a one-byte extension, and per position a removal, an insertion
    and replacements by telling byte values.
    """
    mutated = [encoding[:length] for length in range(len(encoding))]
    mutated.append(encoding + b"\x00")
    for at, byte in enumerate(encoding):
        mutated.append(encoding[:at] + encoding[at + 1 :])
        mutated.append(encoding[:at] + b"\x00" + encoding[at:])
        for replacement in {0x00, 0x01, 0x02, 0x03, 0x7F, 0x80, 0xFF, byte ^ 0x01}:
            mutated.append(encoding[:at] + bytes([replacement]) + encoding[at + 1 :])
    return mutated


@pytest.mark.parametrize(
    ("name", "hint", "value", "reasons"),
    REACHABLE_REASONS,
    ids=[name for name, _, _, _ in REACHABLE_REASONS],
)
def test_single_mutations_give_exactly_the_expected_reasons(
    name: str, hint: Any, value: Any, reasons: frozenset[RejectionReason]
) -> None:
    """Given a fixed value and every single mutation of its encoding.

    When each mutated encoding is decoded,
    Then accepted ones re-encode to the same bytes, and the set of rejection reasons
    seen is exactly the one expected for the type (a Block adds INVALID_TAG, a
    Preset's name INVALID_TEXT, a Sample every ENCODING_* reason).
    """
    seen = {check_strict_decoding(hint, data) for data in every_single_mutation(encode(value))}
    assert seen - {None} == reasons, name


# Known answers: bytes written by hand from the encoding table


def from_hex(*parts: str) -> bytes:
    """Return the bytes of hex ``parts`` joined (spaces inside a part are ignored)."""
    return bytes.fromhex("".join(parts))


POSITION_HEX = "0000000000000001 0002 03"
"""OutputPosition(1, 2, 3): Uint64, Uint16, Uint8, big-endian, nothing between."""

OUTPUT_HEX = " ".join(("11" * 20, "22" * 20, "00" * 30 + "03e8"))
"""Output(0x11.., 0x22.., 1000): two raw 20-byte addresses, then a 32-byte Uint256."""


def test_known_encoding_of_integers_and_flags() -> None:
    """Given integers of each width and both booleans.

    When they are encoded,
    Then each integer is BITS/8 big-endian bytes and a boolean is one byte 0x00 or 0x01.
    """
    assert encode(Uint8(0xAB)) == from_hex("ab")
    assert encode(Uint16(0x0102)) == from_hex("0102")
    assert encode(Uint32(1)) == from_hex("00000001")
    assert encode(Uint64(0x0102030405060708)) == from_hex("0102030405060708")
    assert encode(Uint256(1)) == from_hex("00" * 31, "01")
    assert (encode(True), encode(False)) == (from_hex("01"), from_hex("00"))


def test_known_encoding_of_an_output_position() -> None:
    """Given OutputPosition(block 1, transaction 2, output 3).

    When it is encoded,
    Then its bytes are 0000000000000001 0002 03.
    """
    assert encode(POSITION) == from_hex(POSITION_HEX)
    assert decode(OutputPosition, from_hex(POSITION_HEX)) == POSITION


def test_known_encoding_of_an_output() -> None:
    """Given an output of 1000 of token 0x22.. owned by 0x11...

    When it is encoded,
    Then its bytes are the owner, the token, then 1000 as 32 big-endian bytes.
    """
    assert encode(OUTPUT) == from_hex(OUTPUT_HEX)
    assert len(encode(OUTPUT)) == 20 + 20 + 32


def test_known_encoding_of_a_transaction() -> None:
    """Given a transaction of one input and one output, and the empty transaction.

    When they are encoded,
    Then each tuple is a Uint32 count followed by its items.
    """
    assert encode(TRANSACTION) == from_hex("00000001", POSITION_HEX, "00000001", OUTPUT_HEX)
    assert encode(Transaction((), ())) == from_hex("00000000", "00000000")


def test_known_encoding_of_an_optional() -> None:
    """Given the optional Uint16 type.

    When None and Uint16(0x0102) are encoded,
    Then None is 00 and the value is 01 followed by 0102.
    """
    assert encode(None, Uint16 | None) == from_hex("00")
    assert encode(Uint16(0x0102), Uint16 | None) == from_hex("01", "0102")


def test_known_encoding_of_a_mapping() -> None:
    """Given the mappings {0x0201: 1, 0x0102: 2} and {"aa": 1, "b": 2}.

    When they are encoded,
    Then each is a count, then key ‖ value pairs in increasing order of the keys'
    encodings: for text the length prefix sorts first, so "b" comes before "aa".
    """
    numbers = {Uint16(0x0201): Uint8(1), Uint16(0x0102): Uint8(2)}
    expected_numbers = from_hex("00000002", "0102 02", "0201 01")
    assert encode(numbers, Mapping[Uint16, Uint8]) == expected_numbers
    words = {"aa": Uint8(1), "b": Uint8(2)}
    expected_words = from_hex(
        "00000002",
        "00000001 62",  # "b"
        "02",
        "00000002 6161",  # "aa"
        "01",
    )
    assert encode(words, Mapping[str, Uint8]) == expected_words
    assert decode_as(Mapping[str, Uint8], expected_words) == words


def test_known_encoding_of_a_frozenset() -> None:
    """Given the set {0x0201, 0x0102} of Uint16.

    When it is encoded,
    Then it is a count, then the members in increasing order of their encodings.
    """
    members = frozenset({Uint16(0x0201), Uint16(0x0102)})
    assert encode(members, frozenset[Uint16]) == from_hex("00000002", "0102", "0201")


def test_known_encoding_of_unions() -> None:
    """Given each kind of block transaction and a Uint8 | Hash32 value.

    When they are encoded as their union,
    Then each is one tag byte (the variant's declared wire tag) followed by the value.
    """
    empty_payment = SignedTransaction(Transaction((), ()), ())
    assert encode(empty_payment, BlockTransaction) == from_hex(
        "00",  # SignedTransaction is variant 0
        "00000000 00000000",  # no inputs, no outputs
        "00000000",  # no signatures
    )
    assert encode(FeeClaim(OUTPUT), BlockTransaction) == from_hex("01", OUTPUT_HEX)
    assert encode(DepositTransaction(OUTPUT), BlockTransaction) == from_hex("02", OUTPUT_HEX)
    assert encode(Uint8(5), Uint8 | Hash32) == from_hex("00", "05")
    assert encode(Block((FeeClaim(OUTPUT),))) == from_hex("00000001", "01", OUTPUT_HEX)


def test_known_encoding_of_every_field_kind() -> None:
    """Given a Sample holding a value of every kind in the encoding table.

    When it is encoded,
    Then its bytes are each field's encoding, in declaration order, nothing between:
    bool, length-prefixed UTF-8, length-prefixed bytes, enum index, optional,
    sorted mapping, sorted set, fixed-shape tuple (no count), tagged union.
    """
    expected = from_hex(
        "01",  # flag: True
        "00000003 68c3a9",  # note: "hé" is 3 UTF-8 bytes
        "00000002 0102",  # blob
        "02",  # color: BLUE is the third member
        "01 0007",  # maybe: present, 7
        "00000002 00000001 62 02 00000002 6161 01",  # table: "b" sorts before "aa"
        "00000002 0102 0103",  # members
        "09",  # pair: the Uint8 ...
        "11" * 20,  # ... then the Address, no count
        "00 05",  # choice: variant 0 (Uint8), 5
    )
    assert encode(SAMPLE) == expected
    assert decode(Sample, expected) == SAMPLE


def test_known_encoding_of_a_preset() -> None:
    """Given the tiny preset.

    When it is encoded,
    Then its bytes are the name as length-prefixed text, then the numbers in field order.
    """
    assert encode(TINY) == from_hex(
        "00000004 74696e79",  # name "tiny"
        "0000000000000064",  # minimum finalization period 100
        "0000000000000004",  # block interval 4
        "03",  # transaction tree depth 3
        "08",  # coin tree depth 8
        "000000000000000a",  # quarantine period 10
        "00" * 31 + "01",  # minimum exit bond 1
    )


# Rejections


@rejects(RejectionReason.ENCODING_TRUNCATED)
def test_truncated_encoding_is_rejected() -> None:
    """Given an output's encoding without its last byte.

    When it is decoded as an Output,
    Then it is rejected with ENCODING_TRUNCATED.
    """
    decode(Output, encode(OUTPUT)[:-1])


@rejects(RejectionReason.ENCODING_TRUNCATED)
def test_count_beyond_the_remaining_bytes_is_rejected() -> None:
    """Given a tuple of Uint8 whose count says 5 but only 4 bytes follow.

    When it is decoded,
    Then it is rejected with ENCODING_TRUNCATED.
    """
    decode_as(tuple[Uint8, ...], from_hex("00000005", "01020304"))


@rejects(RejectionReason.ENCODING_TRUNCATED)
def test_huge_count_is_rejected_before_reading_items() -> None:
    """Given a block whose transaction count is 2**32 - 1 and nothing after it.

    When it is decoded,
    Then it is rejected at once with ENCODING_TRUNCATED (every item takes a byte).
    """
    decode(Block, from_hex("ffffffff"))


@rejects(RejectionReason.ENCODING_TRUNCATED)
def test_byte_string_longer_than_the_input_is_rejected() -> None:
    """Given a byte string whose length prefix says 3 but 2 bytes follow.

    When it is decoded,
    Then it is rejected with ENCODING_TRUNCATED.
    """
    decode(bytes, from_hex("00000003", "0102"))


@rejects(RejectionReason.ENCODING_TRAILING_BYTES)
def test_trailing_bytes_are_rejected() -> None:
    """Given an output's encoding followed by one zero byte.

    When it is decoded as an Output,
    Then it is rejected with ENCODING_TRAILING_BYTES.
    """
    decode(Output, encode(OUTPUT) + b"\x00")


@rejects(RejectionReason.ENCODING_INVALID_FLAG)
def test_boolean_byte_two_is_rejected() -> None:
    """Given the byte 02.

    When it is decoded as a bool,
    Then it is rejected with ENCODING_INVALID_FLAG.
    """
    decode(bool, b"\x02")


@rejects(RejectionReason.ENCODING_INVALID_FLAG)
def test_presence_byte_two_is_rejected() -> None:
    """Given an optional Uint16 whose presence byte is 02.

    When it is decoded,
    Then it is rejected with ENCODING_INVALID_FLAG.
    """
    decode_as(Uint16 | None, from_hex("02", "0102"))


@rejects(RejectionReason.ENCODING_INVALID_TAG)
def test_union_tag_beyond_the_variants_is_rejected() -> None:
    """Given a block transaction with tag 03 (the union has variants 0, 1, 2).

    When it is decoded,
    Then it is rejected with ENCODING_INVALID_TAG.
    """
    decode_as(BlockTransaction, from_hex("03", OUTPUT_HEX))


class Shade(Enum):
    """An enumeration whose wire tags are not its declaration order, with a gap."""

    DARK = "dark"
    LIGHT = "light"


class ReorderedShade(Enum):
    """The members of :class:`Shade` declared in the other order, with the same tags."""

    LIGHT = "light"
    DARK = "dark"


declare_enum_tags(Shade, {Shade.DARK: 7, Shade.LIGHT: 2})
declare_enum_tags(ReorderedShade, {ReorderedShade.DARK: 7, ReorderedShade.LIGHT: 2})
declare_union_tags(Uint16 | Address, {Address: 0, Uint16: 9})


def test_wire_tags_are_declared_not_taken_from_declaration_order() -> None:
    """Given an enumeration and a union whose declared tags differ from their order.

    When their values are encoded and decoded, and the enumeration is declared again
    in the other order with the same tags,
    Then the bytes carry the declared tags, and the order of declaration changes no byte.
    """
    assert encode(Shade.DARK) == b"\x07"
    assert encode(Shade.LIGHT) == b"\x02"
    assert encode(ReorderedShade.DARK) == encode(Shade.DARK)
    assert decode(Shade, b"\x07") == Shade.DARK
    assert encode(Uint16(1), Uint16 | Address) == from_hex("09", "0001")
    assert decode_as(Uint16 | Address, from_hex("09", "0001")) == Uint16(1)


@rejects(RejectionReason.ENCODING_INVALID_TAG)
def test_tag_in_a_gap_between_declared_tags_is_rejected() -> None:
    """Given the byte 03 for an enumeration whose tags are 2 and 7.

    When it is decoded,
    Then it is rejected with ENCODING_INVALID_TAG.
    """
    decode(Shade, b"\x03")


def test_undeclared_or_clashing_tags_are_spec_bugs() -> None:
    """Given an enumeration and a union without declared tags, and tag tables that clash.

    When a value is encoded, or the tags are declared,
    Then an AssertionError reports a bug in the spec (not a rejection of input).
    """

    class Undeclared(Enum):
        ONLY = "only"

    with pytest.raises(AssertionError, match="no wire tags"):
        encode(Undeclared.ONLY)
    with pytest.raises(AssertionError, match="no wire tags"):
        encode(Uint8(1), Uint8 | Address)
    with pytest.raises(AssertionError, match="share a tag"):
        declare_union_tags(Uint32 | Address, {Uint32: 1, Address: 1})
    with pytest.raises(AssertionError, match="not the variants"):
        declare_union_tags(Uint32 | Address, {Uint32: 1})


@rejects(RejectionReason.ENCODING_INVALID_TAG)
def test_enum_index_beyond_the_members_is_rejected() -> None:
    """Given the byte 03 for an enumeration of three members.

    When it is decoded as Color,
    Then it is rejected with ENCODING_INVALID_TAG.
    """
    decode(Color, b"\x03")


@rejects(RejectionReason.ENCODING_UNSORTED_KEYS)
def test_mapping_keys_out_of_order_are_rejected() -> None:
    """Given a mapping encoding with key 0x0201 before key 0x0102.

    When it is decoded,
    Then it is rejected with ENCODING_UNSORTED_KEYS.
    """
    decode_as(Mapping[Uint16, Uint8], from_hex("00000002", "0201 01", "0102 02"))


@rejects(RejectionReason.ENCODING_UNSORTED_KEYS)
def test_repeated_mapping_key_is_rejected() -> None:
    """Given a mapping encoding that names key 0x0102 twice.

    When it is decoded,
    Then it is rejected with ENCODING_UNSORTED_KEYS (a repeat is not strictly increasing).
    """
    decode_as(Mapping[Uint16, Uint8], from_hex("00000002", "0102 01", "0102 02"))


@rejects(RejectionReason.ENCODING_UNSORTED_KEYS)
def test_repeated_set_member_is_rejected() -> None:
    """Given a set encoding that lists member 0x0102 twice.

    When it is decoded,
    Then it is rejected with ENCODING_UNSORTED_KEYS.
    """
    decode_as(frozenset[Uint16], from_hex("00000002", "0102", "0102"))


@rejects(RejectionReason.ENCODING_INVALID_TEXT)
def test_invalid_utf8_is_rejected() -> None:
    """Given text whose single byte is ff (never valid in UTF-8).

    When it is decoded as str,
    Then it is rejected with ENCODING_INVALID_TEXT.
    """
    decode(str, from_hex("00000001", "ff"))


@rejects(RejectionReason.ENCODING_INVALID_TEXT)
def test_overlong_utf8_is_rejected() -> None:
    """Given "/" in the overlong two-byte form c0 af (a second encoding of 2f).

    When it is decoded as str,
    Then it is rejected with ENCODING_INVALID_TEXT, so text has one encoding only.
    """
    decode(str, from_hex("00000002", "c0af"))


@pytest.mark.parametrize(
    "hint", [frozenset[Uint8 | Uint16], Mapping[Uint8 | Uint16, Uint8]], ids=["set", "mapping"]
)
def test_union_keys_have_no_canonical_encoding(hint: Any) -> None:
    """Given a set or mapping keyed by a union (Uint8(1) and Uint16(1) are equal in Python).

    When it is encoded or decoded,
    Then the spec refuses the type itself: decoding ``00 01`` then ``01 0001`` would collapse
    two distinct encodings into one key, and re-encoding would not give the same bytes.
    """
    with pytest.raises(AssertionError, match="union"):
        decode_as(hint, from_hex("00000002", "00 01", "01 0001"))
    with pytest.raises(AssertionError, match="union"):
        encode(frozenset() if typing.get_origin(hint) is frozenset else {}, hint)
