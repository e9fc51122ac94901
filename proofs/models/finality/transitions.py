"""Transitions of the abstract Fast HotStuff model: honest rules, byzantine moves, aggregation.

Each transition takes the static universe, a pre-state and its parameters
(fresh constants) and returns its guard and its post-state
(:class:`~proofs.models.finality.protocol.State` built from the pre-state's
terms, so no frame axioms are needed). The honest voting rule is the design's
(``spec/finality/voting.py``): the justification is valid, the block is one
view after it, its parent is the block the justification certifies (an
aggregate certifies the highest QC its quorum of timeouts reports), the view
is not below the replica's current view and is above its last voted view.

:data:`MUTANTS` are broken twins of the honest rules; the induction must
catch each one.
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
)


@dataclass(frozen=True)
class Parameters:
    """The arguments of a transition (fresh constants)."""

    replica: z3.ExprRef
    """Who acts."""
    block: z3.ExprRef
    """The block voted for or certified."""
    parent: z3.ExprRef
    """The voted block's parent (the block its justification certifies)."""
    aggregate_view: z3.ExprRef
    """An aggregate justification's view (the voted block's view minus one)."""
    quorum: z3.ExprRef
    """The quorum of the aggregate, or of the aggregated QC."""
    new_view: z3.ExprRef
    """The view a replica moves to."""
    new_high_qc: z3.ExprRef
    """A reported or newly learnt high QC view."""


def declare_parameters() -> Parameters:
    """Return fresh parameter constants."""
    return Parameters(
        replica=z3.Const("p.replica", REPLICA),
        block=z3.Const("p.block", BLOCK),
        parent=z3.Const("p.parent", BLOCK),
        aggregate_view=z3.Const("p.aggregate_view", VIEW),
        quorum=z3.Const("p.quorum", QUORUM),
        new_view=z3.Const("p.new_view", VIEW),
        new_high_qc=z3.Const("p.new_high_qc", VIEW),
    )


Transition = Callable[[Universe, State, Parameters], tuple[z3.BoolRef, State]]
"""A transition: (universe, pre-state, parameters) to (guard, post-state)."""


def justified(u: Universe, s: State, p: Parameters, *, highest: bool = True) -> z3.BoolRef:
    """Return whether ``p.block``'s justification is valid and certifies ``p.parent``.

    A QC: the parent is certified and one view before the block. An
    aggregate at view ``x`` (one before the block): a quorum each of whose
    members sent a timeout of ``x`` reporting a high QC no higher than the
    parent's view, the parent certified, below ``x``. ``highest=False``
    drops the "highest QC" condition (a mutant).
    """
    member, x, reported = z3.Const("m", REPLICA), p.aggregate_view, z3.Const("h", VIEW)
    block_view, parent_view = u.view(p.block), u.view(p.parent)
    bound = u.le(reported, parent_view) if highest else z3.BoolVal(True)
    timeouts = z3.ForAll(
        [member],
        z3.Implies(
            u.member(member, p.quorum),
            z3.Exists([reported], z3.And(s.timed_out(member, x, reported), bound)),
        ),
    )
    aggregate = z3.And(u.succ(x, block_view), u.lt(parent_view, x), timeouts)
    return z3.And(
        u.parent(p.block, p.parent),
        s.certified(p.parent),
        z3.Or(u.succ(parent_view, block_view), aggregate),
    )


