"""The node's control protocol: JSON lines on standard input and output.

``python -m reference.node.server DIRECTORY`` opens (or, on ``init``, creates) the
node in ``DIRECTORY`` and answers one JSON object per request line. Protocol
values travel as the hex of their canonical encoding (``spec.encoding``), so
any language that implements the encoding can drive the node.

===========  ===========================================  =====================================
command      other fields                                 answer
===========  ===========================================  =====================================
``init``     ``genesis``: a ``SettlementState``           ``{"ok": true}``
``apply``    ``operation``: an ``Operation``              outcome
``deposit``  ``environment``, ``number``,                 outcome
             ``deposit``: a ``DepositTransaction``
``block``    ``environment``, ``number``, ``block``       outcome
``exit``     ``environment``, ``position``                outcome
``status``   (none)                                       ``applied``, ``settlement_digest``,
                                                          ``chains``: id → block number, digest
===========  ===========================================  =====================================

The ``deposit``, ``block`` and ``exit`` commands carry the steps of the
payments child chain (``spec.environments.payments.steps``); the node applies
each to the environment's ledger as the environment's kind says
(:meth:`~reference.node.directory.Node.apply_chain_step`).

An outcome is ``{"accepted": true}`` or ``{"accepted": false, "reason": R}``
with ``R`` a rejection reason's value. Bytes that do not decode are rejected
with the decoder's reason (``encoding_truncated`` and so on). A request that
is not understood at all (not JSON, unknown command, missing field) gets
``{"error": "..."}`` and changes nothing.

Every answer is written only after the step has committed, so an answered
step survives any crash that follows.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from reference.node.directory import Node
from spec.encoding import decode, decode_as
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.environments.payments.transactions import Block, DepositTransaction
from spec.errors import Rejected
from spec.primitives import Uint64
from spec.settlement.state import OutputPosition, SettlementState
from spec.settlement.transition import Operation

Request = dict[str, Any]
"""One decoded request line."""

Answer = dict[str, Any]
"""One answer, before it is written as a line."""


class ProtocolError(Exception):
    """A request the server does not understand (not a protocol rejection)."""


def read_hex(request: Request, field: str) -> bytes:
    """Return the bytes of a hex field of a request."""
    value = request.get(field)
    if not isinstance(value, str):
        raise ProtocolError(f"field {field!r} must be a hex string")
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError as error:
        raise ProtocolError(f"field {field!r} is not hex") from error


def read_number(request: Request, field: str) -> int:
    """Return a non-negative integer field of a request."""
    value = request.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"field {field!r} must be a non-negative integer")
    return value


class Server:
    """Answers control requests for the node in one directory."""

    def __init__(self, directory: Path, workers: int | None = None) -> None:
        """Serve the node in ``directory`` (opened now if it exists, else on ``init``)."""
        self.directory = directory
        """The node's data directory."""
        self.workers = workers
        """Signature-recovery threads per child chain."""
        self.node = Node.open(directory, workers) if Node.exists(directory) else None
        """The node, once it exists."""

    def get_node(self) -> Node:
        """Return the node; it must have been created."""
        if self.node is None:
            raise ProtocolError("no node yet: send init first")
        return self.node

    def answer(self, request: Request) -> Answer:
        """Return the answer to one request."""
        handlers: dict[str, Callable[[Request], Answer]] = {
            "init": self.handle_init,
            "apply": self.handle_apply,
            "deposit": self.handle_deposit,
            "block": self.handle_block,
            "exit": self.handle_exit,
            "status": self.handle_status,
        }
        handler = handlers.get(str(request.get("command")))
        if handler is None:
            raise ProtocolError(f"unknown command {request.get('command')!r}")
        return handler(request)

    def handle_init(self, request: Request) -> Answer:
        """Create the node from a genesis state."""
        if self.node is not None:
            raise ProtocolError("the node already exists")
        genesis = decode(SettlementState, read_hex(request, "genesis"))
        self.node = Node.create(self.directory, genesis, self.workers)
        return {"ok": True}

    def handle_apply(self, request: Request) -> Answer:
        """Apply a settlement operation."""
        operation = decode_as(Operation, read_hex(request, "operation"))
        self.get_node().apply_operation(operation)
        return {"accepted": True}

    def handle_deposit(self, request: Request) -> Answer:
        """Apply a deposit block to a child chain."""
        environment, number = read_number(request, "environment"), read_number(request, "number")
        deposit = decode(DepositTransaction, read_hex(request, "deposit"))
        self.get_node().apply_chain_step(environment, ApplyDeposit(Uint64(number), deposit))
        return {"accepted": True}

    def handle_block(self, request: Request) -> Answer:
        """Apply a child block to a child chain."""
        environment, number = read_number(request, "environment"), read_number(request, "number")
        block = decode(Block, read_hex(request, "block"))
        self.get_node().apply_chain_step(environment, ApplyBlock(Uint64(number), block))
        return {"accepted": True}

    def handle_exit(self, request: Request) -> Answer:
        """Remove an exited output from a child chain."""
        environment = read_number(request, "environment")
        position = decode(OutputPosition, read_hex(request, "position"))
        self.get_node().apply_chain_step(environment, ApplyExit(position))
        return {"accepted": True}

    def handle_status(self, request: Request) -> Answer:
        """Report what is committed: operations applied, digests, child chain heights."""
        node = self.get_node()
        chains = {
            str(env): {
                "block_number": int(node.get_chain(env).block_number),
                "digest": node.get_chain(env).compute_digest().hex(),
            }
            for env in node.get_chain_ids()
        }
        return {
            "applied": node.settlement.applied_count(),
            "settlement_digest": node.settlement.compute_digest().hex(),
            "chains": chains,
        }

    def serve(self, requests: TextIO, answers: TextIO) -> None:
        """Answer request lines until the input ends."""
        for line in requests:
            if not line.strip():
                continue
            answers.write(json.dumps(self.answer_line(line)) + "\n")
            answers.flush()

    def answer_line(self, line: str) -> Answer:
        """Return the answer to one request line, rejections and errors included."""
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ProtocolError("a request is a JSON object")
            return self.answer(request)
        except Rejected as rejection:
            return {"accepted": False, "reason": rejection.reason.value}
        except (ProtocolError, json.JSONDecodeError) as error:
            return {"error": str(error)}


def main(arguments: list[str] | None = None) -> int:
    """Serve the node whose directory is the one argument."""
    arguments = sys.argv[1:] if arguments is None else arguments
    if len(arguments) != 1:
        print("usage: python -m reference.node.server DIRECTORY", file=sys.stderr)
        return 2
    Server(Path(arguments[0])).serve(sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
