"""The canonical binary encoding of every protocol object.

Every value the protocol hashes, signs, commits or compares (transactions,
blocks, operations, states) has exactly one encoding, fixed by its type:

======================  ==================================================
type                    encoding
======================  ==================================================
``UintN``               ``N/8`` bytes, big-endian
``bool``                one byte, ``0x00`` or ``0x01``
``FixedBytes``          the raw bytes: 20 for ``Address``, 32 for
                        ``Hash32``, 65 for ``Signature``
``bytes``               length as ``Uint32``, then the bytes
``str``                 length as ``Uint32``, then the UTF-8 bytes
enumeration             one byte: the member's declared wire tag
dataclass               its fields in declaration order, nothing between
``tuple[T, ...]``       count as ``Uint32``, then each item
``tuple[A, B]``         ``A`` then ``B`` (fixed shape, no count)
``Mapping[K, V]``       count as ``Uint32``, then key ‖ value pairs, in
                        strictly increasing order of the keys' encodings
``frozenset[T]``        count as ``Uint32``, then the members, in strictly
                        increasing order of their encodings
``T | None``            ``0x00`` for none, or ``0x01`` then ``T``
``A | B | ...``         one byte: the variant's declared wire tag, then its value
======================  ==================================================

Wire tags are explicit: every enumeration and every union (other than
``T | None``) of the protocol is given its tags with :func:`~spec.encoding.declare_enum_tags`
or :func:`~spec.encoding.declare_union_tags` beside its definition, so reordering a
declaration can never change a byte. Encoding a union or enumeration whose
tags were not declared is a bug in the spec, not bad input.

Decoding is strict, so that ``encode(decode(b)) == b`` for every accepted
``b`` and ``decode(encode(x)) == x`` for every value ``x``: the decoder
rejects truncated input (``ENCODING_TRUNCATED``), bytes after the value
(``ENCODING_TRAILING_BYTES``), flag bytes other than 0 and 1
(``ENCODING_INVALID_FLAG``), unknown variant tags and enumeration indexes
(``ENCODING_INVALID_TAG``), unsorted or repeated keys
(``ENCODING_UNSORTED_KEYS``) and text that is not UTF-8
(``ENCODING_INVALID_TEXT``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from spec.errors import RejectionReason, reject, require
from spec.primitives import FixedBytes, Uint, Uint32

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

COUNT_TYPE = Uint32
"""The type of every length and count prefix."""

MAX_TAG = 255
"""Largest wire tag: a tag is one byte."""

UNION_TAGS: dict[frozenset[Any], dict[Any, int]] = {}
"""Declared wire tags of each union, keyed by the set of its variants."""

ENUM_TAGS: dict[type[enum.Enum], dict[enum.Enum, int]] = {}
"""Declared wire tags of each enumeration."""


# Wire tags


def assert_valid_tags(tags: Mapping[Any, int], variants: frozenset[Any]) -> None:
    """Refuse a tag table that misses a variant, names another, or repeats or overflows a tag."""
    assert set(tags) == set(variants), f"tags {set(tags)} are not the variants {set(variants)}"
    assert len(set(tags.values())) == len(tags), f"two variants share a tag in {tags}"
    assert all(0 <= tag <= MAX_TAG for tag in tags.values()), f"a tag is not one byte: {tags}"


def declare_union_tags(union: Any, tags: Mapping[type, int]) -> None:
    """Fix the wire tag of each variant of ``union`` (a spec module calls this once per union)."""
    variants = frozenset(typing.get_args(union))
    assert_valid_tags(tags, variants)
    assert variants not in UNION_TAGS, f"tags of {union} declared twice"
    UNION_TAGS[variants] = dict(tags)


def declare_enum_tags(enumeration: type[E], tags: Mapping[E, int]) -> None:
    """Fix the wire tag of each member of ``enumeration``."""
    assert_valid_tags(tags, frozenset(enumeration))
    assert enumeration not in ENUM_TAGS, f"tags of {enumeration} declared twice"
    ENUM_TAGS[enumeration] = {member: tag for member, tag in tags.items()}


def get_union_tags(arms: tuple[Any, ...]) -> dict[Any, int]:
    """Return the declared tag of each variant of the union of ``arms``."""
    tags = UNION_TAGS.get(frozenset(arms))
    assert tags is not None, f"no wire tags declared for the union of {arms}"
    return tags


def get_enum_tags(enumeration: type[enum.Enum]) -> dict[enum.Enum, int]:
    """Return the declared tag of each member of ``enumeration``."""
    tags = ENUM_TAGS.get(enumeration)
    assert tags is not None, f"no wire tags declared for {enumeration.__name__}"
    return tags


# Encoding


@functools.cache
def get_field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    """Return the (name, type) of each field of the dataclass ``cls``, in order."""
    hints = typing.get_type_hints(cls)
    return tuple((field.name, hints[field.name]) for field in dataclasses.fields(cls))


def is_union(hint: Any) -> bool:
    """Return whether ``hint`` is a union type (``A | B`` or ``Optional[A]``)."""
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def encode(value: Any, hint: Any = None) -> bytes:
    """Return the canonical encoding of ``value`` as the type ``hint``.

    ``hint`` may be omitted for dataclasses, integers of a fixed width,
    fixed-length bytes, booleans and enumerations; containers and unions
    need it.
    """
    hint = type(value) if hint is None else hint
    if is_union(hint):
        return encode_union(value, typing.get_args(hint))
    origin = typing.get_origin(hint)
    if origin is tuple:
        return encode_tuple(value, typing.get_args(hint))
    if origin in (Mapping, dict):
        key_hint, value_hint = typing.get_args(hint)
        assert_orderable_key(key_hint)
        pairs = sorted((encode(k, key_hint), encode(v, value_hint)) for k, v in value.items())
        return encode_count(len(pairs)) + b"".join(k + v for k, v in pairs)
    if origin is frozenset:
        (member_hint,) = typing.get_args(hint)
        assert_orderable_key(member_hint)
        members = sorted(encode(member, member_hint) for member in value)
        return encode_count(len(members)) + b"".join(members)
    return encode_scalar_or_container(value, hint)


def assert_orderable_key(hint: Any) -> None:
    """Refuse unions as mapping keys or set members: the spec defines no encoding for them.

    Two variants can hold values that are equal in Python (``Uint8(1)`` and
    ``Uint16(1)``) but encode differently, so a decoded mapping could not be
    re-encoded to the same bytes.
    """
    assert not is_union(hint), f"no canonical encoding for keys of union type {hint}"


def encode_count(count: int) -> bytes:
    """Return the encoding of a length or count prefix."""
    return COUNT_TYPE(count).to_bytes(COUNT_TYPE.BITS // 8, "big")


def encode_union(value: Any, arms: tuple[Any, ...]) -> bytes:
    """Return the encoding of ``value`` as one of the union's ``arms``."""
    if type(None) in arms and len(arms) == 2:
        if value is None:
            return b"\x00"
        (inner,) = (arm for arm in arms if arm is not type(None))
        return b"\x01" + encode(value, inner)
    for arm, tag in get_union_tags(arms).items():
        if type(value) is (typing.get_origin(arm) or arm):
            return bytes([tag]) + encode(value, arm)
    raise AssertionError(f"{type(value).__name__} is not a variant of {arms}")


