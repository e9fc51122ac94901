"""The reference dispatches by tables checked against the spec's, and picks ledgers by kind.

The settlement simulator's step table must have a step for exactly the
operations of ``spec.settlement.transition.OPERATIONS``; the reference kind
registry must have exactly the spec registry's kinds, each with a step for
exactly its spec row's settlement and child chain operations. A row the spec
adds that the reference cannot dispatch (or the reverse) fails here. The
node must take each environment's ledger from its kind's row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from fixtures import ALICE, OPERATOR, TOKEN_A, make_funded_genesis, make_genesis_chain, make_rules
from reference.environments import registry
from reference.environments.cash.kind import CASH
from reference.environments.interface import ChainLedger, ReferenceKind, SettlementStep
from reference.environments.payments.kind import PAYMENTS
from reference.environments.payments.ledger import ChildChainLedger
from reference.node import directory
from reference.node.directory import Node, get_chain_file
from reference.settlement.simulator import CORE_STEPS, STEPS, compute_step_table
from reference.store import Store
from spec.environments import registry as spec_registry
from spec.environments.payments.chain import apply_deposit
from spec.environments.payments.kind import compute_child_chain_digest, compute_deposit_transaction
from spec.environments.payments.steps import ApplyDeposit, ApplyExit
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment
from spec.settlement.state import EnvironmentKind
from spec.settlement.transition import OPERATIONS
from tests.support import rejects


@dataclass(frozen=True)
class UnlistedOperation:
    """An operation no table of the spec lists."""

    environment_id: Uint64
    """Environment it would act on."""


# The settlement step table


def test_step_table_has_a_step_for_exactly_the_spec_operations() -> None:
    """Given the simulator's step table. When its types are compared, Then they are the spec's."""
    assert set(STEPS) == set(OPERATIONS)
    for kind in (PAYMENTS, CASH):
        for row in kind.spec.settlement_operations:
            assert STEPS[row.operation_type] is kind.settlement_steps[row.operation_type]


def test_step_table_refuses_a_spec_operation_it_cannot_dispatch() -> None:
    """Given the shared steps only (no kind's exit game).

    When the step table is computed,
    Then it is refused, naming the spec's operations that have no step.
    """
    with pytest.raises(AssertionError, match="StartStandardExit"):
        compute_step_table((CORE_STEPS,))


def test_step_table_refuses_a_step_the_spec_does_not_list() -> None:
    """Given the steps, and one more for an operation the spec does not list.

    When the step table is computed,
    Then it is refused, naming that operation.
    """
    extra: dict[type, SettlementStep] = {UnlistedOperation: CORE_STEPS[AdvanceTime]}
    kinds = (PAYMENTS.settlement_steps, CASH.settlement_steps)
    with pytest.raises(AssertionError, match="UnlistedOperation"):
        compute_step_table((CORE_STEPS, *kinds, extra))


def test_step_table_refuses_two_steps_for_one_operation() -> None:
    """Given the payments exit game's steps twice. When the table is computed, Then refused."""
    with pytest.raises(AssertionError, match="two steps"):
        compute_step_table((CORE_STEPS, PAYMENTS.settlement_steps, PAYMENTS.settlement_steps))


# The kind registry


def test_registry_has_the_spec_kinds_with_the_spec_rows() -> None:
    """Given the reference registry. When compared with the spec's, Then same kinds and rows."""
    assert set(registry.KINDS) == set(spec_registry.KINDS)
    for kind, row in registry.KINDS.items():
        assert row.kind == kind
        assert row.spec is spec_registry.get_kind(kind)
        assert set(row.chain_steps) == set(row.spec.chain.operations)


def test_registry_refuses_a_missing_kind() -> None:
    """Given no row for payments. When the registry is computed, Then it is refused."""
    with pytest.raises(AssertionError, match="not the spec's"):
        registry.compute_kind_table(())


def test_registry_refuses_a_kind_missing_a_chain_step() -> None:
    """Given a payments row with no step for ``ApplyExit``.

    When the registry is computed,
    Then it is refused, naming the spec's chain steps.
    """
    steps = {t: step for t, step in PAYMENTS.chain_steps.items() if t is not ApplyExit}
    with pytest.raises(AssertionError, match="ApplyExit"):
        registry.compute_kind_table((replace(PAYMENTS, chain_steps=steps), CASH))


def test_registry_refuses_a_kind_with_an_extra_settlement_step() -> None:
    """Given a payments row with a settlement step the spec's row does not list.

    When the registry is computed,
    Then it is refused, naming that operation.
    """
    steps = {**PAYMENTS.settlement_steps, UnlistedOperation: CORE_STEPS[AdvanceTime]}
    with pytest.raises(AssertionError, match="UnlistedOperation"):
        registry.compute_kind_table((replace(PAYMENTS, settlement_steps=steps), CASH))


# The node's ledgers


def make_node(path: Path) -> Node:
    """Return a node holding one active payments environment operated by OPERATOR."""
    node = Node.create(path, make_funded_genesis(TINY), workers=1)
    node.apply_operation(
        RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules())
    )
    node.apply_operation(AdvanceTime(node.settlement.time + TINY.quarantine_period))
    return node


