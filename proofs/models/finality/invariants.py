"""The inductive invariant of the abstract Fast HotStuff model, and agreement.

Agreement (INV-22) is not inductive alone; it follows from the conjunction
of :data:`CONJUNCTS`, which is. The strengthening, following the design's
proof sketch:

- the honest voting rule's bookkeeping (``vote-below-last-voted``,
  ``vote-below-current``, ``timeout-below-current``) and INV-28
  (``one-vote-per-view``);
- ``high-qc-covers-votes`` and ``timeouts-after-vote``: an honest replica
  that voted for ``P`` (parent ``G``) holds a high QC of view at least
  ``G``'s, and every timeout it sends at ``P``'s view or later reports it;
- ``vote-parent-certified``, ``certified-by-quorum`` and
  ``certified-unique`` (one certified block per view);
- the key lemma, stated for a *potential* commit: ``P`` at view ``v + 1``
  with parent ``G`` at view ``v``, and a quorum ``q`` each honest member of
  which voted for ``P`` or can still vote for it (it has not voted at
  ``P``'s view or later nor moved past it). Then every certified block at a
  view above ``v`` (``certified-extend``) and every honest vote at a view
  above ``v + 1`` (``votes-extend``) extends ``G``. A certified ``P`` has
  such a quorum (its voters); and a potential commit stays potential only
  if it was potential before, which is what makes the lemma inductive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

from proofs.models.finality.protocol import (
    BLOCK,
    QUORUM,
    REPLICA,
    VIEW,
    State,
    Universe,
    is_committed_via,
)

Formula = Callable[[Universe, State], z3.BoolRef]
"""A closed formula over the universe and a state."""


@dataclass(frozen=True)
class Conjunct:
    """One conjunct of the inductive invariant."""

    name: str
    """Its name (a check's name ends with it)."""
    formula: Formula
    """The formula."""


r = z3.Const("r", REPLICA)
b, c, g, pb = z3.Consts("b c g pb", BLOCK)
x, h = z3.Consts("x h", VIEW)
q = z3.Const("q", QUORUM)


def potential(u: Universe, s: State, child: z3.ExprRef, quorum: z3.ExprRef) -> z3.BoolRef:
    """Return whether each honest member of ``quorum`` voted for ``child`` or still can."""
    m = z3.Const("pm", REPLICA)
    can_still_vote = z3.And(u.lt(s.last_voted(m), u.view(child)), u.le(s.current(m), u.view(child)))
    return z3.ForAll(
        [m],
        z3.Implies(
            z3.And(u.member(m, quorum), u.honest(m)), z3.Or(s.voted(m, child), can_still_vote)
        ),
    )


def two_chain(u: Universe, block: z3.ExprRef, child: z3.ExprRef) -> z3.BoolRef:
    """Return whether ``child`` is a child of ``block`` one view later (certification aside)."""
    return z3.And(u.parent(child, block), u.succ(u.view(block), u.view(child)))


def honest_vote(u: Universe, s: State, replica: z3.ExprRef, block: z3.ExprRef) -> z3.BoolRef:
    """Return whether an honest ``replica`` voted for ``block``."""
    return z3.And(u.honest(replica), s.voted(replica, block))


CONJUNCTS: tuple[Conjunct, ...] = (
    Conjunct(
        "vote-below-last-voted",
        lambda u, s: z3.ForAll(
            [r, b],
            z3.Implies(honest_vote(u, s, r, b), u.le(u.view(b), s.last_voted(r))),
        ),
    ),
    Conjunct(
        "one-vote-per-view",
        lambda u, s: z3.ForAll(
            [r, b, c],
            z3.Implies(
                z3.And(honest_vote(u, s, r, b), s.voted(r, c), u.view(b) == u.view(c)), b == c
            ),
        ),
    ),
    Conjunct(
        "vote-below-current",
        lambda u, s: z3.ForAll(
            [r, b], z3.Implies(honest_vote(u, s, r, b), u.le(u.view(b), s.current(r)))
        ),
    ),
    Conjunct(
        "timeout-below-current",
        lambda u, s: z3.ForAll(
            [r, x, h],
            z3.Implies(z3.And(u.honest(r), s.timed_out(r, x, h)), u.lt(x, s.current(r))),
        ),
    ),
    Conjunct(
        "high-qc-covers-votes",
        lambda u, s: z3.ForAll(
            [r, b, g],
            z3.Implies(
                z3.And(honest_vote(u, s, r, b), u.parent(b, g)), u.le(u.view(g), s.high_qc(r))
            ),
        ),
    ),
    Conjunct(
        "timeouts-after-vote",
        lambda u, s: z3.ForAll(
            [r, b, g, x, h],
            z3.Implies(
                z3.And(
                    honest_vote(u, s, r, b),
                    u.parent(b, g),
                    s.timed_out(r, x, h),
                    u.le(u.view(b), x),
                ),
                u.le(u.view(g), h),
            ),
        ),
    ),
    Conjunct(
        "vote-parent-certified",
        lambda u, s: z3.ForAll(
            [r, b, g],
            z3.Implies(z3.And(honest_vote(u, s, r, b), u.parent(b, g)), s.certified(g)),
        ),
    ),
    Conjunct(
        "certified-by-quorum",
        lambda u, s: z3.ForAll(
            [b],
            z3.Implies(
                z3.And(s.certified(b), b != u.genesis),
                z3.Exists([q], z3.ForAll([r], z3.Implies(u.member(r, q), s.voted(r, b)))),
            ),
        ),
    ),
    Conjunct(
        "certified-unique",
        lambda u, s: z3.ForAll(
            [b, c],
            z3.Implies(z3.And(s.certified(b), s.certified(c), u.view(b) == u.view(c)), b == c),
        ),
    ),
    Conjunct(
        "certified-extend",
        lambda u, s: z3.ForAll(
            [g, pb, q, b],
            z3.Implies(
                z3.And(
                    two_chain(u, g, pb),
                    potential(u, s, pb, q),
                    s.certified(b),
                    u.lt(u.view(g), u.view(b)),
                ),
                u.ancestor(g, b),
            ),
        ),
    ),
    Conjunct(
        "votes-extend",
        lambda u, s: z3.ForAll(
            [g, pb, q, b, r],
            z3.Implies(
                z3.And(
                    two_chain(u, g, pb),
                    potential(u, s, pb, q),
                    honest_vote(u, s, r, b),
                    u.lt(u.view(pb), u.view(b)),
                ),
                u.ancestor(g, b),
            ),
        ),
    ),
)
"""The conjuncts of the inductive invariant (one check per conjunct and transition)."""


def get_conjunct(name: str) -> Conjunct:
    """Return the conjunct called ``name``."""
    (conjunct,) = (item for item in CONJUNCTS if item.name == name)
    return conjunct


def is_committed(u: Universe, s: State, block: z3.ExprRef) -> z3.BoolRef:
    """Return whether ``block`` is committed: an ancestor of a block with a certified child."""
    g1, p1 = z3.Consts("cg cp", BLOCK)
    return z3.Exists([g1, p1], z3.And(u.ancestor(block, g1), is_committed_via(u, s, g1, p1)))


def agreement(u: Universe, s: State) -> z3.BoolRef:
    """Return INV-22: any two committed blocks are on one chain (one extends the other)."""
    a1, a2 = z3.Consts("a1 a2", BLOCK)
    return z3.ForAll(
        [a1, a2],
        z3.Implies(
            z3.And(is_committed(u, s, a1), is_committed(u, s, a2)),
            z3.Or(u.ancestor(a1, a2), u.ancestor(a2, a1)),
        ),
    )
