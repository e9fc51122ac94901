"""The committee-finality checks: proofs pass, controls are caught, and the models match the spec.

- Quorum intersection (INV-21), agreement (INV-22) and one vote per view
  (INV-28) are proved (``proofs.models.finality``), every negative control is
  caught with a printed counterexample, and the bounded checks exhaust their
  bound without vacuity.
- No drift: Hypothesis ties the models' quorum arithmetic to
  ``spec.finality.committee``, the explicit model's voting rule to
  ``spec.finality.voting`` on signed blocks built from reachable model
  states (``proofs.models.finality.concrete``), and the abstract Z3 vote
  transition to the explicit rule on the same states as finite structures
  (``proofs.models.finality.structure``).

Run: ``.venv/bin/pytest tests/test_proofs_finality.py -x -q -p no:cacheprovider``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import proofs.runner
from fixtures.finality_messages import CHAIN, COMMITTEE
from proofs.models.finality.concrete import (
    DRIFT_CONFIG,
    make_block,
    make_safety,
    read_safety,
    walk,
)
from proofs.models.finality.explicit import (
    Block,
    Config,
    State,
    can_vote,
    get_certified,
    make_blocks,
    timeout,
    vote,
)
from proofs.models.finality.ids import (
    AGREEMENT,
    ONE_VOTE,
    QUORUM_INTERSECTION,
)
from proofs.models.finality.induction import CONTROL_TARGETS
from proofs.models.finality.invariants import CONJUNCTS
from proofs.models.finality.quorums import MAX_MEMBERS, fault_tolerance_constraints
from proofs.models.finality.registry import (
    BOUNDED_CONFIGS,
    BOUNDED_CONTROLS,
    iterate_finality_bounded_checks,
    iterate_finality_inductive_checks,
    iterate_finality_mutant_checks,
)
from proofs.models.finality.structure import judge_vote
from proofs.models.finality.transitions import TRANSITIONS
from proofs.results import CheckResult, Method, Outcome
from spec.errors import Rejected
from spec.finality.committee import compute_fault_tolerance, compute_quorum_stake
from spec.finality.voting import (
    compute_safety_after_timeout,
    compute_safety_after_vote,
    validate_vote_rule,
)

MAX_TOTAL_STAKE = 2**64 - 1
"""The largest total stake a committee can have (a Uint64: ``validate_committee``)."""


@pytest.fixture(scope="module")
def results() -> dict[str, CheckResult]:
    """Run every finality check once (about 20 s), by name."""
    runs = [
        *iterate_finality_inductive_checks(),
        *iterate_finality_mutant_checks(),
        *iterate_finality_bounded_checks(),
    ]
    return {result.name: result for result in runs}


def test_every_finality_check_passes(results: dict[str, CheckResult]) -> None:
    """Given the finality checks, Then each is proved, bounded or caught (none unknown)."""
    failures = [f"{r.name}: {r.outcome}\n{r.detail}" for r in results.values() if not r.passed]
    assert not failures, "\n\n".join(failures)
    assert all(r.invariants for r in results.values())


def test_quorum_intersection_is_proved_abstractly_and_for_each_size(
    results: dict[str, CheckResult],
) -> None:
    """Given INV-21's checks, Then the abstract lemma and every size from 1 to 7 are proved."""
    names = ["abstract-stakes", "honest-quorum"]
    names += [f"members-{n}" for n in range(1, MAX_MEMBERS + 1)]
    for name in names:
        result = results[f"{QUORUM_INTERSECTION.value}/{name} [finality]"]
        assert result.outcome == Outcome.PROVED
        assert result.invariants == (QUORUM_INTERSECTION,)


def test_every_conjunct_is_inductive_for_every_transition(
    results: dict[str, CheckResult],
) -> None:
    """Given the agreement model, Then each conjunct has Init and one check per transition."""
    for conjunct in CONJUNCTS:
        prefix = (
            ONE_VOTE if conjunct.name.startswith(("one-vote", "vote-below-last")) else AGREEMENT
        )
        for step in ("init", *TRANSITIONS):
            result = results[f"{prefix.value}/{conjunct.name}/{step} [finality]"]
            assert result.outcome == Outcome.PROVED
            assert result.method == Method.INDUCTIVE
            assert AGREEMENT in result.invariants


def test_the_invariant_implies_agreement_non_vacuously(results: dict[str, CheckResult]) -> None:
    """Given the implication check, Then it is proved, and commits and view changes can happen."""
    result = results[f"{AGREEMENT.value}/agreement/implied [finality]"]
    assert result.outcome == Outcome.PROVED
    assert "non-vacuous" in result.detail and "(sat)" in result.detail


def test_broken_honest_rules_are_caught_by_induction(results: dict[str, CheckResult]) -> None:
    """Given each broken rule, Then the induction breaks its conjunct, shown step by step."""
    for name, (conjunct, identifier) in CONTROL_TARGETS.items():
        result = results[f"control/{name} [finality]"]
        assert result.outcome == Outcome.CAUGHT
        assert result.invariants == (identifier,)
        assert f"breaks '{conjunct}'" in result.detail and "1. " in result.detail


