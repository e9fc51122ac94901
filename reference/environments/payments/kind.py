"""The payments kind in the reference node: its row of the reference kind registry.

The counterpart of ``spec.environments.payments.kind``: :data:`PAYMENTS`
pairs the spec's row (:data:`spec.environments.payments.kind.PAYMENTS`) with
the reference's implementation of the kind:

- :func:`compute_deposit_root`: a deposit block's root, one deposit
  transaction hashed with the fast encoders;
- its settlement records: none (``PaymentsRecords`` has no fields), so
  recording a deposit and loading, exporting and encoding records do nothing;
- the exit game's settlement steps
  (``reference.environments.payments.exit_game``);
- the ledger, :class:`~reference.environments.payments.ledger.ChildChainLedger`,
  and :data:`CHAIN_STEPS`: how each step of the spec's payments child chain
  (``spec.environments.payments.steps``) applies to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from reference.environments.interface import ChainStep, ReferenceKind
from reference.environments.payments.encoding import (
    DEPOSIT_TAG,
    compute_leaf_of_encoding,
    encode_output,
)
from reference.environments.payments.exit_game import SETTLEMENT_STEPS
from reference.environments.payments.ledger import ChildChainLedger
from reference.merkle import compute_root
from reference.settlement.tables import SettlementTables
from spec.environments.payments import kind as spec_kind
from spec.environments.payments.records import PaymentsRecords
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.environments.payments.transactions import Output
from spec.environments.records import KindRecords
from spec.presets import Preset
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit


def compute_deposit_root(preset: Preset, block_number: Uint64, operation: Deposit) -> Hash32:
    """Return the root of the one-transaction deposit block a deposit writes (at any number)."""
    output = Output(operation.owner, operation.token, operation.amount)
    leaf = compute_leaf_of_encoding(DEPOSIT_TAG + encode_output(output))
    return compute_root([leaf], int(preset.transaction_tree_depth))


def record_deposit(
    tables: SettlementTables, preset: Preset, environment_id: int, number: Uint64, deposit: Deposit
) -> None:
    """Record nothing of a deposit: the payments kind keeps no records of its own."""


def load_records(connection: sqlite3.Connection, environment_id: int, records: KindRecords) -> None:
    """Load a payments environment's records: there are none to store."""
    assert isinstance(records, PaymentsRecords), "not payments records"


def export_records(connection: sqlite3.Connection, environment_id: int) -> PaymentsRecords:
    """Return a payments environment's records: always the empty container."""
    return PaymentsRecords()


def encode_records(connection: sqlite3.Connection, environment_id: int) -> Iterable[bytes]:
    """Yield the encoding of a payments environment's records: no bytes (no fields)."""
    return ()


def apply_deposit_step(ledger: ChildChainLedger, step: ApplyDeposit) -> None:
    """Apply an ``ApplyDeposit`` step to a ledger.

    Raises:
        Rejected: as
                :meth:`~reference.environments.payments.ledger.ChildChainLedger.apply_deposit`
                does.
    """
    ledger.apply_deposit(step.block_number, step.deposit)


def apply_block_step(ledger: ChildChainLedger, step: ApplyBlock) -> None:
    """Apply an ``ApplyBlock`` step to a ledger.

    Raises:
        Rejected: as
                :meth:`~reference.environments.payments.ledger.ChildChainLedger.apply_block`
                does.
    """
    ledger.apply_block(step.block_number, step.block)


def apply_exit_step(ledger: ChildChainLedger, step: ApplyExit) -> None:
    """Apply an ``ApplyExit`` step to a ledger.

    Raises:
        Rejected: as
                :meth:`~reference.environments.payments.ledger.ChildChainLedger.apply_exit`
                does.
    """
    ledger.apply_exit(step.position)


CHAIN_STEPS: Mapping[type, ChainStep] = {
    ApplyDeposit: apply_deposit_step,
    ApplyBlock: apply_block_step,
    ApplyExit: apply_exit_step,
}
"""How each payments child chain step applies to a ledger, by step type."""

PAYMENTS = ReferenceKind(
    spec=spec_kind.PAYMENTS,
    compute_deposit_root=compute_deposit_root,
    record_deposit=record_deposit,
    load_records=load_records,
    export_records=export_records,
    encode_records=encode_records,
    settlement_steps=SETTLEMENT_STEPS,
    chain_steps=CHAIN_STEPS,
    is_ledger_in=ChildChainLedger.exists,
    open_ledger=ChildChainLedger.open,
    create_ledger=ChildChainLedger.create,
)
"""The payments kind."""
