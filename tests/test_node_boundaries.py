"""The node server refuses bad input cleanly, and a refused request changes nothing.

``python -m reference.node.server DIRECTORY`` must answer every line of its
input with exactly one JSON answer, never die, never print a traceback, never
echo unbounded input, and leave the node's state and files as they were after
any line it refuses (an error) or rejects (a protocol rejection). The last
tests generate bad lines with Hypothesis (200 in CI; set
``PLASMA_SPEC_BOUNDARY_EXAMPLES`` for more) against one server process kept
alive across examples, with small limits so that lines over them stay cheap.

Files are compared by name and bytes, the ``-wal`` file included, except the
``-shm`` files: SQLite's shared-memory index of the log, which it rewrites when
a transaction starts and ends, a rolled-back one included, and which holds no
state (SQLite rebuilds it from the log). The node's digests are compared too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import ALICE, WATCHER
from reference.node import server as node_server
from reference.node.requests import Limits, RequestError, check_before_parsing, parse_request
from reference.node.server import COMMAND_FIELDS, Server, compute_largest_block_size
from reference.store import Store
from spec.encoding import encode
from spec.environments.cash.chain import apply_mint, compute_genesis_cash_chain
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.kind import compute_cash_chain_digest
from spec.environments.cash.steps import ApplyMint
from spec.environments.payments.in_flight import DeleteInFlightExit
from spec.environments.payments.piggybacks import PiggybackInFlightExit
from spec.environments.payments.records import PiggybackSide
from spec.environments.payments.steps import ApplyExit, ChainOperation
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    Block,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.presets import FULL, TINY
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Signature,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, SubmitBlock
from spec.settlement.state import SettlementState
from spec.settlement.transition import OPERATIONS
from tests.crash_cash import CASH_ENVIRONMENT, step_request
from tests.crash_workload import Request, Snapshot, apply_request, build_workload, replay

EXAMPLES = int(os.environ.get("PLASMA_SPEC_BOUNDARY_EXAMPLES", "200"))
"""Generated bad lines per run (200 in CI)."""

ROOT = Path(__file__).resolve().parent.parent
"""The repository, so that the server imports this checkout."""

SMALL_LIMITS = Limits(max_line_bytes=64 * 1024, max_depth=8, max_digits=40)
"""The limits of the server the generated lines go to."""

ANSWER_SECONDS = 60.0
"""Longest wait for one answer line."""

ERROR_CODES = frozenset(
    {
        "empty_line",
        "line_too_long",
        "not_utf8",
        "too_deep",
        "number_too_long",
        "not_json",
        "not_an_object",
        "duplicate_field",
        "missing_field",
        "unknown_command",
        "unknown_field",
        "bad_field",
        "bad_hex",
        "out_of_range",
        "oversize_block",
        "no_node",
        "node_exists",
        "invalid_genesis",
        "directory_in_use",
    }
)
"""The error codes a bad line may get (never ``storage_error`` or ``internal_error``)."""

REASONS = frozenset(reason.value for reason in RejectionReason)
"""Every rejection reason."""

ANY = frozenset({"any"})
"""Expectation: any typed refusal (an error code above or a rejection)."""

REJECTED = frozenset({"rejected"})
"""Expectation: a rejection, for any reason."""

SEED = 3
"""Seed of the history the node is given before the bad lines."""

UNUSED_OPERATION_TAG = max(row.tag for row in OPERATIONS.values()) + 1
"""A wire tag no settlement operation has: the byte after the largest one."""


def error(*codes: str) -> frozenset[str]:
    """Return the expectation of an error answer with one of ``codes``."""
    return frozenset(f"error:{code}" for code in codes)


def rejected(*reasons: RejectionReason) -> frozenset[str]:
    """Return the expectation of a rejection for one of ``reasons``."""
    return frozenset(f"rejected:{reason.value}" for reason in reasons)


def classify(answer: dict[str, Any]) -> str:
    """Return ``error:CODE``, ``rejected:REASON``, ``accepted`` or ``other`` for an answer."""
    if set(answer) == {"error", "message"} and isinstance(answer["message"], str):
        return f"error:{answer['error']}"
    if answer.get("accepted") is False and set(answer) == {"accepted", "reason"}:
        return f"rejected:{answer['reason']}"
    if answer in ({"accepted": True}, {"ok": True}):
        return "accepted"
    return "other"


def is_expected(kind: str, expected: frozenset[str]) -> bool:
    """Return whether an answer's kind meets an expectation."""
    if kind.startswith("error:") and kind.removeprefix("error:") not in ERROR_CODES:
        return False
    if kind.startswith("rejected:") and kind.removeprefix("rejected:") not in REASONS:
        return False
    if "any" in expected and kind.split(":", maxsplit=1)[0] in ("error", "rejected"):
        return True
    return kind in expected or ("rejected" in expected and kind.startswith("rejected:"))


