"""Three property tests run with Hypothesis's CrossHair backend (symbolic, not random, inputs).

With ``backend="crosshair"`` Hypothesis hands the test symbolic values and
CrossHair steers them down paths not yet taken. The spec's ``Uint`` values are
``int`` subclasses, which CrossHair cannot keep symbolic: it realises them one
value at a time, starting from small ones. So each test computes its expected
outcome on plain integers *before* calling the spec: that branch is symbolic,
and CrossHair then draws inputs for each side of it (overflow included).
Measured on a planted wrapping addition: found after about 50 examples when the
expectation comes first, not found in 200 when the spec is called first.

Only a few chosen properties run here, each with no deadline; each also pins
its edge case with ``@example`` so that the edge is tried whatever the backend
finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture.providers import AVAILABLE_PROVIDERS

from spec.encoding import decode, encode
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Hash32, Uint8, Uint16, Uint64
from spec.settlement.exits import compute_exitable_time
from spec.settlement.state import BlockKind, BlockRecord

UINT64_MAX = Uint64.max_value()

CROSSHAIR = settings(
    backend="crosshair",
    deadline=None,
    max_examples=200,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@contextmanager
def raises_reason(reason: RejectionReason) -> Iterator[None]:
    """Expect the block to raise ``Rejected`` with exactly ``reason``."""
    with pytest.raises(Rejected) as raised:
        yield
    assert raised.value.reason == reason


@CROSSHAIR
@given(st.integers(0, UINT64_MAX), st.integers(0, UINT64_MAX))
@example(UINT64_MAX, 1)
def test_uint64_addition_is_exact_or_rejected(left: int, right: int) -> None:
    """Given two Uint64 values, when they are added, then the sum is exact or INTEGER_OVERFLOW."""
    exact = left + right
    if exact > UINT64_MAX:
        with raises_reason(RejectionReason.INTEGER_OVERFLOW):
            Uint64(left) + Uint64(right)
    else:
        total = Uint64(left) + Uint64(right)
        assert type(total) is Uint64 and total == exact


@CROSSHAIR
@given(st.booleans(), st.integers(0, UINT64_MAX), st.integers(0, UINT64_MAX), st.integers(0, 2**63))
@example(False, 0, 0, 1)
@example(False, UINT64_MAX - 1, 0, 1)
def test_exitable_time_follows_the_mvp_rule(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> None:
    """Given a block, start and period, when the exitable time is computed, then it is the MVP rule.

    Deposit outputs wait one period from the start; child-block outputs also
    wait two periods from their block. A time past the largest Uint64 is
    rejected, never wrapped.
    """
    expected = started_at + period
    if not is_deposit:
        expected = max(expected, block_time + 2 * period)
    kind = BlockKind.DEPOSIT if is_deposit else BlockKind.CHILD
    record = BlockRecord(kind=kind, root=Hash32.zero(), timestamp=Uint64(block_time))
    if expected > UINT64_MAX:
        with raises_reason(RejectionReason.INTEGER_OVERFLOW):
            compute_exitable_time(record, Uint64(started_at), Uint64(period))
    else:
        assert compute_exitable_time(record, Uint64(started_at), Uint64(period)) == expected


@CROSSHAIR
@given(st.integers(0, UINT64_MAX), st.integers(0, 2**16 - 1), st.integers(0, 2**8 - 1))
@example(UINT64_MAX, 2**16 - 1, 2**8 - 1)
def test_output_position_round_trip(block: int, transaction: int, output: int) -> None:
    """Given a position, when it is encoded and decoded, then the same position comes back."""
    expected = block.to_bytes(8, "big") + transaction.to_bytes(2, "big") + bytes([output])
    position = OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))
    encoded = encode(position)
    assert encoded == expected
    assert decode(OutputPosition, encoded) == position


def test_crosshair_backend_is_installed() -> None:
    """Given this environment, then Hypothesis has the CrossHair backend the tests above ask for."""
    assert CROSSHAIR.backend in AVAILABLE_PROVIDERS
