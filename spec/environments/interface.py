"""The interface between the settlement layer and an environment kind.

An environment kind is one kind of child chain, fitted to one application:
its transaction format, its child chain's state and transition, and its exit
game. The settlement layer never names a kind; it asks the kind's
:class:`EnvironmentKindSpec`, found in the registry
(``spec.environments.registry``) by the environment's
:class:`~spec.settlement.state.EnvironmentKind`:

- what a deposit commits to the block log (:attr:`EnvironmentKindSpec.compute_deposit_root`)
  and what the kind records of it (:attr:`EnvironmentKindSpec.record_deposit`);
- what the kind keeps of its own at the settlement layer
  (``Environment.kind_records``, one variant per kind in
  ``spec.environments.records``), and which bonds those records hold;
- which settlement operations the kind adds (its exit game: start an exit
  from witnesses, decide a challenge), as rows of the settlement operation
  table. A kind whose exits wait in the shared priority queue (payments)
  hands each claim to ``spec.settlement.exits`` and says how its queue is
  processed (:attr:`EnvironmentKindSpec.process_exit_queue`); a kind whose exits stand
  alone (Plasma Cash) keeps them in its records and uses only the shared
  ledgers (balances, vault, bonds held);
- what its child chain is (:class:`ChildChainSpec`): the state, the steps
  that move it and their wire tags, the genesis, the digest domain, and how a
  deposit or a processed exit on the settlement layer becomes a step of the chain.

A kind whose blocks are certified by a committee rather than one operator
extends this interface in its own rows; the shared parts above stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from spec.dispatch import OperationSpec, OperationTable
from spec.environments.records import KindRecords
from spec.presets import Preset
from spec.primitives import Hash32, Uint64, Uint256
from spec.settlement.operations import Deposit, ProcessExits
from spec.settlement.state import Environment, EnvironmentKind, SettlementState


@dataclass(frozen=True)
class ChildChainSpec:
    """A kind's child chain: its own state machine, beside the settlement layer."""

    area: str
    """Name of the chain as a conformance area and capability (``payments-chain``)."""
    state_type: type
    """Type of the chain's state."""
    operation_hint: Any
    """The union of the chain's steps."""
    operations: OperationTable[Any]
    """The chain's operation table: each step's wire tag and process function."""
    digest_domain: bytes
    """Domain tag of the chain's state digests (``spec.digest.compute_digest``)."""
    compute_genesis: Callable[[Uint64, Environment, Preset], Any]
    """The chain's state before any block: (environment id, environment, preset)."""
    compute_deposit_step: Callable[[Uint64, Deposit], Any]
    """The step that applies a deposit accepted at the settlement layer: (block number, deposit)."""
    compute_exit_steps: Callable[[Environment, Environment], tuple[Any, ...]]
    """The steps of the exits paid between two states of the environment: (before, after)."""


@dataclass(frozen=True)
class EnvironmentKindSpec:
    """Everything the settlement layer needs to know about one environment kind."""

    kind: EnvironmentKind
    """The kind's member of :class:`~spec.settlement.state.EnvironmentKind`."""
    compute_genesis_records: Callable[[], KindRecords]
    """The kind's records of a newly registered environment."""
    compute_deposit_root: Callable[[Preset, Uint64, Deposit], Hash32]
    """The root of the deposit block a deposit writes: (preset, block number, deposit)."""
    record_deposit: Callable[[Preset, KindRecords, Uint64, Deposit], KindRecords]
    """The kind's records after a deposit: (preset, records, block number, deposit); may reject."""
    compute_held_bonds: Callable[[KindRecords], Uint256]
    """The bonds the kind's records hold (beyond the shared exits' bonds)."""
    settlement_operations: tuple[OperationSpec[SettlementState], ...]
    """Rows the kind adds to the settlement operation table (its exit game)."""
    process_exit_queue: Callable[[SettlementState, ProcessExits], SettlementState]
    """How ``ProcessExits`` processes one token's queue of an environment of the kind."""
    chain: ChildChainSpec
    """The kind's child chain."""
    codec_types: Mapping[str, Any]
    """The kind's own protocol types, by name, that a codec step may decode (``spec.codec``)."""