def test_quorum_controls_find_counterexamples(results: dict[str, CheckResult]) -> None:
    """Given a quorum one short or byzantine stake f + 1, Then no honest member is shared."""
    for name in ("quorum-one-short", "byzantine-f-plus-one", "members-4-quorum-one-short"):
        result = results[f"control/{name} [finality]"]
        assert result.outcome == Outcome.CAUGHT
        assert "total = " in result.detail and "f = " in result.detail


def test_bounded_checks_exhaust_their_bound(results: dict[str, CheckResult]) -> None:
    """Given n = 4 and f = 1, Then every reachable state up to the view bound keeps agreement."""
    for name in BOUNDED_CONFIGS:
        result = results[f"{AGREEMENT.value}/bounded-{name} [finality]"]
        assert result.outcome == Outcome.BOUNDED
        assert result.depth is not None and result.depth > 0
        assert "exhaustive" in result.detail and "a trace meeting the hypothesis" in result.detail


def test_two_byzantine_of_four_commit_conflicting_blocks(results: dict[str, CheckResult]) -> None:
    """Given byzantine stake f + 1, Then the search prints two conflicting commits as messages."""
    result = results["control/byzantine-two-of-four [finality]"]
    assert result.outcome == Outcome.CAUGHT
    for message in ("proposal: ", "vote: r0", "vote: r1", "aggregate: QC", "commit: "):
        assert message in result.detail
    assert "violation: " in result.detail.splitlines()[-1]


def test_broken_rules_are_caught_by_the_bounded_search(results: dict[str, CheckResult]) -> None:
    """Given a double vote or an aggregate not on the highest QC, Then conflicting commits."""
    for name in BOUNDED_CONTROLS:
        result = results[f"control/{name} [finality]"]
        assert result.outcome == Outcome.CAUGHT and result.depth is not None
    stale = results["control/bmc-aggregate-not-highest-qc [finality]"].detail
    assert "timeout: " in stale and "AggQC" in stale


def test_the_runner_runs_the_finality_families(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given every other family stubbed out, When the runner runs, Then finality's are included."""

    def marker(label: str) -> Iterator[CheckResult]:
        yield CheckResult(label, (AGREEMENT,), Method.INDUCTIVE, Outcome.PROVED, 0.0)

    for name in dir(proofs.runner):
        if name.startswith("iterate_"):
            monkeypatch.setattr(proofs.runner, name, lambda *_: iter(()))
    monkeypatch.setattr(proofs.runner, "run_isolation_control", lambda *_: marker("x").__next__())
    for family in ("inductive", "mutant", "bounded"):
        monkeypatch.setattr(
            proofs.runner, f"iterate_finality_{family}_checks", lambda f=family: marker(f)
        )
    names = {
        r.name
        for r in (
            *proofs.runner.run_z3_inductive_proofs(),
            *proofs.runner.run_z3_negative_controls(),
            *proofs.runner.run_z3_bounded_checks(),
        )
    }
    assert {"inductive", "mutant", "bounded"} <= names


# No drift: the models' rules against the spec


def compare_vote(config: Config, state: State, replica: int, block: int) -> bool:
    """Assert the model and the spec agree on ``replica`` voting ``block``; return the verdict."""
    blocks = make_blocks(config)
    allowed = can_vote(config, state, blocks, (replica, block), get_certified(config, state))
    safety = make_safety(state.replicas[replica])
    spec_block = make_block(config, state, block)
    try:
        validate_vote_rule(COMMITTEE, CHAIN, safety, spec_block)
        accepted, reason = True, ""
    except Rejected as rejection:
        accepted, reason = False, rejection.reason.value
    assert accepted == allowed, (state, replica, blocks[block], reason)
    if accepted:
        after = read_safety(compute_safety_after_vote(safety, spec_block))
        assert after == vote(state, blocks, replica, block).replicas[replica]
    return allowed


def compare_timeout(state: State, replica: int) -> None:
    """Assert the model's timeout moves a replica as the spec's does."""
    after = read_safety(compute_safety_after_timeout(make_safety(state.replicas[replica])))
    assert after == timeout(state, replica).replicas[replica]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.integers(min_value=1, max_value=MAX_TOTAL_STAKE))
def test_fault_tolerance_and_quorum_match_the_integer_constraints(total: int) -> None:
    """Given a total stake, Then the spec's f is the only value meeting the model's constraints."""
    f = int(compute_fault_tolerance(total))
    assert int(compute_quorum_stake(total)) == total - f

    def holds(candidate: int) -> bool:
        constraints = fault_tolerance_constraints(z3.IntVal(total), z3.IntVal(candidate))
        return bool(z3.is_true(z3.simplify(z3.And(*constraints))))

    assert holds(f)
    assert not holds(f - 1) and not holds(f + 1)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=7).flatmap(
        lambda stakes: st.tuples(
            st.just(stakes),
            *(st.lists(st.booleans(), min_size=len(stakes), max_size=len(stakes)),) * 3,
        )
    )
)
def test_quorum_intersection_holds_on_concrete_committees(
    drawn: tuple[list[int], list[bool], list[bool], list[bool]],
) -> None:
    """Given two spec quorums and byzantine stake <= f, Then they share an honest member."""
    stakes, in_a, in_b, byzantine = drawn
    total = sum(stakes)

    def stake(members: list[bool]) -> int:
        return sum(s for s, member in zip(stakes, members, strict=True) if member)

    quorum, f = int(compute_quorum_stake(total)), int(compute_fault_tolerance(total))
    if stake(in_a) >= quorum and stake(in_b) >= quorum and stake(byzantine) <= f:
        assert any(a and b and not x for a, b, x in zip(in_a, in_b, byzantine, strict=True))
    assert total - stake(byzantine) >= quorum or stake(byzantine) > f


