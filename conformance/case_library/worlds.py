"""Starting states and operation builders shared by the cases.

Every case starts from a funded settlement layer (``adversary.payments.actors``: each
actor holds funds of each token, one payments environment run by the
operator, its quarantine over) or from that environment's genesis child
chain, so vectors of different cases read alike.
"""

from __future__ import annotations

from dataclasses import replace

from adversary.payments.actors import make_funded_world
from adversary.payments.world import World
from conformance.areas import PAYMENTS_CHAIN, SETTLEMENT
from conformance.cases import TraceBuilder
from fixtures import ALICE, BOB, FUNDS, OPERATOR, TOKEN_A, Actor
from spec.environments.payments.chain import ChildChainState, compute_genesis_child_chain
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.steps import ApplyDeposit
from spec.environments.payments.transactions import (
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    compute_transaction_leaf,
    sign_transaction,
)
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Signature, Uint8, Uint16, Uint64, Uint256
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import AdvanceTime, Deposit
from spec.settlement.state import SettlementState

ENVIRONMENT = Uint64(0)
"""The environment every case uses."""

NOBODY = Address(b"\x77" * 20)
"""An address with no settlement balance."""

__all__ = ["ALICE", "BOB", "OPERATOR", "TOKEN_A"]


def make_rich_world(preset: Preset, operators: tuple[Actor, ...] = (OPERATOR,)) -> World:
    """Return the funded world of ``preset`` with every balance raised to afford many bonds.

    The adversary package funds its actors for the tiny preset; under the full
    preset one exit bond alone exceeds those funds.
    """
    world = make_funded_world(operators, preset=preset)
    funds = Uint256(max(FUNDS, 1000 * int(preset.minimum_exit_bond)))
    balances = {key: funds for key in world.settlement.balances}
    return replace(world, settlement=replace(world.settlement, balances=balances))


def start_settlement(preset: Preset) -> TraceBuilder:
    """Return a builder over the funded settlement layer of ``preset``."""
    return TraceBuilder(SETTLEMENT, preset, make_rich_world(preset).settlement)


def start_chain(preset: Preset) -> TraceBuilder:
    """Return a builder over the genesis child chain of the operator's environment."""
    genesis = compute_genesis_child_chain(
        ENVIRONMENT, OPERATOR.address, preset.transaction_tree_depth
    )
    return TraceBuilder(PAYMENTS_CHAIN, preset, genesis)


def make_output(owner: Actor, amount: int, token: Address = NATIVE_TOKEN) -> Output:
    """Return an output of ``amount`` of ``token`` owned by ``owner``."""
    return Output(owner.address, token, Uint256(amount))


def make_position(block: int, transaction: int = 0, output: int = 0) -> OutputPosition:
    """Return the position ``block/transaction/output``."""
    return OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))


def deposit(builder: TraceBuilder, owner: Actor, amount: int, token: Address = TOKEN_A) -> int:
    """Add a settlement deposit by ``owner``; return the deposit block number it gets."""
    state: SettlementState = builder.state
    number = get_next_deposit_block_number(state.environments[ENVIRONMENT])
    builder.apply(Deposit(ENVIRONMENT, owner.address, token, Uint256(amount)))
    return int(number)


def make_deposit_exit(
    builder: TraceBuilder, owner: Actor, number: int, amount: int, token: Address = TOKEN_A
) -> StartStandardExit:
    """Return the start of ``owner``'s exit of the deposit output of block ``number``."""
    state: SettlementState = builder.state
    transaction = DepositTransaction(make_output(owner, amount, token))
    depth = int(state.preset.transaction_tree_depth)
    proof = compute_merkle_proof([compute_transaction_leaf(transaction)], 0, depth)
    bond = state.environments[ENVIRONMENT].rules.exit_bond
    position = make_position(number)
    return StartStandardExit(ENVIRONMENT, owner.address, position, transaction, proof, bond)


def wait_past_finalization(builder: TraceBuilder) -> None:
    """Add a step moving time two finalization periods ahead (every exit matures)."""
    state: SettlementState = builder.state
    period = state.environments[ENVIRONMENT].rules.minimal_finalization_period
    builder.apply(AdvanceTime(state.time + 2 * period + 1))


def make_payment(
    inputs: list[OutputPosition], outputs: list[Output], signers: list[Actor]
) -> SignedTransaction:
    """Return a payment of ``inputs`` to ``outputs`` signed by ``signers`` (one per input)."""
    transaction = Transaction(tuple(inputs), tuple(outputs))
    return sign_transaction(ENVIRONMENT, transaction, [signer.key for signer in signers])


def with_signature(payment: SignedTransaction, signature: Signature) -> SignedTransaction:
    """Return ``payment`` with its first signature replaced."""
    return SignedTransaction(payment.transaction, (signature, *payment.signatures[1:]))


def funded_chain(preset: Preset) -> tuple[TraceBuilder, OutputPosition]:
    """Return a chain builder after Alice's deposit of 100 at block 1, and its position."""
    builder = start_chain(preset)
    builder.apply(ApplyDeposit(Uint64(1), DepositTransaction(make_output(ALICE, 100))))
    return builder, make_position(1)


def next_child_block(builder: TraceBuilder) -> Uint64:
    """Return the number of the next child block after the chain's last block."""
    state: ChildChainState = builder.state
    interval = int(builder.preset.block_interval)
    return Uint64((int(state.block_number) // interval + 1) * interval)
