"""Positions in a block log: where an output, or a transaction, was included.

A position names a place in an environment's block log: the block's number,
the transaction's index in it (its Merkle leaf index) and, for an output, the
output's index in its transaction. Positions compare field by field, so they
order outputs and transactions by age; the settlement layer pays older
outputs first (exit priority) and the in-flight exit game ranks competing
transactions by them. This module imports only the primitives, so every part
of the spec, the kinds' settlement records included, can name a position.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.primitives import Uint8, Uint16, Uint64


@dataclass(frozen=True, order=True)
class OutputPosition:
    """Where an output was created in an environment's block log.

    Positions compare as (block, transaction, output), so they order outputs by
    age: the settlement layer pays older outputs first (exit priority).
    """

    block_number: Uint64
    """Number of the child or deposit block holding the transaction."""
    transaction_index: Uint16
    """Index of the transaction in its block (its Merkle leaf index)."""
    output_index: Uint8
    """Index of the output in its transaction."""


@dataclass(frozen=True, order=True)
class TransactionPosition:
    """Where a transaction was included in an environment's block log.

    Positions compare as (block, transaction), so an older transaction has the
    smaller position.
    """

    block_number: Uint64
    """Number of the block holding the transaction."""
    transaction_index: Uint16
    """Index of the transaction in its block (its Merkle leaf index)."""


def get_transaction_position(position: OutputPosition) -> TransactionPosition:
    """Return the position of the transaction that created the output at ``position``."""
    return TransactionPosition(position.block_number, position.transaction_index)
