"""What every CrossHair contract module shares: bounds, fixed values, and catching rejections."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from spec.errors import Rejected, RejectionReason
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256

T = TypeVar("T")

UINT64_MAX = Uint64.max_value()
"""Largest Uint64, ``2**64 - 1``."""

UINT256_MAX = Uint256.max_value()
"""Largest Uint256, ``2**256 - 1``."""

OWNER = Address(b"\x11" * 20)
"""Owner of every output and exit built here; ownership is not what these contracts test."""

TOKENS = (NATIVE_TOKEN, Address(b"\x22" * 20))
"""The two tokens payments and exit queues choose from; index 0 is the native token."""

ENCODING_REASONS = frozenset(
    reason for reason in RejectionReason if reason.name.startswith("ENCODING_")
)
"""Every reason the decoder may reject with."""


def run_or_reason(call: Callable[[], T]) -> T | RejectionReason:
    """Return what ``call`` returns, or the reason the spec rejected it with."""
    try:
        return call()
    except Rejected as rejection:
        return rejection.reason
