"""Differential tests: the reference simulator and the spec, step by step, on the same operations.

Two drivers:

- Hypothesis seeds runs of the operation generator (``tests.differential_operations``):
  plausible operations from the current state (real deposits, blocks of signed
  payments, exits with valid proofs, challenges with real spends, processing
  after time reaches maturity) mixed with hostile and raw ones; after every
  step both must agree on acceptance, reason and digest. The run must reach
  every settlement rejection reason and accept every operation type.
- The adversarial game (``adversary.payments.machine``): every settlement operation of
  the game goes through ``adversary.payments.world.apply_operation``, which the test
  wraps so that a reference simulator mirrors ``world.settlement``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import adversary.payments.world
from adversary.payments.machine import run_machine
from adversary.payments.world import World
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.errors import Rejected, RejectionReason
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation
from tests.differential import Chooser, DifferentialPair, Knowledge, make_initial_state
from tests.differential_cash import CashKnowledge, draw_cash_operation, make_cash_initial_state
from tests.differential_cash_scripts import list_scripted_histories
from tests.differential_operations import draw_operation

SETTLEMENT_REASONS = frozenset(
    (
        RejectionReason.UNKNOWN_ENVIRONMENT,
        RejectionReason.ENVIRONMENT_IN_QUARANTINE,
        RejectionReason.FINALIZATION_PERIOD_TOO_SHORT,
        RejectionReason.EXIT_BOND_TOO_LOW,
        RejectionReason.DEPOSIT_LIMIT_ZERO,
        RejectionReason.DEPOSIT_AMOUNT_ZERO,
        RejectionReason.DEPOSIT_ABOVE_LIMIT,
        RejectionReason.INSUFFICIENT_FUNDS,
        RejectionReason.TOO_MANY_DEPOSITS,
        RejectionReason.NOT_OPERATOR,
        RejectionReason.BLOCK_ALREADY_COMMITTED,
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
        RejectionReason.UNKNOWN_BLOCK,
        RejectionReason.INCLUSION_PROOF_INVALID,
        RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE,
        RejectionReason.EXIT_NOT_BY_OWNER,
        RejectionReason.EXIT_BOND_WRONG_AMOUNT,
        RejectionReason.EXIT_ALREADY_STARTED,
        RejectionReason.UNKNOWN_EXIT,
        RejectionReason.EXIT_NOT_OPEN,
        RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
        RejectionReason.PROCESS_LIMIT_ZERO,
        RejectionReason.NO_EXIT_TO_PROCESS,
        RejectionReason.TIME_NOT_INCREASING,
        RejectionReason.INTEGER_OVERFLOW,
        RejectionReason.SIGNATURE_MALFORMED,
        RejectionReason.SIGNATURE_HIGH_S,
        RejectionReason.SIGNATURE_UNRECOVERABLE,
    )
)
"""Every reason the spec's settlement layer raises."""

OPERATION_TYPES = frozenset(
    (
        RegisterEnvironment.__name__,
        Deposit.__name__,
        SubmitBlock.__name__,
        StartStandardExit.__name__,
        ChallengeStandardExit.__name__,
        ProcessExits.__name__,
        AdvanceTime.__name__,
    )
)
"""The name of every settlement operation type."""

RUNS = 50
"""Runs (Hypothesis examples) of the generator."""

STEPS_PER_RUN = 60
"""Operations per run."""

GAME_TRACES = 25
"""Traces of the adversarial game mirrored by the reference."""