def snapshot_files(directory: Path) -> dict[str, str]:
    """Return the hash of each file of a directory by name, ``-shm`` files left out."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if not path.name.endswith("-shm")
    }


class NodeProcess:
    """``python -m reference.node.server`` on a directory, answering lines with a time limit."""

    def __init__(self, directory: Path, options: list[str], errors: Path) -> None:
        """Start the server with ``options``; its standard error goes to the file ``errors``."""
        self.errors = errors
        """Where the server's standard error goes."""
        with errors.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reference.node.server", *options, str(directory)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=sink,
                cwd=ROOT,
            )
        self.buffer = b""
        """Answer bytes read but not yet returned."""

    def send(self, data: bytes) -> None:
        """Write raw bytes to the server's input."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def read_answer(self) -> dict[str, Any]:
        """Return the next answer line, parsed; fail if none comes in time."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        deadline = time.monotonic() + ANSWER_SECONDS
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the server gave no answer in time"
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if ready:
                chunk = os.read(descriptor, 1 << 16)
                assert chunk, f"the server ended: {self.errors.read_text()}"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        assert len(line) < 1_000, f"an answer of {len(line)} bytes: {line[:200]!r}"
        answer = json.loads(line)
        assert isinstance(answer, dict)
        return answer

    def ask(self, line: bytes) -> dict[str, Any]:
        """Send one line and return its answer."""
        self.send(line + b"\n")
        return self.read_answer()

    def ask_request(self, request: Request) -> dict[str, Any]:
        """Send one request object and return its answer."""
        return self.ask(json.dumps(request).encode())

    def status(self) -> dict[str, Any]:
        """Return the node's status."""
        return self.ask(b'{"command": "status"}')

    def stop(self) -> tuple[int, str]:
        """Close the input; return the exit status and what was written on standard error."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=ANSWER_SECONDS)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code, self.errors.read_text(encoding="utf-8", errors="replace")


def make_history() -> tuple[SettlementState, list[Request], Snapshot]:
    """Return a genesis with two environments, a history, and the spec's state after it.

    The history's child chain steps are those of environment 0 only, so that
    environment 1 is registered but has no ledger yet.
    """
    genesis, requests = build_workload(SEED, 60, environments_at_genesis=True)
    kept = [r for r in requests if r["command"] == "apply" or r["environment"] == 0]
    snapshots, _ = replay(genesis, kept)
    assert snapshots[-1].chains[0].block_number > 0
    return genesis, kept, snapshots[-1]


class World:
    """A server holding a node with some history, and what is known about it."""

    def __init__(self, directory: Path, options: list[str], errors: Path) -> None:
        """Create the node in ``directory`` through a new server with ``options``."""
        self.directory = directory
        """The node's data directory."""
        self.server = NodeProcess(directory, options, errors)
        """The server."""
        genesis, history, self.final = make_history()
        _, answers = replay(genesis, history)
        assert self.server.ask_request({"command": "init", "genesis": encode(genesis).hex()}) == {
            "ok": True
        }
        for request, expected in zip(history, answers, strict=True):
            assert self.server.ask_request(request) == expected
        self.status = self.server.status()
        """The node's status now."""
        self.files = snapshot_files(directory)
        """The node's files now."""
        self.outcomes: Counter[str] = Counter()
        """How the lines sent so far were answered, by kind."""

    @property
    def time(self) -> int:
        """The settlement clock."""
        return int(self.final.settlement.time)

    @property
    def chain_height(self) -> int:
        """The block number of environment 0's child chain."""
        return int(self.final.chains[0].block_number)

    def check_line(self, line: bytes, expected: frozenset[str]) -> None:
        """Send a line, then a status request; check the answer and that nothing changed."""
        assert b"\n" not in line
        self.server.send(line + b"\n" + b'{"command": "status"}\n')
        answer = self.server.read_answer()
        status = self.server.read_answer()
        assert "applied" in status, f"the line got more than one answer: {status}"
        kind = classify(answer)
        self.outcomes[kind.split(":")[0]] += 1
        assert self.server.process.poll() is None, "the server died"
        assert self.server.errors.stat().st_size == 0, self.server.errors.read_text()
        if kind == "accepted" and "maybe-accepted" in expected:
            self.status, self.files = status, snapshot_files(self.directory)
            return
        assert is_expected(kind, expected), f"{line[:200]!r}: {answer}, expected {expected}"
        assert status == self.status, f"{line[:200]!r} changed the state"
        assert snapshot_files(self.directory) == self.files, f"{line[:200]!r} changed a file"


def run_small_world(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[World]:
    """Yield a node server with small limits and one worker; check it stops cleanly."""
    place = tmp_path_factory.mktemp(name)
    options = [
        f"--max-line-bytes={SMALL_LIMITS.max_line_bytes}",
        f"--max-depth={SMALL_LIMITS.max_depth}",
        f"--max-digits={SMALL_LIMITS.max_digits}",
        "--workers=1",
    ]
    world = World(place / "node", options, place / "stderr.txt")
    yield world
    code, errors = world.server.stop()
    assert code == 0 and errors == ""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A node server with small limits, kept alive across the generated examples."""
    yield from run_small_world(tmp_path_factory, "boundaries")


# Strategies of bad lines, each with what its answer must be

Line = tuple[bytes, frozenset[str]]
"""A line to send and the expectation of its answer."""


def dump(request: dict[str, Any]) -> bytes:
    """Return a request as a JSON line."""
    return json.dumps(request).encode()


SOMEONE = Address(b"\x01" * 20)
"""An address that is no actor's."""


def make_deposit_hex(amount: int) -> str:
    """Return the hex of a deposit transaction of ``amount`` to SOMEONE."""
    return encode(DepositTransaction(Output(SOMEONE, NATIVE_TOKEN, Uint256(amount)))).hex()


def make_position_hex(block: int, transaction: int = 0, output: int = 0) -> str:
    """Return the hex of an output position."""
    return encode(OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))).hex()


def make_valid_shapes(world: World) -> list[Request]:
    """Return one well-formed request of each command (what the shape mutations start from)."""
    return [
        {"command": "init", "genesis": "00"},
        apply_request(AdvanceTime(Uint64(world.time))),
        {"command": "deposit", "environment": 0, "number": 1, "deposit": make_deposit_hex(5)},
        {"command": "block", "environment": 0, "number": 1, "block": encode(Block(())).hex()},
        {"command": "exit", "environment": 0, "position": make_position_hex(999)},
        {"command": "step", "environment": 0, "step": make_exit_step_hex(999)},
        {"command": "status"},
    ]


