"""An explicit small model of Fast HotStuff for bounded model checking (n = 4, unit stakes).

Concrete values, no solver: ``proofs.models.finality.bmc`` searches every
reachable state breadth first. What the state keeps and what it abstracts:

- The committee is ``n`` replicas of stake 1; ``byzantine`` of them are
  byzantine and sign anything (their votes and timeouts are not state: any
  certificate may count them). Quorum ``n - f`` with ``f = (n - 1) // 3``.
- Blocks come from a fixed universe (:func:`make_blocks`): for each view up
  to ``max_view``, each earlier block as parent, ``tags`` different blocks
  (a byzantine leader's equivocations). Proposals are not state: every
  leader may be byzantine (safety must not depend on leaders), so a block
  exists once a replica votes for it; its justification is then checked,
  which is checked later than the real proposal (monotone: more behaviours).
- The honest state: per replica its current view, last voted view and high
  QC view; honest votes and timeouts. Replicas advance only by voting and
  timing out (the protocol's jumps on receiving certificates would only
  skip timeouts: fewer messages for the adversary).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from itertools import combinations
from typing import NamedTuple


class Block(NamedTuple):
    """A block of the universe: its view, its parent's index (genesis: -1) and its tag."""

    view: int
    parent: int
    tag: int


class Replica(NamedTuple):
    """An honest replica's state."""

    current: int
    last_voted: int
    high_qc: int


@dataclass(frozen=True)
class Config:
    """A small model: committee, bounds, and which honest rules hold (controls break one)."""

    members: int = 4
    """Committee size (every stake is 1)."""
    byzantine: int = 1
    """How many replicas are byzantine (the last ones; see :attr:`honest`)."""
    max_view: int = 3
    """Highest view of a block."""
    tags: int = 2
    """Different blocks per (view, parent)."""
    check_last_voted: bool = True
    """The voting rule's ``view > last_voted_view`` condition."""
    highest: bool = True
    """An aggregate's high QC is the highest its timeouts report."""

    @property
    def fault_tolerance(self) -> int:
        """Return f = (n - 1) // 3."""
        return (self.members - 1) // 3

    @property
    def quorum(self) -> int:
        """Return the quorum stake n - f."""
        return self.members - self.fault_tolerance

    @property
    def honest(self) -> int:
        """Return how many replicas are honest (replicas ``0 .. honest - 1``)."""
        return self.members - self.byzantine

    def broken(self, **changes: bool) -> Config:
        """Return this config with some honest rules changed."""
        return replace(self, **changes)


def get_children(blocks: tuple[Block, ...]) -> dict[int, list[int]]:
    """Return each block's children in the universe."""
    children: dict[int, list[int]] = {b: [] for b in range(len(blocks))}
    for b, block in enumerate(blocks[1:], 1):
        children[block.parent].append(b)
    return children


def make_blocks(config: Config) -> tuple[Block, ...]:
    """Return the universe: genesis (index 0), then every block up to ``max_view``."""
    blocks = [Block(0, -1, 0)]
    for view in range(1, config.max_view + 1):
        earlier = len(blocks)
        for parent in range(earlier):
            blocks.extend(Block(view, parent, tag) for tag in range(config.tags))
    return tuple(blocks)


class State(NamedTuple):
    """A reachable state: honest replicas, honest votes ``(replica, block)``, timeouts."""

    replicas: tuple[Replica, ...]
    votes: frozenset[tuple[int, int]]
    timeouts: frozenset[tuple[int, int, int]]


def make_initial_state(config: Config) -> State:
    """Return the start: every honest replica at view 1, nothing sent."""
    return State(tuple(Replica(1, 0, 0) for _ in range(config.honest)), frozenset(), frozenset())


def voters(state: State, block: int) -> list[int]:
    """Return the honest replicas that voted for ``block``."""
    return sorted(r for r, b in state.votes if b == block)


def get_certified(config: Config, state: State) -> frozenset[int]:
    """Return the blocks a QC can be aggregated for: genesis, and those with a quorum of votes."""
    counts = Counter(b for _, b in state.votes)
    needed = config.quorum - config.byzantine
    return frozenset({0, *(b for b, count in counts.items() if count >= needed)})


