"""Primitive values: bounded unsigned integers and fixed-length byte strings."""

from __future__ import annotations

import operator
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.errors import Rejected, RejectionReason
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    FixedBytes,
    Hash32,
    Signature,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
from tests.strategies import fixed_bytes, uint256s, uints
from tests.support import rejects

WIDTHS: tuple[type[Uint], ...] = (Uint8, Uint16, Uint32, Uint64, Uint256)
KINDS: tuple[type[FixedBytes], ...] = (Address, Hash32, Signature)

OPERATORS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}

FAST = settings(max_examples=40, deadline=None)


def expected_outcome(width: type[Uint], exact: int) -> RejectionReason | None:
    """Return the rejection an exact integer result must cause in ``width``, or None."""
    if exact < 0:
        return RejectionReason.INTEGER_UNDERFLOW
    if exact > width.max_value():
        return RejectionReason.INTEGER_OVERFLOW
    return None


def check_operation(width: type[Uint], compute: Callable[[], int], exact: int) -> None:
    """Check that ``compute()`` gives ``exact`` as a ``width``, or rejects for the right reason."""
    reason = expected_outcome(width, exact)
    if reason is None:
        result = compute()
        assert type(result) is width and result == exact
    else:
        with pytest.raises(Rejected) as raised:
            compute()
        assert raised.value.reason == reason


# Construction


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: width.__name__)
@FAST
@given(data=st.data())
def test_construction_accepts_exactly_the_range(width: type[Uint], data: st.DataObject) -> None:
    """Given any integer from well below zero to well above the width's maximum.

    When it is made into an unsigned integer of that width,
    Then values in [0, 2**BITS - 1] are kept unchanged and the others are rejected
    with INTEGER_UNDERFLOW (below zero) or INTEGER_OVERFLOW (above the maximum).
    """
    bound = 2 * (width.max_value() + 1)
    value = data.draw(st.integers(min_value=-bound, max_value=bound))
    check_operation(width, lambda: width(value), value)


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: width.__name__)
def test_range_ends_are_accepted(width: type[Uint]) -> None:
    """Given an unsigned integer width.

    When 0 and 2**BITS - 1 are made into it,
    Then both are accepted, and the maximum is 2**BITS - 1.
    """
    assert width.max_value() == 2**width.BITS - 1
    assert width(0) == 0 and width(width.max_value()) == width.max_value()


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_construction_above_the_maximum_is_rejected() -> None:
    """Given the value 2**64.

    When it is made into a Uint64,
    Then it is rejected with INTEGER_OVERFLOW.
    """
    Uint64(2**64)


@rejects(RejectionReason.INTEGER_UNDERFLOW)
def test_construction_below_zero_is_rejected() -> None:
    """Given the value -1.

    When it is made into a Uint256,
    Then it is rejected with INTEGER_UNDERFLOW.
    """
    Uint256(-1)


# Arithmetic


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: width.__name__)
@pytest.mark.parametrize("symbol", OPERATORS)
@FAST
@given(data=st.data())
def test_arithmetic_equals_integer_arithmetic_or_rejects(
    width: type[Uint], symbol: str, data: st.DataObject
) -> None:
    """Given two values of one width (the right one also as a plain int).

    When they are added, subtracted, multiplied, floor-divided or reduced modulo,
    Then the result has the width's type and equals integer arithmetic when it is in
    range, and is rejected with INTEGER_OVERFLOW / INTEGER_UNDERFLOW otherwise.
    """
    apply = OPERATORS[symbol]
    left = data.draw(uints(width), label="left")
    right = data.draw(uints(width), label="right")
    if symbol in ("//", "%") and right == 0:
        right = width(1)
    exact = apply(int(left), int(right))
    check_operation(width, lambda: apply(left, right), exact)
    check_operation(width, lambda: apply(left, int(right)), exact)


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: width.__name__)
@pytest.mark.parametrize("symbol", ["+", "-", "*"])
@FAST
@given(data=st.data())
def test_reflected_arithmetic_keeps_the_width(
    width: type[Uint], symbol: str, data: st.DataObject
) -> None:
    """Given a plain int on the left and an unsigned integer on the right.

    When they are added, subtracted or multiplied,
    Then the result has the right operand's type (its reflected operator ran), and
    an out-of-range result is rejected rather than returned as a plain int.
    """
    apply = OPERATORS[symbol]
    left = data.draw(st.integers(min_value=0, max_value=width.max_value()), label="left")
    right = data.draw(uints(width), label="right")
    check_operation(width, lambda: apply(left, right), apply(left, int(right)))


