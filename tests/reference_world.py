"""Building settlement worlds on the reference simulator, each step checked against the spec.

:func:`apply_checked` applies an operation that must be accepted and checks
the simulator's exported state equals the spec's ``state_transition`` of the
state before; :func:`apply_rejected` applies one that must be rejected and
checks the spec rejects it for the same reason, and that the simulator's
digest and journal are unchanged, before re-raising. The builders below
(``make_simulator``, ``deposit``, ``commit_block``, ``make_exit``) go through
:func:`apply_checked`, so every state these tests reach is the spec's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pytest

from fixtures import make_rules
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.crypto import compute_address_of_private_key
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    compute_block_root,
    compute_transaction_leaf,
)
from spec.errors import Rejected
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Signature,
    Uint8,
    Uint16,
    Uint64,
    Uint256,
)
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind, EnvironmentRules, SettlementState
from spec.settlement.transition import Operation, state_transition
from tests.differential import LARGEST_U64, make_initial_state
from tests.harness import EXIT_BOND, make_genesis, pay
from tests.support import ALICE, ALICE_KEY, BOB, OPERATOR


def apply_checked(simulator: SettlementSimulator, operation: Operation) -> None:
    """Apply an operation that must be accepted; check the result is the spec's state."""
    expected = state_transition(simulator.get_state(), operation)
    count = simulator.applied_count()
    simulator.apply(operation)
    assert simulator.get_state() == expected, f"{type(operation).__name__}: state differs"
    assert simulator.applied_count() == count + 1, "the journal did not grow by one"


def apply_rejected(simulator: SettlementSimulator, operation: Operation) -> None:
    """Apply an operation that must be rejected as the spec rejects it; check nothing changed.

    Raises:
        Rejected: the simulator's rejection, once checked.
    """
    before, digest = simulator.get_state(), simulator.compute_digest()
    count = simulator.applied_count()
    with pytest.raises(Rejected) as spec_rejection:
        state_transition(before, operation)
    try:
        simulator.apply(operation)
    except Rejected as rejection:
        assert rejection.reason == spec_rejection.value.reason, "the spec rejects differently"
        assert simulator.compute_digest() == digest, "a rejected operation changed the state"
        assert simulator.applied_count() == count, "a rejected operation was journaled"
        raise
    raise AssertionError(f"{type(operation).__name__} was accepted")


def make_simulator(
    environments: int = 1, store: Store | None = None, genesis: SettlementState | None = None
) -> SettlementSimulator:
    """Return a simulator with active environments 0..n-1 run by OPERATOR, actors funded."""
    start = make_genesis() if genesis is None else genesis
    simulator = SettlementSimulator.create(Store() if store is None else store, start)
    for _ in range(environments):
        operation = RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules())
        apply_checked(simulator, operation)
    apply_checked(simulator, AdvanceTime(simulator.time + simulator.preset.quarantine_period))
    return simulator


def advance(simulator: SettlementSimulator, seconds: int) -> None:
    """Move the simulator's clock forward by ``seconds``."""
    apply_checked(simulator, AdvanceTime(simulator.time + seconds))


def deposit(
    simulator: SettlementSimulator,
    env: int,
    owner: Address,
    amount: int,
    token: Address = NATIVE_TOKEN,
) -> tuple[OutputPosition, DepositTransaction]:
    """Deposit; return the new output's position and its deposit transaction."""
    number = simulator.get_next_deposit_block_number(Uint64(env))
    apply_checked(simulator, Deposit(Uint64(env), owner, token, Uint256(amount)))
    transaction = DepositTransaction(Output(owner, token, Uint256(amount)))
    return OutputPosition(number, Uint16(0), Uint8(0)), transaction


def commit_block(
    simulator: SettlementSimulator, env: int, transactions: Sequence[BlockTransaction]
) -> Uint64:
    """Commit a child block of ``transactions`` as OPERATOR; return its number."""
    number = simulator.get_next_child_block_number(Uint64(env))
    root = compute_block_root(transactions, int(simulator.preset.transaction_tree_depth))
    apply_checked(simulator, SubmitBlock(Uint64(env), OPERATOR, number, root))
    return number


def make_exit(
    simulator: SettlementSimulator,
    env: int,
    sender: Address,
    position: OutputPosition,
    transactions: Sequence[BlockTransaction],
    *,
    bond: int = int(EXIT_BOND),
) -> StartStandardExit:
    """Return the exit of the output at ``position`` of a block of ``transactions``."""
    index = int(position.transaction_index)
    leaves = [compute_transaction_leaf(transaction) for transaction in transactions]
    proof = compute_merkle_proof(leaves, index, int(simulator.preset.transaction_tree_depth))
    return StartStandardExit(
        Uint64(env), sender, position, transactions[index], proof, Uint256(bond)
    )


# Fixtures of the rejection tests

STRANGER_KEY = b"\x07" * 32
STRANGER = compute_address_of_private_key(STRANGER_KEY)
"""An address with a key and no settlement funds."""

ANY_ROOT = Hash32(b"\x42" * 32)
"""A block root whose contents no test needs."""


@dataclass(frozen=True)
class ExitingAlice:
    """A simulator where Alice's deposit exit (id 0) is open, and operations on it."""

    simulator: SettlementSimulator
    start: StartStandardExit
    """The exit start that was accepted."""
    challenge: ChallengeStandardExit
    """A valid challenge by Bob, with Alice's signed spend of the output."""


def make_exiting_alice() -> ExitingAlice:
    """Return a simulator where Alice deposited 100 and started its exit."""
    simulator = make_simulator()
    position, transaction = deposit(simulator, 0, ALICE, 100)
    start = make_exit(simulator, 0, ALICE, position, [transaction])
    apply_checked(simulator, start)
    spend = pay(0, [(position, ALICE_KEY)], [(BOB, 100)])
    challenge = ChallengeStandardExit(Uint64(0), BOB, Uint64(0), spend, Uint8(0))
    return ExitingAlice(simulator, start, challenge)


def spoil(
    challenge: ChallengeStandardExit, breaking: Callable[[Signature], Signature]
) -> ChallengeStandardExit:
    """Return ``challenge`` with its spend's only signature broken by ``breaking``."""
    payment = challenge.spending_transaction
    spoiled = replace(payment, signatures=(breaking(payment.signatures[0]),))
    return replace(challenge, spending_transaction=spoiled)


def register(rules: EnvironmentRules) -> RegisterEnvironment:
    """Return a registration of a payments environment operated by OPERATOR."""
    return RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules)


def make_simulator_at_the_last_block() -> SettlementSimulator:
    """Return the differential initial state with env 3's child blocks up to 2**64 - 1."""
    simulator = SettlementSimulator.create(Store(), make_initial_state())
    for number in (LARGEST_U64 - 4, LARGEST_U64):
        apply_checked(simulator, SubmitBlock(Uint64(3), OPERATOR, Uint64(number), ANY_ROOT))
    return simulator