def test_node_opens_each_environment_s_ledger_from_the_kind_s_genesis(tmp_path: Path) -> None:
    """Given a node with one payments environment and a deposit accepted on the settlement layer.

    When the deposit block is applied to the environment's chain, and the node is reopened,
    Then the chain is a payments ledger whose digest is the spec's, before and after reopening.
    """
    node = make_node(tmp_path)
    deposit = Deposit(Uint64(0), ALICE.address, TOKEN_A, Uint256(5))
    node.apply_operation(deposit)
    step = ApplyDeposit(Uint64(1), compute_deposit_transaction(deposit))
    node.apply_chain_step(0, step)
    state = node.settlement.get_state()
    genesis = make_genesis_chain(0, state.environments[0], TINY)
    expected = compute_child_chain_digest(apply_deposit(genesis, step.block_number, step.deposit))
    assert isinstance(node.get_chain(0), ChildChainLedger)
    assert node.get_chain(0).compute_digest() == expected
    node.get_chain(0).close()
    reopened = Node.open(tmp_path, workers=1)
    assert reopened.get_chain_ids() == [0]
    assert reopened.get_chain(0).compute_digest() == expected


def test_node_takes_the_ledger_from_the_environment_s_kind_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a node whose kind registry row for payments records the ledgers it creates.

    When a step of environment 0 arrives,
    Then the ledger was created through that row, from the spec's genesis of the environment.
    """
    node = make_node(tmp_path)
    created: list[Any] = []

    def create(store: Store, genesis: Any, workers: int | None) -> ChainLedger:
        created.append(genesis)
        return ChildChainLedger.create(store, genesis, workers)

    recording = replace(PAYMENTS, create_ledger=create)
    kinds: dict[EnvironmentKind, ReferenceKind] = {EnvironmentKind.PAYMENTS: recording}
    monkeypatch.setattr(directory, "get_kind", kinds.__getitem__)
    node.get_chain(0)
    environment = node.settlement.get_state().environments[0]
    assert created == [make_genesis_chain(0, environment, TINY)]


@rejects(RejectionReason.UNKNOWN_ENVIRONMENT)
def test_node_step_of_an_unknown_environment_creates_no_ledger(tmp_path: Path) -> None:
    """Given a node with one environment.

    When a chain step names environment 1,
    Then it is rejected with UNKNOWN_ENVIRONMENT, and no ledger file is left behind.
    """
    node = make_node(tmp_path)
    try:
        node.apply_chain_step(1, ApplyExit(OutputPosition(Uint64(1), Uint16(0), Uint8(0))))
    finally:
        assert not (tmp_path / get_chain_file(1)).exists()
