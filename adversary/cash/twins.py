"""Wrong twins of Plasma Cash rules: what the Cash mutants of ``adversary.mutants`` swap in.

Most Cash mutants drop one check (``adversary.mutants.drop_rule``); the three
below change a rule instead, each a wrong version of one spec function:

- :func:`process_submit_block_overwriting_latest`: the block log lets the
  operator re-submit its latest child block (the Loom flaw: a root at the
  current block number could be replaced);
- :func:`validate_spend_of_parent_unsigned`: an invalid-history challenge's
  leaf needs only to name its parent, not to be signed by the parent's owner
  (patched where ``spec.environments.cash.challenges`` looks it up, so exits
  still check signatures);
- :func:`process_finalize_coin_exit_paying`: a mature coin exit is paid even
  while an invalid-history challenge is unanswered (the challengers get their
  bonds back, so only the rule changes, not the books).
"""

from __future__ import annotations

from dataclasses import replace

from spec.environments.cash import exits
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CoinStatus
from spec.environments.cash.witnesses import IncludedLeaf
from spec.errors import RejectionReason, require
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement import blocks
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    EnvironmentKind,
    SettlementState,
    credit,
    get_active_environment,
    get_environment_of_kind,
    get_last_child_block_number,
    with_environment,
)
from spec.totals import with_entry


def process_submit_block_overwriting_latest(
    state: SettlementState, operation: SubmitBlock
) -> SettlementState:
    """Wrong: a child block may be submitted again at the latest child block number."""
    environment = get_active_environment(state, operation.environment_id)
    require(operation.sender == environment.operator, RejectionReason.NOT_OPERATOR)
    latest = get_last_child_block_number(environment)
    overwrite = latest > 0 and operation.block_number == latest
    require(
        overwrite or operation.block_number not in environment.blocks,
        RejectionReason.BLOCK_ALREADY_COMMITTED,
    )
    require(
        overwrite
        or operation.block_number == blocks.get_next_child_block_number(state, environment),
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
    )
    record = BlockRecord(BlockKind.CHILD, operation.root, state.time)
    environment = replace(
        environment, blocks=with_entry(environment.blocks, operation.block_number, record)
    )
    return with_environment(state, operation.environment_id, environment)


def validate_spend_of_parent_unsigned(
    environment_id: Uint64, child: IncludedLeaf, parent: IncludedLeaf | None
) -> None:
    """Wrong: a leaf spends its parent when it names it and comes later, whoever signed it."""
    if isinstance(child.leaf, CoinMint):
        require(parent is None, RejectionReason.PARENT_UNEXPECTED)
        return
    require(parent is not None, RejectionReason.PARENT_MISSING)
    assert parent is not None
    require(
        child.leaf.transfer.previous_block == parent.block_number,
        RejectionReason.TRANSFER_NOT_SPENDING_PARENT,
    )
    require(parent.block_number < child.block_number, RejectionReason.PARENT_NOT_EARLIER)


def process_finalize_coin_exit_paying(
    state: SettlementState, operation: FinalizeCoinExit
) -> SettlementState:
    """Wrong: a mature coin exit is paid even with an unanswered invalid-history challenge."""
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.CASH)
    records = exits.get_cash_records(environment)
    exit = exits.get_open_coin_exit(records, operation.exit_id)
    require(exit.exitable_at <= state.time, RejectionReason.EXIT_NOT_MATURE)
    released = Uint256(0)
    for challenge in exit.challenges.values():
        state = credit(state, challenge.challenger, NATIVE_TOKEN, challenge.bond)
        released += challenge.bond
    records = exits.with_coin_exit(
        records, operation.exit_id, replace(exit, challenges={}), CoinStatus.EXITING
    )
    bonds = environment.bonds_held - released
    state = exits.with_cash_records(state, operation.environment_id, records, bonds)
    return exits.process_coin_exit_payout(state, operation.environment_id, operation.exit_id)
