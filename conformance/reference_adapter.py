"""The reference implementation (``reference/``) behind the adapter protocol.

Run as ``python -m conformance.reference_adapter``; it speaks the protocol of
``conformance/PROTOCOL.md`` on standard input and output. Each ``reset``
opens a fresh in-memory store holding the given state; the settlement layer
is a :class:`~reference.settlement.simulator.SettlementSimulator`, a
payments child chain a
:class:`~reference.environments.payments.ledger.ChildChainLedger`. The codec
area, which ``reference`` shares with the spec, decodes and re-encodes with
``spec.encoding``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from conformance import PROTOCOL
from conformance.areas import AREAS, CODEC, READABLE_ARGUMENTS, StepInput, read_operation
from conformance.readable import JsonValue, read_hex
from reference.environments.payments.ledger import ChildChainLedger
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.encoding import decode_as, encode
from spec.errors import Rejected

CAPABILITIES = ("settlement", "payments-chain", "codec", READABLE_ARGUMENTS)
"""Everything the reference implements."""


class CodecMachine:
    """The codec area's state: the canonical bytes of the last value decoded."""

    def __init__(self, state: bytes) -> None:
        """Start from ``state``."""
        self.state = state
        """The last value's canonical bytes."""

    def apply(self, operation: Any) -> None:
        """Decode and re-encode, as ``conformance.areas.apply_decode`` specifies.

        Raises:
            Rejected: any ``ENCODING_*`` reason.
        """
        self.state = CODEC.transition(self.state, operation)

    def get_state(self) -> bytes:
        """Return the state."""
        return self.state

    def compute_digest(self) -> bytes:
        """Return the state digest."""
        return bytes(CODEC.digest(self.state))


class ReferenceAdapter:
    """Answers protocol requests with the reference implementation."""

    name = "plasma-spec reference (SQLite)"
    """Name announced in the hello."""

    def __init__(self) -> None:
        """Start with no state loaded."""
        self.area = AREAS["settlement"]
        """Area of the loaded state."""
        self.machine: Any = None
        """The simulator, ledger or codec machine holding the state."""

    def handle(self, request: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Return the answer to one request."""
        command = request.get("command")
        if command == "hello":
            capabilities = list(CAPABILITIES)
            return {
                "ok": True,
                "name": self.name,
                "protocol": PROTOCOL,
                "capabilities": capabilities,
            }
        if command == "reset":
            return self.reset(request["area"], read_hex(request["state"]))
        if command == "apply":
            return self.apply(request["operation"])
        if command == "dump":
            return {
                "ok": True,
                "state": "0x" + encode(self.machine.get_state(), self.area.state_type).hex(),
            }
        if command == "bye":
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {command!r}"}

    def reset(self, area_name: str, encoding: bytes) -> dict[str, JsonValue]:
        """Load a state of ``area_name`` from its canonical bytes."""
        self.area = AREAS[area_name]
        state = decode_as(self.area.state_type, encoding)
        if self.area is CODEC:
            self.machine = CodecMachine(state)
        elif area_name == "settlement":
            self.machine = SettlementSimulator.create(Store(), state)
        else:
            self.machine = ChildChainLedger.create(Store(), state, workers=1)
        return {"ok": True, "digest": "0x" + bytes(self.machine.compute_digest()).hex()}

    def apply(self, operation: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Apply one operation; answer its outcome and the digest after it."""
        encoding = operation.get("encoding")
        step = StepInput(
            None if encoding is None else self.read_operation_bytes(encoding),
            str(operation.get("name")),
            operation.get("view"),
        )
        reason = None
        try:
            self.apply_operation(read_operation(self.area, step))
        except Rejected as rejection:
            reason = rejection.reason.value
        return {
            "ok": True,
            "outcome": "accepted" if reason is None else "rejected",
            "reason": reason,
            "digest": "0x" + bytes(self.machine.compute_digest()).hex(),
        }

    def read_operation_bytes(self, encoding: str) -> bytes:
        """Return the bytes of a hex operation (a hook for faulty twins)."""
        return read_hex(encoding)

    def apply_operation(self, operation: Any) -> None:
        """Apply a decoded operation to the machine.

        Raises:
            Rejected: as the reference does.
        """
        if self.area.name == "payments-chain":
            getattr(self.machine, method_name(operation))(*vars(operation).values())
        else:
            self.machine.apply(operation)


def method_name(operation: Any) -> str:
    """Return the ledger method of a child chain step (``ApplyBlock`` -> ``apply_block``)."""
    name = type(operation).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def serve(adapter: ReferenceAdapter, source: TextIO, sink: TextIO) -> None:
    """Answer requests, one JSON object per line, until ``bye`` or the end of input."""
    for line in source:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = adapter.handle(request)
        except Rejected as rejection:
            answer = {"ok": False, "error": f"rejected: {rejection.reason.value}"}
        sink.write(json.dumps(answer) + "\n")
        sink.flush()
        if request.get("command") == "bye":
            return


def main() -> None:
    """Serve the reference over standard input and output."""
    serve(ReferenceAdapter(), sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