def make_exit_step_hex(block: int) -> str:
    """Return the hex of a payments ``ApplyExit`` step, as the ``step`` command carries it."""
    position = OutputPosition(Uint64(block), Uint16(0), Uint8(0))
    return encode(ApplyExit(position), ChainOperation).hex()


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
"""JSON scalars (numbers within the digit limit)."""

JSON_CONTAINERS = st.lists(JSON_SCALARS, max_size=3) | st.dictionaries(
    st.text(max_size=5), JSON_SCALARS, max_size=3
)
"""Arrays and objects of scalars."""

JSON_VALUES = JSON_SCALARS | JSON_CONTAINERS | st.lists(JSON_CONTAINERS, max_size=2)
"""Small JSON values, nested at most two levels (within every depth limit here)."""

INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xfe"]
)
"""Byte sequences that are never UTF-8."""


def blank_lines() -> st.SearchStrategy[Line]:
    """Lines of nothing or white space only."""
    blanks = st.lists(st.sampled_from([b" ", b"\t", b"\r", b"\x0b", b"\x0c"]), max_size=8)
    return blanks.map(lambda parts: (b"".join(parts), error("empty_line")))


def huge_lines() -> st.SearchStrategy[Line]:
    """Lines over the length limit: filler, or a request padded past it."""
    limit = SMALL_LIMITS.max_line_bytes
    sizes = st.integers(limit + 1, 4 * limit)
    fillers = st.sampled_from([b"x", b"[", b"7", b'"', b"\xff", b" "])
    filled = st.tuples(sizes, fillers).map(lambda pair: (pair[1] * pair[0], error("line_too_long")))
    padded = sizes.map(
        lambda size: (
            b'{"command": "status", "pad": "' + b"a" * size + b'"}',
            error("line_too_long"),
        )
    )
    return filled | padded


