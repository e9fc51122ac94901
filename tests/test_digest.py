"""Canonical state digests and the round trip of whole states through the encoding."""

from __future__ import annotations

from dataclasses import replace

from spec.digest import compute_settlement_digest
from spec.encoding import decode, encode
from spec.environments.payments.chain import (
    ChildChainState,
    apply_deposit,
    compute_genesis_child_chain,
)
from spec.environments.payments.kind import compute_child_chain_digest
from spec.environments.payments.transactions import DepositTransaction, Output
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from spec.settlement.state import SettlementState
from tests.harness import advance, apply, commit_block, deposit, make_exit, make_world, pay
from tests.support import ALICE, ALICE_KEY, BOB, OPERATOR


def busy_state() -> SettlementState:
    """Return a settlement state with two environments, blocks, deposits and an exit."""
    state, made = deposit(make_world(environments=2), 0, ALICE, 100)
    state, _ = commit_block(state, 0, [pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])])
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    return advance(state, 7)


def test_settlement_state_round_trips_through_the_canonical_encoding() -> None:
    """Given a settlement state with environments, blocks, balances and an exit.

    When it is encoded and decoded,
    Then the same state comes back, and re-encoding gives the same bytes.
    """
    state = busy_state()
    data = encode(state)
    assert decode(SettlementState, data) == state
    assert encode(decode(SettlementState, data)) == data


def test_child_chain_state_round_trips_through_the_canonical_encoding() -> None:
    """Given a child chain with one deposit.

    When it is encoded and decoded,
    Then the same state comes back.
    """
    chain = compute_genesis_child_chain(Uint64(0), OPERATOR, Uint8(3))
    chain = apply_deposit(
        chain, Uint64(1), DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(5)))
    )
    assert decode(ChildChainState, encode(chain)) == chain


def test_settlement_digest_is_deterministic_and_sensitive_to_every_change() -> None:
    """Given a settlement state.

    When its digest is computed twice, and after a one-second change of the clock,
    Then the two equal digests differ from the changed state's digest.
    """
    state = busy_state()
    assert compute_settlement_digest(state) == compute_settlement_digest(busy_state())
    assert compute_settlement_digest(state) != compute_settlement_digest(
        replace(state, time=state.time + 1)
    )


def test_child_chain_digest_depends_on_the_environment() -> None:
    """Given two empty child chains that differ only in their environment id.

    When their digests are computed,
    Then they differ.
    """
    first = compute_genesis_child_chain(Uint64(0), OPERATOR, Uint8(3))
    second = compute_genesis_child_chain(Uint64(1), OPERATOR, Uint8(3))
    assert compute_child_chain_digest(first) != compute_child_chain_digest(second)
