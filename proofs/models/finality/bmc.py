"""Bounded model check of agreement (INV-22) on the explicit small model, with readable traces.

Breadth-first search over every reachable state of
``proofs.models.finality.explicit`` (each step one honest message: a vote
or a timeout), stopping at the first state with two conflicting committed
blocks, or when no new state is left: since views are bounded, the search
is then exhaustive for that bound. A violation is printed step by step, each
line the protocol message it stands for (``proposal``, ``vote``,
``timeout``, ``aggregate`` for a QC or an aggregate of timeouts, and
``commit``), by :func:`describe_trace`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from proofs.models.finality.explicit import (
    Block,
    Config,
    Replica,
    State,
    find_aggregate,
    find_conflict,
    get_certified,
    get_children,
    get_committed,
    is_justified,
    make_blocks,
    make_initial_state,
    timeout,
    vote,
    voters,
)

MAX_STATES = 200_000
"""A search stops after this many distinct states (a safety net for the time budget)."""


class Step(NamedTuple):
    """One honest message: a vote for ``block`` (``block >= 0``) or a timeout (``block == -1``)."""

    replica: int
    block: int


@dataclass(frozen=True)
class Search:
    """What a search found."""

    conflict: tuple[Step, ...] | None
    """The steps to a state with two conflicting commits, if one is reachable."""
    states: int
    """How many distinct states were reached."""
    depth: int
    """The longest trace explored (messages)."""
    exhausted: bool
    """Whether every reachable state was explored (the bound is on views, not on depth)."""
    committed: bool
    """Whether some reached state commits a block other than genesis (non-vacuity)."""
    aggregated: bool
    """Whether some honest vote was justified by an aggregate of timeouts (view change)."""


def get_steps(
    config: Config, state: State, blocks: tuple[Block, ...], children: dict[int, list[int]]
) -> list[Step]:
    """Return every honest message enabled in ``state`` (votes: for children of certified blocks).

    Same as :func:`~proofs.models.finality.explicit.can_vote` over every
    block, with each block's justification decided once for all replicas.
    """
    steps = []
    certified = get_certified(config, state)
    candidates = [b for parent in sorted(certified) for b in children[parent]]
    justified = [b for b in candidates if is_justified(config, state, blocks, b, certified)]
    for r, replica in enumerate(state.replicas):
        if replica.current < config.max_view:
            steps.append(Step(r, -1))
        floor = replica.last_voted + 1 if config.check_last_voted else 0
        steps.extend(
            Step(r, b)
            for b in justified
            if blocks[b].view >= max(replica.current, floor) and (r, b) not in state.votes
        )
    return steps


def apply(state: State, blocks: tuple[Block, ...], step: Step) -> State:
    """Return the state after ``step``."""
    return timeout(state, step.replica) if step.block < 0 else vote(state, blocks, *step)


Key = tuple[tuple[Replica, tuple[int, ...], tuple[tuple[int, int], ...]], ...]
"""A state up to renaming honest replicas (interchangeable: unit stakes, no leaders)."""


def get_key(state: State) -> Key:
    """Return the canonical form of ``state``: its replicas' records, sorted."""
    records = [
        (
            replica,
            tuple(sorted(b for voter, b in state.votes if voter == r)),
            tuple(sorted((v, h) for sender, v, h in state.timeouts if sender == r)),
        )
        for r, replica in enumerate(state.replicas)
    ]
    return tuple(sorted(records))


def search(config: Config, max_states: int = MAX_STATES) -> Search:
    """Explore the reachable states breadth first, up to symmetry; stop at the first conflict.

    Stopping at ``max_states`` leaves ``exhausted`` false (the caller then
    reports the check as not bounded).
    """
    blocks = make_blocks(config)
    children = get_children(blocks)
    start = make_initial_state(config)
    came_from: dict[Key, tuple[State, Step] | None] = {get_key(start): None}
    frontier: deque[tuple[State, int]] = deque([(start, 0)])
    depth, committed, aggregated = 0, False, False
    while frontier and len(came_from) < max_states:
        state, length = frontier.popleft()
        depth = max(depth, length)
        for step in get_steps(config, state, blocks, children):
            after = apply(state, blocks, step)
            key = get_key(after)
            if key in came_from:
                continue
            came_from[key] = (state, step)
            if step.block < 0:
                frontier.append((after, length + 1))
                continue
            block = blocks[step.block]
            aggregated |= blocks[block.parent].view < block.view - 1
            now_committed = get_committed(blocks, get_certified(config, after))
            committed |= bool(now_committed - {0})
            if find_conflict(blocks, now_committed) is not None:
                trace = []
                cursor: State = after
                while (link := came_from[get_key(cursor)]) is not None:
                    cursor, taken = link
                    trace.append(taken)
                return Search(
                    tuple(reversed(trace)), len(came_from), length + 1, False, committed, aggregated
                )
            frontier.append((after, length + 1))
    return Search(None, len(came_from), depth, not frontier, committed, aggregated)