def deep_lines() -> st.SearchStrategy[Line]:
    """Arrays and objects nested past the depth limit, alone or inside a request."""
    depth = st.integers(SMALL_LIMITS.max_depth + 1, 3_000)

    def nest(shape: str, count: int) -> bytes:
        if shape == "array":
            return b"[" * count + b"]" * count
        if shape == "object":
            return b'{"a": ' * count + b"1" + b"}" * count
        return b'[{"a": ' * (count // 2 + 1) + b"0" + b"}]" * (count // 2 + 1)

    shapes = st.sampled_from(["array", "object", "mixed"])
    alone = st.tuples(shapes, depth).map(lambda pair: nest(*pair))
    inside = alone.map(lambda nested: b'{"command": "status", "x": ' + nested + b"}")
    unclosed = depth.map(lambda count: b"[" * count)
    return (alone | inside | unclosed).map(lambda line: (line, error("too_deep")))


def long_number_lines() -> st.SearchStrategy[Line]:
    """Number literals longer than the digit limit, where a field or any value goes."""
    digits = st.integers(SMALL_LIMITS.max_digits + 1, 20_000).map(lambda n: b"9" * n)
    signs = st.sampled_from([b"", b"-", b"0."])
    templates = st.sampled_from(
        [
            b'{"command": "deposit", "environment": %s, "number": 1, "deposit": "00"}',
            b'{"command": "exit", "environment": 0, "position": %s}',
            b'{"command": "status", "x": [1, 2, %s]}',
            b"%s",
        ]
    )
    return st.tuples(templates, signs, digits).map(
        lambda parts: (parts[0] % (parts[1] + parts[2]), error("number_too_long"))
    )


def non_utf8_lines(world: World) -> st.SearchStrategy[Line]:
    """A well-formed request with bytes that are not UTF-8 put anywhere in it."""
    requests = st.sampled_from([dump(request) for request in make_valid_shapes(world)])

    @st.composite
    def spoil(draw: st.DrawFn) -> Line:
        line = draw(requests)
        at = draw(st.integers(0, len(line)))
        return line[:at] + draw(INVALID_UTF8) + line[at:], error("not_utf8")

    return spoil()


def wrong_type_lines(world: World) -> st.SearchStrategy[Line]:
    """A request with one field's value of the wrong JSON type."""
    shapes = [request for request in make_valid_shapes(world) if len(request) > 1]

    @st.composite
    def retype(draw: st.DrawFn) -> Line:
        request = dict(draw(st.sampled_from(shapes)))
        field = draw(st.sampled_from(sorted(request)))
        if field in ("environment", "number"):
            value = draw(
                JSON_VALUES.filter(lambda v: not isinstance(v, int) or isinstance(v, bool))
            )
        else:
            value = draw(JSON_VALUES.filter(lambda v: not isinstance(v, str)))
        request[field] = value
        return dump(request), error("bad_field")

    return retype()


def unknown_command_lines() -> st.SearchStrategy[Line]:
    """Requests whose command is no command, some very long."""
    names = st.text(max_size=40) | st.integers(10, 60_000).map(lambda n: "x" * n)
    return names.filter(lambda name: name not in COMMAND_FIELDS).map(
        lambda name: (dump({"command": name}), error("unknown_command"))
    )


def out_of_range_lines() -> st.SearchStrategy[Line]:
    """Requests with an environment or number outside Uint64, or an unregistered environment."""
    beyond = st.sampled_from([-1, -(2**70), 2**64, 2**64 + 1, 10**39]) | st.integers(2**64, 10**39)
    field = st.sampled_from(["environment", "number"])

    def place(pair: tuple[str, int]) -> Line:
        request: dict[str, Any] = {
            "command": "deposit",
            "environment": 0,
            "number": 1,
            "deposit": make_deposit_hex(5),
        }
        request[pair[0]] = pair[1]
        return dump(request), error("out_of_range")

    too_big = st.tuples(field, beyond).map(place)
    # Far above 2, so that an environment a random operation registers is not among them
    unregistered = st.integers(1_000, 2**64 - 1).map(
        lambda env: (
            dump({"command": "exit", "environment": env, "position": make_position_hex(1)}),
            rejected(RejectionReason.UNKNOWN_ENVIRONMENT),
        )
    )
    return too_big | unregistered


def shape_lines(world: World) -> st.SearchStrategy[Line]:
    """Requests with a field missing, an extra field, a field twice, or not an object."""
    shapes = make_valid_shapes(world)

    @st.composite
    def reshape(draw: st.DrawFn) -> Line:
        request = dict(draw(st.sampled_from(shapes)))
        how = draw(st.sampled_from(["missing", "extra", "twice", "command", "not-object"]))
        if how == "missing" and len(request) > 1:
            del request[draw(st.sampled_from(sorted(set(request) - {"command"})))]
            return dump(request), error("missing_field")
        if how == "extra":
            name = draw(st.text(max_size=10).filter(lambda n: n not in request))
            request[name] = draw(JSON_VALUES)
            return dump(request), error("unknown_field")
        if how == "twice":
            name = draw(st.sampled_from(sorted(request)))
            text = dump(request)
            return text[:-1] + b", " + json.dumps(name).encode() + b": 1}", error("duplicate_field")
        if how == "command":
            del request["command"]
            return dump(request), error("missing_field")
        value = draw(JSON_VALUES.filter(lambda v: not isinstance(v, dict)))
        return json.dumps(value).encode(), error("not_an_object")

    return reshape()


def strings_that_look_bad() -> st.SearchStrategy[Line]:
    """Brackets, digits and escapes inside strings, which the limits must not count."""
    count = st.integers(SMALL_LIMITS.max_depth + 1, 5_000)
    inside = st.sampled_from([b"[", b"{", b"9", b'\\"[', b"\\\\", b'\\\\\\"9'])
    return st.tuples(inside, count).map(
        lambda pair: (
            b'{"command": "status", "x": "' + pair[0] * pair[1] + b'"}',
            error("unknown_field"),
        )
    )


def malformed_json_lines() -> st.SearchStrategy[Line]:
    """Lines that are not JSON: cut short, unclosed strings, junk after the value."""
    texts = st.sampled_from(
        [
            b'{"command": "status"',
            b'{"command": "stat',
            b'{"command": "status"} {}',
            b"{command: status}",
            b"{'command': 'status'}",
            b'{"command": "status",}',
            b"nul",
            b'{"command": "\\x"}',
            b"]",
            b"}{",
        ]
    )
    return texts.map(lambda text: (text, error("not_json")))


def bad_hex_lines(world: World) -> st.SearchStrategy[Line]:
    """Hex fields that are not pairs of hex digits."""
    junk = st.sampled_from(["0", "abc", "zz", "00 11", "0x0x00", "\u00e9e9", "00\n"]) | st.text(
        alphabet="ghijklmnopqrstuvwxyz -+", min_size=1, max_size=30
    )
    shapes = [request for request in make_valid_shapes(world) if request["command"] != "status"]

    @st.composite
    def spoil(draw: st.DrawFn) -> Line:
        request = dict(draw(st.sampled_from(shapes)))
        field = next(f for f in COMMAND_FIELDS[request["command"]] if isinstance(request[f], str))
        request[field] = draw(junk)
        return dump(request), error("bad_hex")

    return spoil()


def list_in_flight_lines() -> list[Line]:
    """Well-formed in-flight operations the protocol must reject, and truncated ones."""
    unknown = Uint64(2**64 - 1)
    piggyback = PiggybackInFlightExit(
        Uint64(0), WATCHER.address, unknown, PiggybackSide.OUTPUT, Uint8(255), Uint256(1)
    )
    delete = DeleteInFlightExit(Uint64(CASH_ENVIRONMENT), WATCHER.address, Uint64(0))
    truncated = [f"{tag:02x}" + "00" * 9 for tag in range(13, 20)]
    return [
        (dump(apply_request(piggyback)), rejected(RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)),
        (dump(apply_request(delete)), rejected(RejectionReason.ENVIRONMENT_KIND_MISMATCH)),
        *(
            (
                dump({"command": "apply", "operation": operation}),
                rejected(RejectionReason.ENCODING_TRUNCATED),
            )
            for operation in truncated
        ),
    ]


def plausible_lines(world: World) -> st.SearchStrategy[Line]:
    """Well-formed requests the protocol must reject (or may accept, when random)."""
    environment = st.sampled_from([0, 1])
    height = world.chain_height
    late = Uint64(world.time)
    fixed: list[Line] = [
        (dump(apply_request(AdvanceTime(late))), rejected(RejectionReason.TIME_NOT_INCREASING)),
        (
            dump(
                apply_request(Deposit(Uint64(0), Address(b"\x01" * 20), NATIVE_TOKEN, Uint256(0)))
            ),
            rejected(RejectionReason.DEPOSIT_AMOUNT_ZERO),
        ),
        (
            dump(
                apply_request(
                    SubmitBlock(Uint64(0), Address(b"\x02" * 20), Uint64(4), Hash32(b"\x01" * 32))
                )
            ),
            rejected(RejectionReason.NOT_OPERATOR),
        ),
        (
            dump(apply_request(ProcessExits(Uint64(1), WATCHER.address, NATIVE_TOKEN, Uint32(0)))),
            rejected(RejectionReason.PROCESS_LIMIT_ZERO),
        ),
        (
            dump({"command": "apply", "operation": f"{UNUSED_OPERATION_TAG:02x}"}),
            rejected(RejectionReason.ENCODING_INVALID_TAG),
        ),
        *list_in_flight_lines(),
        (dump({"command": "init", "genesis": "00"}), error("node_exists")),
        (
            dump({"command": "block", "environment": 0, "number": 1, "block": "00" * 9_700}),
            error("oversize_block"),
        ),
    ]
    old_deposit = st.tuples(st.integers(1, height), st.integers(1, 10**6)).map(
        lambda pair: (
            dump(
                {
                    "command": "deposit",
                    "environment": 0,
                    "number": pair[0],
                    "deposit": make_deposit_hex(pair[1]),
                }
            ),
            rejected(RejectionReason.BLOCK_NUMBER_NOT_INCREASING),
        )
    )
    zero_deposit = st.tuples(environment, st.integers(height + 1, 2**64 - 1)).map(
        lambda pair: (
            dump(
                {
                    "command": "deposit",
                    "environment": pair[0],
                    "number": pair[1],
                    "deposit": make_deposit_hex(0),
                }
            ),
            rejected(RejectionReason.OUTPUT_AMOUNT_ZERO),
        )
    )
    missing_exit = st.tuples(environment, st.integers(10**6, 2**64 - 1)).map(
        lambda pair: (
            dump(
                {"command": "exit", "environment": pair[0], "position": make_position_hex(pair[1])}
            ),
            rejected(RejectionReason.EXITED_OUTPUT_NOT_UNSPENT),
        )
    )
    # A number no greater than the chain's height: rejected, whatever the bytes decode to
    old_number = st.tuples(st.just(0), st.integers(0, height)) | st.tuples(st.just(1), st.just(0))
    random_block = st.tuples(old_number, st.binary(max_size=300)).map(
        lambda parts: (
            dump(
                {
                    "command": "block",
                    "environment": parts[0][0],
                    "number": parts[0][1],
                    "block": parts[1].hex(),
                }
            ),
            REJECTED,
        )
    )
    random_operation = st.binary(max_size=200).map(
        lambda data: (dump({"command": "apply", "operation": data.hex()}), ANY | {"maybe-accepted"})
    )
    return st.one_of(
        st.sampled_from(fixed),
        old_deposit,
        zero_deposit,
        missing_exit,
        random_block,
        random_operation,
    )


def junk_lines() -> st.SearchStrategy[Line]:
    """Random bytes, random JSON objects and random text."""
    raw = st.binary(max_size=300).map(lambda data: data.replace(b"\n", b" "))
    objects = (
        st.dictionaries(
            st.sampled_from(["command", "environment", "number", "block", "x"])
            | st.text(max_size=5),
            JSON_VALUES,
            max_size=4,
        )
        .filter(lambda request: str(request.get("command")) not in COMMAND_FIELDS)
        .map(dump)
    )
    text = st.text(max_size=100).map(lambda t: t.encode("utf-8").replace(b"\n", b" "))
    return (raw | objects | text).map(lambda line: (line, ANY))


def bad_lines(world: World) -> st.SearchStrategy[Line]:
    """Every kind of bad line above."""
    return st.one_of(
        blank_lines(),
        huge_lines(),
        deep_lines(),
        long_number_lines(),
        non_utf8_lines(world),
        wrong_type_lines(world),
        unknown_command_lines(),
        out_of_range_lines(),
        shape_lines(world),
        strings_that_look_bad(),
        malformed_json_lines(),
        bad_hex_lines(world),
        plausible_lines(world),
        junk_lines(),
    )


# Generated bad lines


def test_generated_bad_lines_are_refused_cleanly(world: World) -> None:
    """Given one node server with small limits, kept alive, holding a node with some history.

    When it is sent generated bad lines (blank, huge, deep, long numbers, not UTF-8, wrong
    types, unknown commands, out-of-range ids, bad shapes, bad hex, plausible but wrong
    requests, junk), each followed by a status request,
    Then each line gets exactly one typed answer as expected for its kind, the process stays
    alive with nothing on standard error, and the state and files are unchanged after every
    refused line; at least EXAMPLES lines were tried.
    """
    before = sum(world.outcomes.values())

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(line=bad_lines(world))
    def check(line: Line) -> None:
        world.check_line(*line)

    check()
    tried = sum(world.outcomes.values()) - before
    assert tried >= EXAMPLES
    assert world.outcomes["error"] > tried // 2 and world.outcomes["rejected"] > 0
    print(f"node boundaries: {tried} lines, outcomes {dict(world.outcomes)}")


# Limits checked before the work they protect


def test_default_limits_refuse_huge_input_cheaply(tmp_path: Path) -> None:
    """Given a node server with the default limits.

    When it is sent a 50 MB block, a 10 MB command name, JSON nested 1,000 deep, a
    5,000-digit integer, an environment id of 10**300 and of 10**50, non-UTF-8 bytes and
    blank lines,
    Then each gets one typed error, short, and the state and files are unchanged.
    """
    world = World(tmp_path / "node", ["--workers=1"], tmp_path / "stderr.txt")
    deposit = make_deposit_hex(5).encode()
    lines = [
        (
            b'{"command": "block", "environment": 0, "number": 99, "block": "'
            + b"00" * 25_000_000
            + b'"}',
            error("oversize_block"),
        ),
        (b'{"command": "' + b"x" * 10_000_000 + b'"}', error("unknown_command")),
        (b"[" * 1_000 + b"]" * 1_000, error("too_deep")),
        (b'{"command": "status", "x": ' + b"7" * 5_000 + b"}", error("number_too_long")),
        (
            b'{"command": "deposit", "environment": 1'
            + b"0" * 300
            + b', "number": 1, "deposit": "'
            + deposit
            + b'"}',
            error("number_too_long"),
        ),
        (
            b'{"command": "deposit", "environment": 1'
            + b"0" * 50
            + b', "number": 1, "deposit": "'
            + deposit
            + b'"}',
            error("out_of_range"),
        ),
        (b'{"command": "st\xffatus"}', error("not_utf8")),
        (b"", error("empty_line")),
        (b"   ", error("empty_line")),
    ]
    for line, expected in lines:
        world.check_line(line, expected)
    code, errors = world.server.stop()
    assert code == 0 and errors == ""


def make_server(tmp_path: Path) -> Server:
    """Return an in-process server holding a node with one active environment."""
    genesis, _ = build_workload(0, 0, environments_at_genesis=True)
    server = Server(tmp_path / "node", workers=1)
    assert server.answer_line(dump({"command": "init", "genesis": encode(genesis).hex()})) == {
        "ok": True
    }
    return server


def test_step_command_applies_the_steps_of_the_environment_s_kind(tmp_path: Path) -> None:
    """Given a node with payments environments and a Cash one, and a Cash deposit accepted.

    When ``step`` requests carry the Cash mint, the same mint again, a payments step,
    a step of an unknown environment and bytes of no step,
    Then each is decoded as its environment's kind's step and answered as the spec
    answers; the Cash chain's digest in the status is the spec's.
    """
    server = make_server(tmp_path)
    funded = Deposit(Uint64(CASH_ENVIRONMENT), ALICE.address, NATIVE_TOKEN, Uint256(5))
    assert server.answer_line(dump(apply_request(funded))) == {"accepted": True}
    mint = CoinMint(Uint64(1), ALICE.address, NATIVE_TOKEN, Uint256(5))
    assert server.answer_line(dump(step_request(ApplyMint(mint)))) == {"accepted": True}
    assert server.answer_line(dump(step_request(ApplyMint(mint)))) == rejected_answer(
        RejectionReason.BLOCK_NUMBER_NOT_INCREASING
    )
    payments = {"command": "step", "environment": 0, "step": make_exit_step_hex(1)}
    assert server.answer_line(dump(payments)) == rejected_answer(
        RejectionReason.EXITED_OUTPUT_NOT_UNSPENT
    )
    unknown = {**step_request(ApplyMint(mint)), "environment": 9}
    assert server.answer_line(dump(unknown)) == rejected_answer(RejectionReason.UNKNOWN_ENVIRONMENT)
    garbage = {**step_request(ApplyMint(mint)), "step": "ff"}
    assert server.answer_line(dump(garbage)) == rejected_answer(
        RejectionReason.ENCODING_INVALID_TAG
    )
    genesis = compute_genesis_cash_chain(Uint64(CASH_ENVIRONMENT), TINY.coin_tree_depth)
    expected = compute_cash_chain_digest(apply_mint(genesis, mint))
    status = server.answer_line(dump({"command": "status"}))
    assert status["chains"][str(CASH_ENVIRONMENT)]["digest"] == expected.hex()


def rejected_answer(reason: RejectionReason) -> dict[str, object]:
    """Return the answer to a request the protocol rejects with ``reason``."""
    return {"accepted": False, "reason": reason.value}


def test_block_longer_than_any_valid_block_is_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a node of the tiny preset, and block decoding made to fail loudly.

    When a block one byte longer than the largest tiny block arrives, and then one of
    exactly that size,
    Then the first is refused with oversize_block without being decoded; the second is decoded.
    """
    server = make_server(tmp_path)
    largest = compute_largest_block_size(TINY.transaction_tree_depth)

    def fail(*arguments: object) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(node_server, "decode", fail)
    request = {"command": "block", "environment": 0, "number": 4}
    too_long = server.answer_line(dump({**request, "block": "00" * (largest + 1)}))
    assert too_long["error"] == "oversize_block"
    at_most = server.answer_line(dump({**request, "block": "0x" + "00" * largest}))
    assert at_most == {"error": "internal_error", "message": "AssertionError: decoded"}


def test_largest_block_size_is_that_of_a_real_block() -> None:
    """Given the tiny and full presets.

    When the largest block size is computed,
    Then it is the encoding length of a block of 2**depth payments of MAX_INPUTS inputs and
    MAX_OUTPUTS outputs, and the default line limit holds a full preset's largest block.
    """
    output = Output(SOMEONE, NATIVE_TOKEN, Uint256(1))
    position = OutputPosition(Uint64(1), Uint16(0), Uint8(0))
    payment = SignedTransaction(
        Transaction((position,) * MAX_INPUTS, (output,) * MAX_OUTPUTS),
        (Signature(b"\x01" * 65),) * MAX_INPUTS,
    )
    tiny = Block((payment,) * 2 ** int(TINY.transaction_tree_depth))
    assert len(encode(tiny)) == compute_largest_block_size(TINY.transaction_tree_depth)
    full = compute_largest_block_size(FULL.transaction_tree_depth)
    line = b'{"command": "block", "environment": 18446744073709551615, "number": 1, "block": ""}'
    assert len(line) + 2 * full <= Limits().max_line_bytes


def test_limits_are_checked_before_json_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given json.loads made to fail loudly in the request reader.

    When lines over the depth, digit and length limits are parsed,
    Then each is refused with its own code, so none reached the JSON parser.
    """

    def fail(*arguments: object, **options: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr("reference.node.requests.json.loads", fail)
    limits = Limits(max_line_bytes=100, max_depth=3, max_digits=5)
    cases = [
        (b"[[[[1]]]]", "too_deep"),
        (b'{"a": {"b": {"c": {}}}}', "too_deep"),
        (b'{"a": 123456}', "number_too_long"),
        (b"x" * 101, "line_too_long"),
        (b'{"a": "' + b"[" * 9 + b"never closed", "not_json"),
    ]
    for line, code in cases:
        with pytest.raises(RequestError) as refusal:
            parse_request(line, limits)
        assert refusal.value.code == code, line


def measure_depth(value: Any) -> int:
    """Return how deep arrays and objects nest in a JSON value."""
    if isinstance(value, list):
        return 1 + max((measure_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((measure_depth(item) for item in value.values()), default=0)
    return 0


def measure_digits(value: Any) -> int:
    """Return the longest run of digits in the number literals of a JSON value's text."""
    if isinstance(value, list):
        return max((measure_digits(item) for item in value), default=0)
    if isinstance(value, dict):
        return max((measure_digits(item) for item in value.values()), default=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(len(run) for run in re.findall(r"\d+", json.dumps(value)) or [""])
    return 0


NESTED_JSON = st.recursive(
    st.none()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet='ab1[]{}"\\ ', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='k"[1\\', max_size=4), inner, max_size=3)
    ),
    max_leaves=30,
)
"""JSON values with nesting, numbers of any length, and strings full of brackets and escapes."""


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
@given(value=NESTED_JSON, max_depth=st.integers(1, 6), max_digits=st.integers(1, 30))
def test_pre_parse_scan_agrees_with_the_parsed_value(
    value: Any, max_depth: int, max_digits: int
) -> None:
    """Given a generated JSON value and limits.

    When its text is scanned before parsing,
    Then it is refused as too deep exactly when it nests deeper than the limit, and (if not)
    as having a long number exactly when a number literal has more digits than the limit.
    """
    text = json.dumps(value)
    limits = Limits(max_line_bytes=10**9, max_depth=max_depth, max_digits=max_digits)
    depth, digits = measure_depth(value), measure_digits(value)
    try:
        check_before_parsing(text.encode(), limits)
        code = None
    except RequestError as refusal:
        code = refusal.code
    if depth > max_depth:
        assert code == "too_deep"
    elif digits > max_digits:
        assert code == "number_too_long"
    else:
        assert code is None


# Data directories: phantom chain files, refused init, file modes


def run_server(directory: Path, lines: list[bytes], *options: str, **variables: str) -> Any:
    """Run a server on ``directory`` over ``lines``; return its exit status, answers and errors."""
    process = subprocess.run(
        [sys.executable, "-m", "reference.node.server", *options, str(directory)],
        input=b"".join(line + b"\n" for line in lines),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **variables},
        timeout=ANSWER_SECONDS,
        check=False,
    )
    answers = [json.loads(line) for line in process.stdout.splitlines()]
    return process.returncode, answers, process.stderr.decode("utf-8", "replace")


def make_two_environment_node(directory: Path) -> None:
    """Make a node with environments 0 and 1 registered, and a ledger for environment 0 only."""
    genesis, _ = build_workload(0, 0, environments_at_genesis=True)
    deposit = make_deposit_hex(5)
    code, answers, errors = run_server(
        directory,
        [
            dump({"command": "init", "genesis": encode(genesis).hex()}),
            dump({"command": "deposit", "environment": 0, "number": 1, "deposit": deposit}),
        ],
    )
    assert (code, errors) == (0, "") and answers == [{"ok": True}, {"accepted": True}]


def make_foreign_ledger(path: Path) -> None:
    """Make a database with a table, its last writes still in its log (the writer was killed)."""
    script = (
        "import os, sqlite3, sys\n"
        "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "connection.execute('PRAGMA journal_mode=WAL')\n"
        "connection.execute('CREATE TABLE anything (x)')\n"
        "connection.execute('INSERT INTO anything VALUES (1)')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    assert Path(f"{path}-wal").stat().st_size > 0


def make_empty_database(path: Path) -> None:
    """Make a database with no table, as older nodes did for a rejected step."""
    Store(path).close()


def test_phantom_chain_files_are_removed_and_others_kept(tmp_path: Path) -> None:
    """Given a node with environments 0 and 1, a ledger for 0, and left-over chain files.

    (empty ones for unregistered environments 5 and 6, the latter with a -wal file, an empty one
    for registered environment 1, and files whose names are not canonical),
    When the server starts and is asked for its status, twice, then a deposit for environment 1,
    Then the status answers (no unknown_environment), the phantoms are gone with their side
    files, the other files are untouched, and environment 1's ledger is made in its file.
    """
    directory = tmp_path / "node"
    make_two_environment_node(directory)
    make_empty_database(directory / "chain-5.sqlite")
    make_empty_database(directory / "chain-6.sqlite")
    (directory / "chain-6.sqlite-wal").write_bytes(b"")
    make_empty_database(directory / "chain-1.sqlite")
    (directory / "chain-007.sqlite").write_bytes(b"not a database")
    (directory / "chain-x.sqlite").write_bytes(b"not a database")
    for _ in range(2):
        code, answers, errors = run_server(directory, [b'{"command": "status"}'])
        assert (code, errors) == (0, "")
        assert set(answers[0]["chains"]) == {"0"}
    names = {path.name for path in directory.iterdir()}
    assert not {name for name in names if name.startswith(("chain-5.", "chain-6."))}
    assert {"chain-0.sqlite", "chain-1.sqlite", "chain-007.sqlite", "chain-x.sqlite"} <= names
    assert (directory / "chain-007.sqlite").read_bytes() == b"not a database"
    deposit = {"command": "deposit", "environment": 1, "number": 1, "deposit": make_deposit_hex(5)}
    code, answers, errors = run_server(directory, [dump(deposit), b'{"command": "status"}'])
    assert (code, errors) == (0, "")
    assert answers[0] == {"accepted": True} and set(answers[1]["chains"]) == {"0", "1"}


def test_chain_file_holding_a_foreign_ledger_stops_the_server_at_start(tmp_path: Path) -> None:
    """Given a node with two environments and a chain file with tables for environment 9.

    When the server starts,
    Then it exits with status 2 and one line on standard error naming the file, without a
    traceback, and removes nothing.
    """
    directory = tmp_path / "node"
    make_two_environment_node(directory)
    make_foreign_ledger(directory / "chain-9.sqlite")
    before = snapshot_files(directory)
    code, answers, errors = run_server(directory, [b'{"command": "status"}'])
    assert code == 2 and answers == []
    assert "chain-9.sqlite" in errors and "Traceback" not in errors
    assert len(errors.strip().splitlines()) == 1
    assert snapshot_files(directory) == before


def test_refused_requests_before_init_create_no_directory(tmp_path: Path) -> None:
    """Given a server on a directory that does not exist yet.

    When it is sent a status, requests of every command, and inits with a bad genesis,
    Then each is refused (no_node, bad_hex, invalid_genesis), and no directory or file appears.
    """
    directory = tmp_path / "missing" / "node"
    deposit = make_deposit_hex(5)
    lines = [
        b'{"command": "status"}',
        dump({"command": "deposit", "environment": 0, "number": 1, "deposit": deposit}),
        dump({"command": "exit", "environment": 0, "position": make_position_hex(1)}),
        dump({"command": "block", "environment": 0, "number": 4, "block": "00000000"}),
        dump(apply_request(AdvanceTime(Uint64(5)))),
        b'{"command": "init", "genesis": "zz"}',
        b'{"command": "init", "genesis": "00"}',
        b'{"command": "init", "genesis": "' + b"ab" * 500 + b'"}',
    ]
    code, answers, errors = run_server(directory, lines)
    assert (code, errors) == (0, "")
    codes = [answer.get("error") for answer in answers]
    assert codes == ["no_node"] * 5 + ["bad_hex", "invalid_genesis", "invalid_genesis"]
    assert not (tmp_path / "missing").exists()


def test_init_refuses_a_directory_holding_chain_ledgers(tmp_path: Path) -> None:
    """Given an existing directory without a node but with a chain file that has tables.

    When a server is started on it and sent an init with a valid genesis,
    Then init is refused with directory_in_use, and no file appears or changes.
    """
    directory = tmp_path / "node"
    directory.mkdir()
    make_foreign_ledger(directory / "chain-0.sqlite")
    before = snapshot_files(directory)
    genesis, _ = build_workload(0, 0)
    line = dump({"command": "init", "genesis": encode(genesis).hex()})
    code, answers, errors = run_server(directory, [line, b'{"command": "status"}'])
    assert (code, errors) == (0, "")
    assert [answer["error"] for answer in answers] == ["directory_in_use", "no_node"]
    assert snapshot_files(directory) == before


def get_mode(path: Path) -> int:
    """Return a file's permission bits."""
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize(("options", "file_mode"), [([], 0o600), (["--file-mode=640"], 0o640)])
def test_files_the_node_creates_are_private(
    tmp_path: Path, options: list[str], file_mode: int
) -> None:
    """Given a server on a directory whose parent does not exist, with or without --file-mode.

    When a node is created and steps are applied (the server still running),
    Then the directories it made are 0700 (0750 with 640), and every file, -wal and -shm
    included, is 0600 (0640 with 640).
    """
    directory = tmp_path / "parent" / "node"
    genesis, _ = build_workload(0, 0, environments_at_genesis=True)
    server = NodeProcess(directory, options, tmp_path / "stderr.txt")
    assert server.ask_request({"command": "init", "genesis": encode(genesis).hex()}) == {"ok": True}
    deposit = {"command": "deposit", "environment": 0, "number": 1, "deposit": make_deposit_hex(5)}
    assert server.ask_request(deposit) == {"accepted": True}
    assert server.ask_request(apply_request(AdvanceTime(Uint64(10**6)))) == {"accepted": True}
    names = {path.name for path in directory.iterdir()}
    assert {"settlement.sqlite-wal", "settlement.sqlite-shm", "chain-0.sqlite-wal"} <= names
    directory_mode = file_mode | ((file_mode & 0o444) >> 2)
    assert get_mode(directory) == directory_mode
    assert get_mode(directory.parent) == directory_mode
    assert {path.name: get_mode(path) for path in directory.iterdir()} == dict.fromkeys(
        names, file_mode
    )
    assert server.stop() == (0, "")


@pytest.mark.parametrize(
    "options",
    [
        ["--max-depth=0"],
        ["--max-line-bytes=-5"],
        ["--max-digits=many"],
        ["--file-mode=999"],
        ["--file-mode=400"],
        ["--workers=0"],
        ["--no-such-option"],
    ],
)
def test_bad_options_stop_the_server_with_a_usage_error(tmp_path: Path, options: list[str]) -> None:
    """Given a bad option value.

    When the server starts with it,
    Then it exits with status 2, explains on standard error without a traceback, and creates
    nothing.
    """
    code, answers, errors = run_server(tmp_path / "node", [b'{"command": "status"}'], *options)
    assert code == 2 and answers == []
    assert errors.strip() and "Traceback" not in errors
    assert not (tmp_path / "node").exists()


def test_answers_do_not_depend_on_the_locale(tmp_path: Path) -> None:
    """Given a server run under a C locale, and one under a UTF-8 locale.

    When both get the same lines (non-UTF-8 bytes, non-ASCII text, a valid request),
    Then both answer byte for byte the same, with the typed errors.
    """
    lines = [
        b'{"command": "st\xe9tus"}',
        '{"command": "st\u00e9tus \u2603"}'.encode(),
        b"\xff\xfe\x00",
        b'{"command": "status"}',
    ]
    outputs = []
    for locale in ("C", "C.UTF-8"):
        variables = {"LC_ALL": locale, "LANG": locale, "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
        code, answers, errors = run_server(tmp_path / locale, lines, **variables)
        assert (code, errors) == (0, "")
        outputs.append(answers)
    assert outputs[0] == outputs[1]
    assert [answer["error"] for answer in outputs[0]] == [
        "not_utf8",
        "unknown_command",
        "not_utf8",
        "no_node",
    ]
