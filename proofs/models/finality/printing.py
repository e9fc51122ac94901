"""Readable counterexamples of the abstract finality model, as numbered lines.

A model of an uninterpreted sort names its elements ``View!val!3`` and so
on; views are printed instead by their rank in the order ``lt`` (view 0 is
the least), blocks as ``b0, b1, ...`` with their view and parent, replicas
as ``r0, r1, ...`` with ``(byzantine)`` when not honest. Each line shows one
part of the pre-state, then the step taken, then what changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from proofs.models.finality.protocol import BLOCK, QUORUM, REPLICA, VIEW, State, Universe
from proofs.models.finality.transitions import Parameters


class Namer:
    """Names the elements of a model's finite sorts."""

    def __init__(
        self, model: z3.ModelRef, u: Universe, elements: Sequence[z3.ExprRef] = ()
    ) -> None:
        """Rank the views of ``model`` by ``lt`` and number the other elements.

        ``elements``, when given, is the universe (a small model's named
        elements); otherwise the model's own universe of each sort.
        """
        self.model = model
        self.u = u
        views = self.get_universe(VIEW, elements)
        self.views = sorted(views, key=lambda v: sum(self.true(u.lt(w, v)) for w in views))
        self.blocks = self.get_universe(BLOCK, elements)
        self.replicas = self.get_universe(REPLICA, elements)
        self.quorums = self.get_universe(QUORUM, elements)

    def get_universe(self, sort: z3.SortRef, elements: Sequence[z3.ExprRef]) -> list[z3.ExprRef]:
        """Return the distinct values of ``sort``: of ``elements`` if given, else the model's."""
        if not elements:
            return list(self.model.get_universe(sort) or [])
        values: list[z3.ExprRef] = []
        for element in elements:
            if element.sort() == sort and not any(self.true(element == v) for v in values):
                values.append(self.model.eval(element, model_completion=True))
        return values

    def true(self, term: z3.ExprRef) -> bool:
        """Return whether a Boolean term is true in the model (completing free symbols)."""
        return bool(z3.is_true(self.model.eval(term, model_completion=True)))

    def index(self, elements: list[z3.ExprRef], term: z3.ExprRef) -> int:
        """Return the position of ``term``'s value among ``elements``."""
        value = self.model.eval(term, model_completion=True)
        for position, element in enumerate(elements):
            if self.true(element == value):
                return position
        return -1

    def view(self, term: z3.ExprRef) -> str:
        """Return a view term as its rank."""
        return str(self.index(self.views, term))

    def block(self, term: z3.ExprRef) -> str:
        """Return a block term as ``bK``."""
        return f"b{self.index(self.blocks, term)}"

    def replica(self, term: z3.ExprRef) -> str:
        """Return a replica term as ``rK``."""
        return f"r{self.index(self.replicas, term)}"


def describe_universe(names: Namer) -> list[str]:
    """Return the block tree and the committee of the model."""
    u, lines = names.u, []
    for block in names.blocks:
        parents = [names.block(p) for p in names.blocks if names.true(u.parent(block, p))]
        genesis = " (genesis)" if names.true(block == u.genesis) else ""
        lines.append(
            f"block {names.block(block)}{genesis}: view {names.view(u.view(block))}, "
            f"parent {', '.join(parents) or '-'}"
        )
    members = {
        f"q{k}": [names.replica(r) for r in names.replicas if names.true(u.member(r, quorum))]
        for k, quorum in enumerate(names.quorums)
    }
    byzantine = [names.replica(r) for r in names.replicas if not names.true(u.honest(r))]
    lines.append(f"byzantine replicas: {', '.join(byzantine) or 'none'}; quorums: {members}")
    return lines


def describe_state(names: Namer, state: State, label: str) -> list[str]:
    """Return one line per replica of ``state``: views, votes and timeouts."""
    lines = []
    for r in names.replicas:
        votes = [names.block(b) for b in names.blocks if names.true(state.voted(r, b))]
        timeouts = [
            f"({names.view(v)}, high QC {names.view(h)})"
            for v in names.views
            for h in names.views
            if names.true(state.timed_out(r, v, h))
        ]
        lines.append(
            f"{label} {names.replica(r)}: current {names.view(state.current(r))}, "
            f"last voted {names.view(state.last_voted(r))}, "
            f"high QC {names.view(state.high_qc(r))}, votes [{', '.join(votes)}], "
            f"timeouts [{', '.join(timeouts)}]"
        )
    certified = [names.block(b) for b in names.blocks if names.true(state.certified(b))]
    lines.append(f"{label} certified: [{', '.join(certified)}]")
    return lines


def describe_step(
    names: Namer,
    states: tuple[State, State],
    parameters: Parameters,
    transition: str,
    conjunct: str,
) -> str:
    """Return a counterexample to preservation (``states``: pre and post) as numbered lines."""
    pre, post = states
    step = (
        f"step {transition}(replica={names.replica(parameters.replica)}, "
        f"block={names.block(parameters.block)}, parent={names.block(parameters.parent)}, "
        f"aggregate view={names.view(parameters.aggregate_view)}, "
        f"new view={names.view(parameters.new_view)}, "
        f"high QC={names.view(parameters.new_high_qc)})"
    )
    lines = [
        *describe_universe(names),
        *describe_state(names, pre, "pre"),
        step,
        *describe_state(names, post, "post"),
        f"post-state breaks '{conjunct}'",
    ]
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))
