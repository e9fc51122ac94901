"""The reference implementation (``reference/``) behind the adapter protocol.

Run as ``python -m conformance.reference_adapter``; it speaks the protocol of
``conformance/PROTOCOL.md`` on standard input and output. Each ``reset``
opens a fresh in-memory store holding the given state; the settlement layer
is a :class:`~reference.settlement.simulator.SettlementSimulator`, a
payments child chain a
:class:`~reference.environments.payments.ledger.ChildChainLedger`. The codec
area, which ``reference`` shares with the spec, decodes and re-encodes with
``spec.encoding``; the consensus area, whose replica state machine the
reference node's replicas share with the spec (``reference/__init__.py``),
runs ``spec.finality.node.apply_replica_input``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import IO, Any, TypeVar

from conformance import PROTOCOL
from conformance.areas import (
    AREAS,
    CHAIN_AREAS,
    CODEC,
    CONSENSUS,
    READABLE_ARGUMENTS,
    SETTLEMENT,
    Area,
    StepInput,
    read_operation,
)
from conformance.lines import ADAPTER_LIMITS, read_requests
from conformance.readable import JsonValue, read_hex
from reference.environments.interface import ChainLedger, ReferenceKind
from reference.environments.registry import get_kind
from reference.node.requests import (
    Limits,
    RequestError,
    add_limit_options,
    quote,
    read_limit_options,
)
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.encoding import decode_as, encode
from spec.errors import Rejected
from spec.presets import PRESETS

CAPABILITIES = (
    "settlement",
    *(area.name for area in CHAIN_AREAS.values()),
    "codec",
    "consensus",
    READABLE_ARGUMENTS,
)
"""Everything the reference implements."""

CHAIN_AREA_KINDS = {area.name: kind for kind, area in CHAIN_AREAS.items()}
"""The kind of each child-chain area, by the area's name."""

T = TypeVar("T")


class SharedMachine:
    """An area the reference shares with the spec: the codec, or one consensus replica."""

    def __init__(self, area: Area, state: Any) -> None:
        """Start ``area`` from ``state``."""
        self.area = area
        """The shared area."""
        self.state = state
        """The area's state."""

    def apply(self, operation: Any) -> None:
        """Apply one step with the area's transition (a rejection changes nothing).

        Raises:
            Rejected: as the spec does.
        """
        self.state = self.area.transition(self.state, operation)

    def get_state(self) -> Any:
        """Return the state."""
        return self.state

    def compute_digest(self) -> bytes:
        """Return the state digest."""
        return bytes(self.area.digest(self.state))


class ReferenceAdapter:
    """Answers protocol requests with the reference implementation.

    Every request gets one answer; a request that cannot be served gets
    ``{"ok": false, "error": CODE, "message": TEXT}`` with a code of
    ``conformance/PROTOCOL.md`` and changes nothing.
    """

    name = "plasma-spec reference (SQLite)"
    """Name announced in the hello."""

    def __init__(self) -> None:
        """Start with no state loaded."""
        self.area: Area | None = None
        """Area of the loaded state (None before the first accepted reset)."""
        self.machine: Any = None
        """The simulator, ledger or codec machine holding the state."""

    def handle(self, request: dict[str, Any]) -> dict[str, JsonValue]:
        """Return the answer to one request (never raises on a request's content).

        Raises:
            RequestError: when the request cannot be served (see :meth:`serve_one`).
        """
        command = request.get("command")
        if command == "hello":
            return {
                "ok": True,
                "name": self.name,
                "protocol": PROTOCOL,
                "capabilities": list(CAPABILITIES),
            }
        if command == "reset":
            area = read_choice(request, "area", AREAS)
            read_choice(request, "preset", PRESETS)
            return self.reset(area, read_hex_field(request, "state"))
        if command == "apply":
            return self.apply(read_object(request, "operation"))
        if command == "dump":
            area, machine = self.get_loaded()
            return {"ok": True, "state": "0x" + encode(machine.get_state(), area.state_type).hex()}
        if command == "bye":
            return {"ok": True}
        raise RequestError("unknown_command", f"no command {quote(command)}")

    def get_loaded(self) -> tuple[Area, Any]:
        """Return the loaded area and machine.

        Raises:
            RequestError: ``no_state`` before the first accepted reset.
        """
        if self.area is None:
            raise RequestError("no_state", "no state is loaded: send a reset first")
        return self.area, self.machine

    def reset(self, area: Area, encoding: bytes) -> dict[str, JsonValue]:
        """Load a state of ``area`` from its canonical bytes; on failure keep the old state.

        Raises:
            RequestError: ``invalid_state`` when the bytes are not a state the
                reference can load.
        """
        try:
            state = decode_as(area.state_type, encoding)
            machine = make_machine(area, state)
        except Rejected as rejection:
            raise RequestError("invalid_state", f"rejected: {rejection.reason.value}") from None
        except (AssertionError, ValueError, OverflowError) as error:
            raise RequestError("invalid_state", f"cannot load it: {str(error)[:120]}") from None
        self.area, self.machine = area, machine
        return {"ok": True, "digest": "0x" + bytes(machine.compute_digest()).hex()}

    def apply(self, operation: dict[str, Any]) -> dict[str, JsonValue]:
        """Apply one operation; answer its outcome and the digest after it.

        Raises:
            RequestError: ``no_state``, ``bad_field``, ``bad_hex`` or
                ``bad_operation`` (a readable view that names no operation).
        """
        area, machine = self.get_loaded()
        encoding = operation.get("encoding")
        step = StepInput(
            None
            if encoding is None
            else self.read_operation_bytes(read_hex_field(operation, "encoding")),
            read_text(operation, "name"),
            operation.get("view"),
        )
        reason = None
        try:
            self.apply_operation(read_operation(area, step))
        except Rejected as rejection:
            reason = rejection.reason.value
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise RequestError("bad_operation", f"not an operation: {str(error)[:120]}") from None
        return {
            "ok": True,
            "outcome": "accepted" if reason is None else "rejected",
            "reason": reason,
            "digest": "0x" + bytes(machine.compute_digest()).hex(),
        }

    def read_operation_bytes(self, encoding: bytes) -> bytes:
        """Return an operation's bytes as the adapter reads them (a hook for faulty twins)."""
        return encoding

    def apply_operation(self, operation: Any) -> None:
        """Apply a decoded operation to the machine.

        Raises:
            Rejected: as the reference does.
        """
        area, machine = self.get_loaded()
        if area.name in CHAIN_AREA_KINDS:
            machine.apply_step(operation)
        else:
            machine.apply(operation)


