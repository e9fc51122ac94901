"""Settlement test harness: every accepted operation is checked against the whole catalog.

``apply`` is the only way tests move a settlement state forward: it runs the
spec's state transition and then evaluates every invariant of the catalog on
(pre-state, operation, post-state), failing the test on any violation.
``apply_rejected`` runs an operation expected to be rejected and checks that
the state given to it is unchanged before re-raising the rejection.

The builders below (``make_world``, ``deposit``, ``commit_block``, ...) go
through ``apply`` too, so every post-state any test produces is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fixtures
from fixtures import make_funded_genesis, make_rules
from spec.encoding import encode
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
    compute_transaction_leaf,
    sign_transaction,
)
from spec.errors import Rejected
from spec.invariants.evaluate import check_settlement_transition
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.presets import TINY, Preset
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint8, Uint16, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind, SettlementState, get_last_block_number
from spec.settlement.transition import Operation, state_transition
from tests.support import ALICE, BOB, CAROL, MALLORY, OPERATOR, TOKEN_A, TOKEN_B

START_TIME = Uint64(1_000)
"""Settlement time at genesis in the tests."""

FUNDS = Uint256(10**9)
"""What every actor holds of every token at genesis."""

EXIT_BOND = Uint256(fixtures.EXIT_BOND)
"""Exit bond of the test environments."""

DEPOSIT_LIMIT = Uint256(fixtures.DEPOSIT_LIMIT)
"""Deposit limit of the test environments."""

ACTORS = (ALICE, BOB, CAROL, MALLORY, OPERATOR)
TOKENS = (NATIVE_TOKEN, TOKEN_A, TOKEN_B)


def apply(state: SettlementState, operation: Operation) -> SettlementState:
    """Apply an operation that must be accepted, and check every invariant on the step."""
    post = state_transition(state, operation)
    violations = check_settlement_transition(state, operation, post)
    assert not violations, f"{type(operation).__name__} broke invariants: {violations}"
    return post


def apply_rejected(state: SettlementState, operation: Operation) -> None:
    """Apply an operation that must be rejected; check the state is unchanged; re-raise."""
    before = encode(state)
    try:
        state_transition(state, operation)
    except Rejected:
        assert encode(state) == before, "a rejected operation changed its input state"
        raise
    raise AssertionError(f"{type(operation).__name__} was accepted")


def make_genesis(preset: Preset = TINY) -> SettlementState:
    """Return a settlement layer where every actor holds FUNDS of every token."""
    return make_funded_genesis(preset, ACTORS, TOKENS, int(FUNDS), int(START_TIME))


def make_world(environments: int = 1, preset: Preset = TINY) -> SettlementState:
    """Return a settlement layer with active payments environments 0..n-1, all run by OPERATOR."""
    state = make_genesis(preset)
    for _ in range(environments):
        operation = RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules(preset))
        state = apply(state, operation)
    return advance(state, int(preset.quarantine_period))


def advance(state: SettlementState, seconds: int) -> SettlementState:
    """Move the clock forward by ``seconds``."""
    return apply(state, AdvanceTime(state.time + seconds))


@dataclass(frozen=True)
class Deposited:
    """What a deposit produced: the output's position and its transaction."""

    position: OutputPosition
    transaction: DepositTransaction


def deposit(
    state: SettlementState, env: int, owner: Address, amount: int, token: Address = NATIVE_TOKEN
) -> tuple[SettlementState, Deposited]:
    """Deposit and return the new state with the deposit output's position."""
    state = apply(state, Deposit(Uint64(env), owner, token, Uint256(amount)))
    number = get_last_block_number(state.environments[env])
    position = OutputPosition(number, Uint16(0), Uint8(0))
    return state, Deposited(position, DepositTransaction(Output(owner, token, Uint256(amount))))


def commit_block(
    state: SettlementState, env: int, transactions: Sequence[BlockTransaction]
) -> tuple[SettlementState, Uint64]:
    """Commit a child block of ``transactions`` as the operator; return its number."""
    number = get_next_child_block_number(state, state.environments[env])
    root = compute_block_root(transactions, int(state.preset.transaction_tree_depth))
    return apply(state, SubmitBlock(Uint64(env), OPERATOR, number, root)), number


def make_proof(
    state: SettlementState, transactions: Sequence[BlockTransaction], index: int
) -> tuple[Hash32, ...]:
    """Return the inclusion proof of transaction ``index`` of a block."""
    leaves = [compute_transaction_leaf(tx) for tx in transactions]
    return compute_merkle_proof(leaves, index, int(state.preset.transaction_tree_depth))


def make_exit(
    state: SettlementState,
    env: int,
    sender: Address,
    position: OutputPosition,
    transactions: Sequence[BlockTransaction],
    *,
    bond: int = int(EXIT_BOND),
) -> StartStandardExit:
    """Return the StartStandardExit of the output at ``position`` in a block of ``transactions``."""
    index = int(position.transaction_index)
    return StartStandardExit(
        Uint64(env),
        sender,
        position,
        transactions[index],
        make_proof(state, transactions, index),
        Uint256(bond),
    )


def pay(
    env: int,
    inputs: Sequence[tuple[OutputPosition, bytes]],
    outputs: Sequence[tuple[Address, int]] | Sequence[Output],
    token: Address = NATIVE_TOKEN,
) -> SignedTransaction:
    """Return a payment spending ``inputs`` (position, owner's key) into ``outputs``.

    Outputs are (owner, amount) pairs in ``token``, or full :class:`Output` values.
    """
    made = tuple(
        item if isinstance(item, Output) else Output(item[0], token, Uint256(item[1]))
        for item in outputs
    )
    transaction = Transaction(tuple(position for position, _ in inputs), made)
    return sign_transaction(Uint64(env), transaction, [key for _, key in inputs])


def position_of(block_number: int, transaction_index: int, output_index: int = 0) -> OutputPosition:
    """Return an output position."""
    return OutputPosition(Uint64(block_number), Uint16(transaction_index), Uint8(output_index))
