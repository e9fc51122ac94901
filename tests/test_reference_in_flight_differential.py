"""The reference's in-flight exits against the spec: generated runs, step by step.

Runs start from the differential initial state (``tests.differential``) and
draw mostly in-flight operations (``tests.differential_in_flight``) among
blocks of real payments, standard exits, queue processing and time steps, so
that in-flight and standard exits share queues, marks and vaults. Every step
is applied to the spec and to the reference simulator
(:class:`~tests.differential.DifferentialPair`): same outcome, same reason,
same digest. At the end of each run the reference's export is the spec's
state, and loading that state again gives the same digest (the in-flight
queue entries are rebuilt from the records).
"""

from __future__ import annotations

from collections import Counter
from random import Random

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.environments.payments.records import PiggybackStatus
from spec.errors import RejectionReason
from spec.settlement.state import ExitStatus
from tests.differential import Chooser, DifferentialPair, Knowledge, make_initial_state
from tests.differential_in_flight import IN_FLIGHT_OPERATION_TYPES, IN_FLIGHT_REASONS
from tests.differential_in_flight_scripts import SCRIPTS
from tests.differential_operations import IN_FLIGHT_WEIGHTS, draw_operation
from tests.differential_witnesses import list_in_flight

RUNS = 30
"""Runs (Hypothesis examples) of the in-flight generator."""

STEPS_PER_RUN = 70
"""Operations per run."""


def test_reference_agrees_with_spec_on_in_flight_exits() -> None:
    """Given runs of mostly in-flight operations among blocks, standard exits and processing.

    When each run applies them to the spec and to the reference,
    And the scripted histories of ``tests.differential_in_flight_scripts`` are played too,
    Then after every step both agree on outcome, reason and digest; each run's export
    is the spec's state and reloads to its digest; and over all runs every in-flight
    rejection reason was reached, every in-flight operation was accepted, piggybacks
    were paid, left unpaid and challenged, and a standard exit was skipped.
    """
    reasons: Counter[RejectionReason] = Counter()
    accepted: Counter[str] = Counter()
    settled: Counter[PiggybackStatus] = Counter()
    skipped: Counter[ExitStatus] = Counter()

    @settings(
        max_examples=RUNS,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.randoms(use_true_random=True))
    def run(random: Random) -> None:
        pair, knowledge, chooser = (
            DifferentialPair(make_initial_state()),
            Knowledge(),
            Chooser(random),
        )
        for _ in range(STEPS_PER_RUN):
            operation = draw_operation(chooser, pair.state, knowledge, IN_FLIGHT_WEIGHTS)
            before = pair.state
            if pair.step(operation) is None:
                knowledge.record(before, operation)
        assert pair.simulator.get_state() == pair.state
        reloaded = SettlementSimulator.create(Store(), pair.state)
        assert reloaded.compute_digest() == compute_settlement_digest(pair.state)
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)
        for _, _, exit in list_in_flight(pair.state):
            settled.update(p.status for p in exit.input_piggybacks + exit.output_piggybacks)

    run()
    for script in SCRIPTS:
        pair = script()
        assert pair.simulator.get_state() == pair.state
        reasons.update(pair.reasons)
        accepted.update(pair.accepted)
        for _, _, exit in list_in_flight(pair.state):
            settled.update(p.status for p in exit.input_piggybacks + exit.output_piggybacks)
        skipped.update(
            exit.status
            for environment in pair.state.environments
            for exit in environment.exits.values()
        )
    assert skipped[ExitStatus.SKIPPED] > 0, skipped
    assert sorted(IN_FLIGHT_REASONS - set(reasons)) == [], reasons
    assert sorted(IN_FLIGHT_OPERATION_TYPES - set(accepted)) == [], accepted
    assert settled[PiggybackStatus.PAID] > 0, settled
    assert settled[PiggybackStatus.UNPAID] > 0, settled
    assert settled[PiggybackStatus.CHALLENGED] > 0, settled