CASH_REASONS = frozenset(
    (
        RejectionReason.UNKNOWN_ENVIRONMENT,
        RejectionReason.ENVIRONMENT_KIND_MISMATCH,
        RejectionReason.ENVIRONMENT_IN_QUARANTINE,
        RejectionReason.COIN_TREE_FULL,
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
        RejectionReason.COIN_UNKNOWN,
        RejectionReason.COIN_ALREADY_EXITED,
        RejectionReason.COIN_EXIT_ALREADY_OPEN,
        RejectionReason.WITNESS_WRONG_COIN,
        RejectionReason.MINT_NOT_AT_DEPOSIT_BLOCK,
        RejectionReason.UNKNOWN_BLOCK,
        RejectionReason.COIN_PROOF_INVALID,
        RejectionReason.EXIT_NOT_BY_OWNER,
        RejectionReason.PARENT_BEFORE_MINT,
        RejectionReason.PARENT_MISSING,
        RejectionReason.PARENT_UNEXPECTED,
        RejectionReason.TRANSFER_NOT_SPENDING_PARENT,
        RejectionReason.PARENT_NOT_EARLIER,
        RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER,
        RejectionReason.SIGNATURE_MALFORMED,
        RejectionReason.SIGNATURE_HIGH_S,
        RejectionReason.SIGNATURE_UNRECOVERABLE,
        RejectionReason.EXIT_BOND_WRONG_AMOUNT,
        RejectionReason.INSUFFICIENT_FUNDS,
        RejectionReason.INTEGER_OVERFLOW,
        RejectionReason.UNKNOWN_EXIT,
        RejectionReason.EXIT_NOT_OPEN,
        RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
        RejectionReason.CHALLENGE_NOT_AFTER_EXIT,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
        RejectionReason.CHALLENGE_NOT_BETWEEN,
        RejectionReason.CHALLENGE_WINDOW_CLOSED,
        RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT,
        RejectionReason.CHALLENGE_BEFORE_MINT,
        RejectionReason.CHALLENGE_NOT_BEFORE_PARENT,
        RejectionReason.CHALLENGE_ALREADY_OPEN,
        RejectionReason.UNKNOWN_CHALLENGE,
        RejectionReason.RESPONSE_NOT_SPENDING_CHALLENGE,
        RejectionReason.RESPONSE_OUTSIDE_HISTORY,
        RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER,
        RejectionReason.EXIT_NOT_MATURE,
    )
)
"""Every reason the Cash exit game raises (with the shared checks it goes through)."""

CASH_OPERATION_TYPES = frozenset(
    (
        Deposit.__name__,
        SubmitBlock.__name__,
        StartCoinExit.__name__,
        ChallengeCoinSpent.__name__,
        ChallengeCoinDoubleSpend.__name__,
        ChallengeCoinHistory.__name__,
        RespondCoinHistory.__name__,
        FinalizeCoinExit.__name__,
    )
)
"""Every Cash exit game operation, and the shared ones a Cash history needs."""

CASH_RUNS = 30
"""Runs (Hypothesis examples) of the Cash generator."""

CASH_STEPS_PER_RUN = 120
"""Operations per Cash run."""


def differential_settings(runs: int) -> settings:
    """Return the Hypothesis settings of a differential test of ``runs`` runs (reproducible)."""
    return settings(
        max_examples=runs,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow],
    )


def test_reference_agrees_with_spec_on_generated_operations() -> None:
    """Given runs from a state with huge rules, a crafted environment and a near-max whale.

    When each run applies generated operations to the spec and to the reference,
    Then after every step both accepted or both rejected with the same reason, with equal
    digests; and over all runs every settlement rejection reason was reached and every
    operation type was accepted.
    """
    reasons: Counter[RejectionReason] = Counter()
    accepted: Counter[str] = Counter()

    @differential_settings(RUNS)
    @given(st.randoms(use_true_random=True))
    def run(random: Random) -> None:
        pair, knowledge, chooser = (
            DifferentialPair(make_initial_state()),
            Knowledge(),
            Chooser(random),
        )
        for _ in range(STEPS_PER_RUN):
            operation = draw_operation(chooser, pair.state, knowledge)
            before = pair.state
            if pair.step(operation) is None:
                knowledge.record(before, operation)
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)

    run()
    assert sorted(SETTLEMENT_REASONS - set(reasons)) == []
    assert sorted(OPERATION_TYPES - set(accepted)) == []


