"""Presets: the protocol's numeric parameters, kept apart from its logic.

A preset is part of the settlement state (and so of its digest), so two
implementations can only agree on a digest when they run the same preset.

- ``tiny`` uses small numbers so that tests and vectors reach every edge
  (a full deposit interval, a matured exit) in a few steps.
- ``full`` uses production values: a one-week minimal finalization period and
  a block interval of 1000, as in Minimal Viable Plasma.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.primitives import Uint8, Uint64, Uint256


@dataclass(frozen=True)
class Preset:
    """Numeric parameters shared by every environment of one settlement layer."""

    name: str
    """Name of the preset (``tiny`` or ``full``)."""
    minimum_finalization_period: Uint64
    """Smallest minimal finalization period (MFP), in seconds, an environment may register."""
    block_interval: Uint64
    """Distance between child block numbers; deposit blocks use the numbers between.

    At least 2, so that at least one deposit fits between two child blocks.
    """
    transaction_tree_depth: Uint8
    """Depth of each block's Merkle tree; a block holds at most ``2**depth`` transactions.

    At most 16, since transaction indexes are :class:`~spec.primitives.Uint16`.
    """
    coin_tree_depth: Uint8
    """Depth of each Plasma Cash block's sparse tree: coin ids are below ``2**depth``.

    At most 64 (coin ids are :class:`~spec.primitives.Uint64`). A coin's id is
    the number of its deposit block, so this also bounds where deposits into
    a Cash environment may go.
    """
    quarantine_period: Uint64
    """Seconds after registration before an environment can be used."""
    minimum_exit_bond: Uint256
    """Smallest exit bond, in the native token's base unit, an environment may require."""


TINY = Preset(
    name="tiny",
    minimum_finalization_period=Uint64(100),
    block_interval=Uint64(4),  # three deposit blocks fit between two child blocks
    transaction_tree_depth=Uint8(3),  # 2**3 (= 8) transactions per block
    coin_tree_depth=Uint8(8),  # coin ids below 2**8 (= 256): short proofs, a full tree is reachable
    quarantine_period=Uint64(10),
    minimum_exit_bond=Uint256(1),
)
"""Small numbers, for tests and vectors."""

FULL = Preset(
    name="full",
    minimum_finalization_period=Uint64(7 * 24 * 60 * 60),  # one week (= 604,800 s)
    block_interval=Uint64(1000),
    transaction_tree_depth=Uint8(16),  # 2**16 (= 65,536) transactions per block
    coin_tree_depth=Uint8(64),  # every Uint64 block number can mint a coin
    quarantine_period=Uint64(7 * 24 * 60 * 60),  # one week: time to read new rules
    minimum_exit_bond=Uint256(10**16),  # 0.01 of a native token with 18 decimals
)
"""Production values."""

PRESETS = {preset.name: preset for preset in (TINY, FULL)}
"""Every preset, by name."""
