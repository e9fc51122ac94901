"""The Plasma Cash kind in the reference node: its row of the reference kind registry.

The counterpart of ``spec.environments.cash.kind``: :data:`CASH` pairs the
spec's row (:data:`spec.environments.cash.kind.CASH`) with the reference's
implementation of the kind:

- :func:`compute_deposit_root`: a deposit block's root, the sparse tree
  holding only the new coin's mint, hashed along its one path with the fast
  encoders (``reference.environments.cash.encoding``);
- the settlement records: a deposit's coin (``exit_game.record_deposit``),
  and the Cash tables of the settlement database, loaded, exported and
  streamed by ``reference.settlement.coin_tables``;
- the exit game's settlement steps (``exit_game`` and ``challenges``), and
  its ``ProcessExits`` step, the shared queue of standard exits
  (``reference.settlement.exits.process_exits``);
- the ledger, :class:`~reference.environments.cash.ledger.CashLedger`, and
  :data:`CHAIN_STEPS`: how each step of the spec's Cash child chain
  (``spec.environments.cash.steps``) applies to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from reference.environments.cash.challenges import SETTLEMENT_STEPS
from reference.environments.cash.encoding import compute_leaf_hash
from reference.environments.cash.exit_game import record_deposit
from reference.environments.cash.ledger import CashLedger
from reference.environments.interface import ChainStep, ReferenceKind
from reference.merkle import get_empty_subtree_roots, hash_node
from reference.settlement.coin_tables import (
    encode_cash_records,
    export_cash_records,
    load_cash_records,
)
from reference.settlement.exits import process_exits
from spec.environments.cash import kind as spec_kind
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.records import CashRecords
from spec.environments.cash.steps import ApplyCoinBlock, ApplyCoinExit, ApplyMint
from spec.environments.records import KindRecords
from spec.presets import Preset
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit


def compute_deposit_root(preset: Preset, block_number: Uint64, operation: Deposit) -> Hash32:
    """Return the root of a Cash deposit block: only the new coin's mint, at its key.

    The block number is a key of the tree (the deposit's ``record_deposit``
    checked it first).
    """
    mint = CoinMint(block_number, operation.owner, operation.token, operation.amount)
    depth = int(preset.coin_tree_depth)
    empties = get_empty_subtree_roots(depth)
    node = compute_leaf_hash(mint)
    key = int(block_number)
    for height in range(depth):
        sibling = empties[height]
        node = hash_node(sibling, node) if (key >> height) & 1 else hash_node(node, sibling)
    return Hash32(node)


def load_records(connection: sqlite3.Connection, environment_id: int, records: KindRecords) -> None:
    """Load a Cash environment's records into the Cash tables."""
    assert isinstance(records, CashRecords), "not Cash records"
    load_cash_records(connection, environment_id, records)


def apply_mint_step(ledger: CashLedger, step: ApplyMint) -> None:
    """Apply an ``ApplyMint`` step to a ledger.

    Raises:
        Rejected: as :meth:`~reference.environments.cash.ledger.CashLedger.apply_mint` does.
    """
    ledger.apply_mint(step.mint)


def apply_coin_block_step(ledger: CashLedger, step: ApplyCoinBlock) -> None:
    """Apply an ``ApplyCoinBlock`` step to a ledger.

    Raises:
        Rejected: as :meth:`~reference.environments.cash.ledger.CashLedger.apply_block` does.
    """
    ledger.apply_block(step.block_number, step.block)


def apply_coin_exit_step(ledger: CashLedger, step: ApplyCoinExit) -> None:
    """Apply an ``ApplyCoinExit`` step to a ledger.

    Raises:
        Rejected: as :meth:`~reference.environments.cash.ledger.CashLedger.apply_exit` does.
    """
    ledger.apply_exit(step.coin_id)


CHAIN_STEPS: Mapping[type, ChainStep] = {
    ApplyMint: apply_mint_step,
    ApplyCoinBlock: apply_coin_block_step,
    ApplyCoinExit: apply_coin_exit_step,
}
"""How each Cash child chain step applies to a ledger, by step type."""

CASH = ReferenceKind(
    spec=spec_kind.CASH,
    compute_deposit_root=compute_deposit_root,
    record_deposit=record_deposit,
    load_records=load_records,
    export_records=export_cash_records,
    encode_records=encode_cash_records,
    settlement_steps=SETTLEMENT_STEPS,
    process_exits=process_exits,
    chain_steps=CHAIN_STEPS,
    is_ledger_in=CashLedger.exists,
    open_ledger=CashLedger.open,
    create_ledger=CashLedger.create,
)
"""The Plasma Cash kind."""
