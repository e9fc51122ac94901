"""Operation tables: each operation's wire tag, the function that processes it, and its scope.

Every state machine of the protocol (the settlement layer, and each
environment kind's child chain) is driven by one table of
:class:`OperationSpec` rows. A row is all there is to know about an
operation besides its own rules: the one-byte tag that names it on the wire,
the function that applies it, and whether it acts on one environment (named
by its ``environment_id`` field). The state transition, the reference node,
the conformance kit, the invariant checkers and the documentation read these
tables; nothing branches on operation types by hand.

Adding an operation is adding a row: :func:`compute_operation_table` fixes
the union's wire tags from the rows (``spec.encoding.declare_union_tags``)
and refuses two rows with one tag or one type.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from spec.encoding import declare_union_tags

S = TypeVar("S")


@dataclass(frozen=True)
class OperationSpec(Generic[S]):
    """One row of an operation table."""

    tag: int
    """Wire tag: the byte that names the operation in its union's encoding."""
    operation_type: type
    """The operation's container (a frozen dataclass)."""
    process: Callable[[S, Any], S]
    """The state transition step: (state, operation) to the next state; it may reject."""
    acts_on_environment: bool
    """Whether the operation names one existing environment in its ``environment_id`` field.

    False for operations on the whole settlement layer (registering an
    environment, the clock) and for child-chain steps (a chain is one
    environment already).
    """


OperationTable = Mapping[type, OperationSpec[S]]
"""An operation table: each row by its operation type."""


def compute_operation_table(
    union: Any, rows: tuple[OperationSpec[S], ...]
) -> dict[type, OperationSpec[S]]:
    """Return the table of ``rows`` by operation type, and fix ``union``'s wire tags from them.

    ``union`` must be exactly the union of the rows' operation types.
    """
    assert {row.operation_type for row in rows} == set(typing.get_args(union)), (
        "the rows are not the union's variants"
    )
    declare_union_tags(union, {row.operation_type: row.tag for row in rows})
    return {row.operation_type: row for row in rows}


def get_operation_spec(table: OperationTable[S], operation: object) -> OperationSpec[S]:
    """Return the row of an operation's type (every operation of the union has one)."""
    row = table.get(type(operation))
    assert row is not None, f"{type(operation).__name__} is not in the operation table"
    return row


def apply_operation(table: OperationTable[S], state: S, operation: object) -> S:
    """Apply one operation through its row of ``table``.

    Raises:
        Rejected: any reason of the row's process function.
    """
    return get_operation_spec(table, operation).process(state, operation)


def get_environment_id(table: OperationTable[S], operation: object) -> int | None:
    """Return the environment an operation acts on, or None when it names none."""
    if get_operation_spec(table, operation).acts_on_environment:
        return int(typing.cast(Any, operation).environment_id)
    return None
