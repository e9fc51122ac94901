"""CrossHair contracts on the spec's bounded arithmetic (``spec/primitives.py``).

A sum, difference or product that fits is exact and keeps its width; one
past the range is rejected (``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW``),
never wrapped. A wrapped sum or difference would create or destroy value.
"""

from __future__ import annotations

from proofs.crosshair.contracts.common import run_or_reason
from spec.errors import RejectionReason
from spec.primitives import Uint, Uint64, Uint256

CONTRACT_NAMES = (RejectionReason,)
"""Names only the contracts use: CrossHair evaluates them in this module's globals."""


def get_uint_type(bits: int) -> type[Uint]:
    """Return the spec's unsigned integer type of ``bits`` bits (64 or 256)."""
    return Uint64 if bits == 64 else Uint256


def describe_uint(value: int) -> tuple[int, int]:
    """Return a result's width in bits (0 for a plain ``int``) and its number."""
    bits: int = getattr(value, "BITS", 0)
    return bits, int(value)


def uint_addition_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A sum that fits is the integer sum, of the same width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left + right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left + right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_addition_past_maximum(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A sum past the maximum is rejected with INTEGER_OVERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left + right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_subtraction_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A difference that is not negative is the integer difference, of the same width.

    pre: bits in (64, 256)
    pre: 0 <= right <= left <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left - right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_subtraction_below_zero(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A difference below zero is rejected with INTEGER_UNDERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left < right <= get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_UNDERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_multiplication_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A product that fits is the integer product, of the same width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left * right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left * right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


def uint_multiplication_past_maximum(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A product past the maximum is rejected with INTEGER_OVERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left * right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))