@FAST
@given(values=st.lists(uint256s(), max_size=6))
def test_sum_of_amounts_is_an_amount(values: list[Uint256]) -> None:
    """Given a list of Uint256 amounts.

    When Python's ``sum()`` adds them (starting from the plain int 0),
    Then the total is a Uint256 equal to the integer sum, or the addition that
    leaves the range is rejected with INTEGER_OVERFLOW.
    """
    exact = sum(int(value) for value in values)
    if not values:
        assert sum(values) == 0
        return
    check_operation(Uint256, lambda: sum(values), exact)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_sum_past_the_maximum_is_rejected() -> None:
    """Given two Uint256 amounts that together exceed 2**256 - 1.

    When ``sum()`` adds them,
    Then it is rejected with INTEGER_OVERFLOW.
    """
    sum([Uint256(2**255), Uint256(2**255)])


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_addition_past_the_maximum_is_rejected() -> None:
    """Given the largest Uint64.

    When 1 is added,
    Then it is rejected with INTEGER_OVERFLOW (no wrap-around to 0).
    """
    Uint64(2**64 - 1) + 1


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_multiplication_past_the_maximum_is_rejected() -> None:
    """Given Uint8(16).

    When it is multiplied by 16,
    Then it is rejected with INTEGER_OVERFLOW (256 does not fit 8 bits).
    """
    Uint8(16) * 16


@rejects(RejectionReason.INTEGER_UNDERFLOW)
def test_subtraction_below_zero_is_rejected() -> None:
    """Given Uint64(0).

    When 1 is subtracted,
    Then it is rejected with INTEGER_UNDERFLOW (no wrap-around to the maximum).
    """
    Uint64(0) - 1


@rejects(RejectionReason.INTEGER_UNDERFLOW)
def test_reflected_subtraction_below_zero_is_rejected() -> None:
    """Given the plain int 5 and Uint256(7).

    When ``5 - Uint256(7)`` is computed,
    Then it is rejected with INTEGER_UNDERFLOW rather than giving the int -2.
    """
    5 - Uint256(7)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_mixed_widths_take_the_left_operand_width() -> None:
    """Given Uint8(255) and Uint64(1).

    When ``Uint8(255) + Uint64(1)`` is computed,
    Then the result is checked as a Uint8 (the left operand) and rejected with
    INTEGER_OVERFLOW, while ``Uint64(1) + Uint8(255)`` is the Uint64 256.
    """
    widened = Uint64(1) + Uint8(255)
    assert type(widened) is Uint64 and widened == 256
    Uint8(255) + Uint64(1)


def test_repr_names_the_width() -> None:
    """Given unsigned integers of two widths holding the same number.

    When they are printed with ``repr``,
    Then each names its width, and they still compare equal as numbers.
    """
    assert repr(Uint8(7)) == "Uint8(7)" and repr(Uint256(7)) == "Uint256(7)"
    narrow: int = Uint8(7)
    assert narrow == Uint256(7) == 7


