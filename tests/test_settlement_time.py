"""The settlement clock."""

from __future__ import annotations

from spec.errors import RejectionReason
from spec.settlement.operations import AdvanceTime
from tests.harness import advance, apply_rejected, make_world
from tests.support import rejects


def test_time_moves_forward() -> None:
    """Given the clock at t.

    When it advances by 1 second,
    Then it reads t + 1.
    """
    state = make_world()
    assert advance(state, 1).time == state.time + 1


@rejects(RejectionReason.TIME_NOT_INCREASING)
def test_time_cannot_stand_still() -> None:
    """Given the clock at t.

    When time is set to t,
    Then it is rejected with TIME_NOT_INCREASING.
    """
    state = make_world()
    apply_rejected(state, AdvanceTime(state.time))


@rejects(RejectionReason.TIME_NOT_INCREASING)
def test_time_cannot_go_back() -> None:
    """Given the clock at t.

    When time is set to t - 1,
    Then it is rejected with TIME_NOT_INCREASING.
    """
    state = make_world()
    apply_rejected(state, AdvanceTime(state.time - 1))
