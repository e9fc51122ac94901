"""The reference's committee environments against the spec: certified blocks, forks, halts.

Every step goes through :class:`~tests.differential.DifferentialPair`: the
spec and the reference simulator must give the same outcome, the same reason
and the same state digest (the streamed one, ``reference.settlement.digest``,
against the spec's). The scripted stories are in
``tests.differential_finality_scripts``, seeded random runs in
``tests.differential_finality_runs``. The other tests show what digests cannot: a
committee environment survives closing and reopening its file, the queries
answer as the spec's records, and the new steps read only through keys.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from fixtures import ALICE, OPERATOR, make_funded_genesis, make_rules
from fixtures.finality_messages import COMMITTEE
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.errors import RejectionReason
from spec.finality.messages import compute_block_hash
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.operations import (
    Deposit,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import EnvironmentKind, FinalityRecord
from spec.settlement.transition import Operation, state_transition
from tests.differential_finality import FINALITY_REASONS, make_fork, make_honest_run, root
from tests.differential_finality_runs import play_random_run
from tests.differential_finality_scripts import SCRIPTS, play_loaded_edges
from tests.test_reference_settlement_state import collect_query_plans

SEEDS = 8
"""Seeded random runs."""

STEPS_PER_RUN = 40
"""Operations per random run."""


def test_reference_agrees_with_spec_on_committee_environments() -> None:
    """Given the scripted committee stories and seeded random runs of committee operations.

    When each step is applied to the spec and to the reference,
    Then both agree on outcome, reason and digest after every step; each run's export is
    the spec's state and reloads to its digest; every reason of committee registration,
    certified blocks and conflict reports was reached, and both new operations were accepted.
    """
    reasons: Counter[RejectionReason] = Counter()
    accepted: Counter[str] = Counter()
    pairs = [script() for script in SCRIPTS]
    pairs += [play_random_run(seed, STEPS_PER_RUN) for seed in range(SEEDS)]
    for pair in pairs:
        assert pair.simulator.get_state() == pair.state
        reloaded = SettlementSimulator.create(Store(), pair.state)
        assert reloaded.compute_digest() == compute_settlement_digest(pair.state)
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)
    assert sorted(FINALITY_REASONS - set(reasons)) == [], reasons
    assert accepted["SubmitCertifiedBlock"] >= 8 * (SEEDS // 2), accepted
    assert accepted["ReportConflictingCommits"] >= 2, accepted
    halted = [
        environment.finality.halted
        for pair in pairs
        for environment in pair.state.environments
        if environment.finality is not None
    ]
    assert True in halted and False in halted


def test_committee_environment_reopens_unchanged(tmp_path: Path) -> None:
    """Given a file store holding committee environments (one halted, one with a loaded head).

    When the simulator is closed and opened again,
    Then its state, digest and journal are the ones it had.
    """
    pair = play_loaded_edges()
    path = tmp_path / "settlement.sqlite"
    simulator = SettlementSimulator.create(Store(path), pair.state)
    digest = simulator.compute_digest()
    simulator.store.close()
    reopened = SettlementSimulator.open(Store(path))
    assert reopened.get_state() == pair.state
    assert reopened.compute_digest() == digest == compute_settlement_digest(pair.state)
    assert {e.finality.halted for e in pair.state.environments if e.finality} == {True, False}


def test_environment_as_registered_keeps_its_committee() -> None:
    """Given an operator environment and a committee environment with certified blocks.

    When each is read back as registered,
    Then the committee one has its committee, no certified block and is not halted,
    and the operator one has no finality record.
    """
    pair = play_loaded_edges()
    simulator = pair.simulator
    registered = simulator.get_environment_as_registered(Uint64(1))
    assert registered.finality == FinalityRecord(COMMITTEE, {}, halted=False)
    assert pair.state.environments[1].finality is not None
    assert pair.state.environments[1].finality.certified != {}
    plain = SettlementSimulator.create(Store(), make_funded_genesis())
    plain.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules()))
    assert plain.get_environment_as_registered(Uint64(0)).finality is None


def test_finality_operations_read_only_through_indexes() -> None:
    """Given committee environments (one halted) and an honest run's committed blocks.

    When certified blocks, conflict reports, deposits and operator blocks run,
    accepted and rejected,
    Then no statement scans a table or sorts: each reads through a key or an index.
    """
    loaded = play_loaded_edges().state
    # Env 0's loaded deposit block holds the next child number; clear it so blocks can land
    cleared = replace(loaded.environments[0], blocks={})
    state = replace(loaded, environments=(cleared, *loaded.environments[1:]))
    honest = make_honest_run(0, 4, 0)
    proofs = [p for p in honest.proofs if p is not None]
    first = SubmitCertifiedBlock(Uint64(0), Uint64(4), honest.blocks[0], proofs[0])
    state = state_transition(state, first)
    simulator = SettlementSimulator.create(Store(), state)
    head = state.environments[0].finality
    assert head is not None and compute_block_hash(honest.blocks[0]) in head.certified.values()
    operations: list[Operation] = [
        SubmitCertifiedBlock(Uint64(0), Uint64(8), honest.blocks[1], proofs[1]),
        SubmitCertifiedBlock(Uint64(0), Uint64(12), honest.blocks[0], proofs[0]),
        SubmitCertifiedBlock(Uint64(2), Uint64(4), honest.blocks[0], proofs[0]),
        ReportConflictingCommits(Uint64(1), *make_fork(1, "plans")),
        ReportConflictingCommits(Uint64(2), *make_fork(2, "plans")),
        Deposit(Uint64(0), ALICE.address, NATIVE_TOKEN, Uint256(5)),
        Deposit(Uint64(2), ALICE.address, NATIVE_TOKEN, Uint256(5)),
        SubmitBlock(Uint64(0), OPERATOR.address, Uint64(16), root("plans")),
    ]
    plans = collect_query_plans(simulator, operations)
    assert simulator.applied_count() == 3
    assert any("settlement_certified" in plan for plan in plans)
    assert not [plan for plan in plans if plan.startswith("SCAN") or "TEMP B-TREE" in plan]
