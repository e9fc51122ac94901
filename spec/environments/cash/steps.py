"""The Cash child chain's steps: the operations of its own state machine.

Each step is the image of something on the settlement layer: a deposit block
(:class:`ApplyMint`), a child block the operator committed
(:class:`ApplyCoinBlock`) and an exit the settlement layer finalized
(:class:`ApplyCoinExit`). :data:`CASH_CHAIN_OPERATIONS` gives each its wire
tag in :data:`CashChainOperation` and the function of
``spec.environments.cash.chain`` that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.dispatch import OperationSpec, apply_operation, compute_operation_table
from spec.environments.cash.chain import (
    CashChainState,
    apply_coin_block,
    apply_coin_exit,
    apply_mint,
)
from spec.environments.cash.coins import CoinBlock, CoinMint
from spec.primitives import Uint64


@dataclass(frozen=True)
class ApplyMint:
    """Child chain step: apply a deposit block, which mints one coin (``chain.apply_mint``)."""

    mint: CoinMint
    """The deposit block's mint; its coin id is the block's number."""


@dataclass(frozen=True)
class ApplyCoinBlock:
    """Child chain step: apply a child block (``chain.apply_coin_block``)."""

    block_number: Uint64
    """Number of the child block."""
    block: CoinBlock
    """Its transfers."""


@dataclass(frozen=True)
class ApplyCoinExit:
    """Child chain step: retire a coin whose exit was finalized (``chain.apply_coin_exit``)."""

    coin_id: Uint64
    """The exited coin."""


CashChainOperation = ApplyMint | ApplyCoinBlock | ApplyCoinExit
"""Every Cash child chain step."""


def apply_mint_step(state: CashChainState, step: ApplyMint) -> CashChainState:
    """Apply an :class:`ApplyMint` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.cash.chain.apply_mint`.
    """
    return apply_mint(state, step.mint)


def apply_coin_block_step(state: CashChainState, step: ApplyCoinBlock) -> CashChainState:
    """Apply an :class:`ApplyCoinBlock` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.cash.chain.apply_coin_block`.
    """
    return apply_coin_block(state, step.block_number, step.block)


def apply_coin_exit_step(state: CashChainState, step: ApplyCoinExit) -> CashChainState:
    """Apply an :class:`ApplyCoinExit` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.cash.chain.apply_coin_exit`.
    """
    return apply_coin_exit(state, step.coin_id)


CASH_CHAIN_OPERATIONS = compute_operation_table(
    CashChainOperation,
    (
        OperationSpec(0, ApplyMint, apply_mint_step, acts_on_environment=False),
        OperationSpec(1, ApplyCoinBlock, apply_coin_block_step, acts_on_environment=False),
        OperationSpec(2, ApplyCoinExit, apply_coin_exit_step, acts_on_environment=False),
    ),
)
"""The Cash child chain's operation table."""


def apply_cash_chain_operation(
    state: CashChainState, operation: CashChainOperation
) -> CashChainState:
    """Apply one Cash child chain step through :data:`CASH_CHAIN_OPERATIONS`.

    Raises:
        Rejected: any reason of the spec function the step names.
    """
    return apply_operation(CASH_CHAIN_OPERATIONS, state, operation)