def encode_tuple(value: tuple[Any, ...], args: tuple[Any, ...]) -> bytes:
    """Return the encoding of a variable-length or fixed-shape tuple."""
    if len(args) == 2 and args[1] is Ellipsis:
        return encode_count(len(value)) + b"".join(encode(item, args[0]) for item in value)
    assert len(value) == len(args), "fixed-shape tuple of the wrong length"
    return b"".join(encode(item, arg) for item, arg in zip(value, args, strict=True))


def encode_scalar_or_container(value: Any, hint: type) -> bytes:
    """Return the encoding of an integer, byte string, text, enumeration or dataclass."""
    if hint is bool:
        return b"\x01" if value else b"\x00"
    if issubclass(hint, Uint):
        return hint(value).to_bytes(hint.BITS // 8, "big")
    if issubclass(hint, FixedBytes):
        return bytes(hint(value))
    if hint is bytes:
        return encode_count(len(value)) + bytes(value)
    if hint is str:
        data = str(value).encode("utf-8")
        return encode_count(len(data)) + data
    if issubclass(hint, enum.Enum):
        return bytes([get_enum_tags(hint)[value]])
    assert dataclasses.is_dataclass(hint), f"no canonical encoding for {hint}"
    return b"".join(encode(getattr(value, name), field) for name, field in get_field_types(hint))


class Reader:
    """A cursor over bytes being decoded."""

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        """The whole input."""
        self.offset = 0
        """How many bytes have been consumed."""

    def remaining(self) -> int:
        """Return how many bytes are left."""
        return len(self.data) - self.offset

    def take(self, length: int) -> bytes:
        """Consume and return the next ``length`` bytes.

        Raises:
            Rejected: ``ENCODING_TRUNCATED`` when fewer bytes are left.
        """
        # Verify the input holds the bytes the value needs
        require(self.remaining() >= length, RejectionReason.ENCODING_TRUNCATED)
        chunk = self.data[self.offset : self.offset + length]
        self.offset += length
        return chunk

    def take_flag(self) -> bool:
        """Consume one byte that must be 0x00 or 0x01.

        Raises:
            Rejected: ``ENCODING_TRUNCATED``; ``ENCODING_INVALID_FLAG`` for any other byte.
        """
        byte = self.take(1)[0]
        # Verify a flag byte is 0x00 or 0x01
        require(byte in (0, 1), RejectionReason.ENCODING_INVALID_FLAG, f"flag byte {byte}")
        return byte == 1

    def take_count(self) -> int:
        """Consume a count prefix.

        Raises:
            Rejected: ``ENCODING_TRUNCATED``, also when the count exceeds the bytes left
                (every item takes at least one byte).
        """
        count = int.from_bytes(self.take(COUNT_TYPE.BITS // 8), "big")
        # Verify the input can hold that many items (each takes at least one byte)
        require(count <= self.remaining(), RejectionReason.ENCODING_TRUNCATED)
        return count


def decode(hint: type[T], data: bytes) -> T:
    """Return the value of type ``hint`` whose canonical encoding is exactly ``data``.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_TRAILING_BYTES``,
            ``ENCODING_INVALID_FLAG``, ``ENCODING_INVALID_TAG``,
            ``ENCODING_UNSORTED_KEYS`` or ``ENCODING_INVALID_TEXT``.
    """
    return typing.cast(T, decode_as(hint, data))


def decode_as(hint: Any, data: bytes) -> Any:
    """Like :func:`decode`, for any type hint (``tuple[X, ...]``, unions, ...).

    Raises:
        Rejected: the reasons listed for :func:`decode`.
    """
    reader = Reader(data)
    value = read(reader, hint)
    # Verify nothing follows the value
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return value


def read(reader: Reader, hint: Any) -> Any:
    """Consume and return one value of type ``hint``.

    Raises:
        Rejected: the reasons listed for :func:`decode`, except trailing bytes.
    """
    if is_union(hint):
        return read_union(reader, typing.get_args(hint))
    origin = typing.get_origin(hint)
    if origin is tuple:
        return read_tuple(reader, typing.get_args(hint))
    if origin in (Mapping, dict):
        key_hint, value_hint = typing.get_args(hint)
        pairs = read_sorted(reader, key_hint, value_hint)
        return dict(pairs)
    if origin is frozenset:
        (member_hint,) = typing.get_args(hint)
        return frozenset(key for key, _ in read_sorted(reader, member_hint, None))
    return read_scalar_or_container(reader, hint)


def read_union(reader: Reader, arms: tuple[Any, ...]) -> Any:
    """Consume a tagged union value (or an optional value)."""
    if type(None) in arms and len(arms) == 2:
        (inner,) = (arm for arm in arms if arm is not type(None))
        return read(reader, inner) if reader.take_flag() else None
    tag = reader.take(1)[0]
    variants = {variant_tag: arm for arm, variant_tag in get_union_tags(arms).items()}
    # Verify the tag names a variant
    require(tag in variants, RejectionReason.ENCODING_INVALID_TAG, f"union tag {tag}")
    return read(reader, variants[tag])


def read_tuple(reader: Reader, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Consume a variable-length or fixed-shape tuple."""
    if len(args) == 2 and args[1] is Ellipsis:
        count = reader.take_count()
        return tuple(read(reader, args[0]) for _ in range(count))
    return tuple(read(reader, arg) for arg in args)


def read_sorted(reader: Reader, key_hint: Any, value_hint: Any) -> list[tuple[Any, Any]]:
    """Consume a count, then keys (each followed by a value unless ``value_hint`` is None).

    Raises:
        Rejected: ``ENCODING_UNSORTED_KEYS`` when a key's encoding is not strictly
            greater than the one before it.
    """
    assert_orderable_key(key_hint)
    count = reader.take_count()
    pairs: list[tuple[Any, Any]] = []
    previous_key_bytes: bytes | None = None
    for _ in range(count):
        start = reader.offset
        key = read(reader, key_hint)
        key_bytes = reader.data[start : reader.offset]
        # Verify keys are strictly increasing (sorted, no repeats)
        require(
            previous_key_bytes is None or key_bytes > previous_key_bytes,
            RejectionReason.ENCODING_UNSORTED_KEYS,
        )
        previous_key_bytes = key_bytes
        value = None if value_hint is None else read(reader, value_hint)
        pairs.append((key, value))
    return pairs


def read_scalar_or_container(reader: Reader, hint: type) -> Any:
    """Consume an integer, byte string, text, enumeration or dataclass."""
    if hint is bool:
        return reader.take_flag()
    if issubclass(hint, Uint):
        return hint(int.from_bytes(reader.take(hint.BITS // 8), "big"))
    if issubclass(hint, FixedBytes):
        return hint(reader.take(hint.LENGTH))
    if hint is bytes:
        return reader.take(reader.take_count())
    if hint is str:
        return read_text(reader)
    if issubclass(hint, enum.Enum):
        tag = reader.take(1)[0]
        members = {member_tag: member for member, member_tag in get_enum_tags(hint).items()}
        # Verify the tag names a member
        require(tag in members, RejectionReason.ENCODING_INVALID_TAG, f"enum tag {tag}")
        return members[tag]
    assert dataclasses.is_dataclass(hint), f"no canonical encoding for {hint}"
    fields = {name: read(reader, field) for name, field in get_field_types(hint)}
    return hint(**fields)


def read_text(reader: Reader) -> str:
    """Consume length-prefixed UTF-8 text.

    Raises:
        Rejected: ``ENCODING_INVALID_TEXT`` when the bytes are not UTF-8.
    """
    data = reader.take(reader.take_count())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Verify text is valid UTF-8
        reject(RejectionReason.ENCODING_INVALID_TEXT)
