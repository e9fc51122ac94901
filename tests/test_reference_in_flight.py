"""The reference simulator's in-flight exits: its queries, and the indexes its lookups use.

The differential tests (``tests.test_reference_in_flight_differential``)
compare every step with the spec; these check what only the reference has:
its queries for parties, and that the lookups the in-flight steps and the
merged queue make are served by primary keys and indexes (no table scan).
"""

from __future__ import annotations

from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.environments.payments.records import ExitKind, ExitReference, PiggybackSide
from spec.environments.payments.transactions import compute_payment_output_id
from spec.primitives import NATIVE_TOKEN, Uint64
from spec.settlement.operations import AdvanceTime
from spec.settlement.transition import Operation, state_transition
from tests.in_flight_worlds import HALF, PERIOD, make_withheld_payment_world
from tests.support import CAROL


def test_queries_name_the_in_flight_exit_and_the_marks_it_wrote() -> None:
    """Given a withheld payment from Alice and Bob to Carol, loaded into a simulator.

    When its in-flight exit is started, Carol piggybacks her output, and it is processed,
    Then the simulator returns the exit and Carol's output's finalized mark, names no
    exit or mark that does not exist, and its digest is the spec's after each step.
    """
    story = make_withheld_payment_world()
    world = story.world
    simulator = SettlementSimulator.create(Store(), world.state)
    state = world.state
    operations: list[Operation] = [
        world.start(story.payment),
        world.piggyback(CAROL, PiggybackSide.OUTPUT, 0),
    ]
    for operation in operations:
        simulator.apply(operation)
        state = state_transition(state, operation)
    for operation in (AdvanceTime(state.time + HALF + 2 * PERIOD), world.process()):
        simulator.apply(operation)
        state = state_transition(state, operation)
        assert simulator.compute_digest() == compute_settlement_digest(state)
    exit = simulator.get_in_flight_exit(Uint64(0), Uint64(0))
    assert exit is not None and exit.transaction == story.payment.transaction
    assert simulator.get_in_flight_exit(Uint64(0), Uint64(1)) is None
    assert simulator.get_in_flight_exit(Uint64(9), Uint64(0)) is None
    carol_output = compute_payment_output_id(story.payment.transaction, 0)
    expected = ExitReference(ExitKind.IN_FLIGHT, Uint64(0))
    assert simulator.get_finalizing_exit(Uint64(0), carol_output) == expected
    assert simulator.get_finalizing_exit(Uint64(9), carol_output) is None


def explain(simulator: SettlementSimulator, sql: str, parameters: tuple[object, ...]) -> str:
    """Return SQLite's query plan of a statement, as one line."""
    rows = simulator.store.connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
    return " | ".join(str(row[-1]) for row in rows)


def test_in_flight_lookups_are_served_by_indexes() -> None:
    """Given a simulator holding an in-flight exit.

    When SQLite plans the lookups the in-flight steps and the merged queue make
    Then each one searches a primary key or an index, and none scans a table.
    """
    story = make_withheld_payment_world()
    simulator = SettlementSimulator.create(Store(), story.world.state)
    simulator.apply(story.world.start(story.payment))
    lookups = [
        (
            "SELECT record FROM settlement_in_flight_exits WHERE environment_id = ? "
            "AND exit_id = ?",
            (0, 0),
        ),
        (
            "SELECT 1 FROM settlement_in_flight_exits INDEXED BY "
            "settlement_in_flight_by_transaction WHERE environment_id = ? "
            "AND transaction_key = ? AND active = 1",
            (0, b"\x00" * 32),
        ),
        (
            "SELECT exitable_at, position, exit_id FROM settlement_in_flight_queue "
            "WHERE environment_id = ? AND token = ? AND exitable_at <= ? "
            "ORDER BY exitable_at, position, exit_id LIMIT ?",
            (0, bytes(NATIVE_TOKEN), b"\xff" * 8, 5),
        ),
        (
            "SELECT kind, exit_id FROM settlement_finalized WHERE environment_id = ? "
            "AND output_id = ?",
            (0, b"\x00" * 32),
        ),
        (
            "SELECT MAX(exit_id) FROM settlement_in_flight_exits WHERE environment_id = ?",
            (0,),
        ),
    ]
    for sql, parameters in lookups:
        plan = explain(simulator, sql, parameters)
        assert "SEARCH" in plan, plan
        assert "SCAN" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