def name_block(blocks: tuple[Block, ...], b: int) -> str:
    """Return a block's name: ``genesis`` or ``B<index>``."""
    return "genesis" if b == 0 else f"B{b}"


def name_replica(config: Config, r: int) -> str:
    """Return a replica's name, marked when byzantine."""
    return f"r{r}" if r < config.honest else f"r{r} (byzantine)"


def byzantine_names(config: Config) -> str:
    """Return the byzantine replicas' names."""
    return ", ".join(f"r{r}" for r in range(config.honest, config.members)) or "none"


def describe_trace(config: Config, steps: tuple[Step, ...]) -> str:
    """Return a trace as numbered protocol messages, ending with the conflicting commits."""
    blocks = make_blocks(config)
    state = make_initial_state(config)
    lines = [
        f"committee: {config.members} replicas of stake 1, quorum {config.quorum}, "
        f"byzantine: {byzantine_names(config)} (they sign whatever the trace needs)"
    ]
    proposed: set[int] = {0}
    certified: set[int] = {0}
    committed: set[int] = {0}
    for step in steps:
        if step.block < 0:
            me = state.replicas[step.replica]
            lines.append(
                f"timeout: r{step.replica} sends Timeout(view {me.current}, "
                f"high QC view {me.high_qc})"
            )
        else:
            block = blocks[step.block]
            if step.block not in proposed:
                lines.extend(describe_proposal(config, state, blocks, step.block))
                proposed.add(step.block)
            lines.append(
                f"vote: r{step.replica} sends Vote(view {block.view}, "
                f"{name_block(blocks, step.block)})"
            )
        state = apply(state, blocks, step)
        for b in sorted(get_certified(config, state) - certified):
            certified.add(b)
            if b:
                honest = ", ".join(f"r{r}" for r in voters(state, b))
                lines.append(
                    f"aggregate: QC(view {blocks[b].view}, {name_block(blocks, b)}) from the "
                    f"votes of {honest} and byzantine {byzantine_names(config)}"
                )
        now_committed = get_committed(blocks, get_certified(config, state))
        for b in sorted(now_committed - committed):
            committed.add(b)
            lines.append(
                f"commit: {name_block(blocks, b)} (view {blocks[b].view}) is committed: "
                "a child one view later is certified"
            )
    conflict = find_conflict(blocks, get_committed(blocks, get_certified(config, state)))
    if conflict is not None:
        first, second = (name_block(blocks, b) for b in conflict)
        lines.append(f"violation: {first} and {second} are both committed and conflict")
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))


def describe_proposal(config: Config, state: State, blocks: tuple[Block, ...], b: int) -> list[str]:
    """Return the aggregate (if any) and the proposal that put block ``b`` before the replicas."""
    block = blocks[b]
    parent = blocks[block.parent]
    high_qc = f"QC(view {parent.view}, {name_block(blocks, block.parent)})"
    lines = []
    if parent.view == block.view - 1:
        justify = high_qc
    else:
        signers = find_aggregate(config, state, block.view - 1, parent.view) or ()
        honest = ", ".join(f"r{r}" for r in signers) or "no honest replica"
        justify = f"AggQC(view {block.view - 1}, high QC {high_qc})"
        lines.append(
            f"aggregate: {justify} from the timeouts of {honest} and byzantine "
            f"{byzantine_names(config)}"
        )
    lines.append(
        f"proposal: the leader of view {block.view} proposes {name_block(blocks, b)} = "
        f"Block(view {block.view}, parent {name_block(blocks, block.parent)}, "
        f"root #{block.tag}, justify {justify})"
    )
    return lines
