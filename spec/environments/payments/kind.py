"""The payments kind as the settlement layer sees it: one row of the kind registry.

This module is the payments kind's implementation of
:class:`~spec.environments.interface.EnvironmentKindSpec`: what a deposit
commits (a deposit block holding one
:class:`~spec.environments.payments.transactions.DepositTransaction`), the
settlement operations of its exit game (``spec.environments.payments.exits``)
with their wire tags, and its child chain (``spec.environments.payments.chain``
and ``.steps``) with its genesis and digest domain.
"""

from __future__ import annotations

from spec.digest import compute_digest
from spec.dispatch import OperationSpec
from spec.environments.interface import ChildChainSpec, EnvironmentKindSpec
from spec.environments.payments.chain import ChildChainState, compute_genesis_child_chain
from spec.environments.payments.exits import (
    ChallengeStandardExit,
    StartStandardExit,
    process_challenge_standard_exit,
    process_start_standard_exit,
)
from spec.environments.payments.steps import (
    CHAIN_OPERATIONS,
    ApplyDeposit,
    ApplyExit,
    ChainOperation,
)
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
)
from spec.presets import Preset
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit
from spec.settlement.state import Environment, EnvironmentKind, Exit, SettlementState

CHILD_CHAIN_DIGEST_DOMAIN = b"plasma-spec/payments-child-chain-state/v1"
"""Domain tag of payments child chain state digests."""


def compute_deposit_transaction(deposit: Deposit) -> DepositTransaction:
    """Return the transaction a deposit writes into its deposit block."""
    return DepositTransaction(Output(deposit.owner, deposit.token, deposit.amount))


def compute_deposit_root(preset: Preset, deposit: Deposit) -> Hash32:
    """Return the root of the deposit block a deposit writes: one deposit transaction."""
    depth = int(preset.transaction_tree_depth)
    return compute_block_root([compute_deposit_transaction(deposit)], depth)


def compute_deposit_step(block_number: Uint64, deposit: Deposit) -> ApplyDeposit:
    """Return the child chain step of a deposit accepted at ``block_number``."""
    return ApplyDeposit(block_number, compute_deposit_transaction(deposit))


def compute_exit_step(exit: Exit) -> ApplyExit:
    """Return the child chain step of a processed exit: its output leaves the chain."""
    return ApplyExit(exit.position)


def compute_genesis(
    environment_id: Uint64, environment: Environment, preset: Preset
) -> ChildChainState:
    """Return the child chain of a newly registered payments environment."""
    return compute_genesis_child_chain(
        environment_id, environment.operator, preset.transaction_tree_depth
    )


def compute_child_chain_digest(state: ChildChainState) -> Hash32:
    """Return the digest of a payments child chain state."""
    return compute_digest(CHILD_CHAIN_DIGEST_DOMAIN, state)


SETTLEMENT_OPERATIONS: tuple[OperationSpec[SettlementState], ...] = (
    OperationSpec(3, StartStandardExit, process_start_standard_exit, acts_on_environment=True),
    OperationSpec(
        4, ChallengeStandardExit, process_challenge_standard_exit, acts_on_environment=True
    ),
)
"""The payments exit game's rows of the settlement operation table."""

PAYMENTS = EnvironmentKindSpec(
    kind=EnvironmentKind.PAYMENTS,
    compute_deposit_root=compute_deposit_root,
    settlement_operations=SETTLEMENT_OPERATIONS,
    chain=ChildChainSpec(
        area="payments-chain",
        state_type=ChildChainState,
        operation_hint=ChainOperation,
        operations=CHAIN_OPERATIONS,
        digest_domain=CHILD_CHAIN_DIGEST_DOMAIN,
        compute_genesis=compute_genesis,
        compute_deposit_step=compute_deposit_step,
        compute_exit_step=compute_exit_step,
    ),
    codec_types={
        "Output": Output,
        "Transaction": Transaction,
        "SignedTransaction": SignedTransaction,
        "BlockTransaction": BlockTransaction,
        "Block": Block,
        "ChainOperation": ChainOperation,
        "ChildChainState": ChildChainState,
    },
)
"""The payments kind."""
