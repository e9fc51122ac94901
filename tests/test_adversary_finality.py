"""The adversary of committee finality: attack scenarios, controls, the stateful test, progress.

Honest replicas run the spec; byzantine members (stake at most ``f``) and a
hostile network attack them (``adversary.finality``). Every scenario must be
safe and make progress after GST; the negative control (stake ``f + 1``) must
be reported by the agreement predicate; the stateful test explores moves at
random and reports views-to-commit numbers (run with ``-s`` to see them).
"""

from __future__ import annotations

import pytest

from adversary.finality.byzantine import FORGERIES, Adversary
from adversary.finality.controls import (
    attack_beyond_fault_bound,
    stall_with_local_timers,
    stall_with_sparse_honest_leaders,
)
from adversary.finality.machine import (
    PROGRESS_SAMPLES,
    choose_byzantine,
    run_finality_machine,
)
from adversary.finality.network import make_simulation
from adversary.finality.progress import ProgressSample, summarize_progress
from adversary.finality.scenarios import SCENARIOS
from spec.finality.committee import compute_fault_tolerance
from spec.finality.messages import compute_block_hash, compute_genesis_qc

CI_EXAMPLES = 50
"""Traces of the stateful test in CI (about 12 s on this machine)."""

CI_STEPS = 30
"""Most steps per trace in CI."""


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_attack_scenario_is_safe_and_progresses_after_gst(name: str) -> None:
    """Given one attack scenario (byzantine stake at most f).

    When it runs, then GST is declared and the byzantine members keep attacking,
    Then no trace predicate is violated, the attack really happened (its
    evidence), and every honest replica committed a new block after GST.
    """
    result = SCENARIOS[name]()
    assert result.violations == ()
    assert all(result.evidence.values()), result.evidence
    assert result.progressed, result.progress
    print(f"{name}: {result.progress}")


def test_negative_control_beyond_the_fault_bound_is_reported() -> None:
    """Given two byzantine members of four (stake f + 1).

    When they equivocate as leaders of views 1 and 2 and time out to an honest leader,
    Then two honest replicas commit conflicting blocks and the agreement predicate says so.
    """
    result = attack_beyond_fault_bound()
    assert all(result.evidence.values()), result.evidence
    assert any("conflicting commits" in v for v in result.violations)


def test_liveness_limit_sparse_honest_leaders_stall_a_safe_committee() -> None:
    """Given stakes (1, 3, 1, 2) with the two stake-1 members byzantine (stake 2 = f).

    When they stay silent after GST for 16 views,
    Then nothing is violated, but no honest replica commits (no two honest leaders in a row).
    """
    result, within_bound = stall_with_sparse_honest_leaders()
    assert within_bound and result.violations == ()
    assert result.progress is not None and result.progress.views_to_first_commit is None


def test_liveness_limit_local_timers_without_a_synchronizer_stall() -> None:
    """Given the stale-certificate scenario with purely local timers.

    When it runs past GST,
    Then it is safe, but one replica stays a view ahead and no commit happens.
    """
    result = stall_with_local_timers()
    assert result.violations == () and not result.progressed
    assert result.rejections["BLOCK_VIEW_STALE"] > 0


def test_stateful_machine_is_safe_and_commits_within_the_bound() -> None:
    """Given the stateful test under its CI settings (deterministic).

    When it runs every trace, each ending with GST and a byzantine strategy,
    Then no predicate fails, every measurement committed in time, and the
    views-to-commit statistics are printed.
    """
    PROGRESS_SAMPLES.clear()
    assert run_finality_machine(CI_EXAMPLES, CI_STEPS) == ""
    summary = summarize_progress(PROGRESS_SAMPLES)
    print(f"finality progress after GST: {summary}")
    assert summary["samples"] >= CI_EXAMPLES and summary["stalled"] == 0


def test_progress_summary_reads_only_its_samples() -> None:
    """Given two samples, one stalled.

    When summarized, Then the counts, medians and rates come from the samples alone.
    """
    samples = [
        ProgressSample("silent", 2, 3, 10, 12, 6),
        ProgressSample("stale", None, None, None, 12, 0),
    ]
    summary = summarize_progress(samples)
    assert summary["samples"] == 2 and summary["stalled"] == 1
    assert summary["views_to_commit_max"] == 3 and summary["commits_per_view_mean"] == 0.25


def test_byzantine_members_are_chosen_within_the_fault_bound() -> None:
    """Given stakes (1, 3, 1, 2, 1, 1, 1) (f = 3) and wished byzantine positions 0, 2, 4, 6, 1.

    When chosen,
    Then 4 is skipped (no three honest leaders in a row would remain) and 1 too
    (stake above f): the byzantine members are 0, 2 and 6.
    """
    stakes = (1, 3, 1, 2, 1, 1, 1)
    chosen = choose_byzantine(stakes, [0, 2, 4, 6, 1])
    assert sum(stakes[p] for p in chosen) <= compute_fault_tolerance(sum(stakes))
    assert chosen == (0, 2, 6)


def test_forged_certificates_are_never_genuine_and_quorums_are() -> None:
    """Given four members, position 0 byzantine, and the honest block of view 1 voted on.

    When the adversary forges certificates of every kind, and one from the honest votes,
    Then the oracle rejects every forgery and accepts the genuine quorum.
    """
    sim = make_simulation((1, 1, 1, 1), (0,))
    adversary = Adversary(sim)
    sim.sync_round()
    block = adversary.make_block(1, compute_genesis_qc(sim.chain_id), "b")
    block_hash = compute_block_hash(block)
    oracle = sim.observer.oracle
    for kind in FORGERIES:
        assert not oracle.is_genuine_qc(adversary.forge_qc(kind, 1, block_hash)), kind
    (honest_block,) = sim.observer.blocks.values()
    qc = adversary.form_qc(1, compute_block_hash(honest_block))
    assert qc is not None and oracle.is_genuine_qc(qc)
