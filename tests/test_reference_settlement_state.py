"""The reference settlement simulator's state: the spec's, durable, loadable, indexed.

Every accepted step here goes through ``tests.reference_world.apply_checked``,
which compares the simulator's whole exported state with the spec's
``state_transition``; the tests add what that cannot show: the state survives
closing and reopening the file, any spec state loads and exports unchanged,
the queries answer as the spec's accessors do, and operations read only
through indexes (no table scans, no sorting).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures import WATCHER, make_rules
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.environments.cash.records import CashRecords
from spec.environments.payments.records import compute_genesis_payments_records
from spec.environments.payments.transactions import FeeClaim, Output
from spec.errors import Rejected, RejectionReason
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint32, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import (
    EnvironmentKind,
    Exit,
    ExitStatus,
    SettlementState,
    get_balance,
    get_vault_balance,
)
from spec.settlement.transition import Operation, state_transition
from tests.differential import HUGE_ENVIRONMENT, make_initial_state
from tests.differential_cash_scripts import list_scripted_histories
from tests.harness import FUNDS, pay, position_of
from tests.reference_world import (
    advance,
    apply_checked,
    apply_rejected,
    commit_block,
    deposit,
    make_exit,
    make_exiting_alice,
    make_simulator,
)
from tests.support import ALICE, ALICE_KEY, BOB, CAROL, OPERATOR, TOKEN_A, TOKEN_B, rejects


def play_life_cycle(simulator: SettlementSimulator) -> None:
    """Deposit, pay, exit and process, with an invalid block the vault cannot cover.

    Alice deposits 100 and pays Bob 60 (and herself 40) in a child block; the
    operator's next block claims 1,000 from nowhere for Carol. All three exit
    at once, so their exits mature together and are paid in position order:
    Carol's comes last and meets an empty vault.
    """
    position, _ = deposit(simulator, 0, ALICE, 100)
    deposit(simulator, 0, BOB, 7, TOKEN_A)
    payment = pay(0, [(position, ALICE_KEY)], [(BOB, 60), (ALICE, 40)])
    honest = commit_block(simulator, 0, [payment])
    forged = [FeeClaim(Output(CAROL, NATIVE_TOKEN, Uint256(1_000)))]
    invalid = commit_block(simulator, 0, forged)
    for sender, output_index in ((BOB, 0), (ALICE, 1)):
        exit = make_exit(simulator, 0, sender, position_of(int(honest), 0, output_index), [payment])
        apply_checked(simulator, exit)
    apply_checked(simulator, make_exit(simulator, 0, CAROL, position_of(int(invalid), 0), forged))
    advance(simulator, 250)
    apply_checked(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1)))
    apply_checked(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(10)))


def test_life_cycle_is_the_spec_s_and_pays_no_more_than_the_vault() -> None:
    """Given Alice paid Bob, and a forged block gave Carol 1,000 the vault never held.

    When every output exits and the queue is processed,
    Then each step's state is the spec's, and Carol, last in priority, is paid nothing.
    """
    simulator = make_simulator()
    play_life_cycle(simulator)
    paid = {
        exit.owner: exit.paid for _, exit in simulator.get_state().environments[0].exits.items()
    }
    assert paid == {BOB: 60, ALICE: 40, CAROL: 0}
    assert simulator.get_vault_balance(Uint64(0), NATIVE_TOKEN) == 0
    assert simulator.get_balance(CAROL, NATIVE_TOKEN) == FUNDS  # her bond came back


def test_queries_answer_as_the_spec_accessors() -> None:
    """Given the life cycle played and Alice's deposit exit open in environment 1.

    When every query of the simulator is asked,
    Then each answer is what the spec's state holds.
    """
    simulator = make_simulator(environments=2)
    play_life_cycle(simulator)
    position, transaction = deposit(simulator, 1, ALICE, 5)
    apply_checked(simulator, make_exit(simulator, 1, ALICE, position, [transaction]))
    state = simulator.get_state()
    for env, environment in enumerate(state.environments):
        identifier = Uint64(env)
        assert simulator.get_operator(identifier) == environment.operator == OPERATOR
        assert simulator.get_rules(identifier) == environment.rules
        for number, record in environment.blocks.items():
            assert simulator.get_block(identifier, number) == record
        for exit_id, exit in environment.exits.items():
            assert simulator.get_exit(identifier, exit_id) == exit
            assert simulator.get_exit_of_position(identifier, exit.position) == (exit_id, exit)
        open_exits = [(i, e) for i, e in environment.exits.items() if e.status == ExitStatus.OPEN]
        assert simulator.get_open_exits(identifier) == sorted(open_exits, key=lambda item: item[0])
        for token in (NATIVE_TOKEN, TOKEN_A, TOKEN_B):
            assert simulator.get_vault_balance(identifier, token) == get_vault_balance(
                environment, token
            )
    assert simulator.get_open_exits(Uint64(1)) == [
        (Uint64(0), state.environments[1].exits[Uint64(0)])
    ]
    assert simulator.get_block(Uint64(0), Uint64(99)) is None
    assert simulator.get_block(Uint64(7), Uint64(1)) is None
    assert simulator.get_exit(Uint64(0), Uint64(2**64 - 1)) is None
    assert simulator.get_next_child_block_number(Uint64(0)) == 12
    assert simulator.get_environment_count() == len(state.environments) == 2
    for account, token in [(ALICE, NATIVE_TOKEN), (BOB, TOKEN_A), (CAROL, TOKEN_B)]:
        assert simulator.get_balance(account, token) == get_balance(state, account, token)


def test_file_store_reopens_with_the_same_state_and_journal(tmp_path: Path) -> None:
    """Given a simulator in a file that played the life cycle, then saw one rejection.

    When the file is closed and reopened,
    Then the digest, the journal and its operations are the same, and it goes on working.
    """
    path = tmp_path / "settlement.sqlite"
    simulator = make_simulator(store=Store(path))
    play_life_cycle(simulator)
    with pytest.raises(Rejected):
        simulator.apply(Deposit(Uint64(0), Address(b"\x09" * 20), NATIVE_TOKEN, Uint256(1)))
    digest, operations = simulator.compute_digest(), simulator.get_applied_operations()
    simulator.store.close()
    reopened = SettlementSimulator.open(Store(path))
    assert reopened.compute_digest() == digest
    assert reopened.get_applied_operations() == operations
    assert reopened.applied_count() == len(operations) == 12
    assert reopened.get_applied_operations(start=11) == operations[11:]
    deposit(reopened, 0, ALICE, 1)
    assert reopened.applied_count() == 13


def test_spending_a_whole_balance_drops_its_entry() -> None:
    """Given Alice holds FUNDS of TOKEN_A and an environment with no practical deposit limit.

    When she deposits all of it,
    Then her balance entry is gone from the exported state, as from the spec's.
    """
    simulator = SettlementSimulator.create(Store(), make_initial_state())
    apply_checked(simulator, Deposit(HUGE_ENVIRONMENT, ALICE, TOKEN_A, Uint256(FUNDS)))
    assert (ALICE, TOKEN_A) not in simulator.get_state().balances
    assert simulator.get_balance(ALICE, TOKEN_A) == 0


def make_loaded_state() -> SettlementState:
    """Return a state no genesis leads to directly: exits, ledgers, bonds, and zero entries."""
    simulator = make_simulator()
    play_life_cycle(simulator)
    state = make_initial_state()
    environment = replace(
        simulator.get_state().environments[0],
        deposited={NATIVE_TOKEN: Uint256(100), TOKEN_A: Uint256(0)},
        withdrawn={TOKEN_B: Uint256(0), NATIVE_TOKEN: Uint256(100)},
    )
    balances = {**state.balances, (CAROL, TOKEN_B): Uint256(0)}
    return replace(state, balances=balances, environments=(*state.environments, environment))


def test_create_loads_any_state_and_exports_it_unchanged() -> None:
    """Given a state with exits of every status, ledgers, bonds and zero entries.

    When a simulator is created from it,
    Then its exported state equals it, its digest is the spec's, and it goes on from there.
    """
    state = make_loaded_state()
    simulator = SettlementSimulator.create(Store(), state)
    assert simulator.get_state() == state
    assert simulator.compute_digest() == compute_settlement_digest(state)
    deposit(simulator, 4, BOB, 3, TOKEN_A)  # adds to a stored zero ledger entry
    assert simulator.get_vault_balance(Uint64(4), TOKEN_A) == 3


@rejects(RejectionReason.INTEGER_UNDERFLOW)
def test_loaded_state_holding_no_bond_underflows_like_the_spec() -> None:
    """Given a loaded state whose environment holds no bond for Alice's open exit.

    When Bob challenges that exit with her signed spend,
    Then both the spec and the simulator reject it with INTEGER_UNDERFLOW.
    """
    alice = make_exiting_alice()
    state = alice.simulator.get_state()
    broken = replace(state.environments[0], bonds_held=Uint256(0))
    simulator = SettlementSimulator.create(Store(), replace(state, environments=(broken,)))
    apply_rejected(simulator, alice.challenge)


def make_queued_exit(index: int, block_number: int, exitable_at: int) -> Exit:
    """Return an open exit of ``index + 1`` native units, by Alice or Bob, bond 50."""
    return Exit(
        position=position_of(block_number, 0),
        output_id=Hash32(index.to_bytes(32, "big")),
        owner=(ALICE, BOB)[index % 2],
        token=NATIVE_TOKEN,
        amount=Uint256(index + 1),
        bond=Uint256(50),
        started_at=Uint64(0),
        exitable_at=Uint64(exitable_at),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )


def make_crowded_queue(count: int) -> SettlementState:
    """Return a state whose environment 0 holds ``count`` open exits with many equal times.

    Exit ids, positions and exitable times are shuffled against each other, so
    the queue order (time, then position, then id) is visible in every payout.
    """
    state = make_simulator().get_state()
    chooser = random.Random(7)
    times = [chooser.randrange(1_000, 1_010) for _ in range(count)]
    numbers = chooser.sample(range(1, 10 * count), count)
    exits = {Uint64(i): make_queued_exit(i, numbers[i], times[i]) for i in range(count)}
    total = sum(range(1, count + 1))
    environment = replace(
        state.environments[0],
        exits=exits,
        deposited={NATIVE_TOKEN: Uint256(total // 2)},
        bonds_held=Uint256(50 * count),
        kind_records=compute_genesis_payments_records(),
    )
    return replace(state, environments=(environment,))


def test_crowded_queue_is_paid_in_the_spec_s_priority_order() -> None:
    """Given 300 open exits, a vault covering half of them, and shuffled times and positions.

    When the queue is processed in calls of 7, 50 and then all,
    Then every call leaves the spec's state: the same exits paid, in the same order, as much.
    """
    simulator = SettlementSimulator.create(Store(), make_crowded_queue(300))
    apply_checked(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(7)))
    apply_checked(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(50)))
    apply_checked(
        simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(2**32 - 1))
    )
    assert simulator.get_open_exits(Uint64(0)) == []


def collect_query_plans(simulator: SettlementSimulator, operations: list[Operation]) -> list[str]:
    """Apply ``operations``; return the query plan lines of every statement they ran."""
    statements: list[str] = []
    connection = simulator.store.connection
    connection.set_trace_callback(statements.append)
    for operation in operations:
        with contextlib.suppress(Rejected):
            simulator.apply(operation)
    connection.set_trace_callback(None)
    plans: list[str] = []
    for statement in statements:
        if statement.split()[0] in ("SELECT", "UPDATE", "DELETE"):
            plans += [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]
    return plans


def test_operations_read_only_through_indexes() -> None:
    """Given a crowded queue and Alice's open exit.

    When every kind of operation runs (accepted and rejected),
    Then no statement scans a table or sorts: each reads through a key or an index.
    """
    alice = make_exiting_alice()
    state = alice.simulator.get_state()
    crowded = make_crowded_queue(50).environments[0]
    simulator = SettlementSimulator.create(
        Store(), replace(state, environments=(*state.environments, crowded))
    )
    operations: list[Operation] = [
        RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules()),
        SubmitBlock(Uint64(0), OPERATOR, Uint64(4), Hash32(b"\x01" * 32)),
        AdvanceTime(Uint64(5_000)),
        alice.challenge,
        alice.start,
        ProcessExits(Uint64(1), WATCHER.address, NATIVE_TOKEN, Uint32(5)),
        ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(5)),
        Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(1)),
    ]
    plans = collect_query_plans(simulator, operations)
    assert any("USING INDEX settlement_exit_queue" in plan for plan in plans)
    assert not [plan for plan in plans if plan.startswith("SCAN") or "TEMP B-TREE" in plan]


# Plasma Cash records


def play_scripted_cash_histories() -> list[SettlementState]:
    """Return the spec's state at the end of each scripted Cash history (its rejections skipped)."""
    finals = []
    for start, operations in list_scripted_histories():
        state = start
        for operation in operations:
            with contextlib.suppress(Rejected):
                state = state_transition(state, operation)
        finals.append(state)
    return finals