def test_reflected_floor_division_and_modulo_keep_the_width() -> None:
    """Given the plain int 7 and Uint64(2).

    When ``7 // Uint64(2)`` and ``7 % Uint64(2)`` are computed,
    Then (as the Uint docstring promises for reflected operators) both are Uint64.
    """
    assert type(7 // Uint64(2)) is Uint64
    assert type(7 % Uint64(2)) is Uint64


def test_power_shift_and_negation_do_not_escape_the_range() -> None:
    """Given Uint64 values.

    When ``Uint64(2) ** 64``, ``Uint64(1) << 64`` or ``-Uint64(1)`` is computed,
    Then each is rejected (INTEGER_OVERFLOW / INTEGER_UNDERFLOW) rather than
    silently returning a plain int outside [0, 2**64 - 1].
    """
    computations: list[Callable[[], object]] = [
        lambda: Uint64(2) ** 64,
        lambda: Uint64(1) << 64,
        lambda: -Uint64(1),
    ]
    for compute in computations:
        with pytest.raises(Rejected):
            compute()


# Fixed-length byte strings


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
@FAST
@given(data=st.data())
def test_fixed_bytes_accept_exactly_their_length(
    kind: type[FixedBytes], data: st.DataObject
) -> None:
    """Given a byte string of any length from 0 to LENGTH + 2.

    When it is made into a fixed-length type,
    Then it is accepted, unchanged, exactly when its length is LENGTH, and
    rejected with BYTES_WRONG_LENGTH otherwise.
    """
    value = data.draw(st.binary(max_size=kind.LENGTH + 2))
    if len(value) == kind.LENGTH:
        assert kind(value) == value and type(kind(value)) is kind
    else:
        with pytest.raises(Rejected) as raised:
            kind(value)
        assert raised.value.reason == RejectionReason.BYTES_WRONG_LENGTH


@rejects(RejectionReason.BYTES_WRONG_LENGTH)
def test_short_address_is_rejected() -> None:
    """Given 19 bytes.

    When they are made into an Address,
    Then it is rejected with BYTES_WRONG_LENGTH.
    """
    Address(b"\x01" * 19)


@rejects(RejectionReason.BYTES_WRONG_LENGTH)
def test_long_hash_is_rejected() -> None:
    """Given 33 bytes.

    When they are made into a Hash32,
    Then it is rejected with BYTES_WRONG_LENGTH.
    """
    Hash32(b"\x01" * 33)


@rejects(RejectionReason.BYTES_WRONG_LENGTH)
def test_signature_without_recovery_id_is_rejected() -> None:
    """Given 64 bytes (r and s without the recovery id).

    When they are made into a Signature,
    Then it is rejected with BYTES_WRONG_LENGTH.
    """
    Signature(b"\x01" * 64)


@rejects(RejectionReason.BYTES_WRONG_LENGTH)
def test_hex_of_the_wrong_length_is_rejected() -> None:
    """Given the hex text of 32 bytes.

    When it is parsed as an Address,
    Then it is rejected with BYTES_WRONG_LENGTH.
    """
    Address.from_hex("0x" + "ab" * 32)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
@FAST
@given(data=st.data())
def test_hex_round_trip(kind: type[FixedBytes], data: st.DataObject) -> None:
    """Given any value of a fixed-length type.

    When it is written with ``to_hex`` and read back with ``from_hex``,
    Then the same value of the same type comes back; the text is ``0x`` and
    lowercase hex, and the bare and uppercase forms parse to the same value.
    """
    value = data.draw(fixed_bytes(kind))
    text = value.to_hex()
    assert text == "0x" + bytes(value).hex() and text == text.lower() and str(value) == text
    for form in (text, text[2:], "0x" + text[2:].upper()):
        parsed = kind.from_hex(form)
        assert parsed == value and type(parsed) is kind
    assert repr(value) == f"{kind.__name__}({text!r})"


def test_non_hex_text_raises_value_error() -> None:
    """Given text that is not hexadecimal.

    When it is parsed as a Hash32,
    Then ``ValueError`` is raised (as documented), not a protocol rejection.
    """
    with pytest.raises(ValueError):
        Hash32.from_hex("0x" + "zz" * 32)


def test_zero_values_and_the_native_token() -> None:
    """Given the fixed-length types.

    When ``zero()`` is asked of each,
    Then it is LENGTH zero bytes of that type, and the native token is the zero address.
    """
    for kind in KINDS:
        assert kind.zero() == bytes(kind.LENGTH) and type(kind.zero()) is kind
    assert Address.zero() == NATIVE_TOKEN
