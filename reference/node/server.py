"""The node's control protocol: JSON lines on standard input and output.

``python -m reference.node.server [OPTIONS] DIRECTORY`` opens (or, on ``init``,
creates) the node in ``DIRECTORY`` and answers every line of its standard
input with exactly one JSON object on one line of its standard output. Protocol
values travel as the hex of their canonical encoding (``spec.encoding``, an
optional ``0x`` prefix), so any language that implements the encoding can drive
the node.

===========  ===========================================  =====================================
command      other fields                                 answer
===========  ===========================================  =====================================
``init``     ``genesis``: a ``SettlementState``           ``{"ok": true}``
``apply``    ``operation``: an ``Operation``              outcome
``deposit``  ``environment``, ``number``,                 outcome
             ``deposit``: a ``DepositTransaction``
``block``    ``environment``, ``number``, ``block``       outcome
``exit``     ``environment``, ``position``                outcome
``step``     ``environment``, ``step``: a step of the     outcome
             environment's kind's child chain
``status``   (none)                                       ``applied``, ``settlement_digest``,
                                                          ``chains``: id → block number, digest
===========  ===========================================  =====================================

``environment`` and ``number`` are JSON integers from 0 to 2**64 - 1 (a
``Uint64``); every other field is hex text. A request has exactly the fields
its command lists, besides ``command``.

The ``deposit``, ``block`` and ``exit`` commands carry the steps of the
payments child chain (``spec.environments.payments.steps``); ``step`` carries
a step of any kind's child chain, encoded as the union of that kind's steps
(``ChildChainSpec.operation_hint``: for Plasma Cash, ``ApplyMint``,
``ApplyCoinBlock`` or ``ApplyCoinExit``), so it names an environment the
settlement layer has (``unknown_environment`` otherwise) before it is
decoded; its length is bounded by the line limit only. The node applies each
step to the environment's ledger as the environment's kind says
(:meth:`~reference.node.directory.Node.apply_chain_step`).

An outcome is ``{"accepted": true}`` or ``{"accepted": false, "reason": R}``
with ``R`` a rejection reason's value. Bytes that do not decode are rejected
with the decoder's reason (``encoding_truncated`` and so on); a child chain
step naming an environment the settlement layer does not have is rejected with
``unknown_environment``.

Errors. A line that is not a request the server can serve gets
``{"error": CODE, "message": TEXT}``: a code from the table below and a short
message for people, which quotes at most 60 characters of the input. The line
codes are those of :mod:`reference.node.requests` (checked in this order:
``line_too_long``, ``empty_line``, ``not_utf8``, ``too_deep``,
``number_too_long``, ``not_json``, ``duplicate_field``, ``not_an_object``);
then:

=====================  ===============================================================
code                   meaning
=====================  ===============================================================
``missing_field``      ``command`` or a field of the command is missing
``unknown_command``    ``command`` names no command
``unknown_field``      a field the command does not take
``bad_field``          a field of the wrong JSON type (text for a number, ...)
``bad_hex``            a hex field that is not pairs of hex digits
``out_of_range``       ``environment`` or ``number`` is not a ``Uint64``
``oversize_block``     the ``block`` hex is longer than the largest block the preset
                       allows (2**depth payments of ``MAX_INPUTS`` inputs and
                       ``MAX_OUTPUTS`` outputs, :func:`compute_largest_block_size`);
                       no valid block is, and it is refused before it is decoded
``no_node``            a command other than ``init`` before the node exists
``node_exists``        ``init`` when the node exists
``invalid_genesis``    ``init`` with a genesis that does not decode, or that the node
                       cannot load (tried in memory first)
``directory_in_use``   ``init`` in a directory holding chain files with tables
``storage_error``      the disk refused (full, read-only, permissions): nothing was
                       answered as done
``internal_error``     an unexpected failure in the node (a bug): nothing was answered
                       as done
=====================  ===============================================================

A request's fields are checked before the node is asked anything: first
its shape and types (``missing_field`` to ``out_of_range``), then whether
the node exists (``no_node``, ``node_exists``), then a block's length, then
the decoding and the protocol's own rules. An error, like a rejection,
changes nothing: no file is created or changed and no state moves.

Limits. Each is checked before the work it protects (the line's length while
it is read, nesting and number lengths before ``json.loads``, a block's length
before it is decoded) and each is an option:

- ``--max-line-bytes N``: longest line, newline excluded (default 96 MiB, which
  holds the largest block of the ``full`` preset);
- ``--max-depth N``: deepest nesting of arrays and objects (default 16; a
  request is one flat object);
- ``--max-digits N``: longest number literal (default 100; a ``Uint64`` has 20).

Other options: ``--file-mode MODE`` (octal, default ``600``), the mode of the
database files the node creates, its directories getting search permission
wherever the files are readable (``0700`` by default; see
:mod:`reference.node.directory`, which also says how leftover chain files are
recovered on start); ``--workers N``, the signature-recovery threads of each
child chain (default one per core).

Input is read as bytes and decoded as UTF-8 by the server, and answers are
written as ASCII JSON, so the locale plays no part. The server stops at the end
of its input (exit status 0), or quietly when the reader of its output leaves
(141); a bad option, or a directory it cannot open, stops it at start with a
message on standard error and no traceback (exit status 2).

Every answer is written only after the step has committed, so an answered
step survives any crash that follows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reference.node.directory import ForeignChainFile, Node, find_chain_ledgers
from reference.node.requests import (
    Limits,
    RequestError,
    add_limit_options,
    parse_positive,
    parse_request,
    quote,
    read_limit_options,
    read_line,
)
from reference.settlement.simulator import SettlementSimulator
from reference.store import PRIVATE_FILE_MODE, Store, paused_failpoints
from spec.encoding import decode, decode_as, encode
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import Address, Signature, Uint8, Uint16, Uint64, Uint256
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation

Request = dict[str, Any]
"""One decoded request line."""

Answer = dict[str, Any]
"""One answer, before it is written as a line."""

COMMAND_FIELDS: dict[str, tuple[str, ...]] = {
    "init": ("genesis",),
    "apply": ("operation",),
    "deposit": ("environment", "number", "deposit"),
    "block": ("environment", "number", "block"),
    "exit": ("environment", "position"),
    "step": ("environment", "step"),
    "status": (),
}
"""The fields of each command, besides ``command``."""


def compute_largest_block_size(transaction_tree_depth: int) -> int:
    """Return the length of the longest block encoding a chain of that depth can accept.

    A block holds at most ``2**depth`` transactions; the longest transaction is
    a payment of ``MAX_INPUTS`` inputs (one signature each) and ``MAX_OUTPUTS``
    outputs. Any longer encoding has too many transactions, inputs, outputs or
    signatures, or bytes left over.
    """
    output = Output(Address(bytes(20)), Address(bytes(20)), Uint256(0))
    position = OutputPosition(Uint64(0), Uint16(0), Uint8(0))
    payment = SignedTransaction(
        Transaction((position,) * MAX_INPUTS, (output,) * MAX_OUTPUTS),
        (Signature(bytes(65)),) * MAX_INPUTS,
    )
    longest = max(
        len(encode(transaction, BlockTransaction))
        for transaction in (payment, FeeClaim(output), DepositTransaction(output))
    )
    leaves: int = 1 << int(transaction_tree_depth)
    return len(encode(Block(()))) + leaves * longest


def check_fields(request: Request) -> str:
    """Return the request's command, once its fields are exactly the command's.

    Raises:
        RequestError: ``missing_field``, ``bad_field``, ``unknown_command`` or
            ``unknown_field``.
    """
    if "command" not in request:
        raise RequestError("missing_field", "a request has a command field")
    command = request["command"]
    if not isinstance(command, str):
        raise RequestError("bad_field", f"command must be text, got {quote(command)}")
    fields = COMMAND_FIELDS.get(command)
    if fields is None:
        raise RequestError("unknown_command", f"no command {quote(command)}")
    unknown = sorted(set(request) - {"command", *fields})
    if unknown:
        raise RequestError("unknown_field", f"{command} takes no field {quote(unknown[0])}")
    missing = [field for field in fields if field not in request]
    if missing:
        raise RequestError("missing_field", f"{command} needs the field {missing[0]!r}")
    return command


def get_hex_text(request: Request, field: str) -> str:
    """Return a hex field's digits, without the ``0x`` prefix (not checked yet).

    Raises:
        RequestError: ``bad_field`` when the field is not text.
    """
    value = request[field]
    if not isinstance(value, str):
        raise RequestError("bad_field", f"{field} must be hex text, got {quote(value)}")
    return value.removeprefix("0x")


def read_hex(request: Request, field: str) -> bytes:
    """Return the bytes of a hex field.

    Raises:
        RequestError: ``bad_field`` when it is not text, ``bad_hex`` when it is not
            pairs of hex digits.
    """
    digits = get_hex_text(request, field)
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        data = None
    # bytes.fromhex skips white space between pairs: the length shows it
    if data is None or 2 * len(data) != len(digits):
        raise RequestError("bad_hex", f"{field} is not pairs of hex digits: {quote(digits)}")
    return data


def read_uint64(request: Request, field: str) -> int:
    """Return an integer field that must be a ``Uint64``.

    Raises:
        RequestError: ``bad_field`` when it is not a JSON integer, ``out_of_range``
            when it is negative or above 2**64 - 1.
    """
    value = request[field]
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError("bad_field", f"{field} must be an integer, got {quote(value)}")
    if not 0 <= value <= Uint64.max_value():
        raise RequestError("out_of_range", f"{field} must be a Uint64, got {quote(value)}")
    return value


class Server:
    """Answers control requests for the node in one directory."""

    def __init__(
        self,
        directory: Path,
        workers: int | None = None,
        limits: Limits | None = None,
        file_mode: int = PRIVATE_FILE_MODE,
    ) -> None:
        """Serve the node in ``directory`` (opened now if it exists, else on ``init``).

        Raises:
            ForeignChainFile: when the directory holds a chain file of an unknown environment.
            sqlite3.Error: when a database in the directory is not one.
            OSError: when the directory cannot be read.
        """
        self.directory = directory
        """The node's data directory."""
        self.workers = workers
        """Signature-recovery threads per child chain."""
        self.limits = Limits() if limits is None else limits
        """How large a request may be."""
        self.file_mode = file_mode
        """Mode of the files the node creates."""
        self.node = Node.open_if_exists(directory, workers, file_mode)
        """The node, once it exists."""

    def get_node(self) -> Node:
        """Return the node.

        Raises:
            RequestError: ``no_node`` before ``init``.
        """
        if self.node is None:
            raise RequestError("no_node", "no node yet: send init first")
        return self.node

    def answer(self, request: Request) -> Answer:
        """Return the answer to one request.

        Raises:
            RequestError: when the request cannot be served.
            Rejected: when the protocol rejects it.
        """
        handlers: dict[str, Callable[[Request], Answer]] = {
            "init": self.handle_init,
            "apply": self.handle_apply,
            "deposit": self.handle_deposit,
            "block": self.handle_block,
            "exit": self.handle_exit,
            "step": self.handle_step,
            "status": self.handle_status,
        }
        return handlers[check_fields(request)](request)

    def handle_init(self, request: Request) -> Answer:
        """Create the node from a genesis state, once it loads in memory."""
        encoding = read_hex(request, "genesis")
        if self.node is not None:
            raise RequestError("node_exists", "the node already exists")
        try:
            genesis = decode(SettlementState, encoding)
        except Rejected as rejection:
            message = f"the genesis does not decode: {rejection.reason.value}"
            raise RequestError("invalid_genesis", message) from None
        check_genesis_loads(genesis)
        if self.directory.exists() and find_chain_ledgers(self.directory):
            message = f"{self.directory} holds chain files with tables"
            raise RequestError("directory_in_use", message)
        self.node = Node.create(self.directory, genesis, self.workers, self.file_mode)
        return {"ok": True}

    def handle_apply(self, request: Request) -> Answer:
        """Apply a settlement operation."""
        encoding = read_hex(request, "operation")
        node = self.get_node()
        node.apply_operation(decode_as(Operation, encoding))
        return {"accepted": True}

    def handle_deposit(self, request: Request) -> Answer:
        """Apply a deposit block to a child chain."""
        environment, number = read_uint64(request, "environment"), read_uint64(request, "number")
        encoding = read_hex(request, "deposit")
        node = self.get_node()
        deposit = decode(DepositTransaction, encoding)
        node.apply_chain_step(environment, ApplyDeposit(Uint64(number), deposit))
        return {"accepted": True}

    def handle_block(self, request: Request) -> Answer:
        """Apply a child block to a child chain; a block too long for any chain is not decoded."""
        environment, number = read_uint64(request, "environment"), read_uint64(request, "number")
        digits = get_hex_text(request, "block")
        node = self.get_node()
        largest = compute_largest_block_size(node.settlement.preset.transaction_tree_depth)
        if len(digits) > 2 * largest:
            preset = node.settlement.preset.name
            message = f"a block of the {preset} preset is at most {largest} bytes"
            raise RequestError("oversize_block", message)
        block = decode(Block, read_hex(request, "block"))
        node.apply_chain_step(environment, ApplyBlock(Uint64(number), block))
        return {"accepted": True}

    def handle_exit(self, request: Request) -> Answer:
        """Remove an exited output from a child chain."""
        environment = read_uint64(request, "environment")
        encoding = read_hex(request, "position")
        node = self.get_node()
        position = decode(OutputPosition, encoding)
        node.apply_chain_step(environment, ApplyExit(position))
        return {"accepted": True}

    def handle_step(self, request: Request) -> Answer:
        """Apply any step of an environment's child chain, encoded as its kind's step union."""
        environment = read_uint64(request, "environment")
        encoding = read_hex(request, "step")
        node = self.get_node()
        kind = node.get_chain_kind(environment)
        node.apply_chain_step(environment, decode_as(kind.spec.chain.operation_hint, encoding))
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

    def serve(self, requests: IO[bytes], answers: IO[bytes]) -> None:
        """Answer every request line with one answer line, until the input ends."""
        while (line := read_line(requests, self.limits.max_line_bytes)) is not None:
            answers.write(json.dumps(self.answer_line(line)).encode("ascii") + b"\n")
            answers.flush()

    def answer_line(self, line: bytes) -> Answer:
        """Return the answer to one request line, rejections and errors included."""
        try:
            return self.answer(parse_request(line, self.limits))
        except Rejected as rejection:
            return {"accepted": False, "reason": rejection.reason.value}
        except RequestError as error:
            return error.to_answer()
        except (OSError, sqlite3.Error) as error:
            return RequestError("storage_error", f"{type(error).__name__}: {error}").to_answer()
        except Exception as error:  # a bug must not stop the server
            return RequestError("internal_error", f"{type(error).__name__}: {error}").to_answer()