def test_reference_agrees_with_spec_on_generated_cash_histories() -> None:
    """Given runs from Cash environments (one overflowing, one full) beside a payments one.

    When each run applies generated Cash histories (honest and byzantine blocks, exits,
    challenges, answers, finalizations) to the spec and to the reference, and so do the
    scripted histories of ``tests.differential_cash_scripts``,
    Then after every step both agree on outcome, reason and digest, the reference's export
    is the spec's state and loads back to the same digest; and over all runs
    every Cash rejection reason was reached and every Cash operation type was accepted.
    """
    reasons: Counter[RejectionReason] = Counter()
    accepted: Counter[str] = Counter()

    @differential_settings(CASH_RUNS)
    @given(st.randoms(use_true_random=True))
    def run(random: Random) -> None:
        pair, knowledge, chooser = (
            DifferentialPair(make_cash_initial_state()),
            CashKnowledge(),
            Chooser(random),
        )
        for _ in range(CASH_STEPS_PER_RUN):
            operation = draw_cash_operation(chooser, pair.state, knowledge)
            before = pair.state
            if pair.step(operation) is None:
                knowledge.record(before, operation)
        # The Cash tables export to the spec's records, and load back to the same digest
        assert pair.simulator.get_state() == pair.state
        reloaded = SettlementSimulator.create(Store(), pair.state)
        assert reloaded.compute_digest() == compute_settlement_digest(pair.state)
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)

    run()
    for start, operations in list_scripted_histories():
        pair = DifferentialPair(start)
        for operation in operations:
            pair.step(operation)
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)
    assert sorted(CASH_REASONS - set(reasons)) == [], (reasons, accepted)
    assert sorted(CASH_OPERATION_TYPES - set(accepted)) == [], accepted


@dataclass
class GameMirror:
    """Wraps ``adversary.payments.world.apply_operation``; applies each operation to a mirror."""

    original: Callable[[World, Operation], World]
    """The wrapped function."""
    simulator: SettlementSimulator | None = None
    """The mirror; reloaded whenever the game hands in a world it did not produce."""
    mirrored: SettlementState | None = None
    """The settlement state the mirror holds (compared by identity)."""
    operations: int = 0
    """Operations mirrored."""
    reasons: Counter[RejectionReason] = field(default_factory=Counter)
    """Rejections mirrored, by reason."""
    reloads: int = 0
    """Times the mirror was reloaded from the game's world."""
    mismatches: list[str] = field(default_factory=list)
    """Every disagreement between the spec and the mirror."""

    def __call__(self, world: World, operation: Operation) -> World:
        """Apply ``operation`` to the world (the spec) and the mirror; compare; re-raise.

        Raises:
            Rejected: the spec's rejection of ``operation``, after the mirror's was compared.
        """
        if self.simulator is None or world.settlement is not self.mirrored:
            self.simulator = SettlementSimulator.create(Store(), world.settlement)
            self.reloads += 1
        spec_rejection: Rejected | None = None
        try:
            post = self.original(world, operation)
        except Rejected as rejection:
            spec_rejection, post = rejection, world
        self.compare(operation, spec_rejection, post.settlement)
        if spec_rejection is not None:
            self.mirrored = world.settlement
            raise spec_rejection
        self.mirrored = post.settlement
        return post

    def compare(
        self, operation: Operation, spec_rejection: Rejected | None, expected: SettlementState
    ) -> None:
        """Apply ``operation`` to the mirror and record any disagreement with the spec."""
        assert self.simulator is not None
        spec_reason = None if spec_rejection is None else spec_rejection.reason
        reference_reason: RejectionReason | None = None
        try:
            self.simulator.apply(operation)
        except Rejected as rejection:
            reference_reason = rejection.reason
        self.operations += 1
        if spec_reason is not None:
            self.reasons[spec_reason] += 1
        digest_differs = self.simulator.compute_digest() != compute_settlement_digest(expected)
        if reference_reason != spec_reason or digest_differs:
            self.mismatches.append(
                f"{operation!r}: spec {spec_reason}, reference {reference_reason}"
            )


def test_reference_mirrors_the_adversarial_game(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the adversarial game's settlement operations routed through a mirroring wrapper.

    When the game plays its traces,
    Then the game passes, the mirror saw many operations and rejections of several reasons,
    and the reference agreed with the spec on every one (outcome, reason and digest).
    """
    mirror = GameMirror(adversary.payments.world.apply_operation)
    monkeypatch.setattr(adversary.payments.world, "apply_operation", mirror)
    outcome = run_machine("ci", seed=0, max_examples=GAME_TRACES)
    assert outcome.passed, outcome.failure
    assert mirror.mismatches == []
    assert mirror.operations >= 1_000
    assert mirror.reloads >= GAME_TRACES
    assert sum(mirror.reasons.values()) >= 100
    assert len(mirror.reasons) >= 5
