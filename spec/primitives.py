"""Primitive value types: bounded unsigned integers and fixed-length byte strings.

Unsigned integers reject, rather than wrap, any result outside their range:
``Uint64(2**64 - 1) + 1`` raises :class:`~spec.errors.Rejected` with
``INTEGER_OVERFLOW`` and ``Uint64(0) - 1`` raises it with ``INTEGER_UNDERFLOW``.
Amounts are :class:`Uint256` (as on Ethereum), block numbers and times
:class:`Uint64`.

Fixed-length byte strings reject any other length with ``BYTES_WRONG_LENGTH``.
"""

from __future__ import annotations

from typing import ClassVar, Self

from spec.errors import RejectionReason, require


class Uint(int):
    """An unsigned integer of ``BITS`` bits whose arithmetic rejects overflow and underflow.

    Subclasses fix ``BITS``. Arithmetic (``+ - * // % **``), shifts, bitwise
    operators and negation with a plain ``int`` or another unsigned integer
    return the type of the left operand (of the right one for reflected
    operators), and reject any result outside the range.
    """

    BITS: ClassVar[int] = 0
    """Width in bits; set by each subclass."""

    def __new__(cls, value: int = 0) -> Self:
        """Make a value of this width.

        Raises:
            Rejected: ``INTEGER_UNDERFLOW`` below zero, ``INTEGER_OVERFLOW`` above the maximum.
        """
        # Verify the value is not negative
        require(int(value) >= 0, RejectionReason.INTEGER_UNDERFLOW, f"{cls.__name__}({value})")
        # Verify the value fits the width
        require(
            int(value) <= cls.max_value(),
            RejectionReason.INTEGER_OVERFLOW,
            f"{cls.__name__}({value})",
        )
        return super().__new__(cls, value)

    @classmethod
    def max_value(cls) -> int:
        """Return the largest value of this width, ``2**BITS - 1``."""
        return (1 << cls.BITS) - 1

    def __add__(self, other: int) -> Self:
        return type(self)(int(self) + int(other))

    def __radd__(self, other: int) -> Self:
        return type(self)(int(other) + int(self))

    def __sub__(self, other: int) -> Self:
        return type(self)(int(self) - int(other))

    def __rsub__(self, other: int) -> Self:
        return type(self)(int(other) - int(self))

    def __mul__(self, other: int) -> Self:
        return type(self)(int(self) * int(other))

    def __rmul__(self, other: int) -> Self:
        return type(self)(int(other) * int(self))

    def __floordiv__(self, other: int) -> Self:
        return type(self)(int(self) // int(other))

    def __mod__(self, other: int) -> Self:
        return type(self)(int(self) % int(other))

    def __rfloordiv__(self, other: int) -> Self:
        return type(self)(int(other) // int(self))

    def __rmod__(self, other: int) -> Self:
        return type(self)(int(other) % int(self))

    def __pow__(self, other: int) -> Self:  # type: ignore[override]
        return type(self)(int(self) ** int(other))

    def __lshift__(self, other: int) -> Self:
        return type(self)(int(self) << int(other))

    def __rshift__(self, other: int) -> Self:
        return type(self)(int(self) >> int(other))

    def __and__(self, other: int) -> Self:
        return type(self)(int(self) & int(other))

    def __or__(self, other: int) -> Self:
        return type(self)(int(self) | int(other))

    def __xor__(self, other: int) -> Self:
        return type(self)(int(self) ^ int(other))

    def __neg__(self) -> Self:
        return type(self)(-int(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


class Uint8(Uint):
    """An unsigned 8-bit integer, 0 to 255."""

    BITS = 8


class Uint16(Uint):
    """An unsigned 16-bit integer, 0 to 65,535."""

    BITS = 16


class Uint32(Uint):
    """An unsigned 32-bit integer, 0 to 4,294,967,295."""

    BITS = 32


class Uint64(Uint):
    """An unsigned 64-bit integer: block numbers, times, counters."""

    BITS = 64


class Uint256(Uint):
    """An unsigned 256-bit integer: token amounts and bonds."""

    BITS = 256


class FixedBytes(bytes):
    """A byte string of exactly ``LENGTH`` bytes; subclasses fix ``LENGTH``."""

    LENGTH: ClassVar[int] = 0
    """Length in bytes; set by each subclass."""

    def __new__(cls, value: bytes) -> Self:
        """Make a value of this length.

        Raises:
            Rejected: ``BYTES_WRONG_LENGTH`` when ``value`` has another length.
        """
        # Verify the bytes have this type's length
        require(
            len(value) == cls.LENGTH,
            RejectionReason.BYTES_WRONG_LENGTH,
            f"{cls.__name__} takes {cls.LENGTH} bytes, got {len(value)}",
        )
        return super().__new__(cls, value)

    @classmethod
    def zero(cls) -> Self:
        """Return the value whose bytes are all zero."""
        return cls(bytes(cls.LENGTH))

    @classmethod
    def from_hex(cls, text: str) -> Self:
        """Parse ``0x``-prefixed (or bare) hexadecimal text.

        Raises:
            Rejected: ``BYTES_WRONG_LENGTH`` when the text decodes to another length.
            ValueError: when the text is not hexadecimal.
        """
        return cls(bytes.fromhex(text.removeprefix("0x")))

    def to_hex(self) -> str:
        """Return the ``0x``-prefixed lowercase hexadecimal form."""
        return "0x" + self.hex()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_hex()!r})"

    def __str__(self) -> str:
        return self.to_hex()


class Address(FixedBytes):
    """A 20-byte account address, derived from a public key as on Ethereum."""

    LENGTH = 20


class Hash32(FixedBytes):
    """A 32-byte hash (keccak-256 digests, Merkle roots, state digests)."""

    LENGTH = 32


class Signature(FixedBytes):
    """A 65-byte recoverable secp256k1 signature: ``r`` (32) ‖ ``s`` (32) ‖ recovery id (1)."""

    LENGTH = 65


NATIVE_TOKEN = Address.zero()
"""The settlement layer's native token (the zero address); bonds are paid in it."""
