"""The abstract Fast HotStuff model of committee finality: sorts, static structure, state.

The model is in the style of Ivy and mypyvy: uninterpreted sorts, relations
and functions, and universally quantified axioms, so that every check stays
close to the decidable EPR fragment (the functions are stratified: blocks to
quorums to replicas to views, never back).

What it abstracts, and why that is sound for safety:

- **Views** are a sort with a strict total order ``lt`` and a successor
  relation ``succ`` (``succ(x, y)``: ``y`` is ``x + 1``); the genesis view is
  the least view. No bound on the number of views.
- **Blocks** are a static tree: every block that could ever be proposed
  exists from the start with its view, its parent (``parent(b, p)``) and the
  ancestor relation ``ancestor(a, b)`` (reflexive, transitive, antisymmetric,
  and the ancestors of a block are totally ordered). A block's
  justification is part of its hash, so it is static too: it is a QC iff
  the parent's view is ``view - 1``, otherwise an aggregate at ``view - 1``
  whose high QC certifies the parent. Proposals are not state: byzantine
  leaders may propose anything, and only the voting rule carries safety.
- **Stake** is abstracted into a sort of quorums with one axiom: any two
  quorums share an honest member. It holds when the byzantine stake is at
  most ``f`` (INV-21, ``proofs.models.finality.quorums``).
- **Votes** ``voted(r, b)`` are for the pair (``b``'s view, ``b``); a
  byzantine vote for another view never joins a quorum with an honest vote,
  so it is left out. **Timeouts** ``timed_out(r, v, h)``: replica ``r``
  timed out of view ``v`` reporting a high QC of view ``h`` (the aggregate
  carries only the highest QC in full, so the reported block is not needed).
- **Replica state**: current view, last voted view, high QC view (functions
  of replicas). Receiving certificates is abstracted as jumping to any higher
  view and any higher high QC view (more behaviours than the protocol).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

VIEW = z3.DeclareSort("View")
"""The sort of views."""
BLOCK = z3.DeclareSort("Block")
"""The sort of blocks (the static tree of every block that could be proposed)."""
REPLICA = z3.DeclareSort("Replica")
"""The sort of committee members."""
QUORUM = z3.DeclareSort("Quorum")
"""The sort of quorums (sets of members holding at least the quorum stake)."""


@dataclass(frozen=True)
class Universe:
    """The static symbols: order of views, block tree, quorums, honesty."""

    lt: z3.FuncDeclRef
    """``lt(x, y)``: view ``x`` is before view ``y``."""
    succ: z3.FuncDeclRef
    """``succ(x, y)``: ``y`` is the view right after ``x``."""
    view: z3.FuncDeclRef
    """``view(b)``: the view of block ``b``."""
    parent: z3.FuncDeclRef
    """``parent(b, p)``: ``p`` is the parent of ``b``."""
    ancestor: z3.FuncDeclRef
    """``ancestor(a, b)``: ``b`` extends ``a`` (reflexive)."""
    member: z3.FuncDeclRef
    """``member(r, q)``: replica ``r`` belongs to quorum ``q``."""
    honest: z3.FuncDeclRef
    """``honest(r)``: replica ``r`` follows the protocol."""
    genesis: z3.ExprRef
    """The genesis block (view 0, certified by definition)."""

    def le(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.BoolRef:
        """Return ``x <= y`` on views."""
        return z3.Or(x == y, self.lt(x, y))


def declare_universe() -> Universe:
    """Return fresh static symbols."""
    return Universe(
        lt=z3.Function("lt", VIEW, VIEW, z3.BoolSort()),
        succ=z3.Function("succ", VIEW, VIEW, z3.BoolSort()),
        view=z3.Function("view", BLOCK, VIEW),
        parent=z3.Function("parent", BLOCK, BLOCK, z3.BoolSort()),
        ancestor=z3.Function("ancestor", BLOCK, BLOCK, z3.BoolSort()),
        member=z3.Function("member", REPLICA, QUORUM, z3.BoolSort()),
        honest=z3.Function("honest", REPLICA, z3.BoolSort()),
        genesis=z3.Const("genesis", BLOCK),
    )


def get_axioms(u: Universe) -> list[z3.BoolRef]:
    """Return the axioms of the static structure (all universally quantified)."""
    x, y, z = z3.Consts("x y z", VIEW)
    a, b, c = z3.Consts("a b c", BLOCK)
    q1, q2 = z3.Consts("q1 q2", QUORUM)
    r = z3.Const("r", REPLICA)
    return [
        z3.ForAll([x], z3.Not(u.lt(x, x))),
        z3.ForAll([x, y, z], z3.Implies(z3.And(u.lt(x, y), u.lt(y, z)), u.lt(x, z))),
        z3.ForAll([x, y], z3.Or(u.lt(x, y), x == y, u.lt(y, x))),
        z3.ForAll([x, y], z3.Implies(u.succ(x, y), u.lt(x, y))),
        z3.ForAll([x, y, z], z3.Implies(z3.And(u.succ(x, y), u.lt(x, z)), u.le(y, z))),
        z3.ForAll([x], u.le(u.view(u.genesis), x)),
        z3.ForAll([b], z3.Or(b == u.genesis, u.lt(u.view(u.genesis), u.view(b)))),
        z3.ForAll([a], u.ancestor(a, a)),
        z3.ForAll(
            [a, b, c], z3.Implies(z3.And(u.ancestor(a, b), u.ancestor(b, c)), u.ancestor(a, c))
        ),
        z3.ForAll([a, b], z3.Implies(z3.And(u.ancestor(a, b), u.ancestor(b, a)), a == b)),
        z3.ForAll(
            [a, b, c],
            z3.Implies(
                z3.And(u.ancestor(a, c), u.ancestor(b, c)),
                z3.Or(u.ancestor(a, b), u.ancestor(b, a)),
            ),
        ),
        z3.ForAll([a, b], z3.Implies(u.ancestor(a, b), u.le(u.view(a), u.view(b)))),
        z3.ForAll(
            [b, a],
            z3.Implies(u.parent(b, a), z3.And(u.ancestor(a, b), u.lt(u.view(a), u.view(b)))),
        ),
        z3.ForAll([b, a, c], z3.Implies(z3.And(u.parent(b, a), u.parent(b, c)), a == c)),
        z3.ForAll(
            [q1, q2],
            z3.Exists([r], z3.And(u.member(r, q1), u.member(r, q2), u.honest(r))),
        ),
    ]


@dataclass(frozen=True)
class State:
    """The protocol state, as callables building terms (a post-state is built from a pre-state)."""

    voted: Callable[[z3.ExprRef, z3.ExprRef], z3.BoolRef]
    """``voted(r, b)``: replica ``r`` voted for block ``b`` (at ``b``'s view)."""
    timed_out: Callable[[z3.ExprRef, z3.ExprRef, z3.ExprRef], z3.BoolRef]
    """``timed_out(r, v, h)``: ``r`` sent a timeout of view ``v`` with a high QC of view ``h``."""
    certified: Callable[[z3.ExprRef], z3.BoolRef]
    """``certified(b)``: a QC for ``b`` was aggregated (genesis: by definition)."""
    current: Callable[[z3.ExprRef], z3.ExprRef]
    """``current(r)``: the replica's current view."""
    last_voted: Callable[[z3.ExprRef], z3.ExprRef]
    """``last_voted(r)``: the view of the replica's last vote."""
    high_qc: Callable[[z3.ExprRef], z3.ExprRef]
    """``high_qc(r)``: the view of the highest QC the replica holds."""


def declare_state(prefix: str) -> State:
    """Return a state of fresh symbols named ``prefix.*``."""
    voted = z3.Function(f"{prefix}.voted", REPLICA, BLOCK, z3.BoolSort())
    timed_out = z3.Function(f"{prefix}.timed_out", REPLICA, VIEW, VIEW, z3.BoolSort())
    certified = z3.Function(f"{prefix}.certified", BLOCK, z3.BoolSort())
    current = z3.Function(f"{prefix}.current", REPLICA, VIEW)
    last_voted = z3.Function(f"{prefix}.last_voted", REPLICA, VIEW)
    high_qc = z3.Function(f"{prefix}.high_qc", REPLICA, VIEW)
    return State(voted, timed_out, certified, current, last_voted, high_qc)


def make_initial_state(u: Universe) -> State:
    """Return the state at genesis: no vote, no timeout, only genesis certified, all at view 0."""
    zero = u.view(u.genesis)
    return State(
        voted=lambda r, b: z3.BoolVal(False),
        timed_out=lambda r, v, h: z3.BoolVal(False),
        certified=lambda b: b == u.genesis,
        current=lambda r: zero,
        last_voted=lambda r: zero,
        high_qc=lambda r: zero,
    )


def is_committed_via(u: Universe, state: State, block: z3.ExprRef, child: z3.ExprRef) -> z3.BoolRef:
    """Return the two-chain rule: ``child`` is certified, a child of ``block`` one view later."""
    return z3.And(
        u.parent(child, block), u.succ(u.view(block), u.view(child)), state.certified(child)
    )
