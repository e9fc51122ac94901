"""Per-token totals: maps from a token to a positive amount.

Ledgers (deposited, withdrawn, exited, fees) are kept as maps from token to
amount in which a zero amount is never stored: a token appears once its total
is non-zero. The rule matters because these maps are part of the canonical
encoding, and so of the state digest: ``{}`` and ``{token: 0}`` would be two
encodings of one ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from spec.primitives import Address, Uint256

K = TypeVar("K")
V = TypeVar("V")

TokenTotals = Mapping[Address, Uint256]
"""An amount per token; tokens with a zero amount are not stored."""


def with_entry(mapping: Mapping[K, V], key: K, value: V) -> dict[K, V]:
    """Return a copy of ``mapping`` with ``key`` set to ``value``."""
    return {**mapping, key: value}


def add_to_totals(totals: TokenTotals, token: Address, amount: Uint256) -> dict[Address, Uint256]:
    """Return ``totals`` with ``amount`` added to ``token`` (adding zero adds no entry).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    if amount == 0:
        return dict(totals)
    return with_entry(totals, token, totals.get(token, Uint256(0)) + amount)


def subtract_from_totals(
    totals: TokenTotals, token: Address, amount: Uint256
) -> dict[Address, Uint256]:
    """Return ``totals`` with ``amount`` taken from ``token``; a total reaching zero is dropped.

    Raises:
        Rejected: ``INTEGER_UNDERFLOW`` when the total is smaller than ``amount``.
    """
    remaining = totals.get(token, Uint256(0)) - amount
    others = {key: value for key, value in totals.items() if key != token}
    return with_entry(others, token, remaining) if remaining > 0 else others


def merge_totals(totals: TokenTotals, additions: TokenTotals) -> dict[Address, Uint256]:
    """Return ``totals`` with every amount of ``additions`` added.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    merged = dict(totals)
    for token, amount in additions.items():
        merged = add_to_totals(merged, token, amount)
    return merged


def compute_token_totals(amounts: Iterable[tuple[Address, Uint256]]) -> dict[Address, Uint256]:
    """Return the sum of (token, amount) pairs per token.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when some token's sum exceeds the largest Uint256.
    """
    totals: dict[Address, Uint256] = {}
    for token, amount in amounts:
        totals = add_to_totals(totals, token, amount)
    return totals
