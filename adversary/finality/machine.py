"""The stateful adversarial test of committee finality: network and byzantine moves, by Hypothesis.

Each trace draws a committee of 4 to 7 members with stakes, and byzantine
members whose stake is at most ``f`` (``spec.finality.committee``), keeping
three consecutive honest leaders in the rotation (without them no commit is
possible against a silent adversary: see the controls). Honest replicas run
the spec. Rules are the moves of the network before GST (deliver in any
order, drop, duplicate, partition, fire any timer) and of the byzantine
members (propose honestly, equivocate, propose on a stale, mismatched or
forged certificate, vote for anything, time out with any certificate,
replay). After every step every trace predicate must hold (agreement INV-22,
one vote per view INV-28, no vote after a timeout, commits certified, votes
well formed).

The ``stabilize`` rule (or, if no rule did, the end of the trace) declares
GST and plays one byzantine strategy for :data:`PROGRESS_VIEWS` views: every
honest replica must commit a new block within
:func:`compute_progress_bound` views; each measurement is kept in
:data:`PROGRESS_SAMPLES`.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from adversary.finality.byzantine import FORGERIES, Adversary
from adversary.finality.network import Simulation, make_simulation
from adversary.finality.progress import (
    STRATEGIES,
    ProgressSample,
    has_honest_leader_run,
    measure_progress,
)
from spec.finality.committee import compute_fault_tolerance, compute_total_stake
from spec.finality.messages import compute_block_hash, compute_genesis_hash, get_certified_qc

PROGRESS_VIEWS = 16
"""Views run after GST in each measurement."""

PROGRESS_SAMPLES: list[ProgressSample] = []
"""Every progress measurement of the runs in this process."""

PICKS = st.integers(min_value=0, max_value=63)
"""Which candidate a move picks (modulo their number), or a bit mask of recipients."""

MODES = st.sampled_from(["honest", "equivocate", "stale", "fork", "forge"])
"""How a byzantine leader builds its block (``forge``: a forgery of :data:`FORGERIES`)."""


def compute_progress_bound(sim: Simulation) -> int:
    """Return the views after GST within which every honest replica must commit.

    A rotation of ``n`` leaders holds three consecutive honest ones; reaching
    them takes under ``n`` views, committing at the third takes three more,
    and up to two more let every honest replica learn the certificate (through
    a later aggregate when the next leader is byzantine).
    """
    return len(sim.members) + 5


def choose_byzantine(stakes: tuple[int, ...], picks: list[int]) -> tuple[int, ...]:
    """Return positions from ``picks`` whose stake stays within ``f`` and keeps an honest run."""
    fault = compute_fault_tolerance(sum(stakes))
    chosen: list[int] = []
    for pick in picks:
        position = pick % len(stakes)
        candidate = [*chosen, position]
        within = sum(stakes[p] for p in set(candidate)) <= fault
        honest = [p not in candidate for p in range(len(stakes))]
        run = any(all(honest[(i + k) % len(stakes)] for k in range(3)) for i in range(len(stakes)))
        if position not in chosen and within and run:
            chosen.append(position)
    return tuple(chosen)


class FinalityMachine(RuleBasedStateMachine):
    """Hypothesis draws the network's and the byzantine members' moves."""

    def __init__(self) -> None:
        super().__init__()
        self.sim = make_simulation((1, 1, 1, 1), ())
        self.adversary = Adversary(self.sim)

    @initialize(
        stakes=st.lists(st.integers(1, 4), min_size=4, max_size=7).map(tuple),
        picks=st.lists(st.integers(0, 6), min_size=1, max_size=3),
    )
    def setup(self, stakes: tuple[int, ...], picks: list[int]) -> None:
        """Draw the committee and the byzantine members (stake at most f)."""
        self.sim = make_simulation(stakes, choose_byzantine(stakes, picks))
        self.adversary = Adversary(self.sim)
        total = compute_total_stake(self.sim.committee)
        held = sum(
            int(v.stake) for v in self.sim.committee.validators if v.address in self.sim.byzantine
        )
        assert held <= compute_fault_tolerance(total)
        assert has_honest_leader_run(self.sim)

    def before_gst(self) -> bool:
        """Return whether the network is still asynchronous."""
        return self.sim.gst is None

    @precondition(before_gst)
    @rule(pick=PICKS)
    def deliver(self, pick: int) -> None:
        """Deliver one pending message, chosen out of order."""
        self.sim.deliver(pick)

    @precondition(before_gst)
    @rule(pick=PICKS)
    def drop(self, pick: int) -> None:
        """Lose one pending message."""
        self.sim.drop(pick)

    @rule(pick=PICKS)
    def duplicate(self, pick: int) -> None:
        """Deliver a copy of one pending message."""
        self.sim.duplicate(pick)

    @precondition(before_gst)
    @rule(pick=PICKS)
    def fire_timer(self, pick: int) -> None:
        """Fire one honest replica's timer at any moment."""
        self.sim.fire_timer(self.sim.honest[pick % len(self.sim.honest)])

    @precondition(before_gst)
    @rule(mask=PICKS)
    def partition_round(self, mask: int) -> None:
        """Deliver everything within each side of a partition; messages across wait."""
        side = {a: bool(mask >> i & 1) for i, a in enumerate(self.sim.members)}
        self.sim.deliver_where(lambda e: side[e.sender] == side[e.recipient])

    @rule()
    def timely_round(self) -> None:
        """Deliver every pending message and fire due timers."""
        self.sim.sync_round()

    @rule(mode=MODES, pick=PICKS, mask=PICKS)
    def byzantine_propose(self, mode: str, pick: int, mask: int) -> None:
        """As leader of a view near the honest ones, propose a block built the ``mode`` way."""
        sim, adversary = self.sim, self.adversary
        views = [
            v
            for v in range(min(sim.views()), max(sim.views()) + 3)
            if sim.leader(v) in sim.byzantine and v > 0
        ]
        if mode in ("honest", "equivocate", "fork"):
            # These need a genuine justification: keep the views the adversary can justify.
            views = [v for v in views if adversary.justify(v) is not None]
        if not views:
            return
        view = views[pick % len(views)]
        targets = [a for i, a in enumerate(sim.honest) if mask >> i & 1] or sim.honest
        justify = adversary.justify(view)
        blocks = sorted(sim.observer.blocks.values(), key=lambda b: (b.view, b.root))
        held = adversary.held_qcs()
        if mode == "forge":
            base = blocks[pick % len(blocks)] if blocks else None
            if base is not None:
                kind = FORGERIES[mask % len(FORGERIES)]
                forged = adversary.forge_qc(kind, view - 1, compute_block_hash(base))
                adversary.propose(adversary.make_block(view, forged, kind), targets)
        elif mode == "stale":
            older = [qc for qc in held if qc.view < view - 1] or held
            stale = adversary.make_block(view, older[pick % len(older)], "stale")
            adversary.propose(stale, targets)
        elif justify is None:
            return
        elif mode == "equivocate":
            others = [a for a in sim.honest if a not in targets]
            for label, group in (("left", targets), ("right", others)):
                block = adversary.make_block(view, justify, label)
                adversary.propose(block, group)
                adversary.vote(block)
        elif mode == "fork":
            certified = get_certified_qc(justify).block_hash
            known = [compute_genesis_hash(sim.chain_id), *map(compute_block_hash, blocks)]
            parents = [h for h in known if h != certified]
            if parents:
                parent = parents[pick % len(parents)]
                adversary.propose(adversary.make_block(view, justify, "fork", parent), targets)
        else:
            block = adversary.make_block(view, justify, "honest")
            adversary.propose(block, targets)
            adversary.vote(block)

    @rule(pick=PICKS, to=PICKS)
    def byzantine_vote(self, pick: int, to: int) -> None:
        """Vote for any block seen (again, or besides another), to its next leader or anyone."""
        blocks = sorted(self.sim.observer.blocks.values(), key=lambda b: (b.view, b.root))
        if blocks and self.sim.byzantine:
            recipient = None if to % 2 else self.sim.honest[to % len(self.sim.honest)]
            self.adversary.vote(blocks[pick % len(blocks)], recipient)

    @rule(pick=PICKS, qc_pick=PICKS, forged=st.booleans())
    def byzantine_timeout(self, pick: int, qc_pick: int, forged: bool) -> None:
        """Time out of an honest replica's view with any certificate held (or a forged one)."""
        views = sorted(set(self.sim.views()))
        view = views[pick % len(views)]
        held = [qc for qc in self.adversary.held_qcs() if qc.view < view]
        qc = held[qc_pick % len(held)]
        if forged:
            qc = self.adversary.forge_qc(FORGERIES[qc_pick % 4], view - 1, qc.block_hash)
        if self.sim.byzantine:
            self.adversary.time_out(view, qc)

    @rule(pick=PICKS, to=PICKS)
    def replay(self, pick: int, to: int) -> None:
        """Send any proposal seen again, to one honest replica."""
        blocks = sorted(self.sim.observer.blocks.values(), key=lambda b: (b.view, b.root))
        if blocks:
            recipient = self.sim.honest[to % len(self.sim.honest)]
            self.adversary.replay(blocks[pick % len(blocks)], [recipient])

    @precondition(before_gst)
    @rule(strategy=st.sampled_from(sorted(STRATEGIES)))
    def stabilize(self, strategy: str) -> None:
        """Declare GST, play ``strategy``, and require a commit at every honest replica in time."""
        sample = measure_progress(self.sim, self.adversary, strategy, PROGRESS_VIEWS)
        PROGRESS_SAMPLES.append(sample)
        bound = compute_progress_bound(self.sim)
        reached = sample.views_to_all_commit
        assert reached is not None and reached <= bound, f"no commit within {bound} views: {sample}"

    def teardown(self) -> None:
        """End every trace with GST, if no rule declared it: each trace measures progress."""
        if self.sim.gst is None and self.sim.replicas:
            names = sorted(STRATEGIES)
            self.stabilize(names[len(self.sim.observer.blocks) % len(names)])
            self.safe()

    @invariant()
    def safe(self) -> None:
        """Every trace predicate holds."""
        violations = self.sim.violations()
        assert not violations, violations[0]


def make_settings(examples: int, steps: int, shrink: bool) -> settings:
    """Return deterministic settings for ``examples`` traces of at most ``steps`` steps."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[*phases, Phase.shrink] if shrink else phases,
        suppress_health_check=list(HealthCheck),
    )


def run_finality_machine(examples: int, steps: int = 30, shrink: bool = True) -> str:
    """Run the machine in this process; return the first line of a failure, or ``""``.

    ``shrink=False`` reports the first failing trace as found (mutation runs).
    """
    try:
        chosen = make_settings(examples, steps, shrink)
        run_state_machine_as_test(FinalityMachine, settings=chosen)
    except AssertionError as failure:
        return (str(failure).strip().splitlines() or ["failed"])[0]
    return ""
