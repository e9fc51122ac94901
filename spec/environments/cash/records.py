"""What the settlement layer keeps for a Cash environment: its coins and their exits.

These are the Cash exit game's own records (the settlement layer's
``Environment.kind_records`` of a Cash environment). They hold only
primitive values, so the settlement state can name them without depending on
the rest of the kind.

- Each coin minted by a deposit, with its token and amount and whether it is
  at rest, exiting, or exited for good (:class:`SettledCoin`).
- Every coin exit ever started, by exit id (:class:`CoinExit`), with the
  blocks of its exiting transfer and of that transfer's parent, and the
  invalid-history challenges still waiting for an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from spec.encoding import declare_enum_tags
from spec.primitives import Address, Uint64, Uint256


class CoinStatus(StrEnum):
    """Where a coin is in its life at the settlement layer."""

    DEPOSITED = "deposited"
    """Minted and not exiting: it may start an exit."""
    EXITING = "exiting"
    """One exit of the coin is open; no other may start."""
    EXITED = "exited"
    """Paid out by a finalized exit; it never exits again."""


declare_enum_tags(
    CoinStatus, {CoinStatus.DEPOSITED: 0, CoinStatus.EXITING: 1, CoinStatus.EXITED: 2}
)


class CoinExitStatus(StrEnum):
    """Where a coin exit is in its life."""

    OPEN = "open"
    """Started and not yet decided."""
    CANCELLED = "cancelled"
    """Cancelled by a challenge (at once, or unanswered when finalized); the coin may exit again."""
    FINALIZED = "finalized"
    """Paid: the coin's amount went to the exiter."""


declare_enum_tags(
    CoinExitStatus,
    {CoinExitStatus.OPEN: 0, CoinExitStatus.CANCELLED: 1, CoinExitStatus.FINALIZED: 2},
)


@dataclass(frozen=True)
class SettledCoin:
    """A coin as the settlement layer knows it."""

    token: Address
    """Token of the coin's deposit."""
    amount: Uint256
    """Amount of the coin's deposit: what its exit pays."""
    status: CoinStatus
    """At rest, exiting or exited."""


@dataclass(frozen=True)
class HistoryChallenge:
    """An open invalid-history challenge: an earlier transfer of the coin, waiting for its spend."""

    challenger: Address
    """Who posted the challenge and its bond."""
    owner: Address
    """Who received the coin by the challenging transfer: only they can sign its spend."""
    bond: Uint256
    """Native-token bond of the challenge."""


@dataclass(frozen=True)
class CoinExit:
    """A claim to withdraw one coin, made with the coin's last two transfers (or its mint)."""

    coin_id: Uint64
    """The exiting coin."""
    owner: Address
    """The exiter: owner by the exiting transfer; paid if the exit is finalized."""
    exit_block: Uint64
    """Block of the exiting transfer (of the mint, for an exit from the deposit)."""
    parent_block: Uint64
    """Block of the transfer's parent (equal to ``exit_block`` for an exit from the deposit)."""
    parent_owner: Address
    """Owner by the parent, who signed the exiting transfer (the exiter, for a mint's exit)."""
    bond: Uint256
    """Native-token bond posted; returned when finalized, to a challenger when cancelled."""
    started_at: Uint64
    """Settlement time when the exit started."""
    exitable_at: Uint64
    """Earliest settlement time at which the exit may be finalized."""
    status: CoinExitStatus
    """Open, cancelled or finalized."""
    challenges: Mapping[Uint64, HistoryChallenge]
    """Open invalid-history challenges, by the block of their challenging transfer."""


@dataclass(frozen=True)
class CashRecords:
    """The Cash exit game's records at the settlement layer."""

    coins: Mapping[Uint64, SettledCoin]
    """Every coin ever minted, by id."""
    exits: Mapping[Uint64, CoinExit]
    """Every coin exit ever started, by exit id (0, 1, 2, ... in order of start)."""


def compute_genesis_cash_records() -> CashRecords:
    """Return the records of a newly registered Cash environment: no coins, no exits."""
    return CashRecords(coins={}, exits={})
