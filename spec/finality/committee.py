"""The committee: validators with stake, the fault bound and the quorum, stated once.

A committee is fixed when its environment registers and never changes. Its
members are listed in strictly increasing address order, so that one set of
validators has exactly one encoding.

Stake, not head count, decides. With total stake ``T`` the committee
tolerates byzantine stake up to ``f = (T - 1) // 3`` (the largest ``f`` with
``T >= 3f + 1``), and a *quorum* is any set of members holding at least
``Q = T - f`` (``2f + 1`` when ``T = 3f + 1``). Two facts follow, and the
proofs (``proofs.models.finality``) check them for every stake distribution:

- ``2Q - T = T - 2f >= f + 1``: two quorums share more than ``f`` stake, so
  while byzantine stake is at most ``f`` they share an honest member;
- ``T - f >= Q``: the honest members alone form a quorum, so they can certify
  blocks without the byzantine ones. Progress also needs the leader schedule
  to give honest members turns in a row (the certificate of view ``v`` is
  formed by the leader of ``v + 1``, and a commit needs two consecutive
  certified views): leaders take turns by member, not by stake, so byzantine
  stake within ``f`` may still hold every other turn and stall the committee
  (safety is unaffected).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from spec.errors import RejectionReason, require
from spec.primitives import Address, Uint64

MAX_COMMITTEE_SIZE = 64
"""Most validators a committee may have (bounds the size of a certificate)."""


@dataclass(frozen=True)
class Validator:
    """One committee member."""

    address: Address
    """The address whose signatures count as this member's votes and timeouts."""
    stake: Uint64
    """The member's weight in every quorum; positive."""


@dataclass(frozen=True)
class Committee:
    """The validators that certify an environment's child blocks."""

    validators: tuple[Validator, ...]
    """The members, in strictly increasing address order."""


def validate_committee(committee: Committee) -> None:
    """Check that a committee can be registered.

    Raises:
        Rejected: ``COMMITTEE_EMPTY``, ``COMMITTEE_TOO_LARGE``,
            ``COMMITTEE_NOT_ORDERED``, ``COMMITTEE_ZERO_STAKE``,
            ``INTEGER_OVERFLOW`` when the total stake exceeds a Uint64.
    """
    validators = committee.validators
    # Verify the committee has a member
    require(len(validators) > 0, RejectionReason.COMMITTEE_EMPTY)
    # Verify the committee is small enough for its certificates to be checked
    require(len(validators) <= MAX_COMMITTEE_SIZE, RejectionReason.COMMITTEE_TOO_LARGE)
    # Verify members are in strictly increasing address order (so none repeats)
    require(
        all(a.address < b.address for a, b in itertools.pairwise(validators)),
        RejectionReason.COMMITTEE_NOT_ORDERED,
    )
    # Verify every member has a weight
    require(all(v.stake > 0 for v in validators), RejectionReason.COMMITTEE_ZERO_STAKE)
    compute_total_stake(committee)


def compute_total_stake(committee: Committee) -> Uint64:
    """Return the committee's total stake ``T``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when it exceeds a Uint64.
    """
    return sum((v.stake for v in committee.validators), Uint64(0))


def compute_fault_tolerance(total_stake: int) -> Uint64:
    """Return ``f = (T - 1) // 3``: the most byzantine stake the committee tolerates."""
    assert total_stake > 0, "a committee has positive total stake"
    return Uint64((total_stake - 1) // 3)


def compute_quorum_stake(total_stake: int) -> Uint64:
    """Return ``Q = T - f``: the least stake a quorum holds."""
    return Uint64(total_stake - compute_fault_tolerance(total_stake))


def get_member_stake(committee: Committee, address: Address) -> Uint64 | None:
    """Return a member's stake, or None when ``address`` is not a member."""
    for validator in committee.validators:
        if validator.address == address:
            return validator.stake
    return None


def get_leader(committee: Committee, view: int) -> Address:
    """Return the leader of ``view``: the members take turns in address order."""
    return committee.validators[view % len(committee.validators)].address
