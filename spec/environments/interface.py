"""The interface between the settlement layer and an environment kind.

An environment kind is one kind of child chain, fitted to one application:
its transaction format, its child chain's state and transition, and its exit
game. The settlement layer never names a kind; it asks the kind's
:class:`EnvironmentKindSpec`, found in the registry
(``spec.environments.registry``) by the environment's
:class:`~spec.settlement.state.EnvironmentKind`:

- what a deposit commits to the block log (:attr:`EnvironmentKindSpec.compute_deposit_root`);
- which settlement operations the kind adds (its exit game: start an exit
  from witnesses, decide a challenge), as rows of the settlement operation
  table; each derives the exit's claim (owner, output, amount, exitable time)
  and hands it to the shared machinery of ``spec.settlement.exits``;
- what its child chain is (:class:`ChildChainSpec`): the state, the steps
  that move it and their wire tags, the genesis, the digest domain, and how a
  deposit or a processed exit on the settlement layer becomes a step of the chain.

A kind whose blocks are certified by a committee rather than one operator,
or whose exits need state of their own at the settlement layer (in-flight
exits, per-coin exits), extends this interface in its own rows; the shared
parts above stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from spec.dispatch import OperationSpec, OperationTable
from spec.presets import Preset
from spec.primitives import Hash32, Uint64
from spec.settlement.operations import Deposit
from spec.settlement.state import Environment, EnvironmentKind, Exit, SettlementState


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
    compute_exit_step: Callable[[Exit], Any]
    """The step that applies an exit processed at the settlement layer."""


@dataclass(frozen=True)
class EnvironmentKindSpec:
    """Everything the settlement layer needs to know about one environment kind."""

    kind: EnvironmentKind
    """The kind's member of :class:`~spec.settlement.state.EnvironmentKind`."""
    compute_deposit_root: Callable[[Preset, Deposit], Hash32]
    """The root of the deposit block a deposit writes (what it commits)."""
    settlement_operations: tuple[OperationSpec[SettlementState], ...]
    """Rows the kind adds to the settlement operation table (its exit game)."""
    chain: ChildChainSpec
    """The kind's child chain."""
    codec_types: Mapping[str, Any]
    """The kind's own protocol types, by name, that a codec step may decode (``spec.codec``)."""
