"""One deterministic scenario per attack on committee finality: safety holds, progress after GST.

Each scenario scripts the network and the byzantine members (byzantine stake
at most ``f``) before GST, checks that the attack really happened (its
``evidence``), then declares GST and measures progress while the byzantine
members keep attacking (:func:`~adversary.finality.progress.measure_progress`).
A scenario *passes* when every trace predicate held throughout, every piece
of evidence is there, and every honest replica committed a new block after
GST. The committees have four members of stake 1 (``f = 1``, quorum 3) unless
a scenario says otherwise; the member at position ``i`` leads views
``i, i + 4, ...``.

:data:`SCENARIOS` lists them; the negative control and the liveness limit
live in :mod:`adversary.finality.controls`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adversary.finality.byzantine import Adversary
from adversary.finality.network import Envelope, Simulation, make_simulation
from adversary.finality.progress import ProgressSample, measure_progress
from spec.finality.messages import (
    AggregateCertificate,
    Proposal,
    Vote,
    compute_block_hash,
    compute_genesis_qc,
)

EQUAL = (1, 1, 1, 1)
"""Four members of stake 1: ``f = 1``, quorum 3."""


@dataclass(frozen=True)
class ScenarioResult:
    """What one scenario showed."""

    name: str
    """The scenario."""
    violations: tuple[str, ...]
    """Every trace predicate violation (empty when safe)."""
    evidence: dict[str, bool]
    """Whether each step of the attack really happened."""
    progress: ProgressSample | None
    """Progress after GST (None for a scenario that does not measure it)."""
    rejections: dict[str, int]
    """How often honest replicas refused an input, by reason."""

    @property
    def progressed(self) -> bool:
        """Return whether every honest replica committed a new block after GST."""
        return self.progress is not None and self.progress.views_to_all_commit is not None

    @property
    def passed(self) -> bool:
        """Return whether the run was safe, the attack happened and progress followed."""
        return not self.violations and all(self.evidence.values()) and self.progressed


def run_rounds(sim: Simulation, rounds: int) -> None:
    """Run ``rounds`` timely rounds (before GST the network may still be timely)."""
    for _ in range(rounds):
        sim.sync_round()


def finish(
    name: str, sim: Simulation, adversary: Adversary, strategy: str, evidence: dict[str, bool]
) -> ScenarioResult:
    """Declare GST, measure progress under ``strategy``, and gather the result."""
    progress = None if sim.violations() else measure_progress(sim, adversary, strategy)
    return ScenarioResult(name, tuple(sim.violations()), evidence, progress, dict(sim.rejections))


def is_proposal(envelope: Envelope) -> bool:
    """Return whether a pool entry carries a proposal."""
    return isinstance(envelope.message, Proposal)


def is_vote(envelope: Envelope) -> bool:
    """Return whether a pool entry carries a vote."""
    return isinstance(envelope.message, Vote)


def scenario_equivocating_leader() -> ScenarioResult:
    """The leader of view 1 sends one block to one replica and another to the other two.

    It votes for both and later shows the second block to the first replica.
    """
    sim = make_simulation(EQUAL, (1,))
    adversary = Adversary(sim)
    genesis = compute_genesis_qc(sim.chain_id)
    left = adversary.make_block(1, genesis, "left")
    right = adversary.make_block(1, genesis, "right")
    first, *others = sim.honest
    adversary.propose(left, [first])
    adversary.propose(right, others)
    adversary.vote(left)
    adversary.vote(right)
    run_rounds(sim, 1)
    adversary.propose(right, [first])
    run_rounds(sim, 6)
    evidence = {
        "second block refused": sim.rejections["PROPOSAL_EQUIVOCATION"] > 0,
        "double vote refused": sim.rejections["VOTE_EQUIVOCATION"] > 0,
    }
    return finish("equivocating-leader", sim, adversary, "equivocate", evidence)


def scenario_double_vote_and_replay() -> ScenarioResult:
    """Byzantine members vote twice in a view, and the network repeats every proposal."""
    sim = make_simulation(EQUAL, (3,))
    adversary = Adversary(sim)
    for _ in range(6):
        run_rounds(sim, 1)
        for block in list(sim.observer.blocks.values()):
            adversary.replay(block, sim.honest)
            adversary.vote(block)
            adversary.vote(block)
            twin = adversary.make_block(int(block.view), block.justify, "twin")
            adversary.vote(twin)
    evidence = {
        "repeated proposal refused": sim.rejections["VIEW_ALREADY_VOTED"] > 0,
        "second vote in a view refused": sim.rejections["VOTE_EQUIVOCATION"] > 0,
        "same vote twice refused": sim.rejections["VOTE_DUPLICATE"] > 0,
    }
    return finish("double-vote-and-replay", sim, adversary, "silent", evidence)


def scenario_withheld_votes() -> ScenarioResult:
    """The byzantine member never votes, times out or proposes: the honest quorum goes on."""
    sim = make_simulation(EQUAL, (0,))
    adversary = Adversary(sim)
    result = finish("withheld-votes", sim, adversary, "silent", {})
    signers_ok = not any(a in sim.byzantine for key in sim.votes_seen for a in sim.votes_seen[key])
    return ScenarioResult(
        result.name,
        result.violations,
        {"no byzantine vote sent": signers_ok},
        result.progress,
        result.rejections,
    )


def scenario_stale_qc(local_timers: bool = False) -> ScenarioResult:
    """The byzantine member times out of every view with the genesis certificate.

    As leader of view 4 it also proposes a block justified by that stale
    certificate. After honest commits, an aggregate formed by an honest
    leader contains the stale timeout and must still attach the highest one.
    ``local_timers`` runs it without a synchronizer (see the controls).
    """
    sim = make_simulation(EQUAL, (0,))
    sim.local_timers = local_timers
    adversary = Adversary(sim)
    genesis = compute_genesis_qc(sim.chain_id)
    for _ in range(24):
        if max(sim.views()) == 4 and ("stale-block", 4) not in adversary.acted:
            adversary.acted.add(("stale-block", 4))
            adversary.propose(adversary.make_block(4, genesis, "stale"), sim.honest)
        for view in sorted(set(sim.views())):
            if ("stale", view) not in adversary.acted:
                adversary.acted.add(("stale", view))
                adversary.time_out(view, genesis)
        run_rounds(sim, 1)
    mixed = [
        b.justify
        for b in sim.observer.blocks.values()
        if isinstance(b.justify, AggregateCertificate)
        and any(t.high_qc_view == 0 for t in b.justify.timeouts)
        and b.justify.high_qc.view > 0
    ]
    evidence = {
        "stale block refused": sim.rejections["BLOCK_VIEW_NOT_AFTER_JUSTIFY"] > 0,
        "stale timeout aggregated": bool(mixed),
    }
    return finish("stale-qc", sim, adversary, "stale", evidence)


def scenario_forged_qc() -> ScenarioResult:
    """As leader, the byzantine member proposes blocks on forged certificates of the latest block.

    Forgeries: its own signatures only, its signature repeated, non-members'
    signatures, and a genuine quorum padded with a non-member; it also times
    out carrying a forged certificate.
    """
    sim = make_simulation(EQUAL, (0,))
    adversary = Adversary(sim)
    run_rounds(sim, 6)
    view = max(sim.views())
    while sim.leader(view + 1) in sim.byzantine:
        view += 1
    latest = max(sim.observer.blocks.values(), key=lambda b: b.view)
    forged = adversary.forge_qc("duplicate", view - 1, compute_block_hash(latest))
    adversary.time_out(view, forged)
    run_rounds(sim, 1)
    timeout_refused = sim.rejections["CERTIFICATE_SIGNER_DUPLICATE"] > 0
    result = finish("forged-qc", sim, adversary, "forge", {})
    evidence = {
        "forged timeout refused": timeout_refused,
        "short quorum refused": sim.rejections["CERTIFICATE_QUORUM_SHORT"] > 0,
        "non-member refused": sim.rejections["CERTIFICATE_SIGNER_UNKNOWN"] > 0,
    }
    return ScenarioResult(
        result.name, result.violations, evidence, result.progress, result.rejections
    )


def scenario_partition_healed() -> ScenarioResult:
    """Five members of stake 1 split 3 | 2 before GST; the sides time out on their own.

    Neither side holds a quorum (4). Votes across are lost, the other
    messages across wait until GST; then the committee must commit again.
    """
    sim = make_simulation((1, 1, 1, 1, 1), (4,))
    adversary = Adversary(sim)
    side = {a: index < 3 for index, a in enumerate(sim.members)}
    for round_number in range(12):
        sim.deliver_where(lambda e: side[e.sender] == side[e.recipient])
        for address in sim.honest:
            if round_number % (3 if side[address] else 2) == 1:
                sim.fire_timer(address)
        lost = [e for e in sim.pool if side[e.sender] != side[e.recipient] and is_vote(e)]
        for envelope in lost:
            sim.pool.remove(envelope)
    views = sim.views()
    evidence = {"views diverged": max(views) > min(views), "messages held": bool(sim.pool)}
    return finish("partition-healed", sim, adversary, "equivocate", evidence)


def scenario_withheld_aggregate() -> ScenarioResult:
    """The byzantine next leader collects a quorum of timeouts (and votes) and sends nothing."""
    sim = make_simulation(EQUAL, (2,))
    adversary = Adversary(sim)
    run_rounds(sim, 12)
    withheld = [
        view
        for view, timeouts in sim.timeouts_seen.items()
        if sim.leader(view + 1) in sim.byzantine and len(timeouts) >= 3
    ]
    evidence = {"aggregate withheld": bool(withheld)}
    return finish("withheld-aggregate", sim, adversary, "silent", evidence)


def scenario_late_proposal() -> ScenarioResult:
    """The first proposal is held until every honest replica timed out of view 1."""
    sim = make_simulation(EQUAL, (0,))
    adversary = Adversary(sim)
    for address in sim.honest:
        sim.fire_timer(address)
    sim.deliver_where(is_proposal)
    evidence = {"late proposal refused": sim.rejections["BLOCK_VIEW_STALE"] > 0}
    return finish("late-proposal", sim, adversary, "silent", evidence)


def scenario_fork_parent() -> ScenarioResult:
    """As leader of view 4 the byzantine member attaches the latest certificate to a fork.

    Its block carries the genuine certificate of view 3 but names the genesis
    block as parent, after the honest replicas committed block 1.
    """
    sim = make_simulation(EQUAL, (0,))
    adversary = Adversary(sim)
    while not sim.observer.blocks or max(b.view for b in sim.observer.blocks.values()) < 3:
        run_rounds(sim, 1)
    run_rounds(sim, 1)
    (third,) = (b for b in sim.observer.blocks.values() if b.view == 3)
    qc = adversary.form_qc(3, compute_block_hash(third))
    assert qc is not None, "the honest votes of view 3 reached the byzantine leader"
    genesis = compute_genesis_qc(sim.chain_id).block_hash
    adversary.propose(adversary.make_block(4, qc, "fork", parent=genesis), sim.honest)
    run_rounds(sim, 8)
    evidence = {"fork refused": sim.rejections["BLOCK_PARENT_NOT_CERTIFIED"] > 0}
    return finish("fork-parent", sim, adversary, "silent", evidence)


SCENARIOS: dict[str, Callable[[], ScenarioResult]] = {
    "equivocating-leader": scenario_equivocating_leader,
    "double-vote-and-replay": scenario_double_vote_and_replay,
    "withheld-votes": scenario_withheld_votes,
    "stale-qc": scenario_stale_qc,
    "forged-qc": scenario_forged_qc,
    "partition-healed": scenario_partition_healed,
    "withheld-aggregate": scenario_withheld_aggregate,
    "late-proposal": scenario_late_proposal,
    "fork-parent": scenario_fork_parent,
}
"""Every attack scenario, by name."""


def run_all_scenarios() -> list[ScenarioResult]:
    """Run every scenario, in order."""
    return [scenario() for scenario in SCENARIOS.values()]
