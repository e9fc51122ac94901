"""What the reference node asks of an environment kind: the counterpart of the spec's interface.

``spec.environments.interface`` says what the settlement layer needs to know
about a kind; :class:`ReferenceKind` is the same row for the reference node.
It carries the spec's own row (:attr:`ReferenceKind.spec`: genesis, digest
domain, wire tags) and adds the reference's implementation of the kind:

- what a deposit commits (:attr:`ReferenceKind.compute_deposit_root`, with
  the reference's fast encoders) and records (:attr:`ReferenceKind.record_deposit`);
- how its settlement records (``Environment.kind_records``) are kept in the
  simulator's tables: loaded, exported, and encoded as they stream for the
  state digest;
- the simulator's steps for the settlement operations the kind adds (its
  exit game), each a :data:`SettlementStep`, and its ``ProcessExits`` step
  (how its exit queues are processed: the spec's ``process_exit_queue``);
- its child chain ledger: how to find, open and create one in a
  :class:`~reference.store.Store`, and how each step of the spec's child
  chain (``ChildChainSpec.operations``) is applied to it (:data:`ChainStep`).

:func:`validate_kind` checks a row against the spec's: the reference must
have a step for exactly the operations the spec's row lists, settlement and
child chain alike, so that a row the spec adds and the reference cannot
dispatch (or the reverse) fails at import time and in the tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reference.settlement.tables import SettlementTables
from reference.store import Store
from spec.environments.interface import EnvironmentKindSpec
from spec.environments.records import KindRecords
from spec.presets import Preset
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit
from spec.settlement.state import EnvironmentKind

SettlementStep = Callable[[SettlementTables, Preset, Any], None]
"""A step of the settlement simulator: (tables, preset, operation); it writes or rejects.

It runs inside the simulator's store transaction, which a rejection rolls back.
"""

RecordDeposit = Callable[[SettlementTables, Preset, int, Uint64, Deposit], None]
"""What a kind records of a deposit: (tables, preset, environment id, block number, deposit).

It runs inside the deposit's store transaction, after the shared checks and
before the shared writes, so its rejection outranks theirs as in the spec.
"""

ChainStep = Callable[[Any, Any], None]
"""How a child chain step of the spec is applied to a kind's ledger: (ledger, step)."""


class ChainLedger(Protocol):
    """What the node asks of every kind's child chain ledger, besides applying steps."""

    @property
    def block_number(self) -> Uint64:
        """Number of the last block applied; 0 before any."""
        ...

    def compute_digest(self) -> Hash32:
        """Return the state digest, equal to the spec's digest of the chain's state."""
        ...

    def close(self) -> None:
        """Close the ledger's store."""
        ...


@dataclass(frozen=True)
class ReferenceKind:
    """One environment kind as the reference node implements it."""

    spec: EnvironmentKindSpec
    """The spec's row of the kind: its genesis, digest domain and operation tables."""
    compute_deposit_root: Callable[[Preset, Uint64, Deposit], Hash32]
    """The root of the deposit block a deposit writes: (preset, block number, deposit)."""
    record_deposit: RecordDeposit
    """What the kind records of an accepted deposit at the settlement layer; may reject."""
    load_records: Callable[[sqlite3.Connection, int, KindRecords], None]
    """Insert an environment's kind records into the settlement tables: (connection, id, value)."""
    export_records: Callable[[sqlite3.Connection, int], KindRecords]
    """Read an environment's kind records back from the settlement tables: (connection, id)."""
    encode_records: Callable[[sqlite3.Connection, int], Iterable[bytes]]
    """Stream the canonical encoding of an environment's kind records (without the union tag)."""
    settlement_steps: Mapping[type, SettlementStep]
    """The simulator's steps for the settlement operations the kind adds, by type."""
    process_exits: SettlementStep
    """The ``ProcessExits`` step of the kind's environments (its exit queues)."""
    chain_steps: Mapping[type, ChainStep]
    """How each child chain step of the spec applies to the kind's ledger, by type."""
    is_ledger_in: Callable[[Store], bool]
    """Whether a store holds a ledger of this kind."""
    open_ledger: Callable[[Store, int | None], ChainLedger]
    """Open the ledger kept in a store, with a number of worker threads (None: per core)."""
    create_ledger: Callable[[Store, Any, int | None], ChainLedger]
    """Create a ledger in an empty store from a state of the spec's child chain."""

    @property
    def kind(self) -> EnvironmentKind:
        """The kind's member of :class:`~spec.settlement.state.EnvironmentKind`."""
        return self.spec.kind


def validate_kind(kind: ReferenceKind) -> None:
    """Check that a kind's steps are exactly the operations of the spec's row.

    Raises:
        AssertionError: when the spec lists an operation the reference has no step
            for, or the reference has a step for an operation the spec does not list.
    """
    settlement = {row.operation_type for row in kind.spec.settlement_operations}
    assert set(kind.settlement_steps) == settlement, (
        f"{kind.kind}: settlement steps {sorted(t.__name__ for t in kind.settlement_steps)} "
        f"are not the spec's {sorted(t.__name__ for t in settlement)}"
    )
    chain = set(kind.spec.chain.operations)
    assert set(kind.chain_steps) == chain, (
        f"{kind.kind}: chain steps {sorted(t.__name__ for t in kind.chain_steps)} "
        f"are not the spec's {sorted(t.__name__ for t in chain)}"
    )
