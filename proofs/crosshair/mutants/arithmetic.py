"""Broken twins of the arithmetic contracts: operations that lose their width, wrap or saturate."""

from __future__ import annotations

from typing import Self, cast

from proofs.crosshair.contracts.arithmetic import describe_uint, get_uint_type
from proofs.crosshair.contracts.common import run_or_reason
from spec.errors import RejectionReason
from spec.primitives import Uint

CONTRACT_NAMES = (RejectionReason,)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


class UntypedAddition(Uint):
    """Bug: addition returns a plain ``int``, so the width (and every later check) is lost."""

    def __add__(self, other: int) -> Self:
        return cast(Self, int(self) + int(other))


class WrappingAddition(Uint):
    """Bug: addition wraps modulo ``2**BITS`` instead of rejecting."""

    def __add__(self, other: int) -> Self:
        return type(self)((int(self) + int(other)) & self.max_value())


class SwappedSubtraction(Uint):
    """Bug: subtraction takes the left operand from the right one."""

    def __sub__(self, other: int) -> Self:
        return type(self)(int(other) - int(self))


class WrappingSubtraction(Uint):
    """Bug: subtraction wraps modulo ``2**BITS`` (two's complement) instead of rejecting."""

    def __sub__(self, other: int) -> Self:
        return type(self)((int(self) - int(other)) & self.max_value())


class UntypedMultiplication(Uint):
    """Bug: multiplication returns a plain ``int``, so the width is lost."""

    def __mul__(self, other: int) -> Self:
        return cast(Self, int(self) * int(other))


class SaturatingMultiplication(Uint):
    """Bug: multiplication clamps to the maximum instead of rejecting."""

    def __mul__(self, other: int) -> Self:
        return type(self)(min(int(self) * int(other), self.max_value()))


def get_broken_uint_type(bits: int, bug: type[Uint]) -> type[Uint]:
    """Return the spec's ``bits``-bit type with the methods of ``bug`` in place of its own."""
    base = get_uint_type(bits)
    return cast(type[Uint], type(f"{bug.__name__}{base.__name__}", (bug, base), {}))


def uint_addition_within_range_untyped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_addition_within_range``: the sum loses its width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left + right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left + right)
    """
    uint = get_broken_uint_type(bits, UntypedAddition)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_addition_past_maximum_wrapping(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_addition_past_maximum``: the sum wraps.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left + right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_broken_uint_type(bits, WrappingAddition)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_subtraction_within_range_swapped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_subtraction_within_range``: the operands are swapped.

    pre: bits in (64, 256)
    pre: 0 <= right <= left <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left - right)
    """
    uint = get_broken_uint_type(bits, SwappedSubtraction)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_subtraction_below_zero_wrapping(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_subtraction_below_zero``: the difference wraps.

    pre: bits in (64, 256)
    pre: 0 <= left < right <= get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_UNDERFLOW
    """
    uint = get_broken_uint_type(bits, WrappingSubtraction)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_multiplication_within_range_untyped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_multiplication_within_range``: the product loses its width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left * right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left * right)
    """
    uint = get_broken_uint_type(bits, UntypedMultiplication)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


def uint_multiplication_past_maximum_saturating(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_multiplication_past_maximum``: the product saturates.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left * right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_broken_uint_type(bits, SaturatingMultiplication)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))