def is_certified(config: Config, state: State, block: int) -> bool:
    """Return whether a QC for ``block`` can be aggregated (genesis: by definition)."""
    return block in get_certified(config, state)


def find_aggregate(config: Config, state: State, view: int, high_qc: int) -> tuple[int, ...] | None:
    """Return honest timeouts of ``view`` that, with the byzantine ones, form an aggregate.

    Its high QC must have view ``high_qc`` and be the highest reported (with
    ``highest`` broken, any lower is accepted too). Byzantine timeouts
    report ``high_qc`` itself. None when no quorum can be formed.
    """
    reports = sorted((r, h) for r, v, h in state.timeouts if v == view)
    usable = [(r, h) for r, h in reports if h <= high_qc or not config.highest]
    needed = max(config.quorum - config.byzantine, 0)
    for size in range(needed, len(usable) + 1):
        for chosen in combinations(usable, size):
            top = max([h for _, h in chosen] + ([high_qc] if config.byzantine else []))
            if top == high_qc or not config.highest:
                return tuple(r for r, _ in chosen)
    return None


def is_justified(
    config: Config, state: State, blocks: tuple[Block, ...], b: int, certified: frozenset[int]
) -> bool:
    """Return whether block ``b``'s justification can be formed in ``state``.

    A QC on the parent one view before it, or an aggregate of timeouts of
    the view before it whose (highest) high QC is the parent's; the parent
    certified either way. ``certified`` is :func:`get_certified` of ``state``.
    """
    block = blocks[b]
    parent = blocks[block.parent]
    if block.parent not in certified or parent.view > block.view - 1:
        return False
    if parent.view == block.view - 1:
        return True
    return find_aggregate(config, state, block.view - 1, parent.view) is not None


def can_vote(
    config: Config,
    state: State,
    blocks: tuple[Block, ...],
    vote_of: tuple[int, int],
    certified: frozenset[int],
) -> bool:
    """Return whether an honest replica may vote for a block (the design's voting rule).

    ``vote_of`` is (replica, block); ``certified`` is :func:`get_certified` of ``state``.
    """
    r, b = vote_of
    block, me = blocks[b], state.replicas[r]
    if block.view < me.current or (config.check_last_voted and block.view <= me.last_voted):
        return False
    return (r, b) not in state.votes and is_justified(config, state, blocks, b, certified)


def vote(state: State, blocks: tuple[Block, ...], r: int, b: int) -> State:
    """Return the state after honest replica ``r`` votes for ``b``."""
    me, block = state.replicas[r], blocks[b]
    parent_view = blocks[block.parent].view
    updated = Replica(max(me.current, block.view), block.view, max(me.high_qc, parent_view))
    replicas = (*state.replicas[:r], updated, *state.replicas[r + 1 :])
    return State(replicas, state.votes | {(r, b)}, state.timeouts)


def timeout(state: State, r: int) -> State:
    """Return the state after honest replica ``r`` times out of its current view."""
    me = state.replicas[r]
    sent = (r, me.current, me.high_qc)
    updated = Replica(me.current + 1, me.last_voted, me.high_qc)
    replicas = (*state.replicas[:r], updated, *state.replicas[r + 1 :])
    return State(replicas, state.votes, state.timeouts | {sent})


def get_committed(blocks: tuple[Block, ...], certified: frozenset[int]) -> set[int]:
    """Return the blocks directly committed by the two-chain rule (a certified child a view on)."""
    return {
        blocks[b].parent
        for b in certified
        if b != 0 and blocks[blocks[b].parent].view == blocks[b].view - 1
    }


def extends(blocks: tuple[Block, ...], descendant: int, ancestor: int) -> bool:
    """Return whether ``descendant`` is ``ancestor`` or below it in the tree."""
    while descendant != -1:
        if descendant == ancestor:
            return True
        descendant = blocks[descendant].parent
    return False


def find_conflict(blocks: tuple[Block, ...], committed: set[int]) -> tuple[int, int] | None:
    """Return two committed blocks neither of which extends the other, if any."""
    for first, second in combinations(sorted(committed), 2):
        if not extends(blocks, first, second) and not extends(blocks, second, first):
            return first, second
    return None
