"""The payments kind in the reference node: its row of the reference kind registry.

The counterpart of ``spec.environments.payments.kind``: :data:`PAYMENTS`
pairs the spec's row (:data:`spec.environments.payments.kind.PAYMENTS`) with
the reference's implementation of the kind:

- :func:`compute_deposit_root`: a deposit block's root, one deposit
  transaction hashed with the fast encoders;
- its settlement records (in-flight exits and finalized marks), kept in the
  payments tables of the settlement database and loaded, exported and
  streamed by ``reference.settlement.in_flight_tables``; a deposit records
  nothing there;
- the exit game's settlement steps: standard exits
  (``reference.environments.payments.exit_game``) and in-flight exits
  (``reference.environments.payments.in_flight``,
  ``.piggybacks``, ``.canonicity``), and its ``ProcessExits`` step, the
  merged queue of standard and in-flight exits
  (``reference.environments.payments.queue``);
- the ledger, :class:`~reference.environments.payments.ledger.ChildChainLedger`,
  and :data:`CHAIN_STEPS`: how each step of the spec's payments child chain
  (``spec.environments.payments.steps``) applies to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from reference.environments.interface import ChainStep, ReferenceKind
from reference.environments.payments.canonicity import CANONICITY_STEPS
from reference.environments.payments.encoding import (
    DEPOSIT_TAG,
    compute_leaf_of_encoding,
    encode_output,
)
from reference.environments.payments.exit_game import SETTLEMENT_STEPS
from reference.environments.payments.in_flight import IN_FLIGHT_STEPS
from reference.environments.payments.ledger import ChildChainLedger
from reference.environments.payments.piggybacks import PIGGYBACK_STEPS
from reference.environments.payments.queue import process_payments_exits
from reference.merkle import compute_root
from reference.settlement.in_flight_tables import (
    encode_payments_records,
    export_payments_records,
    load_payments_records,
)
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
    """Record nothing of a deposit: the deposit block says it all."""


def load_records(connection: sqlite3.Connection, environment_id: int, records: KindRecords) -> None:
    """Load a payments environment's records into the payments tables."""
    assert isinstance(records, PaymentsRecords), "not payments records"
    load_payments_records(connection, environment_id, records)


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
    export_records=export_payments_records,
    encode_records=encode_payments_records,
    settlement_steps={**SETTLEMENT_STEPS, **IN_FLIGHT_STEPS, **PIGGYBACK_STEPS, **CANONICITY_STEPS},
    process_exits=process_payments_exits,
    chain_steps=CHAIN_STEPS,
    is_ledger_in=ChildChainLedger.exists,
    open_ledger=ChildChainLedger.open,
    create_ledger=ChildChainLedger.create,
)
"""The payments kind."""