def test_cash_records_load_export_and_reopen_unchanged(tmp_path: Path) -> None:
    """Given the end states of the scripted Cash histories: coins and exits of every status.

    When a simulator on a file is created from each, then closed and reopened,
    Then its exported state equals the spec's, and its digest is the spec's.
    """
    for index, state in enumerate(play_scripted_cash_histories()):
        path = tmp_path / f"cash-{index}.sqlite"
        simulator = SettlementSimulator.create(Store(path), state)
        assert simulator.get_state() == state
        simulator.store.close()
        reopened = SettlementSimulator.open(Store(path))
        assert reopened.get_state() == state
        assert reopened.compute_digest() == compute_settlement_digest(state)
        reopened.store.close()


def test_cash_queries_answer_as_the_spec_records() -> None:
    """Given the end state of a scripted Cash history, loaded.

    When its coins and coin exits are read through the simulator's queries,
    Then they are the spec's records (an unknown coin or exit is None).
    """
    state = play_scripted_cash_histories()[0]
    simulator = SettlementSimulator.create(Store(), state)
    for env, environment in enumerate(state.environments):
        records = environment.kind_records
        assert isinstance(records, CashRecords)
        for coin_id, coin in records.coins.items():
            assert simulator.get_coin(Uint64(env), coin_id) == coin
        for exit_id, exit in records.exits.items():
            assert simulator.get_coin_exit(Uint64(env), exit_id) == exit
        assert simulator.get_coin_exit_count(Uint64(env)) == len(records.exits)
        assert simulator.get_coin(Uint64(env), Uint64(999)) is None
        assert simulator.get_coin_exit(Uint64(env), Uint64(2**64 - 1)) is None


def test_cash_operations_read_only_through_indexes() -> None:
    """Given the scripted Cash histories (every Cash operation, accepted and rejected).

    When they run on simulators loaded with their start states,
    Then no statement scans a table or sorts: each reads through a key or an index.
    """
    plans: list[str] = []
    for start, operations in list_scripted_histories():
        plans += collect_query_plans(SettlementSimulator.create(Store(), start), operations)
    assert any("settlement_coin_exits" in plan for plan in plans)
    assert not [plan for plan in plans if plan.startswith("SCAN") or "TEMP B-TREE" in plan]
