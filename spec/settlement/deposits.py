"""Deposits: locking funds in an environment's vault as one new output.

A deposit takes the owner's settlement-layer balance into the environment's
vault and writes a deposit block, whose root the environment's kind computes
(``EnvironmentKindSpec.compute_deposit_root``; for payments, one deposit
transaction of that owner, token and amount). Deposit blocks take the numbers
between two child blocks (``last child + 1`` up to ``last child + interval -
1``), so fewer than the block interval fit before the operator's next child
block; the operator can never reorder or overwrite them, because it can only
write child block numbers.
"""

from __future__ import annotations

from dataclasses import replace

from spec.environments.registry import get_kind
from spec.errors import RejectionReason, require
from spec.primitives import Hash32, Uint64
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import Deposit
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    SettlementState,
    debit,
    get_active_environment,
    get_last_block_number,
    with_environment,
)
from spec.totals import add_to_totals, with_entry


def compute_deposit_root(state: SettlementState, operation: Deposit) -> Hash32:
    """Return the root of the deposit block a deposit writes, as its environment's kind says.

    The environment must exist (``process_deposit`` checks it first).
    """
    environment = state.environments[operation.environment_id]
    block_number = get_next_deposit_block_number(environment)
    return get_kind(environment.kind).compute_deposit_root(state.preset, block_number, operation)


def get_next_deposit_block_number(environment: Environment) -> Uint64:
    """Return the number the next deposit block would take."""
    return get_last_block_number(environment) + 1


def validate_deposit(state: SettlementState, environment: Environment, operation: Deposit) -> None:
    """Check a deposit against the environment's rules and block numbering.

    Raises:
        Rejected: ``ENVIRONMENT_HALTED``, ``DEPOSIT_AMOUNT_ZERO``, ``DEPOSIT_ABOVE_LIMIT``,
            ``TOO_MANY_DEPOSITS``.
    """
    # Verify no conflicting commits halted the environment (its child chain is no longer trusted)
    require(
        environment.finality is None or not environment.finality.halted,
        RejectionReason.ENVIRONMENT_HALTED,
    )
    # Verify the deposit creates value
    require(operation.amount > 0, RejectionReason.DEPOSIT_AMOUNT_ZERO)
    # Verify the deposit is within the environment's limit
    require(
        operation.amount <= environment.rules.deposit_limit, RejectionReason.DEPOSIT_ABOVE_LIMIT
    )
    # Verify a deposit block number is free before the next child block
    require(
        get_next_deposit_block_number(environment)
        < get_next_child_block_number(state, environment),
        RejectionReason.TOO_MANY_DEPOSITS,
    )


def process_deposit(state: SettlementState, operation: Deposit) -> SettlementState:
    """Move the owner's funds into the vault and write a deposit block.

    The environment's kind computes the block's root and records what it
    keeps of the deposit (a Cash coin).

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
            ``ENVIRONMENT_HALTED``, ``DEPOSIT_AMOUNT_ZERO``, ``DEPOSIT_ABOVE_LIMIT``,
            ``TOO_MANY_DEPOSITS``, ``COIN_TREE_FULL`` (Cash), ``INSUFFICIENT_FUNDS``,
            ``INTEGER_OVERFLOW`` (the vault's ledger).
    """
    environment = get_active_environment(state, operation.environment_id)
    validate_deposit(state, environment, operation)
    kind = get_kind(environment.kind)
    block_number = get_next_deposit_block_number(environment)
    records = kind.record_deposit(state.preset, environment.kind_records, block_number, operation)
    record = BlockRecord(BlockKind.DEPOSIT, compute_deposit_root(state, operation), state.time)
    environment = replace(
        environment,
        blocks=with_entry(environment.blocks, block_number, record),
        deposited=add_to_totals(environment.deposited, operation.token, operation.amount),
        kind_records=records,
    )
    state = debit(state, operation.owner, operation.token, operation.amount)
    return with_environment(state, operation.environment_id, environment)