def check_genesis_loads(genesis: SettlementState) -> None:
    """Load a genesis into a simulator in memory, so that a state the node cannot hold is refused.

    Raises:
        RequestError: ``invalid_genesis``.
    """
    try:
        with paused_failpoints():
            SettlementSimulator.create(Store(), genesis).store.close()
    except (Rejected, AssertionError, ValueError, OverflowError, sqlite3.Error) as error:
        message = f"the node cannot load the genesis: {type(error).__name__}: {error}"
        raise RequestError("invalid_genesis", message) from None


def parse_file_mode(text: str) -> int:
    """Return a file mode given in octal (an ``argparse`` type): owner read and write at least."""
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777 or mode & 0o600 != 0o600:
        message = f"must be an octal mode from 600 to 777 with owner read and write, not {text!r}"
        raise argparse.ArgumentTypeError(message)
    return mode


@dataclass(frozen=True)
class Options:
    """The server's command line, read."""

    directory: Path
    """The node's data directory."""
    limits: Limits
    """How large a request may be."""
    file_mode: int
    """Mode of the files the node creates."""
    workers: int | None
    """Signature-recovery threads per child chain (None: one per core)."""


def parse_options(arguments: list[str]) -> Options:
    """Return the options of a command line; a bad one exits with status 2 and a message."""
    defaults = Limits()
    parser = argparse.ArgumentParser(
        prog="python -m reference.node.server",
        description="Serve the reference node of DIRECTORY: JSON lines on stdin and stdout.",
    )
    parser.add_argument("directory", metavar="DIRECTORY", type=Path, help="the data directory")
    add_limit_options(parser, defaults)
    parser.add_argument(
        "--file-mode",
        type=parse_file_mode,
        default=PRIVATE_FILE_MODE,
        help="octal mode of the files the node creates (default 600; directories 700)",
    )
    parser.add_argument(
        "--workers",
        type=parse_positive,
        default=None,
        help="signature-recovery threads per child chain (default one per core)",
    )
    options = parser.parse_args(arguments)
    return Options(
        options.directory, read_limit_options(options), options.file_mode, options.workers
    )


def main(arguments: list[str] | None = None) -> int:
    """Serve the node of the directory named on the command line; return the exit status."""
    options = parse_options(sys.argv[1:] if arguments is None else arguments)
    try:
        server = Server(options.directory, options.workers, options.limits, options.file_mode)
    except (ForeignChainFile, OSError, sqlite3.Error) as error:
        print(f"cannot open the node in {options.directory}: {error}", file=sys.stderr)
        return 2
    try:
        server.serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        # The reader left; keep the interpreter from failing to flush at exit
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
