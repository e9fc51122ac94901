"""Shared test support: deterministic keys and the exact-rejection test decorator.

Every test that expects a rejection is written as::

    @rejects(RejectionReason.SOME_REASON)
    def test_something() -> None:
        \"\"\"Given ... When ... Then rejected with SOME_REASON.\"\"\"
        ...  # the body must raise Rejected with exactly SOME_REASON

The decorator registers the test under its reason; ``test_rejection_coverage``
fails when some reason has no such test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

import fixtures as actors
from spec.errors import Rejected, RejectionReason

F = TypeVar("F", bound=Callable[..., Any])

REJECTION_TESTS: dict[RejectionReason, list[str]] = {}
"""Reason -> qualified names of the tests that expect exactly it."""


def rejects(reason: RejectionReason) -> Callable[[F], F]:
    """Mark a test whose body must raise ``Rejected`` with exactly ``reason``."""

    def decorate(test: F) -> F:
        REJECTION_TESTS.setdefault(reason, []).append(f"{test.__module__}.{test.__name__}")

        @functools.wraps(test)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            with pytest.raises(Rejected) as raised:
                test(*args, **kwargs)
            assert raised.value.reason == reason, (
                f"expected {reason.value}, got {raised.value.reason.value}"
            )

        return wrapper  # type: ignore[return-value]

    return decorate


def make_private_key(name: str) -> bytes:
    """Return the private key of a named actor, derived as ``fixtures`` does."""
    return actors.make_actor(name).key


ALICE_KEY, ALICE = actors.ALICE.key, actors.ALICE.address
BOB_KEY, BOB = actors.BOB.key, actors.BOB.address
CAROL_KEY, CAROL = actors.CAROL.key, actors.CAROL.address
OPERATOR_KEY, OPERATOR = actors.OPERATOR.key, actors.OPERATOR.address
MALLORY_KEY, MALLORY = actors.MALLORY.key, actors.MALLORY.address

TOKEN_A = actors.TOKEN_A
"""A second token besides the native one."""
TOKEN_B = actors.TOKEN_B
"""A third token."""
