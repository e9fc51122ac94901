"""The areas a trace can exercise, and how the spec runs one step of each.

An **area** is one state machine of the protocol with its state type, its
operation union and its state transition:

- ``settlement``: :class:`~spec.settlement.state.SettlementState` moved by the
  settlement operations (``spec.settlement.transition.state_transition``);
- one area per environment kind's child chain, named by the kind
  (``EnvironmentKindSpec.chain.area``): for payments, ``payments-chain``,
  :class:`~spec.environments.payments.chain.ChildChainState` moved by the
  steps of ``spec.environments.payments.steps``;
- ``codec``: the canonical encoding itself (``spec.codec``). Its state is the
  canonical bytes of the last value decoded; a
  :class:`~spec.codec.Decode` step decodes bytes as a named type
  (:data:`~spec.codec.CODEC_TYPES`) and re-encodes them, so every type of
  the protocol, states included, can be checked on its own bytes;
- ``consensus``: one replica of a finality committee
  (:class:`~spec.finality.node.ReplicaNode`: the replica's state with its
  committee, its test key and the messages its last step sent), moved by
  :data:`~spec.finality.replica.ReplicaInput` (a message in, a timer, an
  order to propose) through ``spec.finality.node.apply_replica_input``.

The area names double as capability selectors: an implementation announces
the areas it implements and skips vectors of the others.

A step gives its operation as canonical bytes (normative; they may fail to
decode, which is then the step's rejection) or, for the ``readable-arguments``
capability only, as a readable view whose fields may be out of range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.readable import JsonValue, from_view
from spec.codec import Decode, apply_decode, compute_codec_digest
from spec.digest import compute_digest, compute_settlement_digest
from spec.dispatch import apply_operation
from spec.encoding import decode_as, is_union
from spec.environments.interface import ChildChainSpec
from spec.environments.registry import KINDS
from spec.errors import Rejected, RejectionReason
from spec.finality.node import ReplicaNode, apply_replica_input, compute_replica_node_digest
from spec.finality.replica import ReplicaInput
from spec.primitives import (
    Hash32,
)
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation, state_transition

READABLE_ARGUMENTS = "readable-arguments"
"""Capability: the implementation builds operations from readable views (and range-checks them)."""


@dataclass(frozen=True)
class Area:
    """One state machine a trace exercises."""

    name: str
    """Capability selector and directory name."""
    state_type: type
    """Type of the state."""
    operation_hint: Any
    """The union of the area's operations."""
    transition: Callable[[Any, Any], Any]
    """The spec's state transition: (state, operation) to the next state."""
    digest: Callable[[Any], Hash32]
    """The spec's state digest."""


def compute_chain_area(chain: ChildChainSpec) -> Area:
    """Return the area of an environment kind's child chain."""
    return Area(
        chain.area,
        chain.state_type,
        chain.operation_hint,
        lambda state, operation: apply_operation(chain.operations, state, operation),
        lambda state: compute_digest(chain.digest_domain, state),
    )


SETTLEMENT = Area(
    "settlement", SettlementState, Operation, state_transition, compute_settlement_digest
)
"""The settlement layer (root contract)."""

CHAIN_AREAS = {kind: compute_chain_area(spec.chain) for kind, spec in KINDS.items()}
"""Each environment kind's child chain, by kind."""

PAYMENTS_CHAIN = CHAIN_AREAS[EnvironmentKind.PAYMENTS]
"""The payments child chain."""

CODEC = Area("codec", bytes, Decode, apply_decode, compute_codec_digest)
"""The canonical encoding."""

CONSENSUS = Area(
    "consensus", ReplicaNode, ReplicaInput, apply_replica_input, compute_replica_node_digest
)
"""One replica of a finality committee: replica state and messages out."""

AREAS = {area.name: area for area in (SETTLEMENT, *CHAIN_AREAS.values(), CODEC, CONSENSUS)}
"""Every area, by name."""


@dataclass(frozen=True)
class StepInput:
    """An operation as a step gives it: canonical bytes, or (readable-only) a view."""

    encoding: bytes | None
    """Canonical bytes, normative when present; they may be malformed on purpose."""
    name: str
    """Class name of the operation (``undecodable`` for malformed bytes)."""
    view: JsonValue
    """Readable view of the operation's fields (``None`` for malformed bytes)."""


def read_operation(area: Area, step: StepInput) -> Any:
    """Return the operation a step gives, as the spec reads it.

    Raises:
        Rejected: an ``ENCODING_*`` reason for bytes that do not decode;
            ``INTEGER_OVERFLOW``, ``INTEGER_UNDERFLOW`` or ``BYTES_WRONG_LENGTH``
            for a readable view with a field out of range.
    """
    if step.encoding is not None:
        return decode_as(area.operation_hint, step.encoding)
    tagged = {"variant": step.name, "value": step.view}
    return from_view(area.operation_hint, tagged if is_union(area.operation_hint) else step.view)


@dataclass(frozen=True)
class StepResult:
    """What the spec does with one step."""

    state: Any
    """The state after the step (the state before it when rejected)."""
    reason: RejectionReason | None
    """The rejection reason, or None when accepted."""


def run_step(area: Area, state: Any, step: StepInput) -> StepResult:
    """Run one step on the spec; a rejection leaves ``state`` as it was."""
    try:
        return StepResult(area.transition(state, read_operation(area, step)), None)
    except Rejected as rejection:
        return StepResult(state, rejection.reason)
