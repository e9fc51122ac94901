"""Invariant ids: one documented member per catalogued invariant.

Each member's value is the invariant's stable id, ``INV-NN``, numbered as in
the protocol brief (``INV-23`` onwards are additions; ``INV-24`` to
``INV-27`` are the Plasma Cash exit game's); it is what reports, JSON
documents and the site show. Code names an invariant by its member
(``InvariantId.SOLVENCY``), never by the string: a member with no catalog
entry, or an entry with no member, fails ``tests/test_invariants.py``.

Items 21 and 22 of the brief are the committee's (quorum intersection and
agreement); ``INV-28`` and ``INV-29`` add the committee's one vote per view
and the settlement layer's certified block log.
"""

from __future__ import annotations

from enum import StrEnum


class InvariantId(StrEnum):
    """The stable id of a catalogued invariant."""

    SOLVENCY = "INV-01"
    """Exits never pay out more than was deposited, per environment and token."""
    SINGLE_PAYOUT = "INV-02"
    """Each output is paid by at most one exit."""
    EXIT_UNIQUENESS = "INV-03"
    """At most one exit per output, ever."""
    BLOCK_LOG_INTEGRITY = "INV-04"
    """Block numbers, kinds and times follow the rules; committed records never change."""
    AUTHORITY = "INV-05"
    """Only the operator adds child blocks, only deposits add deposit blocks."""
    DEPOSIT_FIDELITY = "INV-06"
    """A deposit commits exactly its owner, token and amount, and moves exactly its amount."""
    MATURITY = "INV-07"
    """Exitable times follow the MVP rule; no exit is paid before its exitable time."""
    PRIORITY_ORDER = "INV-08"
    """Processing pays the head of its queue, in (exitable time, position, exit id) order."""
    BOND_CONSERVATION = "INV-09"
    """Bonds held equal the bonds of open exits; each bond leaves once, to the right account."""
    CHALLENGE_SOUNDNESS = "INV-10"
    """An exit is cancelled only by a spend of its output signed by the output's owner."""
    FINALITY_MONOTONICITY = "INV-11"
    """What is final never changes: ended exits, environments, withdrawn totals."""
    ISOLATION = "INV-12"
    """An operation changes no environment but the one it names."""
    COMMUTATION = "INV-13"
    """Operations on different environments, accepted in both orders, commute."""
    DETERMINISM = "INV-14"
    """The same state and operation always give the same outcome."""
    TRANSACTION_VALIDITY = "INV-15"
    """A payments child chain applies only valid payments; its outputs could exist."""
    VALUE_CONSERVATION = "INV-16"
    """A payments child chain's unspent value is exactly what was deposited, exited and paid."""
    NO_DOUBLE_SPEND = "INV-17"
    """No output of a payments child chain is spent twice."""
    HONEST_WITHDRAWAL = "INV-18"
    """An honest owner who exits in time is paid in full."""
    EXIT_ORDERING = "INV-19"
    """Valid outputs older than an invalid block are paid before anything that depends on it."""
    IN_FLIGHT_EXCLUSIVITY = "INV-20"
    """Of one in-flight payment, inputs or outputs are paid, never both."""
    QUORUM_INTERSECTION = "INV-21"
    """Two quorums of a committee share an honest member while byzantine stake is at most f."""
    AGREEMENT = "INV-22"
    """No two conflicting blocks are committed while byzantine stake is at most f."""
    ASSET_CONSERVATION = "INV-23"
    """No operation creates or destroys value at the settlement layer."""
    COIN_SINGLE_PAYOUT = "INV-24"
    """A Plasma Cash coin is paid at most once, exactly its amount, and only once mature."""
    COIN_EXIT_UNIQUENESS = "INV-25"
    """A Plasma Cash coin has at most one open exit, and its status matches its exits."""
    COIN_CHALLENGE_SOUNDNESS = "INV-26"
    """A Plasma Cash exit is cancelled only by a sound challenge; a valid history's exit never."""
    COIN_HONEST_WITHDRAWAL = "INV-27"
    """An honest coin owner with a valid history who watches and answers in time is paid."""
    VOTE_UNIQUENESS = "INV-28"
    """An honest replica votes at most once per view, across restarts."""
    CERTIFIED_BLOCK_LOG = "INV-29"
    """A committee environment's child blocks each came with a valid commit proof, on one chain."""
