"""The payments child chain's steps: the operations of its own state machine.

A payments child chain moves forward by three steps, each the image of
something on the settlement layer: a deposit block (:class:`ApplyDeposit`), a
child block the operator committed (:class:`ApplyBlock`), and an exit the
settlement layer processed (:class:`ApplyExit`). :data:`CHAIN_OPERATIONS`
gives each its wire tag in :data:`ChainOperation` and the function of
``spec.environments.payments.chain`` that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.dispatch import OperationSpec, apply_operation, compute_operation_table
from spec.environments.payments.chain import (
    ChildChainState,
    apply_block,
    apply_deposit,
    apply_exit,
)
from spec.environments.payments.transactions import Block, DepositTransaction
from spec.positions import OutputPosition
from spec.primitives import Uint64


@dataclass(frozen=True)
class ApplyDeposit:
    """Child chain step: apply a deposit block (``chain.apply_deposit``)."""

    block_number: Uint64
    """Number of the deposit block."""
    deposit: DepositTransaction
    """Its one transaction."""


@dataclass(frozen=True)
class ApplyBlock:
    """Child chain step: apply a child block (``chain.apply_block``)."""

    block_number: Uint64
    """Number of the child block."""
    block: Block
    """Its transactions."""


@dataclass(frozen=True)
class ApplyExit:
    """Child chain step: remove an exited output (``chain.apply_exit``)."""

    position: OutputPosition
    """Position of the output processed by an exit on the settlement layer."""


ChainOperation = ApplyDeposit | ApplyBlock | ApplyExit
"""Every payments child chain step."""


def apply_deposit_step(state: ChildChainState, step: ApplyDeposit) -> ChildChainState:
    """Apply an :class:`ApplyDeposit` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.payments.chain.apply_deposit`.
    """
    return apply_deposit(state, step.block_number, step.deposit)


def apply_block_step(state: ChildChainState, step: ApplyBlock) -> ChildChainState:
    """Apply an :class:`ApplyBlock` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.payments.chain.apply_block`.
    """
    return apply_block(state, step.block_number, step.block)


def apply_exit_step(state: ChildChainState, step: ApplyExit) -> ChildChainState:
    """Apply an :class:`ApplyExit` step.

    Raises:
        Rejected: any reason of :func:`~spec.environments.payments.chain.apply_exit`.
    """
    return apply_exit(state, step.position)


CHAIN_OPERATIONS = compute_operation_table(
    ChainOperation,
    (
        OperationSpec(0, ApplyDeposit, apply_deposit_step, acts_on_environment=False),
        OperationSpec(1, ApplyBlock, apply_block_step, acts_on_environment=False),
        OperationSpec(2, ApplyExit, apply_exit_step, acts_on_environment=False),
    ),
)
"""The payments child chain's operation table."""


def apply_chain_operation(state: ChildChainState, operation: ChainOperation) -> ChildChainState:
    """Apply one child chain step through :data:`CHAIN_OPERATIONS`.

    Raises:
        Rejected: any reason of the spec function the step names.
    """
    return apply_operation(CHAIN_OPERATIONS, state, operation)
