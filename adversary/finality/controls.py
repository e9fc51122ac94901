"""Controls of the adversary itself: an attack beyond the fault bound, and two liveness limits.

- :func:`attack_beyond_fault_bound` is the negative control: with byzantine
  stake ``f + 1`` (two of four members of stake 1) a scripted attack makes
  two honest replicas commit conflicting blocks, and the agreement predicate
  (INV-22) reports it, so the checker can fail.
- :func:`stall_with_sparse_honest_leaders` shows a liveness limit of
  round-robin leaders by member: byzantine stake within ``f`` can still hold
  every other leader slot when stakes differ, and a silent adversary then
  stops every commit (a commit needs honest leaders in three views in a row).
- :func:`stall_with_local_timers` shows that liveness after GST rests on a
  pacemaker the spec does not define: with purely local timers, a replica
  that entered a view one round early times out just before each proposal
  reaches it, and with one member silent no quorum ever forms.
"""

from __future__ import annotations

from adversary.finality.byzantine import Adversary
from adversary.finality.network import make_simulation
from adversary.finality.progress import measure_progress
from adversary.finality.scenarios import EQUAL, ScenarioResult, is_proposal, scenario_stale_qc
from spec.finality.committee import compute_fault_tolerance, compute_total_stake
from spec.finality.messages import compute_block_hash, compute_genesis_qc


def attack_beyond_fault_bound() -> ScenarioResult:
    """Two byzantine members of four (stake 2 > f = 1) make two honest replicas commit forks.

    Positions 1 and 2 are byzantine (they lead views 1 and 2); honest ``a``
    (position 3) leads view 3 and collects view-2 votes, honest ``b``
    (position 0) leads view 4 and collects view-3 timeouts.

    1. View 1: block X to ``a``, block Y to ``b``; each votes for its own.
    2. View 2: X' (justified by X's certificate: ``a`` and both byzantine
       members) to ``a``, Y' (Y's certificate) to ``b``.
    3. ``a`` collects its own vote and the byzantine votes on X': it commits X.
    4. The byzantine members time out of view 3 carrying Y''s certificate,
       to ``b``: it commits Y.
    """
    sim = make_simulation(EQUAL, (1, 2))
    adversary = Adversary(sim)
    a, b = sim.members[3], sim.members[0]
    genesis = compute_genesis_qc(sim.chain_id)
    x, y = adversary.make_block(1, genesis, "x"), adversary.make_block(1, genesis, "y")
    adversary.propose(x, [a])
    adversary.propose(y, [b])
    sim.deliver_where(is_proposal)
    qc_x = adversary.form_qc(1, compute_block_hash(x))
    qc_y = adversary.form_qc(1, compute_block_hash(y))
    assert qc_x is not None and qc_y is not None, "each fork gathered a quorum"
    x2, y2 = adversary.make_block(2, qc_x, "x2"), adversary.make_block(2, qc_y, "y2")
    adversary.propose(x2, [a])
    adversary.propose(y2, [b])
    sim.deliver_where(is_proposal)
    adversary.vote(x2, a)
    sim.deliver_where(lambda e: e.recipient == a)
    qc_y2 = adversary.form_qc(2, compute_block_hash(y2))
    assert qc_y2 is not None, "Y' gathered a quorum"
    adversary.time_out(3, qc_y2)
    sim.deliver_where(lambda e: e.recipient == b)
    total = compute_total_stake(sim.committee)
    byzantine_stake = sum(
        int(v.stake) for v in sim.committee.validators if v.address in sim.byzantine
    )
    evidence = {
        "byzantine stake is f + 1": byzantine_stake == compute_fault_tolerance(total) + 1,
        "both forks committed": sim.replicas[a].committed_head == compute_block_hash(x)
        and sim.replicas[b].committed_head == compute_block_hash(y),
    }
    return ScenarioResult(
        "beyond-fault-bound", tuple(sim.violations()), evidence, None, dict(sim.rejections)
    )


def stall_with_sparse_honest_leaders() -> tuple[ScenarioResult, bool]:
    """Stakes (1, 3, 1, 2) by position, positions 0 and 2 byzantine and silent.

    The byzantine stake is 2 = f (total 7), yet no two consecutive views have
    honest leaders. Returns the result and whether the byzantine stake is
    within the fault bound.
    """
    sim = make_simulation((1, 3, 1, 2), (0, 2))
    total = compute_total_stake(sim.committee)
    byzantine_stake = sum(
        int(v.stake) for v in sim.committee.validators if v.address in sim.byzantine
    )
    progress = measure_progress(sim, Adversary(sim), "silent", views=16)
    result = ScenarioResult(
        "sparse-honest-leaders", tuple(sim.violations()), {}, progress, dict(sim.rejections)
    )
    return result, byzantine_stake <= compute_fault_tolerance(total)


def stall_with_local_timers() -> ScenarioResult:
    """The stale-certificate scenario again, with purely local timers.

    Position 3 leads view 3, so it enters view 3 (on forming the view-2
    certificate) a round before the others learn it; from then on each of its
    timers fires a round before theirs. After GST, whenever the silent
    byzantine member's share is needed, position 3 has left the view of every
    proposal before it arrives (``BLOCK_VIEW_STALE``), and no quorum forms.
    """
    return scenario_stale_qc(local_timers=True)