def make_vote(*, check_last_voted: bool = True, highest: bool = True) -> Transition:
    """Return the honest vote transition (its flags drop a condition, for the mutants)."""

    def vote(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
        n, b = p.replica, p.block
        block_view, parent_view = u.view(b), u.view(p.parent)
        guard = z3.And(
            u.honest(n),
            justified(u, s, p, highest=highest),
            u.le(s.current(n), block_view),
            u.lt(s.last_voted(n), block_view) if check_last_voted else z3.BoolVal(True),
        )
        raised = z3.If(u.lt(s.high_qc(n), parent_view), parent_view, s.high_qc(n))
        current = z3.If(u.lt(s.current(n), block_view), block_view, s.current(n))
        post = State(
            voted=lambda r, c: z3.Or(s.voted(r, c), z3.And(r == n, c == b)),
            timed_out=s.timed_out,
            certified=s.certified,
            current=lambda r: z3.If(r == n, current, s.current(r)),
            last_voted=lambda r: z3.If(r == n, block_view, s.last_voted(r)),
            high_qc=lambda r: z3.If(r == n, raised, s.high_qc(r)),
        )
        return guard, post

    return vote


def make_timeout(*, advance: bool = True) -> Transition:
    """Return the honest local timeout: send Timeout(current view, high QC), move one view on."""

    def timeout(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
        n = p.replica
        here, high = s.current(n), s.high_qc(n)
        guard = z3.And(u.honest(n), u.succ(here, p.new_view))
        post = State(
            voted=s.voted,
            timed_out=lambda r, v, h: z3.Or(
                s.timed_out(r, v, h), z3.And(r == n, v == here, h == high)
            ),
            certified=s.certified,
            current=(lambda r: z3.If(r == n, p.new_view, s.current(r))) if advance else s.current,
            last_voted=s.last_voted,
            high_qc=s.high_qc,
        )
        return guard, post

    return timeout


def advance(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
    """An honest replica learns certificates: it moves to a later view and a higher high QC."""
    n = p.replica
    guard = z3.And(u.honest(n), u.le(s.current(n), p.new_view), u.le(s.high_qc(n), p.new_high_qc))
    post = State(
        voted=s.voted,
        timed_out=s.timed_out,
        certified=s.certified,
        current=lambda r: z3.If(r == n, p.new_view, s.current(r)),
        last_voted=s.last_voted,
        high_qc=lambda r: z3.If(r == n, p.new_high_qc, s.high_qc(r)),
    )
    return guard, post


def byzantine_vote(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
    """A byzantine replica votes for any block."""
    n, b = p.replica, p.block
    post = State(
        voted=lambda r, c: z3.Or(s.voted(r, c), z3.And(r == n, c == b)),
        timed_out=s.timed_out,
        certified=s.certified,
        current=s.current,
        last_voted=s.last_voted,
        high_qc=s.high_qc,
    )
    return z3.Not(u.honest(n)), post


def byzantine_timeout(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
    """A byzantine replica sends a timeout of any view reporting any high QC view."""
    n, x, h = p.replica, p.aggregate_view, p.new_high_qc
    post = State(
        voted=s.voted,
        timed_out=lambda r, v, w: z3.Or(s.timed_out(r, v, w), z3.And(r == n, v == x, w == h)),
        certified=s.certified,
        current=s.current,
        last_voted=s.last_voted,
        high_qc=s.high_qc,
    )
    return z3.Not(u.honest(n)), post


def aggregate_qc(u: Universe, s: State, p: Parameters) -> tuple[z3.BoolRef, State]:
    """Anyone aggregates a QC for a block every member of a quorum voted for."""
    member = z3.Const("m", REPLICA)
    guard = z3.ForAll([member], z3.Implies(u.member(member, p.quorum), s.voted(member, p.block)))
    post = State(
        voted=s.voted,
        timed_out=s.timed_out,
        certified=lambda c: z3.Or(s.certified(c), c == p.block),
        current=s.current,
        last_voted=s.last_voted,
        high_qc=s.high_qc,
    )
    return guard, post


TRANSITIONS: dict[str, Transition] = {
    "vote": make_vote(),
    "timeout": make_timeout(),
    "advance": advance,
    "byzantine_vote": byzantine_vote,
    "byzantine_timeout": byzantine_timeout,
    "aggregate_qc": aggregate_qc,
}
"""Every transition of the model, by name (the aggregate justification is checked in ``vote``)."""

MUTANTS: dict[str, tuple[str, Transition]] = {
    "vote-twice-in-a-view": ("vote", make_vote(check_last_voted=False)),
    "aggregate-not-highest-qc": ("vote", make_vote(highest=False)),
    "timeout-stays-in-view": ("timeout", make_timeout(advance=False)),
}
"""Broken honest rules: name to (the transition it replaces, the broken transition)."""
