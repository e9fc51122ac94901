"""Witness checks the payments exit game's steps share: shapes, inclusions, outputs.

Standard and in-flight exits alike are argued with witnesses a caller brings:
transactions shown included in a committed block (with a Merkle proof), and
payments shown signed (a spend, a competitor). This module checks them
against the simulator's tables, with the spec's rules and reasons:

- :func:`validate_shape`: a payment a block could hold (the child chain's
  stateless rules, :func:`~reference.environments.payments.walk.check_payment_shape`);
- :func:`validate_inclusion`: a transaction is the leaf at a position of a
  committed block (leaf hashed with the fast encoders of
  ``reference.environments.payments.encoding``);
- :func:`list_outputs`: the outputs any block transaction creates.
"""

from __future__ import annotations

from reference.columns import store_position
from reference.environments.payments.encoding import compute_transaction_leaf
from reference.environments.payments.walk import check_payment_shape
from reference.settlement.environment_tables import EnvironmentRow
from reference.settlement.tables import SettlementTables
from spec.environments.payments.in_flight import TransactionInclusion
from spec.environments.payments.transactions import BlockTransaction, Output, SignedTransaction
from spec.errors import RejectionReason, require
from spec.merkle import is_valid_merkle_proof
from spec.presets import Preset
from spec.settlement.state import BlockRecord


def validate_shape(payment: SignedTransaction) -> None:
    """Check that a payment has a valid shape: what a block could hold.

    Raises:
        Rejected: ``TX_NO_INPUTS``, ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``,
            ``TX_TOO_MANY_OUTPUTS``, ``TX_SIGNATURE_COUNT_MISMATCH``,
            ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``, in that order.
    """
    check_payment_shape(payment, [store_position(p) for p in payment.transaction.inputs])


def validate_inclusion(
    tables: SettlementTables,
    preset: Preset,
    environment: EnvironmentRow,
    transaction: BlockTransaction,
    inclusion: TransactionInclusion,
) -> BlockRecord:
    """Check that ``transaction`` is the leaf at ``inclusion.position``; return its block's record.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``; ``INTEGER_OVERFLOW`` for
            a count beyond a ``Uint32`` in the transaction.
    """
    position = inclusion.position
    record = tables.read_block(environment.environment_id, position.block_number)
    # Verify a block is committed at the position's block number
    require(record is not None, RejectionReason.UNKNOWN_BLOCK)
    assert record is not None
    # Verify the transaction is the block's leaf at the position's transaction index
    require(
        is_valid_merkle_proof(
            compute_transaction_leaf(transaction),
            position.transaction_index,
            inclusion.proof,
            int(preset.transaction_tree_depth),
            record.root,
        ),
        RejectionReason.INCLUSION_PROOF_INVALID,
    )
    return record


def list_outputs(transaction: BlockTransaction) -> tuple[Output, ...]:
    """Return the outputs a block transaction creates (a payment's, or the one of a claim)."""
    if isinstance(transaction, SignedTransaction):
        return transaction.transaction.outputs
    return (transaction.output,)
