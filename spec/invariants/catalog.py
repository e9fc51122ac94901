"""The invariant catalog: every safety property the spec claims, stated precisely.

Each entry (:class:`~spec.invariants.entry.Invariant`) has a stable id
(:class:`~spec.invariants.ids.InvariantId`), a statement precise enough to
check, a rationale, what was added to make it inductive, the predicates that
decide it on concrete values, and the checks that cover it. The entries live
beside their predicates, grouped by what they constrain:

- ``spec.invariants.funds``: INV-01, INV-02, INV-03, INV-09, INV-23;
- ``spec.invariants.blocks``: INV-04, INV-05, INV-06;
- ``spec.invariants.exits``: INV-07, INV-08, INV-11;
- ``spec.invariants.environments``: INV-12, INV-13, INV-14;
- ``spec.invariants.payments``: what names the payments kind: INV-10,
  INV-15 to INV-20, and the payments parts of INV-01, INV-02 and INV-09;
- ``spec.invariants.cash``: what names the Plasma Cash kind: INV-24 to
  INV-27, and the Cash parts of INV-01 and INV-09;
- ``spec.invariants.finality``: committee finality: INV-21, INV-22, INV-28,
  INV-29.

:data:`CATALOG` puts them in id order. Everything else reads it: the
evaluator (``spec.invariants.evaluate``), the proof registries
(:func:`get_invariants_checked_by`), ``plasma-spec invariants`` and
``plasma-spec prove``, and the site.
"""

from __future__ import annotations

from spec.invariants import blocks, environments, exits, finality, funds
from spec.invariants.cash import challenges as cash_challenges
from spec.invariants.cash import coins as cash_coins
from spec.invariants.cash import withdrawal as cash_withdrawal
from spec.invariants.checks import Checker
from spec.invariants.entry import Invariant
from spec.invariants.ids import InvariantId
from spec.invariants.payments import chain, in_flight
from spec.invariants.payments import exits as payments_exits

ENTRIES = (
    *funds.INVARIANTS,
    *blocks.INVARIANTS,
    *exits.INVARIANTS,
    *environments.INVARIANTS,
    *chain.INVARIANTS,
    *payments_exits.INVARIANTS,
    *in_flight.INVARIANTS,
    *cash_coins.INVARIANTS,
    *cash_challenges.INVARIANTS,
    *cash_withdrawal.INVARIANTS,
    *finality.INVARIANTS,
)
"""Every entry, grouped by module."""

CATALOG: tuple[Invariant, ...] = tuple(
    sorted(ENTRIES, key=lambda invariant: list(InvariantId).index(invariant.identifier))
)
"""Every invariant, in id order."""


def get_invariant(identifier: InvariantId) -> Invariant:
    """Return the catalogued invariant with this id."""
    (invariant,) = (inv for inv in CATALOG if inv.identifier == identifier)
    return invariant


def get_invariants_checked_by(checker: Checker, name: str) -> tuple[InvariantId, ...]:
    """Return, in id order, the invariants whose entries list the check ``name`` of ``checker``.

    This is how a proof registry learns which invariants one of its checks
    covers (a Z3 negative control, a CrossHair contract): from the catalog.
    """
    return tuple(
        invariant.identifier
        for invariant in CATALOG
        if any(check.checker == checker and name in check.names for check in invariant.checks)
    )