def make_machine(area: Area, state: Any) -> Any:
    """Return a fresh reference machine holding ``state`` (shared, simulator or ledger)."""
    if area is CODEC or area is CONSENSUS:
        return SharedMachine(area, state)
    if area is SETTLEMENT:
        return SettlementSimulator.create(Store(), state)
    kind = get_kind(CHAIN_AREA_KINDS[area.name])
    return ChainMachine(kind, kind.create_ledger(Store(), state, 1))


class ChainMachine:
    """A kind's child chain ledger, driven by the spec's chain steps through the kind's table."""

    def __init__(self, kind: ReferenceKind, ledger: ChainLedger) -> None:
        """Wrap ``ledger``, a ledger of ``kind``."""
        self.kind = kind
        """The reference's row of the ledger's kind."""
        self.ledger: Any = ledger
        """The reference's ledger."""

    def apply_step(self, step: Any) -> None:
        """Apply one child-chain step through the kind's ``chain_steps``.

        Raises:
            Rejected: as the ledger does.
        """
        self.kind.chain_steps[type(step)](self.ledger, step)

    def get_state(self) -> Any:
        """Return the ledger's state as the spec sees it."""
        return self.ledger.get_state()

    def compute_digest(self) -> bytes:
        """Return the ledger's state digest."""
        return bytes(self.ledger.compute_digest())


def read_choice(request: dict[str, Any], field: str, choices: Mapping[str, T]) -> T:
    """Return the choice a text field names.

    Raises:
        RequestError: ``bad_field`` when it is missing or not text; ``unknown_FIELD``
            (``unknown_area``, ``unknown_preset``) when it names no choice.
    """
    name = read_text(request, field)
    if name not in choices:
        raise RequestError(f"unknown_{field}", f"no {field} {quote(name)}")
    return choices[name]


def read_text(request: dict[str, Any], field: str) -> str:
    """Return a text field.

    Raises:
        RequestError: ``bad_field`` when it is missing or not text.
    """
    value = request.get(field)
    if not isinstance(value, str):
        raise RequestError("bad_field", f"{field} must be text, got {quote(value)}")
    return value


def read_object(request: dict[str, Any], field: str) -> dict[str, Any]:
    """Return an object field.

    Raises:
        RequestError: ``bad_field`` when it is missing or not an object.
    """
    value = request.get(field)
    if not isinstance(value, dict):
        raise RequestError("bad_field", f"{field} must be an object, got {quote(value)}")
    return value


def read_hex_field(request: dict[str, Any], field: str) -> bytes:
    """Return the bytes of a ``0x``-prefixed hex text field.

    Raises:
        RequestError: ``bad_field`` when it is missing or not text; ``bad_hex`` when
            it is not ``0x`` followed by pairs of hex digits.
    """
    text = read_text(request, field)
    try:
        return read_hex(text)
    except ValueError:
        raise RequestError("bad_hex", f"{field} is not 0x-prefixed hex: {quote(text)}") from None


def answer_line(
    adapter: ReferenceAdapter, request: dict[str, Any] | RequestError
) -> dict[str, JsonValue]:
    """Return the answer to one line: the adapter's, or the error of a malformed line."""
    if isinstance(request, RequestError):
        return {"ok": False, "error": request.code, "message": request.message}
    try:
        return adapter.handle(request)
    except RequestError as error:
        return {"ok": False, "error": error.code, "message": error.message}


def serve(
    adapter: ReferenceAdapter, source: IO[bytes], sink: IO[bytes], limits: Limits = ADAPTER_LIMITS
) -> None:
    """Answer every line with one JSON object, until ``bye`` or the end of input."""
    for request in read_requests(source, limits):
        answer = answer_line(adapter, request)
        sink.write(json.dumps(answer).encode("utf-8") + b"\n")
        sink.flush()
        if isinstance(request, dict) and request.get("command") == "bye" and answer["ok"]:
            return


def main() -> None:
    """Serve the reference over standard input and output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_limit_options(parser, ADAPTER_LIMITS)
    limits = read_limit_options(parser.parse_args())
    serve(ReferenceAdapter(), sys.stdin.buffer, sys.stdout.buffer, limits)


if __name__ == "__main__":
    main()
