"""The readable JSON view of protocol values, directed by their types like the binary encoding.

Vectors carry every operation and state twice: as canonical bytes (normative,
``spec.encoding``) and as this view, for people and for field-level diffs.

======================  ==================================================
type                    view
======================  ==================================================
``Uint8/16/32``         JSON number
``Uint64``, ``Uint256``  decimal string (JSON numbers lose precision past 2**53)
``bool``                ``true`` / ``false``
``FixedBytes``, bytes   ``"0x"`` and lower-case hex
``str``, enumeration    string (an enumeration by its value)
dataclass               object of its fields
``tuple``, ``frozenset``  array (a set in canonical order)
``Mapping``             array of ``[key, value]`` pairs, in canonical order
``T | None``            ``null`` or the view of ``T``
``A | B | ...``         ``{"variant": class name, "value": view}``
======================  ==================================================

:func:`from_view` reads a view back; out-of-range integers and wrong-length byte
strings are rejected as the primitive types reject them (``INTEGER_OVERFLOW``,
``INTEGER_UNDERFLOW``, ``BYTES_WRONG_LENGTH``).
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping
from typing import Any

from spec.encoding import encode, get_field_types, is_union
from spec.primitives import FixedBytes, Uint

JsonValue = Any
"""A value JSON can hold (object, array, string, number, boolean, null)."""

EXACT_NUMBER_BITS = 32
"""Widest integers shown as JSON numbers; wider ones are decimal strings."""


def to_view(value: Any, hint: Any = None) -> JsonValue:
    """Return the readable view of ``value`` as the type ``hint`` (default: its own type)."""
    hint = type(value) if hint is None else hint
    if is_union(hint):
        return union_to_view(value, typing.get_args(hint))
    origin = typing.get_origin(hint)
    if origin is tuple:
        return [
            to_view(item, arg)
            for item, arg in zip(value, expand_tuple(hint, len(value)), strict=True)
        ]
    if origin in (Mapping, dict):
        key_hint, value_hint = typing.get_args(hint)
        pairs = sorted(value.items(), key=lambda pair: encode(pair[0], key_hint))
        return [[to_view(k, key_hint), to_view(v, value_hint)] for k, v in pairs]
    if origin is frozenset:
        (member_hint,) = typing.get_args(hint)
        return [
            to_view(m, member_hint) for m in sorted(value, key=lambda m: encode(m, member_hint))
        ]
    return scalar_to_view(value, hint)


def expand_tuple(hint: Any, length: int) -> tuple[Any, ...]:
    """Return the type of each of ``length`` items of a tuple type."""
    args = typing.get_args(hint)
    if len(args) == 2 and args[1] is Ellipsis:
        return (args[0],) * length
    return tuple(args)


def union_to_view(value: Any, arms: tuple[Any, ...]) -> JsonValue:
    """Return the view of a union value: ``null``, the bare value, or a tagged variant."""
    if type(None) in arms and len(arms) == 2:
        (inner,) = (arm for arm in arms if arm is not type(None))
        return None if value is None else to_view(value, inner)
    return {"variant": type(value).__name__, "value": to_view(value)}


def scalar_to_view(value: Any, hint: Any) -> JsonValue:
    """Return the view of an integer, byte string, text, enumeration or dataclass."""
    if hint is bool:
        return bool(value)
    if issubclass(hint, Uint):
        return int(value) if hint.BITS <= EXACT_NUMBER_BITS else str(int(value))
    if issubclass(hint, FixedBytes) or hint is bytes:
        return "0x" + bytes(value).hex()
    if hint is str:
        return str(value)
    if issubclass(hint, enum.Enum):
        return value.value
    assert is_container(hint), f"no readable view for {hint}"
    return {name: to_view(getattr(value, name), field) for name, field in get_field_types(hint)}


def is_container(hint: Any) -> bool:
    """Return whether ``hint`` is a dataclass type (a container of named fields)."""
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def from_view(hint: Any, view: JsonValue) -> Any:
    """Return the value of type ``hint`` whose readable view is ``view``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` or ``BYTES_WRONG_LENGTH``
            when a field is out of its type's range.
        ValueError: when the view does not have the shape of the type.
    """
    if is_union(hint):
        return union_from_view(typing.get_args(hint), view)
    origin = typing.get_origin(hint)
    if origin is tuple:
        hints = expand_tuple(hint, len(view))
        return tuple(from_view(arg, item) for arg, item in zip(hints, view, strict=True))
    if origin in (Mapping, dict):
        key_hint, value_hint = typing.get_args(hint)
        return {from_view(key_hint, k): from_view(value_hint, v) for k, v in view}
    if origin is frozenset:
        (member_hint,) = typing.get_args(hint)
        return frozenset(from_view(member_hint, member) for member in view)
    return scalar_from_view(hint, view)


def union_from_view(arms: tuple[Any, ...], view: JsonValue) -> Any:
    """Read a union value back from its view.

    Raises:
        ValueError: when the variant names no arm of the union.
    """
    if type(None) in arms and len(arms) == 2:
        (inner,) = (arm for arm in arms if arm is not type(None))
        return None if view is None else from_view(inner, view)
    for arm in arms:
        if arm.__name__ == view["variant"]:
            return from_view(arm, view["value"])
    raise ValueError(f"unknown variant {view['variant']!r}")


def scalar_from_view(hint: Any, view: JsonValue) -> Any:
    """Read an integer, byte string, text, enumeration or dataclass back from its view.

    Raises:
        Rejected: as the primitive constructors do.
        ValueError: on a view of the wrong shape.
    """
    if hint is bool:
        return bool(view)
    if issubclass(hint, Uint):
        return hint(int(view))
    if issubclass(hint, FixedBytes):
        return hint(read_hex(view))
    if hint is bytes:
        return read_hex(view)
    if hint is str:
        return str(view)
    if issubclass(hint, enum.Enum):
        return hint(view)
    assert is_container(hint), f"no readable view for {hint}"
    return hint(**{name: from_view(field, view[name]) for name, field in get_field_types(hint)})


def read_hex(view: JsonValue) -> bytes:
    """Return the bytes of a ``0x``-prefixed hex string.

    Raises:
        ValueError: when it is not one.
    """
    if not isinstance(view, str) or not view.startswith("0x"):
        raise ValueError(f"expected 0x-prefixed hex, got {view!r}")
    return bytes.fromhex(view[2:])