def test_the_explicit_model_uses_the_specs_quorum() -> None:
    """Given the small models' committees (unit stakes), Then f and Q are the spec's."""
    for config in (DRIFT_CONFIG, *BOUNDED_CONFIGS.values()):
        assert config.fault_tolerance == compute_fault_tolerance(config.members)
        assert config.quorum == compute_quorum_stake(config.members)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=14),
    st.integers(min_value=0, max_value=DRIFT_CONFIG.honest - 1),
    st.integers(min_value=1, max_value=len(make_blocks(DRIFT_CONFIG)) - 1),
)
def test_the_voting_rule_matches_the_spec(choices: list[int], replica: int, block: int) -> None:
    """Given a reachable model state and a block, When a replica judges it.

    Then the model votes exactly when the spec's ``validate_vote_rule``
    accepts the signed block built from the state (a QC or an aggregate of
    the state's timeouts), and the safety states after the vote agree.
    """
    state = walk(DRIFT_CONFIG, choices)
    compare_vote(DRIFT_CONFIG, state, replica, block)
    compare_timeout(state, replica)


def test_the_voting_drift_covers_both_justifications_and_both_answers() -> None:
    """Given chosen walks, Then QC and aggregate votes are accepted and stale ones refused."""
    config = DRIFT_CONFIG
    blocks = make_blocks(config)
    outcomes = set()
    for seed in range(60):
        state = walk(config, [seed * 7 + k for k in range(12)])
        certified = get_certified(config, state)
        for block in range(1, len(blocks)):
            if blocks[block].parent in certified:
                kind = (
                    "qc" if blocks[blocks[block].parent].view == blocks[block].view - 1 else "agg"
                )
                outcomes.add((kind, compare_vote(config, state, 0, block)))
    assert {("qc", True), ("qc", False), ("agg", True), ("agg", False)} <= outcomes


def test_the_voting_drift_catches_an_aggregate_not_on_the_highest_qc() -> None:
    """Given timeouts of view 2 reporting QCs of views 0 and 1, and a block on genesis.

    When the model's rule is broken to accept any certified parent,
    Then the drift comparison fails (the spec refuses the aggregate), and the
    correct rule agrees with the spec's refusal.
    """
    choices = [5059, 9134, 592, 4895, 4800, 2274]
    state = walk(DRIFT_CONFIG, choices)
    on_genesis = make_blocks(DRIFT_CONFIG).index(Block(view=3, parent=0, tag=0))
    assert {(0, 2, 0), (1, 2, 1)} <= state.timeouts
    assert compare_vote(DRIFT_CONFIG, state, 0, on_genesis) is False
    with pytest.raises(AssertionError):
        compare_vote(DRIFT_CONFIG.broken(highest=False), state, 0, on_genesis)


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=14),
    st.integers(min_value=0, max_value=DRIFT_CONFIG.honest - 1),
    st.integers(min_value=1, max_value=len(make_blocks(DRIFT_CONFIG)) - 1),
)
def test_the_abstract_vote_matches_the_explicit_rule(
    choices: list[int], replica: int, block: int
) -> None:
    """Given a reachable explicit state as a finite structure of the abstract Z3 model.

    When the abstract honest vote (the transition the induction proves safe) is judged,
    Then it is enabled exactly when the explicit rule (tied to the spec above) allows
    the vote, with the same views after it.
    """
    state = walk(DRIFT_CONFIG, choices)
    blocks = make_blocks(DRIFT_CONFIG)
    allowed = can_vote(
        DRIFT_CONFIG, state, blocks, (replica, block), get_certified(DRIFT_CONFIG, state)
    )
    judgement = judge_vote(DRIFT_CONFIG, state, replica, block)
    assert judgement.enabled == allowed
    if allowed:
        assert judgement.after == vote(state, blocks, replica, block).replicas[replica]


def test_the_abstract_vote_allows_an_aggregate_on_the_highest_qc_only() -> None:
    """Given the drift control's pinned state, Then Z3 refuses genesis and allows B1's child."""
    state = walk(DRIFT_CONFIG, [5059, 9134, 592, 4895, 4800, 2274])
    blocks = make_blocks(DRIFT_CONFIG)
    on_genesis = blocks.index(Block(view=3, parent=0, tag=0))
    on_first = blocks.index(Block(view=3, parent=1, tag=0))
    assert not judge_vote(DRIFT_CONFIG, state, 0, on_genesis).enabled
    assert judge_vote(DRIFT_CONFIG, state, 0, on_first).enabled
