"""An explicit model state as a finite structure of the abstract Z3 model, for the drift tests.

The inductive proof (``proofs.models.finality.induction``) is about the
abstract model's transitions; the drift tests tie them to the spec through
the explicit model (itself tied to ``spec.finality.voting`` by
``proofs.models.finality.concrete``): :func:`judge_vote` fixes every symbol
of the abstract model to an explicit state (views ``0 .. max_view``, the
block universe, the replicas, every set of members holding a quorum as a
quorum) and asks Z3 whether the abstract honest vote is enabled, and with
which post-state. Byzantine replicas have voted for every block and sent
every timeout, as the explicit model assumes of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import z3

from proofs.models.finality.explicit import (
    Config,
    Replica,
    State,
    extends,
    get_certified,
    make_blocks,
)
from proofs.models.finality.grounding import Expander
from proofs.models.finality.protocol import (
    BLOCK,
    QUORUM,
    REPLICA,
    VIEW,
    declare_state,
    declare_universe,
    get_axioms,
)
from proofs.models.finality.transitions import Parameters, make_vote
from proofs.models.solving import solve

STRUCTURE_TIMEOUT_MS = 10_000
"""Solver timeout of one judgement, in milliseconds."""


@dataclass(frozen=True)
class Judgement:
    """What the abstract model says of one vote."""

    enabled: bool
    """Whether the honest vote transition is enabled."""
    after: Replica | None
    """The voter's views after it (current, last voted, high QC), when enabled."""


def get_quorums(config: Config) -> list[tuple[int, ...]]:
    """Return every set of members (unit stakes) holding at least the quorum."""
    members = range(config.members)
    return [
        chosen
        for size in range(config.quorum, config.members + 1)
        for chosen in combinations(members, size)
    ]


def judge_vote(config: Config, state: State, replica: int, block: int) -> Judgement:
    """Return whether the abstract model lets ``replica`` vote for ``block`` in ``state``."""
    blocks = make_blocks(config)
    quorums = get_quorums(config)
    views = [z3.Const(f"view{v}", VIEW) for v in range(config.max_view + 2)]
    nodes = [z3.Const(f"block{b}", BLOCK) for b in range(len(blocks))]
    replicas = [z3.Const(f"replica{r}", REPLICA) for r in range(config.members)]
    sets = [z3.Const(f"quorum{q}", QUORUM) for q in range(len(quorums))]
    u, pre = declare_universe(), declare_state("pre")
    honest, certified = config.honest, get_certified(config, state)

    facts = [
        u.genesis == nodes[0],
        *(u.view(n) == views[blocks[b].view] for b, n in enumerate(nodes)),
        *(u.lt(x, y) == (i < j) for i, x in enumerate(views) for j, y in enumerate(views)),
        *(u.succ(x, y) == (j == i + 1) for i, x in enumerate(views) for j, y in enumerate(views)),
        *(
            u.parent(n, m) == (blocks[b].parent == a)
            for b, n in enumerate(nodes)
            for a, m in enumerate(nodes)
        ),
        *(
            u.ancestor(m, n) == extends(blocks, b, a)
            for b, n in enumerate(nodes)
            for a, m in enumerate(nodes)
        ),
        *(u.honest(r) == (i < honest) for i, r in enumerate(replicas)),
        *(
            u.member(r, q) == (i in quorums[k])
            for i, r in enumerate(replicas)
            for k, q in enumerate(sets)
        ),
        *(
            pre.voted(r, n) == (i >= honest or (i, b) in state.votes)
            for i, r in enumerate(replicas)
            for b, n in enumerate(nodes)
        ),
        *(
            pre.timed_out(r, x, h) == (i >= honest or (i, v, w) in state.timeouts)
            for i, r in enumerate(replicas)
            for v, x in enumerate(views)
            for w, h in enumerate(views)
        ),
        *(pre.certified(n) == (b in certified) for b, n in enumerate(nodes)),
    ]
    for i, me in enumerate(state.replicas):
        facts.append(pre.current(replicas[i]) == views[me.current])
        facts.append(pre.last_voted(replicas[i]) == views[me.last_voted])
        facts.append(pre.high_qc(replicas[i]) == views[me.high_qc])
    chosen = blocks[block]
    parameters = Parameters(
        replica=replicas[replica],
        block=nodes[block],
        parent=nodes[chosen.parent],
        aggregate_view=views[max(chosen.view - 1, 0)],
        quorum=z3.Const("p.quorum", QUORUM),
        new_view=views[0],
        new_high_qc=views[0],
    )
    guard, post = make_vote()(u, pre, parameters)
    elements = {VIEW: views, BLOCK: nodes, REPLICA: replicas, QUORUM: sets}
    closure = [z3.Distinct(*values) for values in elements.values() if len(values) > 1] + [
        z3.Or(*(parameters.quorum == q for q in sets))
    ]
    expander = Expander(elements)
    assertions = [expander.expand(a) for a in (*get_axioms(u), *facts, guard)]
    answer = solve([*assertions, *closure], STRUCTURE_TIMEOUT_MS)
    if answer.verdict == z3.unknown:
        raise AssertionError(f"the judgement timed out: {answer.reason_unknown}")
    model = answer.model
    if model is None:
        return Judgement(False, None)

    def view_of(term: z3.ExprRef) -> int:
        value = model.eval(term, model_completion=True)
        return next(k for k, v in enumerate(views) if z3.is_true(model.eval(v == value)))

    me = replicas[replica]
    after = Replica(
        view_of(post.current(me)), view_of(post.last_voted(me)), view_of(post.high_qc(me))
    )
    return Judgement(True, after)
