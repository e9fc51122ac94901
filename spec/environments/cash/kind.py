"""The Plasma Cash kind as the settlement layer sees it: one row of the kind registry.

A deposit into a Cash environment mints one coin whose id is the deposit
block's number; the deposit block's root is the sparse tree holding only
that coin's :class:`~spec.environments.cash.coins.CoinMint`, and the kind's
records at the settlement layer remember the coin's token and amount. The
exit game's six operations (``exits`` and ``challenges``) are rows of the
settlement operation table; the child chain is ``chain`` and ``steps``.
"""

from __future__ import annotations

from spec.digest import compute_digest
from spec.dispatch import OperationSpec
from spec.environments.cash.chain import CashChainState, compute_genesis_cash_chain
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
    process_challenge_coin_double_spend,
    process_challenge_coin_history,
    process_challenge_coin_spent,
    process_respond_coin_history,
)
from spec.environments.cash.coins import (
    CoinBlock,
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
)
from spec.environments.cash.exits import (
    FinalizeCoinExit,
    StartCoinExit,
    compute_held_bonds,
    process_finalize_coin_exit,
    process_start_coin_exit,
)
from spec.environments.cash.records import (
    CashRecords,
    CoinExitStatus,
    CoinStatus,
    SettledCoin,
    compute_genesis_cash_records,
)
from spec.environments.cash.steps import (
    CASH_CHAIN_OPERATIONS,
    ApplyCoinExit,
    ApplyMint,
    CashChainOperation,
)
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.environments.interface import ChildChainSpec, EnvironmentKindSpec
from spec.environments.records import KindRecords
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import Hash32, Uint64, Uint256
from spec.settlement.exits import process_exit_queue
from spec.settlement.operations import Deposit
from spec.settlement.state import Environment, EnvironmentKind, SettlementState
from spec.sparse_merkle import CompactProof, is_key_in_tree
from spec.totals import with_entry

CASH_CHAIN_DIGEST_DOMAIN = b"plasma-spec/cash-child-chain-state/v1"
"""Domain tag of Cash child chain state digests."""


def compute_mint(block_number: Uint64, deposit: Deposit) -> CoinMint:
    """Return the mint a deposit writes at ``block_number``: the coin's id is that number."""
    return CoinMint(block_number, deposit.owner, deposit.token, deposit.amount)


def compute_deposit_root(preset: Preset, block_number: Uint64, deposit: Deposit) -> Hash32:
    """Return the root of a Cash deposit block: the sparse tree holding only the new coin's mint."""
    return compute_coin_block_root([compute_mint(block_number, deposit)], preset.coin_tree_depth)


def record_deposit(
    preset: Preset, records: KindRecords, block_number: Uint64, deposit: Deposit
) -> KindRecords:
    """Return the Cash records after a deposit: the new coin, at rest.

    Raises:
        Rejected: ``COIN_TREE_FULL`` when the block number is not a key of the coin tree.
    """
    assert isinstance(records, CashRecords)
    # Verify the new coin's id (the deposit block's number) is a key of the block trees
    require(is_key_in_tree(block_number, preset.coin_tree_depth), RejectionReason.COIN_TREE_FULL)
    coin = SettledCoin(deposit.token, deposit.amount, CoinStatus.DEPOSITED)
    return CashRecords(coins=with_entry(records.coins, block_number, coin), exits=records.exits)


def compute_records_bonds(records: KindRecords) -> Uint256:
    """Return the bonds the Cash records hold: open coin exits and their open challenges."""
    assert isinstance(records, CashRecords)
    return compute_held_bonds(records)


def compute_deposit_step(block_number: Uint64, deposit: Deposit) -> ApplyMint:
    """Return the child chain step of a deposit accepted at ``block_number``."""
    return ApplyMint(compute_mint(block_number, deposit))


def compute_exit_steps(before: Environment, after: Environment) -> tuple[ApplyCoinExit, ...]:
    """Return the child chain steps of the coin exits finalized between two states."""
    assert isinstance(before.kind_records, CashRecords)
    assert isinstance(after.kind_records, CashRecords)
    earlier = before.kind_records.exits
    return tuple(
        ApplyCoinExit(exit.coin_id)
        for exit_id, exit in sorted(after.kind_records.exits.items())
        if exit.status == CoinExitStatus.FINALIZED
        and (exit_id not in earlier or earlier[exit_id].status != CoinExitStatus.FINALIZED)
    )


def compute_genesis(
    environment_id: Uint64, environment: Environment, preset: Preset
) -> CashChainState:
    """Return the child chain of a newly registered Cash environment."""
    return compute_genesis_cash_chain(environment_id, preset.coin_tree_depth)


def compute_cash_chain_digest(state: CashChainState) -> Hash32:
    """Return the digest of a Cash child chain state."""
    return compute_digest(CASH_CHAIN_DIGEST_DOMAIN, state)


SETTLEMENT_OPERATIONS: tuple[OperationSpec[SettlementState], ...] = (
    OperationSpec(7, StartCoinExit, process_start_coin_exit, acts_on_environment=True),
    OperationSpec(8, ChallengeCoinSpent, process_challenge_coin_spent, acts_on_environment=True),
    OperationSpec(
        9, ChallengeCoinDoubleSpend, process_challenge_coin_double_spend, acts_on_environment=True
    ),
    OperationSpec(
        10, ChallengeCoinHistory, process_challenge_coin_history, acts_on_environment=True
    ),
    OperationSpec(11, RespondCoinHistory, process_respond_coin_history, acts_on_environment=True),
    OperationSpec(12, FinalizeCoinExit, process_finalize_coin_exit, acts_on_environment=True),
)
"""The Cash exit game's rows of the settlement operation table."""

CASH = EnvironmentKindSpec(
    kind=EnvironmentKind.CASH,
    compute_genesis_records=compute_genesis_cash_records,
    compute_deposit_root=compute_deposit_root,
    record_deposit=record_deposit,
    compute_held_bonds=compute_records_bonds,
    settlement_operations=SETTLEMENT_OPERATIONS,
    process_exit_queue=process_exit_queue,
    chain=ChildChainSpec(
        area="cash-chain",
        state_type=CashChainState,
        operation_hint=CashChainOperation,
        operations=CASH_CHAIN_OPERATIONS,
        digest_domain=CASH_CHAIN_DIGEST_DOMAIN,
        compute_genesis=compute_genesis,
        compute_deposit_step=compute_deposit_step,
        compute_exit_steps=compute_exit_steps,
    ),
    codec_types={
        "CoinMint": CoinMint,
        "Transfer": Transfer,
        "SignedTransfer": SignedTransfer,
        "CoinLeaf": CoinLeaf,
        "CoinBlock": CoinBlock,
        "CompactProof": CompactProof,
        "IncludedLeaf": IncludedLeaf,
        "IncludedTransfer": IncludedTransfer,
        "CashChainOperation": CashChainOperation,
        "CashChainState": CashChainState,
    },
)
"""The Plasma Cash kind."""
