"""Progress after GST: byzantine strategies, and how many views a commit takes.

After GST the network delivers within a round and timers fire as a
pacemaker would (:meth:`~adversary.finality.network.Simulation.sync_round`);
the byzantine members keep playing one :data:`STRATEGIES` entry every round.
:func:`measure_progress` runs a number of views and reports when the first
new block was committed (by some honest replica, and by all), and how many
blocks every honest replica committed per view. :func:`summarize_progress`
turns samples into the numbers the lead reports; it reads nothing but the
samples.

Progress needs honest leaders in a row: a commit takes a block certified in
view ``v`` and its child certified in ``v + 1``, and the certificate of a
view-``v`` block is formed by the leader of ``v + 1``, so a byzantine leader
that withholds can stop every commit unless three consecutive views have
honest leaders (:func:`has_honest_leader_run`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from adversary.finality.byzantine import FORGERIES, Adversary
from adversary.finality.network import Simulation
from spec.finality.messages import compute_block_hash, compute_genesis_qc
from spec.primitives import Hash32


@dataclass(frozen=True)
class ProgressSample:
    """What one run after GST achieved."""

    strategy: str
    """The byzantine strategy played."""
    views_to_first_commit: int | None
    """Views (of the highest honest replica) from GST to a new head at some honest replica."""
    views_to_all_commit: int | None
    """Views from GST until every honest replica has a new committed head."""
    rounds_to_all_commit: int | None
    """Rounds from GST until every honest replica has a new committed head."""
    views_run: int
    """Views the measurement ran."""
    commits: int
    """New blocks in every honest replica's committed chain."""
    members: int = 0
    """Committee size."""
    byzantine: int = 0
    """Byzantine members."""

    @property
    def commits_per_view(self) -> float:
        """Return new blocks committed by every honest replica per view run."""
        return self.commits / self.views_run if self.views_run else 0.0


def act_silent(adversary: Adversary) -> None:
    """Withhold everything: no proposal, vote, timeout or aggregate."""


def act_equivocate(adversary: Adversary) -> None:
    """As leader of the highest honest view, propose two blocks to two halves; vote for both."""
    sim = adversary.sim
    view = max(sim.views())
    key = ("equivocate", view)
    if sim.leader(view) not in sim.byzantine or key in adversary.acted:
        return
    justify = adversary.justify(view)
    if justify is None:
        return
    adversary.acted.add(key)
    half = len(sim.honest) // 2
    for label, recipients in (("left", sim.honest[:half]), ("right", sim.honest[half:])):
        block = adversary.make_block(view, justify, label)
        adversary.propose(block, recipients)
        adversary.vote(block)


def act_stale(adversary: Adversary) -> None:
    """Time out of every honest view at once, carrying the genesis certificate."""
    sim = adversary.sim
    for view in sorted(set(sim.views())):
        if ("stale", view) not in adversary.acted:
            adversary.acted.add(("stale", view))
            adversary.time_out(view, compute_genesis_qc(sim.chain_id))


def act_forge(adversary: Adversary) -> None:
    """As leader, propose blocks justified by every kind of forged QC of a latest block."""
    sim = adversary.sim
    view = max(sim.views())
    key = ("forge", view)
    latest = [b for b in sim.observer.blocks.values() if b.view == view - 1]
    if sim.leader(view) not in sim.byzantine or key in adversary.acted or not latest:
        return
    adversary.acted.add(key)
    for kind in FORGERIES:
        forged = adversary.forge_qc(kind, view - 1, compute_block_hash(latest[0]))
        adversary.propose(adversary.make_block(view, forged, kind), sim.honest)


STRATEGIES: dict[str, Callable[[Adversary], None]] = {
    "silent": act_silent,
    "equivocate": act_equivocate,
    "stale": act_stale,
    "forge": act_forge,
}
"""Byzantine strategies after GST, by name."""


def has_honest_leader_run(sim: Simulation, length: int = 3) -> bool:
    """Return whether ``length`` consecutive views somewhere in the rotation have honest leaders."""
    members = sim.members
    honest = [m not in sim.byzantine for m in members]
    size = len(honest)
    return any(all(honest[(i + k) % size] for k in range(length)) for i in range(size))


def common_committed(sim: Simulation) -> set[Hash32]:
    """Return the blocks in every honest replica's committed chain right now."""
    chains = [set(sim.observer.committed.get(a, [])) for a in sim.replicas]
    return set.intersection(*chains) if chains else set()


def measure_progress(
    sim: Simulation, adversary: Adversary, strategy: str, views: int = 12, max_rounds: int = 400
) -> ProgressSample:
    """Declare GST, run ``views`` views (at most ``max_rounds`` rounds) and measure commits."""
    sim.declare_gst()
    act = STRATEGIES[strategy]
    start_view, start_tick = max(sim.views()), sim.tick
    start_heads = {a: r.committed_head for a, r in sim.replicas.items()}
    start_common = common_committed(sim)
    first_any: int | None = None
    first_all: tuple[int, int] | None = None
    while max(sim.views()) - start_view < views and sim.tick - start_tick < max_rounds:
        act(adversary)
        sim.sync_round()
        moved = [r.committed_head != start_heads[a] for a, r in sim.replicas.items()]
        elapsed = max(sim.views()) - start_view
        if first_any is None and any(moved):
            first_any = elapsed
        if first_all is None and all(moved):
            first_all = (elapsed, sim.tick - start_tick)
    return ProgressSample(
        strategy=strategy,
        views_to_first_commit=first_any,
        views_to_all_commit=None if first_all is None else first_all[0],
        rounds_to_all_commit=None if first_all is None else first_all[1],
        views_run=max(sim.views()) - start_view,
        commits=len(common_committed(sim) - start_common),
        members=len(sim.members),
        byzantine=len(sim.byzantine),
    )


def summarize_progress(samples: list[ProgressSample]) -> dict[str, float]:
    """Return views-to-commit and commits-per-view statistics over ``samples``.

    ``stalled`` counts samples where some honest replica committed nothing new.
    """
    reached = [s.views_to_all_commit for s in samples if s.views_to_all_commit is not None]
    rounds = [s.rounds_to_all_commit for s in samples if s.rounds_to_all_commit is not None]
    rates = [s.commits_per_view for s in samples]
    return {
        "samples": float(len(samples)),
        "stalled": float(len(samples) - len(reached)),
        "views_to_commit_min": float(min(reached, default=0)),
        "views_to_commit_median": float(statistics.median(reached)) if reached else 0.0,
        "views_to_commit_max": float(max(reached, default=0)),
        "rounds_to_commit_max": float(max(rounds, default=0)),
        "commits_per_view_mean": statistics.fmean(rates) if rates else 0.0,
        "commits_per_view_min": min(rates, default=0.0),
    }
